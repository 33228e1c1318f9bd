"""The demo builder: an empty database in, the whole demo out."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Subquery

from accounts.models import Account, BuyingGroupRole, Contact
from demo.accounts_story import show_accounts
from demo.capture import capture
from demo.cast import create_accounts, create_contacts, create_segments, create_users
from demo.data import (
    DEMO_USERS,
    SEED,
)
from demo.past_review import hold_past_review
from demo.state import Demo, Story
from demo.steps import STEPS, after_last_step, finish
from demo.stories import plan_stories
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    Framework,
    IcpRule,
    IcpSettings,
    Lead,
    ReasonCode,
)


def already_seeded() -> str:
    """Why the database is not empty enough to seed, or '' when it is."""
    usernames = [row[0] for row in DEMO_USERS]
    if get_user_model().objects.filter(username__in=usernames).exists():
        return "the demo users exist"
    if Lead.objects.exists():
        return "leads exist"
    if Account.objects.exists() or Contact.objects.exists():
        return "accounts or contacts exist"
    return ""


def seed(*, now: dt.datetime) -> Demo:
    demo = Demo(rng=random.Random(SEED), now=now)
    demo.codes = {code.code: code for code in ReasonCode.objects.all()}
    demo.icp_rules = list(IcpRule.objects.filter(active=True))
    demo.icp_cutoffs = IcpSettings.load()
    demo.frameworks = {
        framework.key: (framework, list(framework.items.order_by("position", "pk")))
        for framework in Framework.objects.all()
    }
    create_users(demo)
    create_segments(demo)
    create_accounts(demo)
    create_contacts(demo)
    for story in plan_stories(demo):
        play(demo, story)
    Activity.objects.bulk_create(demo.activities, batch_size=500)
    settle_accounts(demo)
    settle_contacts(demo)
    settle_updated_at()
    hold_past_review(demo)
    show_accounts(demo)
    return demo


def play(demo: Demo, story: Story) -> None:
    story.lead = capture(demo, story)
    moments = story.times
    for index, step in enumerate(story.path.steps):
        STEPS[step](demo, story, moments[index], moments[index + 1])
    after_last_step(demo, story)
    finish(demo, story)


def settle_accounts(demo: Demo) -> None:
    """ICP confirmed when the latest acceptance confirmed it, by the SDR who did; an account
    nobody confirmed was last changed when it was imported."""
    for account in demo.accounts:
        confirmed = demo.icp_confirmations.get(account.pk)
        if confirmed is not None:
            at, sdr = confirmed
            Account.objects.filter(pk=account.pk).update(
                icp_confirmed_at=at, icp_confirmed_by=sdr, updated_at=at
            )
    Account.objects.exclude(pk__in=demo.icp_confirmations).update(updated_at=F("created_at"))


def settle_contacts(demo: Demo) -> None:
    """A contact appears when their first lead was captured, or with their company.

    The one row the demo dates after writing it: people are created before the stories that
    say when they first appeared, and the random draws for the others come last, after every
    story (moving them would change the whole demo)."""
    first_capture: dict[int, dt.datetime] = {}
    for lead_contact, created in Lead.objects.values_list("contact_id", "created_at"):
        first_capture[lead_contact] = min(created, first_capture.get(lead_contact, created))
    account_created = dict(Account.objects.values_list("pk", "created_at"))
    for contact in demo.contacts:
        offset = dt.timedelta(days=demo.rng.randint(1, 30))
        created = first_capture.get(contact.pk)
        if created is None:
            created = (
                account_created[contact.account_id] + offset
                if contact.account_id
                else demo.now - offset
            )
        Contact.objects.filter(pk=contact.pk).update(created_at=created, updated_at=created)
        Contact.history.filter(id=contact.pk).update(history_date=created)


def settle_updated_at() -> None:
    """`updated_at` is the clock's (auto_now) whenever a row is saved: the buying group's seats
    and the checklist answers were last changed when the story wrote them."""
    BuyingGroupRole.objects.update(updated_at=F("created_at"))
    ChecklistAnswer.objects.update(
        updated_at=Subquery(
            Checklist.objects.filter(pk=OuterRef("checklist_id")).values("created_at")[:1]
        )
    )
