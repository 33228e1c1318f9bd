"""`manage.py seed_demo`: a deterministic, believable demo data set for an empty database.

The command only orchestrates; the app decides. Accounts get their tier from RevOps' ICP rules,
leads their score from the scoring rules over the activity the demo records, the stage rules
make MQLs (routing gives them an owner) or nurture them, and every other stage change goes
through `qualification.transitions.transition_lead` with the evidence and the actor its table
row asks for. So the demo's history is the history the app writes.

Each lead follows a planned story (captured, scored, accepted, promoted, …) over the last two
months. Each step calls the engine, the rules and routing with `now=` the step's moment in the
story, so what they write (transition times, stage timers, SLA clocks, history dates) is dated
then and the queue, the SLA clocks and the funnel look like weeks of work. The same seed on an
empty database gives the same people, companies, leads and stages; only the dates follow today.
"""

from __future__ import annotations

import time
from collections import Counter

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts import roles
from demo.build import already_seeded, seed
from demo.data import ADMIN_USER, DEMO_PASSWORD, DEMO_USERS, DISCARD_MAIL
from qualification.models import (
    Activity,
    Lead,
    Stage,
)


class Command(BaseCommand):
    help = "Fill an empty database with a deterministic demo: users per role, accounts, leads."

    def handle(self, *args, **options):
        existing = already_seeded()
        if existing:
            self.stdout.write(f"Already seeded ({existing}); nothing changed.")
            return
        if not Group.objects.filter(name__in=roles.ROLES).count() == len(roles.ROLES):
            raise CommandError("The role groups are missing: run `manage.py migrate` first.")

        started = time.monotonic()
        # Routing mails each new owner the handoff brief when the transaction commits; the
        # demo's leads are weeks-old history, not news, so those mails go nowhere.
        with override_settings(EMAIL_BACKEND=DISCARD_MAIL), transaction.atomic():
            demo = seed(now=timezone.now())
        elapsed = time.monotonic() - started

        stages = Counter(Lead.objects.values_list("stage", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the demo in {elapsed:.1f} s: {len(demo.segments)} segments, "
                f"{len(demo.accounts)} accounts, {len(demo.contacts)} contacts, "
                f"{sum(stages.values())} leads, {Activity.objects.count()} activities."
            )
        )
        self.stdout.write(
            "Leads by stage: "
            + " · ".join(f"{label} {stages.get(value, 0)}" for value, label in Stage.choices)
        )
        self.stdout.write("")
        self.stdout.write(f"{'Login':<11}{'Role':<12}Name")
        for username, first, last, role, _ in DEMO_USERS:
            self.stdout.write(f"{username:<11}{role:<12}{first} {last}")
        admin = demo.users[ADMIN_USER[0]]
        admin_note = "" if demo.admin_created else " (it existed: password unchanged)"
        self.stdout.write(
            f"{ADMIN_USER[0]:<11}{'superuser':<12}{admin.get_full_name()}{admin_note}"
        )
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
