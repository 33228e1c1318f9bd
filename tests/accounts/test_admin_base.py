"""What every admin page shares: odd query strings answer without a 500, the database's rules
show in words beside their fields, JSON fields keep their shape, and every change to a
history-tracked model asks why and leaves a history that reads true."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import BaseConstraint
from django.urls import reverse

from accounts.models import Account
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence
from qualification.models import (
    Checklist,
    EnrichmentSettings,
    Framework,
    FrameworkItem,
    IcpRule,
    IcpSettings,
    ReasonCode,
    ScoringRule,
    Segment,
    Stage,
)
from tests.factories import LeadFactory, SegmentFactory, UserFactory, in_days, reason
from tests.qualification.test_admin import MAKERS, _form_data

pytestmark = pytest.mark.django_db

REASON = "change_reason"


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def history_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])


def post_change(client, obj, **changes):
    """Post `obj`'s admin change form back as the browser would, with `changes` made."""
    url = change_url(obj)
    data = _form_data(client.get(url))
    data.update(changes)
    return client.post(url, {key: value for key, value in data.items() if value is not None})


def compact(page: str) -> str:
    return "".join(page.split())


def form_errors(response) -> dict:
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


# Odd query strings ---------------------------------------------------------------------------


def odd_parameters(model) -> list[str]:
    """A NUL in the search and in each filter, and years no date can have, on the date the
    changelist drills into (or the model's first date)."""
    model_admin = admin.site._registry[model]
    odd = ["q=%00"]
    odd += [f"{name}__exact=%00" for name in model_admin.list_filter if isinstance(name, str)]
    dates = [f.name for f in model._meta.fields if isinstance(f, models.DateField)]
    date = model_admin.date_hierarchy or (dates[0] if dates else None)
    if date:
        odd += [
            f"{date}__year=99999999",
            f"{date}__year=0",
            f"{date}__year=99999999999999999999999",
            f"{date}__year=9999&{date}__month=12",
            f"{date}__year=9999&{date}__month=12&{date}__day=31",
        ]
    return odd


@pytest.mark.parametrize("model", MAKERS, ids=lambda model: model.__name__)
def test_odd_changelist_parameters_never_answer_500(admin_client, model):
    MAKERS[model]()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    admin_client.raise_request_exception = False

    answers = {
        query: admin_client.get(f"{url}?{query}").status_code for query in odd_parameters(model)
    }

    assert {query: code for query, code in answers.items() if code not in {200, 302, 400}} == {}


def test_odd_parameters_on_djangos_own_user_list_never_answer_500(admin_client):
    admin_client.raise_request_exception = False
    url = reverse("admin:auth_user_changelist")
    odd = ["q=%00", "is_staff__exact=%00", "date_joined__year=99999999", "last_login__year=0"]

    answers = {query: admin_client.get(f"{url}?{query}").status_code for query in odd}

    assert {query: code for query, code in answers.items() if code not in {200, 302, 400}} == {}


def test_a_nul_in_an_autocomplete_search_does_not_answer_500(admin_client):
    LeadFactory()
    admin_client.raise_request_exception = False

    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "\x00",
            "app_label": "qualification",
            "model_name": "lead",
            "field_name": "contact",
        },
    )

    assert response.status_code in {200, 400}


def test_clearing_the_owner_of_an_sal_lead_is_refused_beside_the_owner(admin_client):
    lead = LeadFactory(stage=Stage.SAL, owner=UserFactory())

    response = post_change(admin_client, lead, owner="", **{REASON: "Owner left"})

    assert form_errors(response) == {
        "owner": ["An SAL, SQL or opportunity lead must have an owner."]
    }
    lead.refresh_from_db()
    assert lead.owner_id is not None


@pytest.mark.parametrize("answers", ["null", "[1, 2]", '"CFO"', "3"])
def test_form_answers_that_are_not_an_object_are_a_form_error(admin_client, answers):
    lead = LeadFactory(form_answers={"role": "CFO"})

    response = post_change(admin_client, lead, form_answers=answers, **{REASON: "Typo"})

    assert list(form_errors(response)) == ["form_answers"]
    lead.refresh_from_db()
    assert lead.form_answers == {"role": "CFO"}


def test_territories_that_are_not_a_list_are_a_form_error(admin_client):
    segment = SegmentFactory(territories=["UK"])

    response = post_change(admin_client, segment, territories='{"UK": 1}', **{REASON: "Typo"})

    assert list(form_errors(response)) == ["territories"]


# The database's rules, in words, beside their fields -------------------------------------------


def our_constraints() -> list:
    return [
        pytest.param(constraint, id=constraint.name)
        for label in ("accounts", "qualification", "review")
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    ]


@pytest.mark.parametrize("constraint", our_constraints())
def test_every_constraint_states_its_rule_in_words(constraint: BaseConstraint):
    message = constraint.violation_error_message

    assert message != constraint.default_violation_error_message
    assert "_" not in message and constraint.name not in message
    assert message[0].isupper() and message.endswith(".")


def test_a_nurture_floor_over_the_threshold_is_refused_beside_the_floor(admin_client):
    segment = SegmentFactory(mql_threshold=70, nurture_floor=40)

    response = post_change(admin_client, segment, nurture_floor=80, **{REASON: "Tighter"})

    assert form_errors(response) == {
        "nurture_floor": [Segment._meta.constraints[0].violation_error_message]
    }
    assert "segment_floor_below_threshold" not in response.text


