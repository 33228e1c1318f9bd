"""qualification/discovery.py: who may work a lead, the workspace's writes, and the red flags."""

import datetime as dt

import pytest

from accounts import roles
from accounts.models import BuyingGroupRole, Contact, IcpTier
from accounts.normalize import title_to_persona
from qualification.discovery import services as discovery
from qualification.models import (
    Activity,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    FrameworkItem,
    Lead,
    Stage,
)
from tests.factories import (
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    StageTransitionFactory,
    UserFactory,
)
from tests.qualification.lifecycle.test_queue_concurrency import run_at_once

pytestmark = pytest.mark.django_db

Role = BuyingGroupRole.Role
Status = ChecklistAnswer.Status
NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def item(key: str = "bant", item_key: str = "need") -> FrameworkItem:
    return FrameworkItem.objects.get(framework__key=key, key=item_key)


# can_work_lead ------------------------------------------------------------------------------------


def test_the_owner_works_the_lead(ae):
    assert discovery.can_work_lead(ae, LeadFactory(owner=ae))


def test_the_account_owner_works_the_lead(ae):
    lead = LeadFactory()
    lead.account.owner = ae
    lead.account.save()
    assert discovery.can_work_lead(ae, lead)


def test_an_sdr_who_moved_the_lead_works_it(sdr):
    lead = LeadFactory(stage=Stage.SAL, owner=UserFactory(role=roles.AE))
    StageTransitionFactory(
        lead=lead, from_stage="mql", to_stage="sal", name="accept", actor=sdr, occurred_at=NOW
    )
    assert discovery.can_work_lead(sdr, lead)


def test_another_ae_does_not_work_the_lead(ae):
    assert not discovery.can_work_lead(ae, LeadFactory(owner=UserFactory(role=roles.AE)))


def test_a_manager_works_any_lead(manager):
    assert discovery.can_work_lead(manager, LeadFactory())


@pytest.mark.parametrize("role", [roles.REVOPS, roles.MARKETING])
def test_other_roles_do_not_work_leads_even_when_they_own_them(role):
    user = UserFactory(role=role)
    assert not discovery.can_work_lead(user, LeadFactory(owner=user))


# Writes ------------------------------------------------------------------------------------------


def test_saving_an_answer_starts_the_checklist_and_records_who(ae):
    lead = LeadFactory(owner=ae)
    saved = discovery.save_checklist_answer(
        lead=lead, item=item(), actor=ae, status=Status.PARTIAL, answer="Churn", evidence=""
    ).row
    assert saved.checklist.framework.key == "bant"
    history = saved.history.get()
    assert history.history_user == ae
    assert history.history_change_reason == "Need: Partial"


def test_changing_an_answer_keeps_who_changed_what(ae, manager):
    lead = LeadFactory(owner=ae)
    args = {"lead": lead, "item": item(), "evidence": ""}
    discovery.save_checklist_answer(actor=ae, status=Status.PARTIAL, answer="Churn", **args)
    saved = discovery.save_checklist_answer(
        actor=manager, status=Status.CONFIRMED, answer="Churn of 4% a month", **args
    ).row
    latest, first = saved.history.order_by("-history_date", "-history_id")
    assert (latest.history_user, latest.history_change_reason) == (
        manager,
        "Need: Partial → Confirmed",
    )
    assert (first.history_user, first.answer) == (ae, "Churn")


def test_resaving_the_same_answer_writes_no_history(ae):
    lead = LeadFactory(owner=ae)
    args = {"lead": lead, "item": item(), "actor": ae, "status": Status.PARTIAL, "evidence": ""}
    discovery.save_checklist_answer(answer="Churn", **args)
    edit = discovery.save_checklist_answer(answer="Churn", **args)
    assert edit.row.history.count() == 1
    assert edit.history_line is None


