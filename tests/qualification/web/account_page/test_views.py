"""The account page (qualification/web/account_page/): who may open it, what it shows, what it
costs, and the links to it from the lead page, the queue and the lead list."""

import datetime as dt
import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from accounts import roles
from accounts.domains import add_domain
from accounts.models import PERSON, Account, AccountFieldSource, BuyingGroupRole, Contact
from qualification.models import (
    AccountMatch,
    AccountMatchCandidate,
    Activity,
    DuplicateCandidate,
    Stage,
)
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    BuyingGroupRoleFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Role = BuyingGroupRole.Role


def page(account) -> str:
    return reverse("qualification:account-detail", args=[account.pk])


def account_link(account) -> str:
    return f'href="{page(account)}"'


@pytest.fixture
def acme(ae):
    return AccountFactory(
        name="Acme Logistics",
        domain="acme-logistics.example",
        industry="Logistics",
        employee_count=1200,
        annual_revenue="48000000.00",
        country="GB",
        region="London",
        territory="UK North",
        relationship=Account.Relationship.CUSTOMER,
        owner=ae,
        icp_tier="A",
        icp_reasons=["Industry is logistics (+30)", "1,000+ employees (+25)"],
        icp_confirmed_at=timezone.now(),
        icp_confirmed_by=ae,
    )


# Who may open it --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", roles.ROLES)
def test_every_role_may_open_the_account_page(client, acme, role):
    client.force_login(UserFactory(role=role))

    response = client.get(page(acme))

    assert response.status_code == 200
    assert "Acme Logistics" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, acme):
    response = client.get(page(acme))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_missing_account_is_not_found(client, ae):
    client.force_login(ae)

    assert client.get(reverse("qualification:account-detail", args=[987654])).status_code == 404


def test_the_account_url_leaves_the_login_url_alone():
    assert resolve("/accounts/login/").url_name == "login"
    assert resolve("/accounts/7/").view_name == "qualification:account-detail"


# What it shows ----------------------------------------------------------------------------------


def test_it_shows_the_firmographics_owner_and_icp_tier_with_its_reasons(client, ae, acme):
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    for shown in ("acme-logistics.example", "https://acme-logistics.example/", "Logistics"):
        assert shown in html
    assert "1,200" in html and "48,000,000.00" in html and "UK North" in html
    assert "Customer" in html and "London" in html
    assert "Industry is logistics (+30)" in html and "1,000+ employees (+25)" in html
    assert f"by {ae.get_full_name()}" in html


def facts(html: str) -> dict[str, str]:
    """The Company box's facts: each label → its value's text, tags stripped."""
    found = re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", html, re.S)
    return {label: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for label, value in found}


def test_each_enriched_value_shows_a_badge_with_its_source_and_date(client, ae, acme):
    when = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)
    AccountFieldSource.objects.create(
        account=acme, field="employee_count", source="inc5000", set_at=when
    )
    AccountFieldSource.objects.create(
        account=acme, field="industry", source=PERSON, set_by=ae, set_at=when
    )
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    shown = facts(html)
    assert shown["Employees"] == "1,200 enriched from inc5000, 2 Dec 2026"
    assert shown["Industry"] == f"Logistics Set by {ae.get_full_name()}, 2 Dec 2026"
    assert shown["Revenue"] == "EUR 48,000,000.00"  # from the lead's own data: no source
    assert html.count('class="badge badge-enriched"') == 1


def test_it_says_when_no_one_has_confirmed_the_tier(client, ae):
    account = AccountFactory(icp_reasons=[])
    client.force_login(ae)

    html = client.get(page(account)).content.decode()

    assert "Not confirmed by a person yet" in html
    assert "the ICP rules have not tiered this account yet" in html


