"""Merging a lead into another, and undoing it, through the services."""

import datetime as dt

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.models import BuyingGroupRole, Contact
from qualification.duplicates.candidates import Pair, record_candidates
from qualification.duplicates.merge import (
    MERGED,
    MergeRefused,
    UndoRefused,
    merge_leads,
    undo_blockers,
    undo_merge,
)
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence, TransitionRefused
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    DuplicateCandidate,
    DuplicateMerge,
    Framework,
    Lead,
    Stage,
    StageTransition,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
    reason,
)

pytestmark = pytest.mark.django_db


def mql(**kwargs) -> Lead:
    kwargs.setdefault("sla_due_at", timezone.now() + dt.timedelta(hours=2))
    return LeadFactory(stage=Stage.MQL, **kwargs)


@pytest.fixture
def pair(sdr):
    """Sven Hartmann twice at one account: an SAL the SDR owns, and a newer MQL."""
    account = AccountFactory(name="Hartmann Logistik")
    survivor_contact = ContactFactory(
        account=account,
        first_name="Sven",
        last_name="Hartmann",
        email="sven@hartmann.example",
        phone="",
        title="COO",
    )
    merged_contact = ContactFactory(
        account=account,
        first_name="Sven",
        last_name="Hartman",
        email="s.hartmann@gmail.com",
        phone="+49 30 1234567",
        title="Chief Operating Officer",
    )
    survivor = LeadFactory(
        stage=Stage.SAL,
        owner=sdr,
        contact=survivor_contact,
        next_action="Call back",
        next_action_due=timezone.localdate() + dt.timedelta(days=2),
        form_answers={"team_size": "40"},
    )
    merged = mql(contact=merged_contact, form_answers={"team_size": "45", "budget": "yes"})
    return survivor, merged


def related_rows(merged: Lead, survivor: Lead, sdr):
    bant = Framework.objects.get(key="bant")
    need, authority, timeline = (bant.items.get(key=k) for k in ("need", "authority", "timeline"))
    theirs = Checklist.objects.create(lead=merged, framework=bant)
    ours = Checklist.objects.create(lead=survivor, framework=bant)
    # need: only the merged lead answered -> moves; authority: the survivor's is blank -> takes
    # the merged answer; timeline: both answered -> the survivor's stays.
    ChecklistAnswer.objects.create(checklist=theirs, item=need, status="confirmed", answer="Close")
    ChecklistAnswer.objects.create(checklist=theirs, item=authority, status="partial", answer="CFO")
    ChecklistAnswer.objects.create(checklist=ours, item=authority)
    ChecklistAnswer.objects.create(checklist=theirs, item=timeline, status="partial", answer="Q3")
    ChecklistAnswer.objects.create(checklist=ours, item=timeline, status="confirmed", answer="Q2")
    meddicc = Framework.objects.get(key="meddicc")
    Checklist.objects.create(lead=merged, framework=meddicc)
    ActivityFactory(lead=merged, kind=Activity.Kind.PRICING_PAGE)
    ActivityFactory(lead=merged, kind=Activity.Kind.WEBINAR)
    Activity.objects.create(
        contact=merged.contact,
        lead=None,
        kind=Activity.Kind.BLOG_READ,
        occurred_at=timezone.now(),
    )
    DiscoveryNote.objects.create(lead=merged, author=sdr, body="Wants a pilot")
    BuyingGroupRoleFactory(contact=merged.contact, role=BuyingGroupRole.Role.CHAMPION)
    BuyingGroupRoleFactory(contact=merged.contact, role=BuyingGroupRole.Role.ECONOMIC_BUYER)
    BuyingGroupRoleFactory(contact=survivor.contact, role=BuyingGroupRole.Role.CHAMPION)


def tables():
    """Every row of every table a merge touches, column by column (but each row's own write
    clock, which any save moves)."""

    def rows(model):
        return [
            {k: v for k, v in model_to_dict(row).items() if k != "updated_at"} | {"pk": row.pk}
            for row in model.objects.order_by("pk")
        ]

    return {
        model.__name__: rows(model)
        for model in (
            Lead,
            Contact,
            Activity,
            DiscoveryNote,
            Checklist,
            ChecklistAnswer,
            BuyingGroupRole,
            DuplicateCandidate,
        )
    }