def test_an_edit_says_whether_only_its_words_changed(ae):
    lead = LeadFactory(owner=ae)
    timeline = item("bant", "timeline")
    args = {"lead": lead, "item": timeline, "actor": ae, "evidence": ""}
    first = discovery.save_checklist_answer(status=Status.PARTIAL, answer="Q3", **args)
    assert first.previous_status is None and not first.text_only  # a new answer
    words = discovery.save_checklist_answer(status=Status.PARTIAL, answer="Q3, signed", **args)
    assert words.text_only
    moved = discovery.save_checklist_answer(status=Status.CONFIRMED, answer="Q3, signed", **args)
    assert not moved.text_only  # the framework minimum reads the status
    flagged = discovery.save_checklist_answer(status=Status.RED_FLAG, answer="No date", **args)
    again = discovery.save_checklist_answer(status=Status.RED_FLAG, answer="No date at all", **args)
    assert not flagged.text_only and not again.text_only  # the red flag quotes the words
    need = {"lead": lead, "item": item(), "actor": ae, "evidence": ""}
    discovery.save_checklist_answer(status=Status.PARTIAL, answer="Churn", **need)
    pain = discovery.save_checklist_answer(status=Status.PARTIAL, answer="Churn 4%", **need)
    assert not pain.text_only  # vague pain reads the words


def test_an_edits_history_line_is_the_history_row_it_wrote(ae):
    lead = LeadFactory(owner=ae)
    args = {"lead": lead, "item": item("bant", "timeline"), "actor": ae, "evidence": ""}
    discovery.save_checklist_answer(status=Status.PARTIAL, answer="Q3", **args)
    edit = discovery.save_checklist_answer(status=Status.PARTIAL, answer="Q3, signed", **args)
    row = edit.row.history.order_by("-history_date", "-history_id").first()
    line = edit.history_line
    assert (line.history_date, line.history_user, line.history_change_reason, line.answer) == (
        row.history_date,
        row.history_user,
        row.history_change_reason,
        row.answer,
    )
    assert line.history_change_reason == "Timeline: answer edited"


def test_a_note_is_stored_with_its_author(ae):
    lead = LeadFactory(owner=ae)
    note = discovery.add_discovery_note(lead=lead, author=ae, body="  Budget set in Q3.  ")
    assert (note.author, note.body) == (ae, "Budget set in Q3.")


def test_an_empty_note_is_refused(ae):
    with pytest.raises(ValueError):
        discovery.add_discovery_note(lead=LeadFactory(owner=ae), author=ae, body="   ")
    assert not DiscoveryNote.objects.exists()


def test_mapping_a_new_person_creates_the_contact_at_the_account(ae):
    lead = LeadFactory(owner=ae)
    mapped = discovery.map_buying_group_role(
        lead=lead,
        actor=ae,
        role=Role.ECONOMIC_BUYER,
        sentiment="positive",
        new_contact=discovery.NewContact("Ada", "Lovelace", "ADA@Example.com", "CFO"),
    )
    contact = mapped.contact
    assert (contact.account_id, contact.email, contact.persona_seniority) == (
        lead.account_id,
        "ada@example.com",
        "c_level",
    )
    assert mapped.history.get().history_user == ae
    assert contact.history.get().history_user == ae


def test_mapping_the_same_person_in_the_same_role_again_says_so(ae):
    lead = LeadFactory(owner=ae, contact__first_name="Dana", contact__last_name="Lee")
    args = {"lead": lead, "actor": ae, "role": Role.CHAMPION, "contact": lead.contact}
    discovery.map_buying_group_role(sentiment="neutral", **args)
    with pytest.raises(discovery.BuyingGroupError) as refused:
        discovery.map_buying_group_role(sentiment="positive", **args)
    assert refused.value.field == "role"
    assert str(refused.value) == (
        "Dana Lee is already in the buying group as Champion; "
        "change their sentiment in the table instead"
    )
    assert list(BuyingGroupRole.objects.values_list("sentiment", flat=True)) == ["neutral"]


def test_the_same_person_may_hold_another_role(ae):
    lead = LeadFactory(owner=ae)
    args = {"lead": lead, "actor": ae, "contact": lead.contact, "sentiment": "positive"}
    discovery.map_buying_group_role(role=Role.CHAMPION, **args)
    discovery.map_buying_group_role(role=Role.DECISION_MAKER, **args)
    assert BuyingGroupRole.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_adding_the_same_role_at_once_get_one_row_and_a_refusal(ae):

    lead = LeadFactory(owner=ae)

    def add():
        try:
            discovery.map_buying_group_role(
                lead=lead, actor=ae, role=Role.CHAMPION, sentiment="positive", contact=lead.contact
            )
        except discovery.BuyingGroupError as error:
            return str(error)
        return "mapped"

    results = run_at_once(add, add)

    assert sorted(results)[1] == "mapped"
    assert "already in the buying group as Champion" in sorted(results)[0]
    assert BuyingGroupRole.objects.count() == 1


