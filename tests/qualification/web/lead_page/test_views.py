"""The lead page as the AE's discovery workspace: its writes, its gates and its permissions."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.models import BuyingGroupRole, IcpTier
from qualification.jobs.tasks import score_and_route
from qualification.models import (
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    FrameworkItem,
    Stage,
)
from qualification.scoring.intent import score_leads
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
    confirm_framework,
    in_days,
    reason,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Role = BuyingGroupRole.Role


def page(lead, query: str = "") -> str:
    return reverse("qualification:lead-detail", args=[lead.pk]) + query


def answer_url(lead, item) -> str:
    return reverse("qualification:save-answer", args=[lead.pk, item.pk])


def move_url(lead) -> str:
    return reverse("qualification:move-lead", args=[lead.pk])


def item(framework: str = "bant", key: str = "need") -> FrameworkItem:
    return FrameworkItem.objects.get(framework__key=framework, key=key)


def sal(owner, **kwargs):
    return LeadFactory(stage=Stage.SAL, owner=owner, **kwargs)


def meeting_in(days: int = 2) -> str:
    return (timezone.localtime() + dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def second_contact(lead, role=Role.ECONOMIC_BUYER):
    return BuyingGroupRoleFactory(contact=ContactFactory(account=lead.account), role=role)


# Writes: one POST-only view each, refused to those who do not work the lead -----------------------

WRITES = ["save-answer", "add-note", "map-role", "change-role", "remove-role", "move-lead"]


def write_url(name: str, lead) -> str:
    if name == "save-answer":
        return answer_url(lead, item())
    if name in ("change-role", "remove-role"):
        role = BuyingGroupRoleFactory(contact=lead.contact)
        return reverse(f"qualification:{name}", args=[lead.pk, role.pk])
    return reverse(f"qualification:{name}", args=[lead.pk])


@pytest.mark.parametrize("name", WRITES)
def test_it_rejects_get(client, ae, name):
    client.force_login(ae)
    assert client.get(write_url(name, sal(ae))).status_code == 405


@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("role", [roles.REVOPS, roles.MARKETING])
def test_roles_that_do_not_work_leads_are_refused(client, name, role):
    user = UserFactory(role=role)
    client.force_login(user)
    assert client.post(write_url(name, sal(user)), {}).status_code == 403


@pytest.mark.parametrize("name", WRITES)
def test_an_ae_who_does_not_work_the_lead_is_refused(client, ae, name):
    client.force_login(ae)
    lead = sal(UserFactory(role=roles.AE))
    assert client.post(write_url(name, lead), {}).status_code == 403


@pytest.mark.parametrize("name", WRITES)
def test_the_post_needs_a_csrf_token(ae, name):

    client = Client(enforce_csrf_checks=True)
    client.force_login(ae)
    assert client.post(write_url(name, sal(ae)), {}).status_code == 403


def test_a_manager_may_work_any_lead(client, manager):
    client.force_login(manager)
    lead = sal(UserFactory(role=roles.AE))
    response = client.post(
        reverse("qualification:add-note", args=[lead.pk]), {"body": "Reviewed with the AE."}
    )
    assert response.status_code == 302
    assert lead.discovery_notes.get().author == manager


def test_readers_see_the_page_without_its_forms(client, marketing, ae):
    client.force_login(marketing)
    response = client.get(page(sal(ae)))
    assert response.status_code == 200
    assert b'name="answer"' not in response.content
    assert b"Only the lead's owner" in response.content


# An MQL is accepted or rejected only within the queue's SDR scope, from this page too ----------


def mql_move(transition: str) -> dict:
    """The lead page's post of `transition` out of MQL, with evidence that would pass."""
    evidence = {
        "accept": {
            "next_action": "Book the demo",
            "next_action_due": in_days(1).isoformat(),
            "icp_confirmed": "on",
        },
        "reject": {"reason_code": reason("bad_fit").pk, "note": "Agency, not a buyer"},
        "reject-to-nurture": {
            "reason_code": reason("timing").pk,
            "recycle_on": in_days(90).isoformat(),
            "note": "Budget in Q3",
        },
        "disqualify": {"reason_code": reason("junk").pk, "note": "Spam"},
    }[transition]
    return {"transition": transition, **{f"{transition}-{k}": v for k, v in evidence.items()}}


