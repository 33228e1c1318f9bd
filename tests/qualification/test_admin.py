"""The admin, for every registered model of our apps, and the lead-stage guard it keeps."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import PERSON, Account, AccountFieldSource, BuyingGroupRole, Contact
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Automation
from qualification.models import (
    AccountMatch,
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    EnrichmentRun,
    EnrichmentSettings,
    FirmographicRecord,
    Framework,
    FrameworkItem,
    IcpRule,
    IcpSettings,
    ImportJob,
    ImportRow,
    IntakeRequest,
    IntakeSource,
    Lead,
    MatchSettings,
    ReasonCode,
    ScoringRule,
    Segment,
    SlaBreachNotice,
    Stage,
    StageTransition,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    confirm_framework,
)

pytestmark = pytest.mark.django_db


def _transition() -> StageTransition:
    lead = LeadFactory(stage=Stage.NEW)
    return transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-score"))


def _framework() -> Framework:
    framework = Framework.objects.create(key=f"fw{Framework.objects.count()}", name="Custom")
    FrameworkItem.objects.create(framework=framework, key="pain", label="Pain")
    return framework


def _reason_code() -> ReasonCode:
    return ReasonCode.objects.create(code=f"code{ReasonCode.objects.count()}", label="Other")


def _checklist() -> Checklist:
    return confirm_framework(LeadFactory(stage=Stage.SAL, owner=UserFactory()))


def _answer() -> ChecklistAnswer:
    return _checklist().answers.first()


def _note() -> DiscoveryNote:
    return DiscoveryNote.objects.create(lead=LeadFactory(), author=UserFactory(), body="Met CFO")


def _import_job() -> ImportJob:
    return ImportJob.objects.create(
        file="imports/leads.csv",
        original_name="leads.csv",
        source_system="tradeshow",
        segment=SegmentFactory(),
        uploaded_by=UserFactory(),
    )


def _import_row() -> ImportRow:
    return ImportRow.objects.create(
        job=_import_job(), row_number=2, outcome=ImportRow.Outcome.CREATED, lead=LeadFactory()
    )


def _intake_source() -> IntakeSource:
    number = IntakeSource.objects.count()
    return IntakeSource.objects.create(
        name=f"Website form {number}", token_hash=f"{number:064d}", segment=SegmentFactory()
    )


def _intake_request() -> IntakeRequest:
    return IntakeRequest.objects.create(
        source=_intake_source(),
        idempotency_key="form-1",
        lead=LeadFactory(),
        outcome=ImportRow.Outcome.CREATED,
    )


def _icp_settings() -> IcpSettings:
    # The seeded row is pk 1, set explicitly, so PostgreSQL's sequence has not moved past it.
    return IcpSettings.objects.create(pk=IcpSettings.objects.count() + 1)


def _icp_rule() -> IcpRule:
    return IcpRule.objects.create(
        name="Target industry",
        attribute=IcpRule.Attribute.INDUSTRY,
        match=IcpRule.Match.IN,
        values=["Software"],
        points=20,
    )


def _scoring_rule() -> ScoringRule:
    return ScoringRule.objects.create(
        name="Pricing page",
        kind=ScoringRule.Kind.ACTIVITY,
        value="pricing_page",
        points=25,
        half_life_days=14,
    )


def _firmographic() -> FirmographicRecord:
    n = FirmographicRecord.objects.count()
    return FirmographicRecord.objects.create(
        source="inc5000",
        key=f"firm{n}.io",
        domain=f"firm{n}.io",
        line=n + 2,
        loaded_at=timezone.now(),
    )


def _breach() -> SlaBreachNotice:
    lead = LeadFactory(stage=Stage.MQL, sla_due_at=timezone.now())
    return SlaBreachNotice.objects.create(lead=lead, stage=Stage.MQL, sla_due_at=lead.sla_due_at)


def _account_match() -> AccountMatch:
    match = AccountMatch.objects.create(
        lead=LeadFactory(), company="Acme", outcome=AccountMatch.Outcome.REVIEW
    )
    match.candidates.create(account=AccountFactory(), confidence="0.80", reasons=[])
    return match


# One new row of each model, each with its own related rows (an N+1 would show).
MAKERS = {
    Account: lambda: AccountFactory(owner=UserFactory()),
    Contact: ContactFactory,
    BuyingGroupRole: BuyingGroupRoleFactory,
    Segment: lambda: SegmentFactory(),
    ReasonCode: _reason_code,
    Lead: lambda: LeadFactory(owner=UserFactory()),
    Activity: lambda: ActivityFactory(actor=UserFactory()),
    StageTransition: _transition,
    Framework: _framework,
    FrameworkItem: lambda: _framework().items.first(),
    Checklist: _checklist,
    ChecklistAnswer: _answer,
    DiscoveryNote: _note,
    # The admin offers no way to add these: jobs and intake write them, or there is one row.
    IcpSettings: _icp_settings,
    IcpRule: _icp_rule,
    ScoringRule: _scoring_rule,
    SlaBreachNotice: _breach,
    EnrichmentSettings: lambda: EnrichmentSettings.objects.create(),
    FirmographicRecord: _firmographic,
    EnrichmentRun: lambda: EnrichmentRun.objects.create(started_by=UserFactory()),
    ImportJob: _import_job,
    ImportRow: _import_row,
    IntakeSource: _intake_source,
    IntakeRequest: _intake_request,
    MatchSettings: MatchSettings.load,
    AccountMatch: _account_match,
}
NO_ADD_PAGE = {
    StageTransition,
    SlaBreachNotice,
    ImportJob,
    ImportRow,
    IntakeSource,
    IntakeRequest,
    IcpSettings,  # its one row is seeded
    EnrichmentSettings,  # one row, made when first read
    FirmographicRecord,  # load_firmographics writes them
    EnrichmentRun,
    MatchSettings,  # one row, made on first use
    AccountMatch,  # the matcher writes them
}


def our_models() -> list:
    return [
        model
        for model in admin.site._registry
        if model._meta.app_label in {"accounts", "qualification"}
    ]


def test_every_model_of_our_apps_is_registered():
    assert set(our_models()) == set(MAKERS)


@pytest.mark.parametrize("model", MAKERS, ids=lambda model: model.__name__)
def test_the_changelist_and_change_page_open_for_a_superuser(admin_client, model):
    obj = MAKERS[model]()
    opts = model._meta

    changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    change = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )

    assert changelist.status_code == 200
    assert change.status_code == 200


@pytest.mark.parametrize(
    "model",
    [model for model in MAKERS if model not in NO_ADD_PAGE],
    ids=lambda model: model.__name__,
)
def test_the_add_page_opens_for_a_superuser(admin_client, model):
    opts = model._meta

    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", MAKERS, ids=lambda model: model.__name__)
def test_a_changelist_runs_as_many_queries_for_four_rows_as_for_one(admin_client, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    MAKERS[model]()
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200

    for _ in range(3):
        MAKERS[model]()
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(url).status_code == 200

    assert len(many) == len(few)


# Lead stage is read-only -------------------------------------------------------------------


def _form_data(response) -> dict:
    """The admin change form's data as the browser would post it back unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = value
    return data


