"""The demo's state while it is being built."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import Account, Contact
from demo.data import (
    STEP_TARGETS,
    Path,
)
from qualification.models import (
    Activity,
    Framework,
    IcpRule,
    IcpSettings,
    Lead,
    ReasonCode,
    Segment,
    Stage,
)


@dataclass
class Story:
    """One lead's planned life: who, where, which steps, and when each happened."""

    path: Path
    contact: Contact
    segment: Segment
    sdr: object
    ae: object
    times: list[dt.datetime]  # created, then one per step
    survivor: Story | None = None
    lead: Lead | None = None
    activities: list[Activity] = field(default_factory=list)

    @property
    def final_stage(self) -> str:
        return STEP_TARGETS[self.path.steps[-1]] if self.path.steps else Stage.NEW


@dataclass
class Demo:
    rng: random.Random
    now: dt.datetime
    users: dict[str, object] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    codes: dict[str, ReasonCode] = field(default_factory=dict)
    frameworks: dict[str, tuple[Framework, list]] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    members: dict[int, list[Contact]] = field(default_factory=dict)  # account pk → contacts
    seated: dict[int, dict[int, str]] = field(default_factory=dict)  # account → contact → role
    economic_buyers: dict[int, Contact] = field(default_factory=dict)  # account pk → contact
    icp_confirmations: dict[int, tuple[dt.datetime, object]] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)  # sales work, saved at the end
    icp_rules: list[IcpRule] = field(default_factory=list)
    icp_cutoffs: IcpSettings | None = None
    admin_created: bool = False

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def days_ahead(self, low: int, high: int) -> dt.date:
        return self.today + dt.timedelta(days=self.rng.randint(low, high))

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        return start + (end - start) * self.rng.uniform(0.05, 0.95)