def test_a_business_day_ending_before_it_starts_is_refused_beside_its_end(admin_client):
    segment = SegmentFactory()

    response = post_change(
        admin_client, segment, business_day_start="18:00", business_day_end="09:00",
        **{REASON: "Night shift"},
    )  # fmt: skip

    assert list(form_errors(response)) == ["business_day_end"]
    assert "segment_business_day_ordered" not in response.text


def test_tier_b_needing_more_points_than_tier_a_is_refused_beside_tier_b(admin_client):
    cutoffs = IcpSettings.load()

    response = post_change(admin_client, cutoffs, tier_b_min_points=90, **{REASON: "Stricter"})

    assert list(form_errors(response)) == ["tier_b_min_points"]
    assert "icp_tier_b_below_a" not in response.text


def test_an_activity_rule_without_a_half_life_is_refused_beside_it(admin_client):
    rule = ScoringRule.objects.filter(kind="activity").first()

    response = post_change(admin_client, rule, half_life_days=0, **{REASON: "No decay"})

    assert list(form_errors(response)) == ["half_life_days"]
    assert "activity_rule_has_half_life" not in response.text


def test_a_second_checklist_for_the_same_framework_is_refused_beside_it(admin_client):
    lead = LeadFactory()
    framework = Framework.objects.get(key="bant")
    Checklist.objects.create(lead=lead, framework=framework)

    response = admin_client.post(
        reverse("admin:qualification_checklist_add"),
        {
            "lead": lead.pk,
            "framework": framework.pk,
            "answers-TOTAL_FORMS": 0,
            "answers-INITIAL_FORMS": 0,
        },
    )

    assert form_errors(response) == {
        "framework": ["This lead already has a checklist for this framework."]
    }


# Every change asks why; the history reads true ---------------------------------------------


def test_a_change_without_a_reason_is_refused(admin_client):
    code = ReasonCode.objects.get(code="timing")

    response = post_change(admin_client, code, label="Bad timing")

    assert list(form_errors(response)) == [REASON]
    code.refresh_from_db()
    assert code.label != "Bad timing"


@pytest.mark.parametrize(
    "obj",
    [
        lambda: ReasonCode.objects.get(code="timing"),
        lambda: LeadFactory(),
        lambda: Account.objects.create(name="Acme", domain="acme.example"),
    ],
    ids=["reason code", "lead", "account"],
)
def test_the_reason_is_saved_as_the_history_reason(admin_client, obj):
    obj = obj()

    response = post_change(admin_client, obj, **{REASON: "Agreed at the pipeline review"})

    assert response.status_code == 302
    assert obj.history.latest().history_change_reason == "Agreed at the pipeline review"


def test_inline_rows_saved_with_their_parent_carry_its_reason(admin_client):
    framework = Framework.objects.get(key="bant")
    item = framework.items.order_by("position", "pk").first()
    url = change_url(framework)
    data = _form_data(admin_client.get(url))
    prefix = next(key for key, value in data.items() if key.endswith("-id") and value == item.pk)
    prefix = prefix.removesuffix("-id")
    data[f"{prefix}-label"] = "Budget (confirmed in writing)"
    data[REASON] = "Finance asks for it in writing"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    latest = FrameworkItem.history.filter(id=item.pk).latest()
    assert latest.label == "Budget (confirmed in writing)"
    assert latest.history_change_reason == "Finance asks for it in writing"


def test_an_empty_old_value_shows_as_a_dash_not_a_deleted_object(admin_client):
    lead = LeadFactory(stage=Stage.NEW, owner=None)
    owner = UserFactory(first_name="Maya", last_name="Okafor")
    assert post_change(admin_client, lead, owner=owner.pk, **{REASON: "Hers"}).status_code == 302
    transition_lead(
        lead=lead,
        to=Stage.NURTURE,
        actor=owner,
        evidence=Evidence(reason_code=reason("timing"), recycle_on=in_days(30)),
    )

    page = admin_client.get(history_url(lead)).text

    assert "pk=None" not in page
    assert "<strong>Owner:</strong>—&nbsp;&rarr;" in compact(page)
    assert "<strong>Reasoncode:</strong>—&nbsp;&rarr;" in compact(page)
    assert "+00:00" not in page  # times as the admin shows them, not Python's repr


SEEDED_RULES = [
    ReasonCode,
    Framework,
    FrameworkItem,
    IcpSettings,
    IcpRule,
    ScoringRule,
    EnrichmentSettings,
]


@pytest.mark.parametrize("model", SEEDED_RULES, ids=lambda model: model.__name__)
def test_every_seeded_rule_starts_its_history(model):
    assert model.objects.exists()
    tracked = set(model.history.values_list("id", flat=True))

    assert set(model.objects.values_list("pk", flat=True)) <= tracked


def test_the_first_edit_of_a_seeded_rule_shows_what_changed(admin_client):
    rule = ScoringRule.objects.get(kind="activity", value="pricing_page")
    before = rule.points

    response = post_change(admin_client, rule, points=before + 5, **{REASON: "Pricing converts"})
    assert response.status_code == 302
    page = admin_client.get(history_url(rule)).text

    assert "Pricing converts" in page
    assert f"<strong>Points:</strong>{before}&nbsp;&rarr;&nbsp;&nbsp;{before + 5}" in compact(page)


def test_a_view_only_page_asks_no_reason(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_reasoncode"))
    client.force_login(viewer)
    code = ReasonCode.objects.get(code="timing")

    response = client.get(change_url(code))

    assert response.status_code == 200
    shown = [
        name for _, options in response.context["adminform"].fieldsets for name in options["fields"]
    ]
    assert REASON not in shown