def test_lead_stage_cannot_be_changed_in_the_admin(admin_client):
    lead = LeadFactory(stage=Stage.MQL)
    url = reverse("admin:qualification_lead_change", args=[lead.pk])
    data = _form_data(admin_client.get(url))
    assert "stage" not in data

    data.update(stage=Stage.OPPORTUNITY, next_action="Call back on Monday", change_reason="Agreed")
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    lead.refresh_from_db()
    assert lead.next_action == "Call back on Monday"
    assert lead.stage == Stage.MQL


def test_the_lead_change_page_shows_stage_and_timers_as_text(admin_client):
    lead = LeadFactory(stage=Stage.MQL, sla_due_at=timezone.now())

    response = admin_client.get(reverse("admin:qualification_lead_change", args=[lead.pk]))

    form = response.context["adminform"].form
    for name in ("stage", "stage_entered_at", "sla_due_at", "first_touch_at"):
        assert name not in form.fields


SCORED = (
    "fit_tier",
    "intent_score",
    "intent_band",
    "score_explanation",
    "scored_at",
    "manual_review",
)


def test_scores_bands_and_tier_are_read_only_in_the_lead_admin(admin_client):
    lead = LeadFactory(stage=Stage.NEW, fit_tier="B", intent_score=55, intent_band="medium")
    url = reverse("admin:qualification_lead_change", args=[lead.pk])
    page = admin_client.get(url)
    assert not set(SCORED) & set(page.context["adminform"].form.fields)

    data = _form_data(page)
    data.update(
        fit_tier="A", intent_score=99, intent_band="high", score_explanation="[]",
        manual_review="on", change_reason="Looks hot",
    )  # fmt: skip
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    lead.refresh_from_db()
    assert (lead.fit_tier, lead.intent_score, lead.intent_band) == ("B", 55, "medium")
    assert lead.manual_review is False


