"""The duplicates review over HTTP: who sees what, merge, not a duplicate, undo."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from qualification.duplicates.candidates import Pair, record_candidates
from qualification.duplicates.detection import detect_duplicates
from qualification.duplicates.merge import undo_merge
from qualification.models import (
    Activity,
    DiscoveryNote,
    DuplicateCandidate,
    DuplicateMerge,
    Lead,
    Stage,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    SegmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("qualification:duplicates")


def sven_twice(sdr, *, score=85):
    account = AccountFactory(name="Hartmann Logistik")
    tom = UserFactory(username="tom", first_name="Tom", last_name="Becker", role=roles.SDR)
    kept = LeadFactory(
        stage=Stage.SAL,
        owner=tom,
        contact=ContactFactory(
            account=account, first_name="Sven", last_name="Hartmann", email="sven@hartmann.example"
        ),
    )
    twin = LeadFactory(
        stage=Stage.MQL,
        sla_due_at=timezone.now() + dt.timedelta(hours=2),
        contact=ContactFactory(
            account=account,
            first_name="Sven",
            last_name="Hartman",
            email="sven+x@hartmann.example",
            phone="+49 30 1234567",
        ),
    )
    record_candidates([Pair(kept.pk, twin.pk, score, [{"key": "name", "value": "sven hartmann"}])])
    return kept, twin, DuplicateCandidate.objects.get(lead_a=min(kept, twin, key=lambda x: x.pk))


def pair_url(candidate, name="qualification:duplicate-pair"):
    return reverse(name, args=[candidate.pk])


def test_the_list_shows_each_pair_side_by_side_with_what_matched(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    response = client.get(LIST)
    assert response.status_code == 200
    text = response.text
    assert "Sven Hartmann" in text and "Sven Hartman" in text
    assert "sven+x@hartmann.example" in text and "+49 30 1234567" in text
    assert "name “sven hartmann”" in text
    assert "SAL in Core" in text and "Tom Becker" in text
    assert pair_url(candidate) in text


def test_the_list_runs_a_fixed_number_of_queries(client, sdr, manager, django_assert_num_queries):
    sven_twice(sdr)
    # more pairs, each in the SDR's queue: the count stays
    for _ in range(5):
        one, other = (LeadFactory(stage=Stage.MQL) for _ in range(2))
        record_candidates([Pair(one.pk, other.pk, 60)])
    client.force_login(sdr)
    # session, user, roles, queue segments, count, page of pairs with both leads, checklists,
    # detection's merges
    with django_assert_num_queries(8):
        assert client.get(LIST).status_code == 200
    client.force_login(manager)
    with django_assert_num_queries(7):
        assert client.get(LIST).status_code == 200


def test_an_sdr_does_not_see_pairs_outside_their_queue_and_leads(client, sdr):
    elsewhere = SegmentFactory(slug="ent", name="Enterprise")
    one, other = (LeadFactory(stage=Stage.MQL, segment=elsewhere) for _ in range(2))
    record_candidates([Pair(one.pk, other.pk, 60)])
    candidate = DuplicateCandidate.objects.get()
    client.force_login(sdr)
    assert "No open duplicate pairs in your queue" in client.get(LIST).text
    assert client.get(pair_url(candidate)).status_code == 404


@pytest.mark.parametrize("role", [roles.AE, roles.MARKETING])
def test_other_roles_may_not_open_the_review(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(LIST).status_code == 403


def test_the_pair_page_offers_a_choice_only_where_the_two_differ(
    client, sdr, django_assert_num_queries
):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    with django_assert_num_queries(6):  # session, user, roles, queue segments, pair, checklists
        response = client.get(pair_url(candidate))
    text = response.text
    assert 'name="take_name"' in text and 'name="take_phone"' in text
    assert 'name="take_title"' not in text  # both "VP Operations"
    # The SAL is the default survivor; the phone the SAL lacks comes from the MQL.
    assert f'name="survivor" value="{kept.pk}" id="id_survivor_0" required checked>' in text
    assert f'name="take_phone" value="{twin.pk}" id="id_take_phone_1" checked>' in text
    assert f'name="take_name" value="{kept.pk}" id="id_take_name_0" checked>' in text


def test_merging_from_the_pair_page_moves_the_rows_and_opens_the_merge(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    ActivityFactory(lead=twin)
    DiscoveryNote.objects.create(lead=twin, author=sdr, body="Asked for a pilot")
    client.force_login(sdr)
    response = client.post(
        pair_url(candidate, "qualification:merge-pair"),
        {
            "survivor": kept.pk,
            "take_name": kept.pk,
            "take_email": twin.pk,
            "take_phone": twin.pk,
            "reason": "Same man, typo in the surname",
        },
    )
    merge = DuplicateMerge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("qualification:duplicate-merge", args=[merge.pk])
    twin.refresh_from_db()
    kept.refresh_from_db()
    assert (twin.stage, twin.duplicate_of) == (Stage.DISQUALIFIED, kept)
    assert kept.contact.email == "sven+x@hartmann.example"
    assert Activity.objects.get().lead == kept
    page = client.get(response["Location"]).text
    assert "Undo merge" in page
    assert "1 activity, 1 note" in page
    assert "Email, Phone" in page


def test_a_refused_merge_shows_the_error_beside_its_field_and_keeps_the_input(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    response = client.post(
        pair_url(candidate, "qualification:merge-pair"),
        {"survivor": kept.pk, "take_phone": kept.pk, "reason": ""},
    )
    assert response.status_code == 422
    assert 'id="reason-error">Say why these are the same lead' in response.text
    # What was chosen stays chosen: the survivor's phone (empty), not the default.
    assert f'name="take_phone" value="{kept.pk}" id="id_take_phone_0" checked>' in response.text
    assert not DuplicateMerge.objects.exists()


def test_revops_merges_an_mql_through_the_merge_only_row(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    revops = UserFactory(role=roles.REVOPS)  # RevOps reviews every pair, and may merge one
    client.force_login(revops)
    response = client.post(
        pair_url(candidate, "qualification:merge-pair"),
        {"survivor": kept.pk, "reason": "Same"},
    )
    assert response.status_code == 302
    twin.refresh_from_db()
    assert (twin.stage, twin.duplicate_of_id) == (Stage.DISQUALIFIED, kept.pk)
    assert twin.transitions.last().name == "merge-duplicate"
    # ... and nothing more: RevOps still may not reject or disqualify an MQL otherwise.
    assert not revops.has_perm("qualification.reject_mql")
    assert not revops.has_perm("qualification.act_on_any_lead")


def test_an_engine_refusal_is_shown_and_nothing_is_written(client, manager, sdr):
    kept, twin, candidate = sven_twice(sdr)
    Lead.objects.filter(pk=twin.pk).update(
        stage=Stage.NURTURE, recycle_on=timezone.localdate() + dt.timedelta(days=30)
    )
    revops = UserFactory(role=roles.REVOPS)
    client.force_login(revops)
    response = client.post(
        pair_url(candidate, "qualification:merge-pair"),
        {"survivor": kept.pk, "reason": "Same"},
    )
    assert response.status_code == 422
    assert "A lead cannot move from Nurture to Disqualified" in response.text
    assert not DuplicateMerge.objects.exists()
    twin.refresh_from_db()
    assert twin.stage == Stage.NURTURE


def test_not_a_duplicate_is_remembered(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    response = client.post(pair_url(candidate, "qualification:not-duplicate"))
    assert response.status_code == 302
    assert "No open duplicate pairs" in client.get(LIST).text
    record_candidates([Pair(kept.pk, twin.pk, 99)])
    assert DuplicateCandidate.objects.get().status == "not_duplicate"


def test_undo_puts_both_leads_back_and_says_so(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    client.post(
        pair_url(candidate, "qualification:merge-pair"), {"survivor": kept.pk, "reason": "Same"}
    )
    merge = DuplicateMerge.objects.get()
    response = client.post(reverse("qualification:undo-merge", args=[merge.pk]), follow=True)
    assert "Merge undone" in response.text
    twin.refresh_from_db()
    assert twin.stage == Stage.MQL and twin.duplicate_of is None
    assert DuplicateCandidate.objects.get().status == "open"


def test_undo_refused_says_what_blocks_it(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    ActivityFactory(lead=twin)
    client.force_login(sdr)
    client.post(
        pair_url(candidate, "qualification:merge-pair"), {"survivor": kept.pk, "reason": "Same"}
    )
    merge = DuplicateMerge.objects.get()
    Activity.objects.update(detail="edited since")
    page = client.get(reverse("qualification:duplicate-merge", args=[merge.pk])).text
    assert "Undo is no longer possible" in page
    assert "1 activity the merge moved or wrote was changed or deleted since" in page
    response = client.post(reverse("qualification:undo-merge", args=[merge.pk]))
    assert response.status_code == 409
    assert "The merge cannot be undone" in response.text


def test_the_lead_page_and_the_queue_row_name_the_possible_duplicate(client, sdr):
    kept, twin, candidate = sven_twice(sdr)
    client.force_login(sdr)
    lead_page = client.get(reverse("qualification:lead-detail", args=[twin.pk])).text
    assert 'id="possible-duplicates"' in lead_page and pair_url(candidate) in lead_page
    queue = client.get(reverse("qualification:queue")).text
    assert "Possible duplicate of Sven Hartmann (SAL, Tom)" in queue


def test_the_list_shows_what_detection_merged_by_itself_with_a_way_to_undo_it(client, manager):
    kept, twin, _candidate = sven_twice(manager)
    [merge] = detect_duplicates(lead_ids=[kept.pk, twin.pk]).merges
    client.force_login(manager)

    text = client.get(LIST).content.decode()

    section = text.split('id="automatic-merges"')[1].split("</section>")[0]
    assert "sven+x@hartmann.example" in section
    assert reverse("qualification:duplicate-merge", args=[merge.pk]) in section

    undo_merge(merge=merge, actor=manager, reason="Two people")
    assert 'id="automatic-merges"' not in client.get(LIST).content.decode()


def test_an_sdr_sees_only_the_automatic_merges_into_their_own_leads(client, sdr):
    kept, twin, _candidate = sven_twice(sdr)
    detect_duplicates(lead_ids=[kept.pk, twin.pk])
    client.force_login(sdr)
    assert 'id="automatic-merges"' not in client.get(LIST).content.decode()

    Lead.objects.filter(pk=kept.pk).update(owner=sdr)
    assert "sven+x@hartmann.example" in client.get(LIST).content.decode()