def test_it_lists_every_contact_with_persona_email_kind_role_sentiment_and_last_activity(
    client, ae, acme
):
    dana = ContactFactory(
        account=acme,
        first_name="Dana",
        last_name="Whitley",
        title="CFO",
        persona_function="finance",
        persona_seniority="c_level",
        email_kind=Contact.EmailKind.PERSONAL,
    )
    BuyingGroupRoleFactory(contact=dana, role=Role.ECONOMIC_BUYER, sentiment="positive")
    ActivityFactory(
        lead=LeadFactory(contact=dana), occurred_at=timezone.now() - dt.timedelta(days=1)
    )
    quiet = ContactFactory(account=acme, first_name="Quinn", last_name="Quiet")
    ContactFactory(first_name="Elsewhere")  # another account's
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    row = re.search(rf'<tr data-contact="{dana.pk}">.*?</tr>', html, re.S).group(0)
    assert "Dana Whitley" in row and "CFO" in row and dana.persona in row
    assert "Personal" in row and "Economic buyer" in row and "Positive" in row
    assert "<time" in row
    quiet_row = re.search(rf'<tr data-contact="{quiet.pk}">.*?</tr>', html, re.S).group(0)
    assert "Not mapped" in quiet_row and "None" in quiet_row
    assert "Elsewhere" not in html


def test_it_lists_every_lead_with_its_stage_owner_sla_intent_and_a_link(client, ae, sdr, acme):
    sal = LeadFactory(
        contact=ContactFactory(account=acme), stage=Stage.SAL, owner=ae, intent_score=81
    )
    mql = LeadFactory(
        contact=ContactFactory(account=acme),
        stage=Stage.MQL,
        owner=sdr,
        sla_due_at=timezone.now() - dt.timedelta(hours=1),
    )
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    sal_row = re.search(rf'<tr data-lead="{sal.pk}">.*?</tr>', html, re.S).group(0)
    assert reverse("qualification:lead-detail", args=[sal.pk]) in sal_row
    assert "stage-sal" in sal_row and "(you)" in sal_row and "High intent · 81" in sal_row
    mql_row = re.search(rf'<tr data-lead="{mql.pk}">.*?</tr>', html, re.S).group(0)
    assert "stage-mql" in mql_row and "Breached" in mql_row
    assert "2 leads (2 open)" in html


def test_it_warns_when_the_account_is_single_threaded_without_an_economic_buyer(client, ae, acme):
    BuyingGroupRoleFactory(contact=ContactFactory(account=acme), role=Role.CHAMPION)
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    assert 'data-warning="single_threaded"' in html
    assert 'data-warning="no_economic_buyer"' in html


def test_the_coverage_suggests_who_to_map_in_the_empty_seat(client, ae, acme):
    BuyingGroupRoleFactory(contact=ContactFactory(account=acme), role=Role.CHAMPION)
    cfo = ContactFactory(
        account=acme,
        first_name="Dana",
        last_name="Whitley",
        title="CFO",
        persona_function="finance",
        persona_seniority="c_level",
    )
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    seat = re.search(r'<tr data-seat="economic_buyer">.*?</tr>', html, re.S).group(0)
    assert f'data-suggestion="{cfo.pk}-economic_buyer"' in seat and "Dana Whitley" in seat
    assert "Dana Whitley, CFO, is at this account but in no buying group: economic buyer?" in html


def test_a_covered_buying_group_raises_no_warning_and_shows_who_holds_each_role(client, ae, acme):
    BuyingGroupRoleFactory(
        contact=ContactFactory(account=acme, first_name="Cara"), role=Role.CHAMPION
    )
    BuyingGroupRoleFactory(
        contact=ContactFactory(account=acme, first_name="Evan"), role=Role.ECONOMIC_BUYER
    )
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    assert "data-warning=" not in html
    seat = re.search(r'<tr data-seat="economic_buyer">.*?</tr>', html, re.S).group(0)
    assert "Evan" in seat
    assert "Nobody yet" in re.search(r'<tr data-seat="blocker">.*?</tr>', html, re.S).group(0)


def test_the_timeline_runs_across_the_accounts_contacts_newest_first(client, ae, acme):
    now = timezone.now()
    first = LeadFactory(contact=ContactFactory(account=acme, first_name="Older"))
    second = LeadFactory(contact=ContactFactory(account=acme, first_name="Newer"))
    ActivityFactory(lead=first, kind=Activity.Kind.WEBINAR, occurred_at=now - dt.timedelta(days=2))
    ActivityFactory(lead=second, kind=Activity.Kind.DEMO_REQUEST, occurred_at=now)
    ActivityFactory(kind=Activity.Kind.CAREERS_PAGE)  # another account's
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    timeline = html[html.index('id="timeline-heading"') :]
    assert timeline.index("Demo request") < timeline.index("Webinar")
    assert "Careers page" not in timeline