MQL_MOVES = ["accept", "disqualify", "reject", "reject-to-nurture"]


@pytest.fixture
def enterprise():
    return SegmentFactory(slug="enterprise", name="Enterprise")


@pytest.mark.parametrize("transition", MQL_MOVES)
def test_an_sdr_may_not_move_their_own_mql_outside_their_segments_from_the_page(
    client, sdr, enterprise, transition
):
    lead = LeadFactory(stage=Stage.MQL, segment=enterprise, owner=sdr)
    client.force_login(sdr)

    response = client.post(move_url(lead), mql_move(transition), **HTMX)

    assert response.status_code == 422
    assert "outside your segments" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_the_page_offers_an_sdr_no_move_of_an_mql_outside_their_segments(client, sdr, enterprise):
    lead = LeadFactory(stage=Stage.MQL, segment=enterprise, owner=sdr)
    client.force_login(sdr)

    body = client.get(page(lead)).content.decode()

    assert 'name="transition" value="accept"' not in body
    assert 'name="transition" value="reject"' not in body
    assert "This MQL is in Enterprise, outside your segments" in body


@pytest.mark.parametrize("transition", MQL_MOVES)
def test_an_sdr_moves_an_mql_of_their_segments_from_the_page(client, sdr, transition):
    lead = LeadFactory(stage=Stage.MQL, owner=sdr)
    client.force_login(sdr)

    response = client.post(move_url(lead), mql_move(transition))

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage != Stage.MQL


# Duplicates: the survivor is picked from likely ones, and linked ------------------------------


def test_a_duplicate_links_to_its_surviving_lead(client, ae):
    survivor = sal(ae, contact=ContactFactory(first_name="Nadia", last_name="Quinn"))
    lead = LeadFactory(
        stage=Stage.DISQUALIFIED,
        contact=survivor.contact,
        reason_code=reason("duplicate"),
        duplicate_of=survivor,
    )
    client.force_login(ae)

    body = client.get(page(lead)).content.decode()

    assert "<dt>Duplicate of</dt>" in body
    assert f'<a href="{page(survivor)}">Nadia Quinn</a>' in body


def test_the_page_disqualifies_a_duplicate_picking_the_surviving_lead(client, ae):
    survivor = sal(ae, contact=ContactFactory(first_name="Nadia", last_name="Quinn"))
    lead = sal(ae, contact=ContactFactory(account=survivor.account))
    client.force_login(ae)

    body = client.get(page(lead)).content.decode()
    response = client.post(
        move_url(lead),
        {
            "transition": "disqualify",
            "disqualify-reason_code": str(reason("duplicate").pk),
            "disqualify-note": "Same buying team",
            "disqualify-duplicate_of": str(survivor.pk),
        },
    )

    assert 'name="disqualify-duplicate_of"' in body
    assert f'<option value="{survivor.pk}">Nadia Quinn · SAL in Core' in body
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.duplicate_of) == (Stage.DISQUALIFIED, survivor)


def test_the_page_refuses_a_survivor_that_is_not_likely_beside_the_field(client, ae):
    unrelated = sal(ae)
    lead = sal(ae)
    client.force_login(ae)

    response = client.post(
        move_url(lead),
        {
            "transition": "disqualify",
            "disqualify-reason_code": str(reason("duplicate").pk),
            "disqualify-note": "Same buying team",
            "disqualify-duplicate_of": str(unrelated.pk),
        },
        **HTMX,
    )

    assert response.status_code == 422
    assert "Choose the surviving lead from the list" in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL


# The checklist: autosave item by item ---------------------------------------------------------