def test_reverting_a_lead_to_an_old_version_is_refused(admin_client):
    lead = LeadFactory(stage=Stage.NEW)
    transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-score"))
    first = lead.history.earliest()
    url = reverse("admin:qualification_lead_simple_history", args=[lead.pk, first.history_id])

    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"contact": lead.contact_id})

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


# The audit trail is read-only --------------------------------------------------------------


def test_stage_transitions_cannot_be_added_changed_or_deleted(admin_client):
    step = _transition()
    base = "admin:qualification_stagetransition"

    add = admin_client.get(reverse(f"{base}_add"))
    change = admin_client.post(reverse(f"{base}_change", args=[step.pk]), {"note": "edited"})
    delete = admin_client.post(reverse(f"{base}_delete", args=[step.pk]), {"post": "yes"})

    assert add.status_code == 403
    assert change.status_code == 403
    assert delete.status_code == 403
    step.refresh_from_db()
    assert step.note == ""


# RevOps tunes definitions without code ------------------------------------------------------


def test_revops_changes_a_segments_thresholds_and_sla(client, revops):
    segment = SegmentFactory(slug="smb", name="SMB")
    client.force_login(revops)
    url = reverse("admin:qualification_segment_change", args=[segment.pk])
    data = _form_data(client.get(url))

    data.update(
        mql_threshold=65,
        nurture_floor=35,
        sla_first_touch_hours=2,
        time_zone="America/New_York",
        change_reason="SMB moves faster",
    )
    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    segment.refresh_from_db()
    assert (segment.mql_threshold, segment.nurture_floor) == (65, 35)
    assert segment.sla_first_touch_hours == 2
    assert segment.time_zone == "America/New_York"
    assert segment.history.latest().history_user == revops


def test_a_segment_with_an_unknown_time_zone_is_refused(client, revops):
    segment = SegmentFactory(slug="smb", name="SMB")
    client.force_login(revops)
    url = reverse("admin:qualification_segment_change", args=[segment.pk])
    data = _form_data(client.get(url))

    data.update(time_zone="Mars/Olympus")
    response = client.post(url, data)

    assert response.status_code == 200
    assert "IANA time zone" in response.text
    segment.refresh_from_db()
    assert segment.time_zone == "Europe/London"


def test_a_segment_floor_above_its_threshold_is_refused(client, revops):
    segment = SegmentFactory(slug="smb", name="SMB")
    client.force_login(revops)
    url = reverse("admin:qualification_segment_change", args=[segment.pk])
    data = _form_data(client.get(url))

    data.update(mql_threshold=50, nurture_floor=60, change_reason="Stricter")
    response = client.post(url, data)

    assert response.status_code == 200
    assert "The nurture floor cannot be over the MQL threshold" in response.text
    segment.refresh_from_db()
    assert segment.mql_threshold == 70