def test_the_timeline_is_capped_and_says_so(client, ae, acme):
    lead = LeadFactory(contact=ContactFactory(account=acme))
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(
            contact=lead.contact,
            lead=lead,
            kind=Activity.Kind.BLOG_READ,
            occurred_at=now - dt.timedelta(minutes=n),
        )
        for n in range(55)
    )
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    assert html.count("<strong>Blog read</strong>") == 50
    assert "Showing the latest 50 activities." in html


def test_the_history_shows_each_change_newest_first_with_who_and_what(client, ae, acme):
    acme.employee_count = 1500
    acme._history_user = ae
    acme._change_reason = "Annual report"
    acme.save()
    acme.icp_tier, acme._change_reason = "B", "Tiered by hand"
    acme.save()
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    history = html[html.index('id="account-history-heading"') :]
    assert history.index("Changed: Tiered by hand") < history.index("Changed: Annual report")
    assert "ICP tier: Tier A → Tier B" in history
    assert history.index("Changed: Annual report") < history.index("Created")
    assert "Employees: 1200 → 1500" in history
    assert ae.get_full_name() in history


def test_the_page_carries_no_inline_script(client, ae, acme):
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# Match candidates and possible duplicates -------------------------------------------------------


def waiting(*, lead, account, confidence: str, company: str = "Acme Grup") -> AccountMatch:
    match = AccountMatch.objects.create(
        lead=lead, contact=lead.contact, company=company, outcome=AccountMatch.Outcome.REVIEW
    )
    AccountMatchCandidate.objects.create(
        match=match,
        account=account,
        confidence=confidence,
        reasons=[{"signal": "name", "score": float(confidence)}, {"signal": "country"}],
    )
    return match


def pair(one, other, *, score: int = 70, status=DuplicateCandidate.Status.OPEN):
    a, b = sorted((one, other), key=lambda lead: lead.pk)
    return DuplicateCandidate.objects.create(
        lead_a=a,
        lead_b=b,
        score=score,
        matched=[{"key": "same name", "value": "ana lima"}],
        status=status,
        decided_at=None if status == DuplicateCandidate.Status.OPEN else timezone.now(),
    )


def test_it_lists_the_leads_waiting_in_match_review_with_this_account_as_a_candidate(
    client, ae, acme
):
    lead = LeadFactory(contact=ContactFactory(first_name="Rae", last_name="Okoro"))
    match = waiting(lead=lead, account=acme, confidence="0.84")
    settled = waiting(lead=LeadFactory(), account=acme, confidence="0.70", company="Acme Old")
    AccountMatch.objects.filter(pk=settled.pk).update(
        outcome=AccountMatch.Outcome.LINKED, account=acme
    )
    elsewhere = waiting(lead=LeadFactory(), account=AccountFactory(), confidence="0.75")
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    section = html.split('id="match-candidates"')[1].split("</section>")[0]
    assert "Rae Okoro" in section and "“Acme Grup”: 0.84" in section
    assert "name 0.84" in section and "country" in section
    assert f"{reverse('qualification:match-review')}#match-{match.pk}" in section
    assert "Acme Old" not in section and f"#match-{elsewhere.pk}" not in section


def test_an_account_with_nothing_waiting_says_so(client, ae, acme):
    client.force_login(ae)
    html = client.get(page(acme)).content.decode()
    assert "No lead waits to be matched to this account." in html
    assert "No open duplicate pair among this account" in html


def test_it_lists_the_open_duplicate_pairs_of_its_leads_with_a_link_to_compare(client, ae, acme):
    ours = LeadFactory(contact=ContactFactory(account=acme, first_name="Ana", last_name="Lima"))
    other = LeadFactory(contact=ContactFactory(first_name="Ana", last_name="Lyma"))
    open_pair = pair(ours, other, score=70)
    closed = pair(ours, LeadFactory(), status=DuplicateCandidate.Status.NOT_DUPLICATE)
    client.force_login(ae)

    html = client.get(page(acme)).content.decode()

    section = html.split('id="duplicates"')[1].split("</section>")[0]
    assert "Ana Lima" in section and "Ana Lyma" in section
    assert "same name “ana lima”, score 70" in section
    assert reverse("qualification:duplicate-pair", args=[open_pair.pk]) in section
    assert f'data-pair="{closed.pk}"' not in section