def test_an_autosave_stores_the_item_and_answers_with_its_saved_state(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(
        answer_url(lead, item()),
        {"status": "confirmed", "answer": "Churn costs them 4% a month", "evidence": "Call 3 Mar"},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["X-Autosave"] == "saved"
    body = response.content.decode()
    assert f'id="status-{item().pk}"' in body and 'data-state="saved"' in body
    # What depends on the checklist comes along out of band: flags, needs, history.
    assert 'id="red-flags" class="red-flags" aria-labelledby="flags-heading" hx-swap-oob' in body
    assert 'id="answer-history"' in body and "Need: Confirmed" in body
    saved = ChecklistAnswer.objects.get()
    assert (saved.status, saved.answer, saved.evidence) == (
        "confirmed",
        "Churn costs them 4% a month",
        "Call 3 Mar",
    )


def test_an_autosave_with_a_bad_status_is_refused_visibly(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(answer_url(lead, item()), {"status": "great", "answer": "x"}, **HTMX)
    assert response.status_code == 422
    assert "X-Autosave" not in response
    assert 'data-state="failed"' in response.content.decode()
    assert not ChecklistAnswer.objects.exists()


def test_an_autosave_after_the_session_expired_is_not_a_save(client, ae):
    """The JavaScript treats any answer without X-Autosave as a failure and keeps the text: an
    expired session gets the login redirect, never a saved state."""
    lead = sal(ae)
    response = client.post(answer_url(lead, item()), {"status": "partial", "answer": "x"}, **HTMX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "X-Autosave" not in response
    assert not ChecklistAnswer.objects.exists()


def test_the_autosave_script_is_on_the_page_and_the_fields_are_never_swapped(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    body = client.get(page(lead)).content.decode()
    assert "js/lead.js" in body
    assert f'hx-target="#status-{item().pk}"' in body
    assert 'hx-trigger="input delay:600ms, submit"' in body


def test_without_javascript_a_save_redirects_back_to_the_item(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(answer_url(lead, item()), {"status": "partial", "answer": "Churn"})
    assert response.status_code == 302
    assert response["Location"] == page(lead, f"?framework=bant#item-{item().pk}")


def test_the_page_shows_the_chosen_frameworks_items_with_answers(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    confirm_framework(lead, "meddicc")
    body = client.get(page(lead)).content.decode()
    assert "Discovery checklist: MEDDICC" in body
    assert "Economic buyer" in body and "Who owns the budget" in body


def test_the_checklist_history_says_who_changed_what(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    client.post(answer_url(lead, item()), {"status": "partial", "answer": "Churn"})
    client.post(answer_url(lead, item()), {"status": "confirmed", "answer": "Churn 4%/month"})
    body = client.get(page(lead)).content.decode()
    assert "Need: Partial → Confirmed" in body
    assert "Need: Partial" in body
    assert ae.get_full_name() in body


# Notes and the buying group ---------------------------------------------------------


def test_a_note_is_added_in_place(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(
        reverse("qualification:add-note", args=[lead.pk]), {"body": "Budget set in Q3."}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="notes"') and "Budget set in Q3." in body
    assert DiscoveryNote.objects.get().author == ae


def test_an_empty_note_is_refused_with_the_form(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(reverse("qualification:add-note", args=[lead.pk]), {"body": ""}, **HTMX)
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()


def test_a_new_person_is_added_to_the_buying_group_in_place(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    BuyingGroupRoleFactory(contact=lead.contact, role=Role.CHAMPION)
    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {
            "contact": "new",
            "first_name": "Grace",
            "last_name": "Hopper",
            "title": "CFO",
            "role": Role.ECONOMIC_BUYER,
            "sentiment": "positive",
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Grace Hopper" in body
    assert 'data-warning="single_threaded"' not in body
    assert 'data-warning="no_economic_buyer"' not in body
    # What the SQL button still needs updates out of band.
    assert 'id="needs-promote-sql" class="needs" hx-swap-oob="true"' in body
    assert "buying-group contacts" not in body


def test_an_existing_contact_is_mapped_to_a_role(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {"contact": str(lead.contact.pk), "role": Role.CHAMPION, "sentiment": "neutral"},
    )
    assert response.status_code == 302
    assert BuyingGroupRole.objects.get().contact == lead.contact


def test_adding_the_same_person_in_the_same_role_twice_says_so(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    data = {"contact": str(lead.contact.pk), "role": Role.ECONOMIC_BUYER, "sentiment": "positive"}
    url = reverse("qualification:map-role", args=[lead.pk])
    assert client.post(url, data, **HTMX).status_code == 200

    response = client.post(url, {**data, "sentiment": "negative"}, **HTMX)

    assert response.status_code == 422
    assert (
        f"{lead.contact} is already in the buying group as Economic buyer; "
        "change their sentiment in the table instead"
    ) in response.content.decode()
    assert list(BuyingGroupRole.objects.values_list("sentiment", flat=True)) == ["positive"]


def test_a_negative_economic_buyer_shows_as_a_red_flag(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    buyer = second_contact(lead)
    url = reverse("qualification:change-role", args=[lead.pk, buyer.pk])
    body = client.post(url, {"sentiment": "negative"}, **HTMX).content.decode()
    assert 'data-flag="negative_economic_buyer"' in body
    assert f"The economic buyer, {buyer.contact}, is negative." in body


def test_a_nameless_new_person_is_refused(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {"contact": "new", "role": Role.CHAMPION, "sentiment": "unknown"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "Name the new person" in response.content.decode()
    assert not BuyingGroupRole.objects.exists()


def test_the_page_warns_when_single_threaded_and_without_economic_buyer(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    BuyingGroupRoleFactory(contact=lead.contact, role=Role.CHAMPION)
    body = client.get(page(lead)).content.decode()
    assert 'data-warning="single_threaded"' in body
    assert 'data-warning="no_economic_buyer"' in body


def test_sentiment_changes_and_roles_are_removed(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    role = BuyingGroupRoleFactory(contact=lead.contact)
    client.post(
        reverse("qualification:change-role", args=[lead.pk, role.pk]), {"sentiment": "negative"}
    )
    role.refresh_from_db()
    assert role.sentiment == "negative"
    client.post(reverse("qualification:remove-role", args=[lead.pk, role.pk]))
    assert not BuyingGroupRole.objects.exists()


def test_a_role_at_another_account_is_not_found(client, ae):
    client.force_login(ae)
    elsewhere = BuyingGroupRoleFactory()
    url = reverse("qualification:remove-role", args=[sal(ae).pk, elsewhere.pk])
    assert client.post(url).status_code == 404


# Transitions: what each needs before the click, the engine on the click ----------------------


def test_the_sql_button_says_what_it_still_needs(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    confirm_framework(lead, "bant", skip=("timeline",))
    body = client.get(page(lead)).content.decode()
    assert "Promote to SQL" in body
    assert "BANT: timeline confirmed" in body
    assert "At least two buying-group contacts must be mapped" in body
    assert "A next meeting date is required" in body


@pytest.mark.parametrize(
    ("framework", "missing"),
    [
        ("bant", "BANT: need confirmed"),
        ("meddicc", "MEDDICC: economic buyer confirmed"),
        ("champ", "CHAMP: prioritisation confirmed"),
    ],
)
def test_each_framework_gate_refuses_naming_what_is_missing(client, ae, framework, missing):
    client.force_login(ae)
    lead = sal(ae)
    skip = missing.split(": ")[1].removesuffix(" confirmed").replace(" ", "_")
    confirm_framework(lead, framework, skip=(skip,))
    second_contact(lead)
    response = client.post(
        move_url(lead),
        {"transition": "promote-sql", "promote-sql-next_meeting_on": meeting_in()},
        **HTMX,
    )
    assert response.status_code == 422
    assert missing in response.content.decode()
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL


@pytest.mark.parametrize("framework", ["bant", "meddicc", "champ"])
def test_each_framework_gate_passes_at_its_minimum(client, ae, framework):
    client.force_login(ae)
    lead = sal(ae)
    confirm_framework(lead, framework)
    second_contact(lead)
    BuyingGroupRoleFactory(contact=lead.contact)
    response = client.post(
        move_url(lead),
        {"transition": "promote-sql", "promote-sql-next_meeting_on": meeting_in()},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == page(lead)
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL
    assert lead.transitions.get().actor == ae


def test_a_single_thread_override_needs_a_written_reason(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    confirm_framework(lead, "bant")
    data = {"transition": "promote-sql", "promote-sql-next_meeting_on": meeting_in()}
    refused = client.post(move_url(lead), {**data, "promote-sql-single_thread_override": "  "})
    assert refused.status_code == 422
    assert "give a written single-thread override" in refused.content.decode()

    reason_given = "Founder-led company: the CEO is champion and signs."
    allowed = client.post(
        move_url(lead), {**data, "promote-sql-single_thread_override": reason_given}
    )
    assert allowed.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.single_thread_override) == (Stage.SQL, reason_given)


def test_the_opportunity_gate_names_each_missing_requirement(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SQL, owner=ae)
    response = client.post(move_url(lead), {"transition": "promote-opportunity"}, **HTMX)
    assert response.status_code == 422
    body = response.content.decode()
    for message in (
        "An amount estimate is required",
        "An expected close date is required",
        "An economic buyer must be identified in the buying group",
        "A mutual next step is required",
    ):
        assert message in body
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL


def test_the_opportunity_gate_passes_with_its_evidence(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SQL, owner=ae)
    second_contact(lead, Role.ECONOMIC_BUYER)
    response = client.post(
        move_url(lead),
        {
            "transition": "promote-opportunity",
            "promote-opportunity-amount_estimate": "48000",
            "promote-opportunity-expected_close_date": in_days(60).isoformat(),
            "promote-opportunity-mutual_next_step": "Security review on the 14th",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.stage == Stage.OPPORTUNITY
    assert lead.mutual_next_step == "Security review on the 14th"


def test_a_disqualification_from_the_page_records_the_reason(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(
        move_url(lead),
        {
            "transition": "disqualify",
            "disqualify-reason_code": str(reason("no_budget").pk),
            "disqualify-note": "Budget frozen until 2028",
        },
    )
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.stage, lead.reason_code.code) == (Stage.DISQUALIFIED, "no_budget")


def test_a_transition_the_stage_does_not_offer_is_refused(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    response = client.post(move_url(lead), {"transition": "promote-opportunity"}, **HTMX)
    assert response.status_code == 422
    assert "can no longer make that change" in response.content.decode()


# Frameworks are data ---------------------------------------------------------


def test_a_framework_created_in_the_database_works_end_to_end(client, ae):
    gpct = Framework.objects.create(key="gpctba", name="GPCTBA/C&I", description="Goals, plans…")
    for position, (key, required) in enumerate(
        [("goals", True), ("plans", True), ("challenges", False), ("timeline", True)]
    ):
        FrameworkItem.objects.create(
            framework=gpct,
            key=key,
            label=key.title(),
            required_for_sql=required,
            position=position,
        )
    client.force_login(ae)
    lead = sal(ae)
    second_contact(lead)
    BuyingGroupRoleFactory(contact=lead.contact)
    body = client.get(page(lead, "?framework=gpctba")).content.decode()
    assert "Discovery checklist: GPCTBA/C&amp;I" in body

    for key in ("goals", "plans"):
        client.post(answer_url(lead, gpct.items.get(key=key)), {"status": "confirmed"}, **HTMX)
    data = {"transition": "promote-sql", "promote-sql-next_meeting_on": meeting_in()}
    refused = client.post(move_url(lead), data, **HTMX)
    assert "GPCTBA/C&amp;I: timeline confirmed" in refused.content.decode()

    client.post(answer_url(lead, gpct.items.get(key="timeline")), {"status": "confirmed"}, **HTMX)
    assert client.post(move_url(lead), data, **HTMX).status_code == 200
    lead.refresh_from_db()
    assert lead.stage == Stage.SQL
    assert Checklist.objects.get(lead=lead).framework == gpct


# The lead list for AEs ---------------------------------------------------------


def test_an_ae_sees_their_open_leads_by_stage_with_next_action_due(client, ae):
    client.force_login(ae)
    sql = LeadFactory(stage=Stage.SQL, owner=ae, next_action="Send the ROI model")
    early = sal(ae, next_action="Discovery call", next_action_due=in_days(1))
    late = sal(ae, next_action="Follow up", next_action_due=in_days(5))
    LeadFactory(stage=Stage.DISQUALIFIED, owner=ae, reason_code=reason("bad_fit"))
    body = client.get(reverse("qualification:lead-list")).content.decode()
    order = [body.index(f'href="{page(lead)}"') for lead in (early, late, sql)]
    assert "Discovery call" in body and order == sorted(order)


def test_the_lead_list_filters_overdue_next_actions(client, ae):
    client.force_login(ae)
    overdue = sal(ae, next_action="Chase", next_action_due=in_days(-2))
    sal(ae, next_action="Later", next_action_due=in_days(4))
    response = client.get(reverse("qualification:lead-list"), {"due": "overdue"})
    leads = list(response.context["page"].object_list)
    assert leads == [overdue]


# Query count ---------------------------------------------------------


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_page_runs_as_many_queries_however_much_discovery_it_shows(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    framework = Framework.objects.get(key="bant")

    def grow(count: int) -> None:
        for n in range(count):
            extra = FrameworkItem.objects.create(
                framework=framework, key=f"extra-{FrameworkItem.objects.count()}", label=f"X{n}"
            )
            client.post(answer_url(lead, extra), {"status": "partial", "answer": f"a{n}"})
            client.post(reverse("qualification:add-note", args=[lead.pk]), {"body": f"note {n}"})
            ActivityFactory(lead=lead, actor=UserFactory())
            second_contact(lead, Role.INFLUENCER)

    grow(2)
    few = queries_for(client, page(lead))
    grow(12)
    many = queries_for(client, page(lead))
    assert many == few


def test_a_lead_without_an_account_still_opens_and_says_why_no_group(client, ae):
    client.force_login(ae)
    lead = LeadFactory(stage=Stage.SAL, owner=ae, account=None, contact__account=None)
    body = client.get(page(lead)).content.decode()
    assert "Nobody is mapped yet" in body
    assert "Add to buying group" not in body
    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {"contact": "new", "first_name": "Ada", "role": Role.CHAMPION, "sentiment": "unknown"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "no account" in response.content.decode()


# The score ------------------------------------------------------------------------------------


def test_a_lead_the_floor_rule_parked_shows_the_score_the_rule_saw(client, manager):
    account = AccountFactory(icp_tier=IcpTier.C)
    lead = LeadFactory(
        account=account, contact__account=account, intent_score=0, intent_band="low",
        scored_at=None,
    )  # fmt: skip
    score_and_route([lead.pk])
    lead.refresh_from_db()
    assert (lead.stage, lead.transitions.get().rule) == (Stage.NURTURE, "nurture-floor")

    client.force_login(manager)
    body = client.get(page(lead)).content.decode()
    assert "the score has not been computed" not in body
    assert "Nothing has counted towards this score yet" in body
    assert "The rule saw a score of 0 (nurture floor 40, MQL threshold 70)." in body

    # The score moves on; the history keeps what the rule saw.
    ActivityFactory(lead=lead, kind="pricing_page")
    score_leads([lead.pk])
    body = client.get(page(lead)).content.decode()
    assert "Why this score (0)" not in body
    assert "The rule saw a score of 0 (nurture floor 40, MQL threshold 70)." in body


def test_a_lead_not_scored_yet_says_so(client, manager):
    lead = LeadFactory(intent_score=0, scored_at=None)
    client.force_login(manager)
    assert "the score has not been computed" in client.get(page(lead)).content.decode()


def test_a_stakeholder_to_map_is_suggested_and_mapped_in_one_click(client, ae):
    client.force_login(ae)
    lead = sal(ae)
    cfo = ContactFactory(
        account=lead.account,
        first_name="Dana",
        last_name="Whitley",
        title="CFO",
        persona_function="finance",
        persona_seniority="c_level",
    )
    html = client.get(page(lead)).content.decode()
    assert "Dana Whitley, CFO, is at this account but in no buying group: economic buyer?" in html
    assert f'data-suggestion="{cfo.pk}-economic_buyer"' in html

    response = client.post(
        reverse("qualification:map-role", args=[lead.pk]),
        {"contact": str(cfo.pk), "role": Role.ECONOMIC_BUYER, "sentiment": "unknown"},
        **HTMX,
    )

    assert response.status_code == 200
    role = BuyingGroupRole.objects.get(contact=cfo)
    assert (role.role, role.sentiment) == (Role.ECONOMIC_BUYER, "unknown")
    assert f'data-suggestion="{cfo.pk}-' not in response.content.decode()
    assert 'data-warning="no_economic_buyer"' not in response.content.decode()


def test_a_reader_sees_the_suggestions_without_the_map_button(client, ae, marketing):
    lead = sal(ae)
    ContactFactory(
        account=lead.account, title="CFO", persona_function="finance", persona_seniority="c_level"
    )
    client.force_login(marketing)
    html = client.get(page(lead)).content.decode()
    assert "Stakeholders to map" in html and "Map as economic buyer" not in html