def test_a_contact_from_another_account_cannot_be_mapped(ae):
    lead = LeadFactory(owner=ae)
    with pytest.raises(discovery.BuyingGroupError, match="another account"):
        discovery.map_buying_group_role(
            lead=lead, actor=ae, role=Role.CHAMPION, sentiment="unknown", contact=ContactFactory()
        )


def test_a_new_contact_with_a_known_email_is_refused(ae):
    lead = LeadFactory(owner=ae)
    with pytest.raises(discovery.BuyingGroupError, match="already exists"):
        discovery.map_buying_group_role(
            lead=lead,
            actor=ae,
            role=Role.CHAMPION,
            sentiment="unknown",
            new_contact=discovery.NewContact("A", "B", lead.contact.email),
        )
    assert Contact.objects.count() == 1


# Warnings and red flags ---------------------------------------------------------------------------


def _lead(**kwargs) -> Lead:
    """An unsaved lead: red_flags reads only what it is given."""
    contact = Contact(first_name="Sam", persona_seniority=kwargs.pop("seniority", "manager"))
    kwargs.setdefault("stage", Stage.SAL)
    kwargs.setdefault("fit_tier", IcpTier.A)
    kwargs.setdefault("next_meeting_on", NOW + dt.timedelta(days=2))
    return Lead(contact=contact, **kwargs)


def _answer(key: str, status: str = Status.CONFIRMED, text: str = "") -> ChecklistAnswer:
    return ChecklistAnswer(
        pk=1, item=FrameworkItem(key=key, label=key.title()), status=status, answer=text
    )


def _role(contact_id: int, role: str, seniority: str = "manager") -> BuyingGroupRole:
    contact = Contact(pk=contact_id, persona_seniority=seniority)
    return BuyingGroupRole(contact_id=contact_id, contact=contact, role=role)


TWO_THREADS = [_role(1, Role.CHAMPION), _role(2, Role.ECONOMIC_BUYER, "c_level")]
SPECIFIC_PAIN = "Month-end close takes 9 days; the CFO wants 3"


def flags_for(lead=None, answers=(), mapped=TWO_THREADS, activities=(), has_notes=True) -> set:
    flags = discovery.red_flags(
        lead=lead or _lead(),
        answers=answers,
        mapped=mapped,
        activities=activities,
        has_notes=has_notes,
        now=NOW,
    )
    return {flag.key for flag in flags}


def test_a_well_qualified_lead_has_no_red_flags():
    assert flags_for(answers=[_answer("need", text=SPECIFIC_PAIN)]) == set()


@pytest.mark.parametrize("text", ["Wants to grow", "Not sure yet, exploring options broadly"])
def test_vague_pain_is_flagged(text):
    assert "vague_pain" in flags_for(answers=[_answer("pain", Status.PARTIAL, text)])


def test_a_red_flag_item_is_flagged_with_its_answer():
    flags = discovery.red_flags(
        lead=_lead(),
        answers=[_answer("budget", Status.RED_FLAG, "No budget this year")],
        mapped=TWO_THREADS,
        activities=[],
        has_notes=True,
        now=NOW,
    )
    assert [flag.message for flag in flags] == ["Budget is a red flag: No budget this year"]


@pytest.mark.parametrize("role", [Role.ECONOMIC_BUYER, Role.DECISION_MAKER])
def test_a_negative_economic_buyer_or_decision_maker_is_flagged_by_name(role):
    against = _role(2, role, "c_level")
    against.contact.first_name, against.contact.last_name = "Dana", "Lee"
    against.sentiment = BuyingGroupRole.Sentiment.NEGATIVE
    flags = discovery.red_flags(
        lead=_lead(),
        answers=(),
        mapped=[_role(1, Role.CHAMPION), against],
        activities=(),
        has_notes=True,
        now=NOW,
    )
    label = against.get_role_display().lower()
    assert [(flag.key, flag.message) for flag in flags] == [
        (f"negative_{role}", f"The {label}, Dana Lee, is negative.")
    ]