def test_a_merge_moves_every_related_row_to_the_survivor(pair, sdr):
    survivor, merged = pair
    related_rows(merged, survivor, sdr)

    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Same person")

    assert Activity.objects.filter(lead=merged).count() == 0
    assert Activity.objects.filter(lead=survivor).count() == 2
    assert Activity.objects.filter(contact=merged.contact).count() == 0
    assert Activity.objects.filter(contact=survivor.contact).count() == 3
    assert DiscoveryNote.objects.get().lead == survivor
    assert Checklist.objects.get(framework__key="meddicc").lead == survivor
    ours = Checklist.objects.get(lead=survivor, framework__key="bant")
    answers = {a.item.key: (a.status, a.answer) for a in ours.answers.all()}
    assert answers == {
        "need": ("confirmed", "Close"),
        "authority": ("partial", "CFO"),
        "timeline": ("confirmed", "Q2"),
    }
    # The merged lead's answers that did not move stay on its checklist: nothing is deleted.
    left = Checklist.objects.get(lead=merged).answers.order_by("pk")
    assert [a.answer for a in left] == ["CFO", "Q3"]
    roles = set(BuyingGroupRole.objects.values_list("contact_id", "role"))
    assert roles == {
        (survivor.contact_id, "champion"),
        (merged.contact_id, "champion"),  # the survivor already holds it: kept where it was
        (survivor.contact_id, "economic_buyer"),
    }
    assert merge.moved == {
        "activities": 3,
        "notes": 1,
        "checklists": 1,
        "answers": 2,
        "answers kept on the merged lead": 1,
        "buying-group roles": 1,
        "roles kept on the merged contact": 1,
    }


def test_the_merged_lead_goes_through_the_engine_as_a_duplicate(pair, sdr):
    survivor, merged = pair

    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Same person")

    merged.refresh_from_db()
    assert merged.stage == Stage.DISQUALIFIED
    assert merged.reason_code == reason("duplicate")
    assert merged.duplicate_of == survivor
    assert merge.transition == StageTransition.objects.get(lead=merged)
    assert merge.transition.name == "reject"
    assert merged.history.first().history_change_reason.startswith(
        "Reject: MQL → Disqualified: Merged into lead #"
    )
    line = survivor.history.first()
    assert line.history_user == sdr
    assert line.history_change_reason.endswith(f"by {sdr.get_full_name()}: Same person")


def test_per_field_the_chosen_side_wins_and_gaps_are_filled(pair, sdr):
    survivor, merged = pair
    merge_leads(
        survivor=survivor,
        merged=merged,
        actor=sdr,
        reason="Same person",
        winners={"email": MERGED, "title": MERGED},
    )
    survivor.refresh_from_db()
    contact = survivor.contact
    assert contact.email == "s.hartmann@gmail.com"  # chosen
    assert contact.title == "Chief Operating Officer"  # chosen
    assert contact.phone == "+49 30 1234567"  # the survivor had none
    assert contact.last_name == "Hartmann"  # the survivor's, by default
    assert survivor.next_action == "Call back"
    assert survivor.owner == sdr
    assert survivor.form_answers == {"team_size": "40", "budget": "yes"}
    # Emails are unique: the merged contact gave its address up.
    assert Contact.objects.get(pk=merged.contact_id).email is None


def test_an_owned_survivor_keeps_an_owner(pair, sdr):
    survivor, merged = pair
    with pytest.raises(MergeRefused) as refused:
        merge_leads(
            survivor=survivor, merged=merged, actor=sdr, reason="x", winners={"owner": MERGED}
        )
    assert refused.value.errors == {"owner": ["an SAL keeps an owner: the merged lead has none"]}


def test_a_merge_the_engine_refuses_leaves_nothing_half_done(pair, sdr):
    survivor, merged = pair
    related_rows(merged, survivor, sdr)
    survivor.stage = Stage.DISQUALIFIED
    survivor.reason_code = reason("duplicate")
    survivor.save()
    before = tables()

    with pytest.raises(TransitionRefused) as refused:
        merge_leads(
            survivor=survivor, merged=merged, actor=sdr, reason="Same", winners={"email": MERGED}
        )

    assert "the surviving lead is itself disqualified" in refused.value.messages
    assert tables() == before
    assert not DuplicateMerge.objects.exists()


