"""Detection: the keys, the score, automatic merges of one inbox, and a seeded set of known
duplicates through intake and the nightly job, with precision and recall."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Contact
from accounts.normalize import email_identity
from qualification.duplicates.candidates import mark_not_duplicate
from qualification.duplicates.detection import (
    detect_duplicates,
    trigram_similarity,
)
from qualification.duplicates.merge import undo_merge
from qualification.intake.batch import ingest
from qualification.intake.rows import LeadRow
from qualification.jobs.duplicates import run_nightly_detection
from qualification.models import DuplicateCandidate, DuplicateMerge, Lead, Stage
from review.metrics import funnel_report
from review.sampling import came_back
from tests.factories import AccountFactory, ContactFactory, LeadFactory, SegmentFactory

pytestmark = pytest.mark.django_db

IDENTITIES = [
    ("Sven.Hartmann@Acme.example", "sven.hartmann@acme.example"),
    ("sven+webinar@acme.example", "sven@acme.example"),
    ("sven.h+a+b@acme.example", "sven.h@acme.example"),
    ("+sven@acme.example", "+sven@acme.example"),
    ("s.v.e.n+x@gmail.com", "sven@gmail.com"),
    ("s.ven@googlemail.com", "sven@gmail.com"),
    ("s.ven@yahoo.com", "s.ven@yahoo.com"),
    ("mark.otto@gmail.com.example", "mark.otto@gmail.com.example"),
]


@pytest.mark.parametrize(("email", "identity"), IDENTITIES)
def test_email_identity_folds_case_tags_and_gmail_dots(email, identity):
    assert email_identity(email) == identity


def test_the_database_computes_the_same_email_key_as_python():
    for n, (email, identity) in enumerate(IDENTITIES):
        contact = ContactFactory(email=email, account=None, first_name=f"P{n}")
        assert Contact.objects.values_list("email_key", flat=True).get(pk=contact.pk) == identity


def test_the_python_trigram_similarity_is_pg_trgms():
    pairs = [("sven hartmann", "sven hartman"), ("anna berg", "ana berg"), ("tom", "julia")]
    with connection.cursor() as cursor:
        for one, other in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [one, other])
            assert trigram_similarity(one, other) == pytest.approx(cursor.fetchone()[0], abs=1e-6)


def test_two_different_people_at_one_account_are_not_candidates():
    account = AccountFactory()
    one = LeadFactory(
        contact__account=account, contact__first_name="Peter", contact__last_name="Wong"
    )
    LeadFactory(
        contact__account=account,
        contact__first_name="Julia",
        contact__last_name="Roberts",
        segment=one.segment,
    )
    assert detect_duplicates(lead_ids=[one.pk]).pairs == []


def test_the_same_name_at_two_accounts_does_not_match():
    one = LeadFactory(contact__first_name="John", contact__last_name="Smith")
    LeadFactory(contact__first_name="John", contact__last_name="Smith", segment=one.segment)
    assert detect_duplicates(lead_ids=[one.pk]).pairs == []


@pytest.mark.parametrize("in_sql", [True, False], ids=["pg_trgm", "python fallback"])
def test_a_typo_in_a_name_at_one_account_is_a_candidate_never_a_merge(in_sql):
    account = AccountFactory()
    one = LeadFactory(
        contact__account=account, contact__first_name="Sven", contact__last_name="Hartmann"
    )
    other = LeadFactory(
        contact__account=account,
        contact__first_name="Sven",
        contact__last_name="Hartman",
        segment=one.segment,
    )
    found = detect_duplicates(lead_ids=[other.pk], trigram_in_sql=in_sql)
    assert [(p.key, p.matched[0]["key"]) for p in found.pairs] == [
        ((one.pk, other.pk), "similar name")
    ]
    assert found.merges == []
    assert DuplicateCandidate.objects.get().status == "open"


def test_leads_of_two_segments_are_not_duplicates():
    one = LeadFactory(contact__email="sven+a@acme.example")
    LeadFactory(
        contact__email="sven@acme.example", segment=SegmentFactory(slug="other", name="Other")
    )
    assert detect_duplicates(lead_ids=[one.pk]).pairs == []


def test_the_same_inbox_merges_the_newer_lead_into_the_older_one_and_can_be_undone(manager):
    older = LeadFactory(contact__email="mark.otto@gmail.com", contact__account=None, account=None)
    newer = LeadFactory(
        contact__email="markotto+demo@googlemail.com",
        contact__account=None,
        account=None,
        segment=older.segment,
        stage=Stage.MQL,
    )
    found = detect_duplicates(lead_ids=[newer.pk])
    (merge,) = found.merges
    assert (merge.survivor_id, merge.merged_id, merge.merged_by, merge.rule) == (
        older.pk,
        newer.pk,
        None,
        "duplicate-detection",
    )
    newer.refresh_from_db()
    assert (newer.stage, newer.duplicate_of_id, newer.reason_code.code) == (
        Stage.DISQUALIFIED,
        older.pk,
        "duplicate",
    )
    assert (
        "same email" in newer.history.first().history_change_reason
        or "duplicate" in newer.history.first().history_change_reason
    )
    assert DuplicateCandidate.objects.get().status == "merged"
    undo_merge(merge=merge, actor=manager)
    newer.refresh_from_db()
    assert (newer.stage, newer.duplicate_of_id) == (Stage.MQL, None)


def test_a_worked_lead_with_the_same_inbox_waits_for_a_person(sdr):
    older = LeadFactory(contact__email="ann@acme.example")
    newer = LeadFactory(
        contact__email="ann+x@acme.example", segment=older.segment, stage=Stage.SAL, owner=sdr
    )
    found = detect_duplicates(lead_ids=[newer.pk])
    assert found.merges == [] and found.pairs[0].score == 100
    assert DuplicateCandidate.objects.get().status == "open"


def test_a_pair_marked_not_a_duplicate_is_never_merged(manager):
    older = LeadFactory(contact__email="ann@acme.example")
    newer = LeadFactory(contact__email="ann+x@acme.example", segment=older.segment)
    DuplicateCandidate.objects.create(lead_a=older, lead_b=newer, score=100)
    mark_not_duplicate(candidate=DuplicateCandidate.objects.get(), actor=manager)
    assert detect_duplicates(lead_ids=[newer.pk]).merges == []
    assert not DuplicateMerge.objects.exists()


# The seeded set: (line, email, first, last, phone, country), first batch then second batch.
BASE = [
    LeadRow(1, "anna.berg@globex.example", "Anna", "Berg"),
    LeadRow(2, "lena@initech.example", "Lena", "Vogel"),
    LeadRow(3, "mark.otto@gmail.com", "Mark", "Otto", company="Otto Design"),
    LeadRow(4, "karl.weber@initech.example", "Karl", "Weber", phone="+49 30 1234567", country="DE"),
    LeadRow(5, "sven@acme.example", "Sven", "Hartmann"),
    LeadRow(6, "tom.becker@globex.example", "Tom", "Becker"),
    LeadRow(7, "john.smith@acme.example", "John", "Smith"),
    LeadRow(8, "peter.wong@acme.example", "Peter", "Wong"),
    LeadRow(9, "mary.jones@yahoo.com", "Mary", "Jones", company="Jones Ltd"),
]
SECOND = [
    LeadRow(1, "Anna.Berg+Webinar@Globex.example", "Anna", "Berg"),  # case and +tag
    LeadRow(2, "lena+events@initech.example", "Lena", "Vogel"),  # +tag
    LeadRow(3, "markotto@googlemail.com", "Mark", "Otto", company="Otto Design"),  # Gmail dots
    LeadRow(4, "kw@initech.example", "K.", "Weber", phone="030 1234567", country="DE"),  # phone
    LeadRow(5, "s.hartman@acme.example", "Sven", "Hartman"),  # a typo in the name
    LeadRow(6, "tbecker@globex.example", "Tom", "Becker"),  # the same name, the same account
    LeadRow(7, "john.smith@globex.example", "John", "Smith"),  # same name, another account
    LeadRow(8, "julia.roberts@acme.example", "Julia", "Roberts"),  # another person, one account
    # Yahoo folds no dots: another inbox, so never merged by itself; but matching puts both at
    # the account "Jones Ltd", so the same name there makes them a pair for a person to judge.
    LeadRow(9, "maryjones@yahoo.com", "Mary", "Jones", company="Jones Ltd"),
]
SAME_INBOX = {1, 2, 3}
DUPLICATES = {1, 2, 3, 4, 5, 6, 9}


def _seed():
    segment = SegmentFactory()
    first = ingest(BASE, segment=segment, source_system="seed")
    second = ingest(SECOND, segment=segment, source_system="seed")
    return segment, first, second


def _line_of(first, second):
    """lead id → (batch, line)."""
    ids = {r.lead_id: ("base", r.line) for r in first}
    for r in second:
        ids.setdefault(r.lead_id, ("second", r.line))
    return ids


def _found_pairs(first, second) -> set[int]:
    """The lines whose two leads detection paired (a candidate or a merge)."""
    base = {r.line: r.lead_id for r in first}
    found = set()
    for pair in DuplicateCandidate.objects.all():
        lead_ids = {pair.lead_a_id, pair.lead_b_id}
        for line, lead_id in base.items():
            if lead_id in lead_ids:
                other = (lead_ids - {lead_id}).pop()
                row = Lead.objects.select_related("contact").get(pk=other)
                expected = next(r for r in SECOND if r.line == line)
                if row.contact.email == expected.email.lower():
                    found.add(line)
    return found


def _precision_recall(found: set[int]) -> tuple[float, float]:
    true = found & DUPLICATES
    precision = len(true) / len(found) if found else 1.0
    recall = len(true) / len(DUPLICATES)
    return precision, recall


def test_the_seeded_duplicates_are_found_through_intake_with_every_same_inbox_pair_merged():
    _segment, first, second = _seed()
    found = _found_pairs(first, second)
    precision, recall = _precision_recall(found)
    print(f"\nduplicates through intake: precision {precision:.2f}, recall {recall:.2f}")
    assert (precision, recall) == (1.0, 1.0), found
    base = {r.line: r.lead_id for r in first}
    merges = {(m.survivor_id, m.merged_id) for m in DuplicateMerge.objects.all()}
    assert {survivor for survivor, _ in merges} == {base[line] for line in SAME_INBOX}
    for result in second:
        if result.line in SAME_INBOX:
            assert result.outcome == "merged" and result.lead_id == base[result.line]
            assert "merged into lead" in result.message
        elif result.line in DUPLICATES:
            assert f"possible duplicate of lead #{base[result.line]}" in result.message
        else:
            assert "duplicate" not in result.message


def test_the_nightly_job_finds_the_pairs_intake_found():
    _segment, first, second = _seed()
    by_intake = set(DuplicateCandidate.objects.values_list("lead_a", "lead_b", "status"))
    DuplicateCandidate.objects.filter(status="open").delete()
    run = run_nightly_detection(chunk=4)
    assert run.status == "done" and run.leads_checked > 0
    assert set(DuplicateCandidate.objects.values_list("lead_a", "lead_b", "status")) == by_intake
    again = run_nightly_detection(chunk=4)
    assert again.candidates_created == 0 and again.merged == 0


def test_an_import_batch_detects_in_a_fixed_number_of_queries():
    segment = SegmentFactory()
    ingest(BASE, segment=segment, source_system="seed")
    rows = [LeadRow(n, f"person{n}@acme.example", f"First{n}", f"Last{n}") for n in range(1, 41)]
    many = [LeadRow(n, f"person{n}@acme.example", f"First{n}", f"Last{n}") for n in range(1, 201)]
    with CaptureQueriesContext(connection) as few:
        ingest(rows, segment=segment, source_system="a")
    with CaptureQueriesContext(connection) as lots:
        ingest(
            [LeadRow(r.line, "x" + r.email, r.first_name, r.last_name) for r in many],
            segment=segment,
            source_system="b",
        )
    assert len(lots) == len(few)


def test_the_undo_of_a_merge_is_no_stage_move_in_the_metrics(manager):
    older = LeadFactory(contact__email="ann@acme.example")
    newer = LeadFactory(contact__email="ann+x@acme.example", segment=older.segment, stage=Stage.MQL)
    (merge,) = detect_duplicates(lead_ids=[newer.pk]).merges
    undo_merge(merge=merge, actor=manager)
    now = timezone.now()
    assert not came_back(start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=1)).exists()
    report = funnel_report(start=now.date(), end=now.date())
    assert report.total.mql in (0, None)