@pytest.mark.parametrize("sentiment", ["positive", "neutral", "unknown"])
def test_an_economic_buyer_who_is_not_negative_is_not_flagged(sentiment):
    buyer = _role(2, Role.ECONOMIC_BUYER, "c_level")
    buyer.sentiment = sentiment
    assert flags_for(mapped=[_role(1, Role.CHAMPION), buyer]) == set()


def test_a_negative_champion_is_not_a_power_red_flag():
    champion = _role(1, Role.CHAMPION)
    champion.sentiment = BuyingGroupRole.Sentiment.NEGATIVE
    assert flags_for(mapped=[champion, _role(2, Role.ECONOMIC_BUYER, "c_level")]) == set()


def test_single_threaded_through_a_manager_is_flagged():
    assert "single_threaded_low_power" in flags_for(mapped=[_role(1, Role.CHAMPION)])


def test_single_threaded_through_the_economic_buyer_is_not_low_power():
    assert "single_threaded_low_power" not in flags_for(mapped=[_role(1, Role.ECONOMIC_BUYER)])


def test_an_unmapped_lead_reached_through_a_junior_contact_is_flagged():
    assert "single_threaded_low_power" in flags_for(mapped=[])
    assert "single_threaded_low_power" not in flags_for(lead=_lead(seniority="vp"), mapped=[])


@pytest.mark.parametrize("meeting", [None, NOW - dt.timedelta(hours=1)])
def test_an_sal_without_a_future_meeting_is_flagged(meeting):
    assert "no_next_meeting" in flags_for(lead=_lead(next_meeting_on=meeting))


def test_a_new_lead_without_a_meeting_is_not_flagged():
    assert "no_next_meeting" not in flags_for(lead=_lead(stage=Stage.MQL, next_meeting_on=None))


@pytest.mark.parametrize("tier", [IcpTier.C, IcpTier.OUT, ""])
def test_an_icp_mismatch_is_flagged(tier):
    assert "icp_mismatch" in flags_for(lead=_lead(fit_tier=tier))


def test_a_proposal_asked_before_discovery_is_flagged():
    asked = [Activity(kind=Activity.Kind.EMAIL_REPLY, detail="Can you send a quote?")]
    assert "proposal_before_discovery" in flags_for(activities=asked, has_notes=False)


def test_a_proposal_asked_in_the_form_is_flagged():
    lead = _lead(form_answers={"message": "Please send a proposal by Friday"})
    assert "proposal_before_discovery" in flags_for(lead=lead, has_notes=False)


def test_a_proposal_after_discovery_is_not_flagged():
    asked = [Activity(kind=Activity.Kind.EMAIL_REPLY, detail="Send the proposal")]
    answers = [_answer("need", text=SPECIFIC_PAIN)]
    assert "proposal_before_discovery" not in flags_for(
        answers=answers, activities=asked, has_notes=False
    )


def test_the_buying_group_warns_when_single_threaded_or_without_economic_buyer():
    warnings = discovery.buying_group_warnings([_role(1, Role.CHAMPION)])
    assert [w.key for w in warnings] == ["single_threaded", "no_economic_buyer"]
    assert discovery.buying_group_warnings(TWO_THREADS) == []


def test_the_buying_group_counts_people_not_roles():
    same_person = [_role(1, Role.CHAMPION), _role(1, Role.ECONOMIC_BUYER)]
    assert [w.key for w in discovery.buying_group_warnings(same_person)] == ["single_threaded"]


def test_the_chosen_framework_defaults_to_the_one_the_lead_last_used(ae):
    lead = LeadFactory(owner=ae)
    frameworks = discovery.frameworks_for_page()
    discovery.save_checklist_answer(
        lead=lead,
        item=item("champ", "challenges"),
        actor=ae,
        status="partial",
        answer="",
        evidence="",
    )
    assert discovery.chosen_framework(lead, frameworks, None).key == "champ"
    assert discovery.chosen_framework(lead, frameworks, "meddicc").key == "meddicc"
    assert discovery.chosen_framework(LeadFactory(), frameworks, "nope") == frameworks[0]