def test_a_merge_needs_a_reason(pair, sdr):
    survivor, merged = pair
    with pytest.raises(MergeRefused) as refused:
        merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="  ")
    assert refused.value.errors == {"reason": ["say why these are the same lead"]}


def test_undo_restores_every_table_row_by_row(pair, sdr):
    survivor, merged = pair
    related_rows(merged, survivor, sdr)
    record_candidates([Pair(merged.pk, survivor.pk, 80, [{"key": "name", "value": "Sven"}])])
    candidate = DuplicateCandidate.objects.get()
    before = tables()

    merge = merge_leads(
        survivor=survivor,
        merged=merged,
        actor=sdr,
        reason="Same person",
        winners={"email": MERGED, "name": MERGED, "account": MERGED},
        candidate=candidate,
    )
    assert tables() != before
    undo_merge(merge=merge, actor=sdr, reason="Two people after all")

    assert tables() == before
    merge.refresh_from_db()
    assert merge.undone_by == sdr
    undo = StageTransition.objects.filter(lead=merged).last()
    assert (undo.name, undo.from_stage, undo.to_stage) == ("undo-merge", "disqualified", "mql")
    assert "Undo of merge" in Lead.objects.get(pk=merged.pk).history.first().history_change_reason


def test_undo_is_refused_after_new_writes_on_moved_rows_and_says_what_blocks_it(pair, sdr):
    survivor, merged = pair
    related_rows(merged, survivor, sdr)
    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Same person")
    note = DiscoveryNote.objects.get()
    note.body = "Wants a pilot in May"
    note.save()
    answer = ChecklistAnswer.objects.get(item__key="need")
    answer.answer = "Close in five days"
    answer.save()
    snapshot = tables()

    with pytest.raises(UndoRefused) as refused:
        undo_merge(merge=merge, actor=sdr)

    assert len(refused.value.reasons) == 2
    assert refused.value.reasons[0].startswith(
        "1 note the merge moved or wrote was changed or deleted since the merge on"
    )
    assert refused.value.reasons[1].startswith("1 checklist answer the merge moved")
    assert undo_blockers(merge) == refused.value.reasons
    assert tables() == snapshot


def test_undo_is_refused_once_the_merged_lead_moved_again(pair, sdr, manager):
    survivor, merged = pair
    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Same person")
    merged.refresh_from_db()
    transition_lead(lead=merged, to=Stage.MQL, actor=manager, evidence=Evidence(note="Back"))

    assert undo_blockers(merge) == [
        f"the merged lead #{merged.pk} was moved to MQL since the merge: only its latest move "
        "can be taken back"
    ]


def test_undo_is_refused_when_the_survivor_changed_a_field_the_merge_wrote(pair, sdr):
    survivor, merged = pair
    merge = merge_leads(
        survivor=survivor, merged=merged, actor=sdr, reason="Same", winners={"next_action": MERGED}
    )
    survivor.refresh_from_db()
    survivor.next_action = "Send the deck"
    survivor.save()
    (reason_,) = undo_blockers(merge)
    assert reason_.startswith(f"the surviving lead #{survivor.pk} changed since the merge on")
    assert reason_.endswith("next action")


def test_an_undone_merge_cannot_be_undone_twice(pair, sdr):
    survivor, merged = pair
    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Same")
    undo_merge(merge=merge, actor=sdr)
    with pytest.raises(UndoRefused):
        undo_merge(merge=merge, actor=UserFactory())


def test_two_leads_of_one_person_merge_without_field_choices_for_the_person(sdr):
    contact = ContactFactory()
    survivor = LeadFactory(stage=Stage.SAL, owner=sdr, contact=contact)
    merged = mql(contact=contact)
    ActivityFactory(lead=merged)
    merge = merge_leads(survivor=survivor, merged=merged, actor=sdr, reason="Twice")
    assert set(merge.winners) == {"account", "owner", "next_action"}
    assert Activity.objects.get().lead == survivor