# What it costs ----------------------------------------------------------------------------------


def busy_account(*, size: int) -> Account:
    """An account with `size` contacts, each with a lead, an activity and a buying-group role,
    and `size` changes in its history."""
    account = AccountFactory(
        owner=UserFactory(), icp_confirmed_by=UserFactory(), parent=AccountFactory()
    )
    previous = None
    for n in range(size):
        add_domain(account=account, domain=f"busy-{n}.example", reason="Test")
        AccountFactory(parent=account)
        lead = LeadFactory(
            contact=ContactFactory(account=account), stage=Stage.SAL, owner=UserFactory()
        )
        ActivityFactory(lead=lead, actor=UserFactory())
        BuyingGroupRoleFactory(contact=lead.contact, role=Role.INFLUENCER)
        waiting(lead=LeadFactory(owner=UserFactory()), account=account, confidence="0.8")
        if previous is not None:
            pair(previous, lead)
        previous = lead
        account.employee_count = 100 + n
        account._history_user = UserFactory()
        account.owner = UserFactory()
        account.save()
    for field in ("industry", "employee_count")[: min(size, 2)]:
        AccountFieldSource.objects.create(
            account=account, field=field, source=PERSON, set_by=UserFactory(), set_at=timezone.now()
        )
    return account


@pytest.mark.parametrize("size", [2, 12])
def test_the_account_page_runs_a_fixed_number_of_queries(
    client, ae, size, django_assert_num_queries
):
    account = busy_account(size=size)
    client.force_login(ae)
    # session, user, roles; the account (owner, confirmer, parent), contacts (last activity),
    # the buying group, leads (contact, segment, owner), activities (contact, actor), history
    # (who, owner, confirmer, parent), its domains, its child accounts, the
    # fields' sources (who set them), the waiting matches naming it (lead, contact), the open
    # duplicate pairs of its leads (both leads' contact, segment, owner)
    with django_assert_num_queries(14):
        response = client.get(page(account))
    assert response.status_code == 200


# The links to it --------------------------------------------------------------------------------


def test_the_lead_page_links_its_account_to_the_account_page(client, ae, acme):
    lead = LeadFactory(contact=ContactFactory(account=acme), stage=Stage.SAL, owner=ae)
    client.force_login(ae)

    html = client.get(reverse("qualification:lead-detail", args=[lead.pk])).content.decode()

    assert f'<a href="{page(acme)}" data-account-link>Acme Logistics</a>' in html


def test_a_lead_without_an_account_links_to_no_account_page(client, ae):
    lead = LeadFactory(contact=ContactFactory(account=None), stage=Stage.SAL, owner=ae)
    client.force_login(ae)

    html = client.get(reverse("qualification:lead-detail", args=[lead.pk])).content.decode()

    assert "data-account-link" not in html and "No account" in html


def test_the_queue_row_links_its_account_to_the_account_page(client, sdr, acme):
    LeadFactory(
        contact=ContactFactory(account=acme),
        stage=Stage.MQL,
        sla_due_at=timezone.now() + dt.timedelta(hours=2),
    )
    LeadFactory(
        contact=ContactFactory(account=None),
        stage=Stage.MQL,
        sla_due_at=timezone.now() + dt.timedelta(hours=3),
    )
    client.force_login(sdr)

    html = client.get(reverse("qualification:queue")).content.decode()

    assert f'<a class="account-link" {account_link(acme)}>Acme Logistics</a>' in html
    assert html.count('class="account-link"') == 1  # the lead without an account: no link


def test_the_lead_list_row_links_its_account_to_the_account_page(client, manager, acme):
    LeadFactory(contact=ContactFactory(account=acme))
    client.force_login(manager)

    html = client.get(reverse("qualification:lead-list")).content.decode()

    assert f"<a {account_link(acme)}>Acme Logistics</a>" in html


def test_the_review_boards_borderline_rows_link_their_account(client, manager, acme):
    LeadFactory(contact=ContactFactory(account=acme), stage=Stage.NEW, manual_review=True)
    client.force_login(manager)

    html = client.get(reverse("review:borderline-leads")).content.decode()

    assert f"<a {account_link(acme)}>Acme Logistics</a>" in html