def test_revops_adds_a_framework_item_inline(client, revops):
    framework = Framework.objects.get(key="bant")
    client.force_login(revops)
    url = reverse("admin:qualification_framework_change", args=[framework.pk])
    data = _form_data(client.get(url))
    total = int(data["items-TOTAL_FORMS"])

    data.update(
        {
            "items-TOTAL_FORMS": total + 1,
            f"items-{total}-key": "champion",
            f"items-{total}-label": "Champion",
            f"items-{total}-position": 9,
            f"items-{total}-required_for_sql": "on",
            "change_reason": "Deals stall without a champion",
        }
    )
    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    item = framework.items.get(key="champion")
    assert item.required_for_sql
    assert item.history.latest().history_user == revops
    assert item.history.latest().history_change_reason == "Deals stall without a champion"


def test_a_reason_codes_code_is_fixed_once_created(admin_client):
    timing = ReasonCode.objects.get(code="timing")

    response = admin_client.get(reverse("admin:qualification_reasoncode_change", args=[timing.pk]))

    assert "code" not in response.context["adminform"].form.fields


@pytest.mark.parametrize("model", NO_ADD_PAGE, ids=lambda model: model.__name__)
def test_records_written_by_code_have_no_add_page(admin_client, model):
    opts = model._meta

    response = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))

    assert response.status_code == 403


def test_the_lead_history_page_has_no_inline_style_for_the_csp_to_block(admin_client):
    lead = LeadFactory(stage=Stage.NEW)
    transition_lead(lead=lead, to=Stage.MQL, actor=Automation("intent-score"))

    response = admin_client.get(reverse("admin:qualification_lead_history", args=[lead.pk]))

    assert response.status_code == 200
    assert "Mark MQL: New → MQL" in response.text
    assert 'style="' not in response.text


# A person's edit of an account's firmographics -------------------------------------------------


def test_an_edit_in_the_admin_marks_the_fields_it_changed_as_set_by_a_person(admin_client):
    account = AccountFactory(industry="", employee_count=None)
    AccountFieldSource.objects.create(
        account=account, field="industry", source="inc5000", set_at=timezone.now()
    )
    url = reverse("admin:accounts_account_change", args=[account.pk])
    data = _form_data(admin_client.get(url))
    data.update(employee_count="40", industry="Retail", change_reason="Called them")

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    sources = {s.field: s for s in AccountFieldSource.objects.filter(account=account)}
    assert set(sources) == {"industry", "employee_count"}  # country, revenue: not touched
    assert all(s.source == PERSON and s.set_by.username == "admin" for s in sources.values())


# Enrichment settings ------------------------------------------------------------------------------


def _loaded(source: str) -> None:
    FirmographicRecord.objects.create(
        source=source, key="acme.io", domain="acme.io", line=2, loaded_at=timezone.now()
    )


def test_revops_reorders_the_providers_and_the_history_says_why(client, revops):
    _loaded("fortune500")
    _loaded("inc5000")
    settings = EnrichmentSettings.load()
    url = reverse("admin:qualification_enrichmentsettings_change", args=[settings.pk])
    client.force_login(revops)
    data = _form_data(client.get(url))
    data.update(
        providers='["inc5000", "fortune500"]',
        employee_count_policy="overwrite_own",
        change_reason="Inc. is fresher",
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    settings.refresh_from_db()
    assert settings.providers == ["inc5000", "fortune500"]
    assert settings.policy("employee_count") == "overwrite_own"
    assert settings.history.order_by("-history_id").first().history_change_reason == (
        "Inc. is fresher"
    )


def test_a_provider_never_loaded_is_refused_beside_the_field(admin_client):
    _loaded("inc5000")
    settings = EnrichmentSettings.load()
    url = reverse("admin:qualification_enrichmentsettings_change", args=[settings.pk])
    data = _form_data(admin_client.get(url))
    data.update(providers='["inc5000", "dnb"]', change_reason="Try D&B")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["providers"]
    assert "“dnb” is no provider" in errors["providers"][0]