def test_an_inactive_framework_is_not_offered():
    Framework.objects.filter(key="champ").update(active=False)
    assert "champ" not in {f.key for f in discovery.frameworks_for_page()}


def test_buying_group_roles_use_the_account_contacts(ae):
    lead = LeadFactory(owner=ae)
    BuyingGroupRoleFactory(contact=lead.contact)
    mapped, contacts = discovery.buying_group(lead)
    assert mapped[0].contact is contacts[0]


# Stakeholders to map ------------------------------------------------------------------------------


def _person(pk: int, title: str) -> Contact:
    function, seniority = title_to_persona(title)
    name = (title.split() or ["Sam"])[0]
    return Contact(
        pk=pk,
        first_name=name,
        last_name="Doe",
        title=title,
        persona_function=function,
        persona_seniority=seniority,
    )


@pytest.mark.parametrize(
    ("title", "seat"),
    [
        ("CFO", Role.ECONOMIC_BUYER),
        ("VP Finance", Role.ECONOMIC_BUYER),
        ("Finance Director", Role.ECONOMIC_BUYER),
        ("Chief Revenue Officer", Role.DECISION_MAKER),
        ("CEO & Founder", Role.DECISION_MAKER),
        ("Procurement Manager", Role.PROCUREMENT),
        ("Head of Purchasing", Role.PROCUREMENT),
        ("Chief Procurement Officer", Role.PROCUREMENT),
        ("Senior Software Engineer", Role.TECHNICAL_EVALUATOR),
        ("Marketing Manager", Role.INFLUENCER),
    ],
)
def test_a_title_points_to_a_seat(title, seat):
    [suggestion] = discovery.stakeholder_suggestions(mapped=[], contacts=[_person(1, title)])
    assert suggestion.role == seat


@pytest.mark.parametrize("title", ["Analyst", "Student", "", "Intern"])
def test_a_title_that_says_too_little_suggests_nobody(title):
    assert discovery.stakeholder_suggestions(mapped=[], contacts=[_person(1, title)]) == []


def test_only_people_in_no_buying_group_are_suggested_and_empty_seats_come_first():
    cfo, cto, marketer = _person(1, "CFO"), _person(2, "CTO"), _person(3, "Marketing Manager")
    champion = BuyingGroupRole(contact_id=3, contact=marketer, role=Role.CHAMPION)
    decider = BuyingGroupRole(contact_id=9, contact=_person(9, "COO"), role=Role.DECISION_MAKER)
    suggestions = discovery.stakeholder_suggestions(
        mapped=[champion, decider], contacts=[cto, marketer, cfo]
    )
    # The CTO's decision-maker seat is taken; the economic buyer's is not.
    assert [(s.contact.pk, s.role) for s in suggestions] == [
        (1, Role.ECONOMIC_BUYER),
        (2, Role.DECISION_MAKER),
    ]


def test_the_warnings_name_who_could_close_the_gap():
    cfo = _person(1, "CFO")
    cfo.first_name, cfo.last_name = "Dana", "Whitley"
    champion = _role(2, Role.CHAMPION)
    found = discovery.coverage(mapped=[champion], contacts=[cfo, champion.contact])
    messages = {flag.key: flag.message for flag in found.warnings}
    expected = "Dana Whitley, CFO, is at this account but in no buying group: economic buyer?"
    assert messages["no_economic_buyer"] == f"No economic buyer is identified yet. {expected}"
    # The single-thread warning does not say the same name twice: nobody else is suggested.
    assert messages["single_threaded"] == (
        "Single-threaded: fewer than two people are mapped in the buying group."
    )
    cto = _person(3, "CTO")
    cto.first_name = "Ravi"
    found = discovery.coverage(mapped=[champion], contacts=[cto, cfo, champion.contact])
    assert [s.contact.pk for s in found.suggestions] == [1, 3]  # the economic buyer first
    assert found.warnings[0].message.endswith(
        "Ravi Doe, CTO, is at this account but in no buying group: decision maker?"
    )
    assert discovery.coverage(mapped=[champion], contacts=[champion.contact]).warnings[
        1
    ].message == ("No economic buyer is identified yet.")
