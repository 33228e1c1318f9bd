"""What contacts and reps did, inside one window of time."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Contact
from qualification.models.leads import Lead

# Every stored activity time lies in this window. Nothing this business records happened before
# 2000, and a clock a little ahead is tolerated; outside it is a typo or an attack, and a time
# near year 1 or 9999 cannot even be shown in the local time zone (OverflowError on the page).
ACTIVITY_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


ACTIVITY_LEEWAY = dt.timedelta(days=1)


def activity_time_problem(moment: dt.datetime, *, now: dt.datetime) -> str | None:
    """Why `moment` cannot be an activity's time ("before 2000", "more than a day ahead"), or
    None. The one rule every path that stores an activity applies."""
    try:
        if moment < ACTIVITY_EPOCH:
            return "before 2000"
        if moment > now + ACTIVITY_LEEWAY:
            return "more than a day ahead"
    except OverflowError:  # an offset pushed it past year 1 or 9999 in UTC
        return "before 2000" if moment.year < ACTIVITY_EPOCH.year else "more than a day ahead"
    return None


def validate_activity_time(value: dt.datetime) -> None:
    """The model field's validator, so the admin shows the rule beside the field."""
    problem = activity_time_problem(value, now=timezone.now())
    if problem == "before 2000":
        raise ValidationError(
            "The time is before 2000: no activity here is that old.", code="too_early"
        )
    if problem:
        raise ValidationError("The time is more than a day ahead.", code="too_late")


class Activity(models.Model):
    """Something the contact did (an intent signal) or something sales did (a touch)."""

    class Kind(models.TextChoices):
        PRICING_PAGE = "pricing_page", "Pricing page"
        SECURITY_PAGE = "security_page", "Security page"
        ROI_PAGE = "roi_page", "ROI page"
        IMPLEMENTATION_PAGE = "implementation_page", "Implementation page"
        COMPARISON_PAGE = "comparison_page", "Comparison page"
        DEMO_REQUEST = "demo_request", "Demo request"
        WEBINAR = "webinar", "Webinar"
        CONTENT_DOWNLOAD = "content_download", "Content download"
        WHITE_PAPER = "white_paper", "White paper"
        EMAIL_OPEN = "email_open", "Email open"
        EMAIL_CLICK = "email_click", "Email click"
        EMAIL_REPLY = "email_reply", "Email reply"
        BLOG_READ = "blog_read", "Blog read"
        CAREERS_PAGE = "careers_page", "Careers page"
        WEB_SESSION = "web_session", "Web session"
        PRODUCT_SIGNUP = "product_signup", "Product signup"
        PRODUCT_ACTIVATION = "product_activation", "Product activation"
        PRODUCT_INVITE = "product_invite", "Teammate invited"
        PRODUCT_LIMIT_HIT = "product_limit_hit", "Plan limit hit"
        CALL = "call", "Call"
        EMAIL_SENT = "email_sent", "Email sent"
        MEETING = "meeting", "Meeting"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField(validators=[validate_activity_time])
    detail = models.CharField(max_length=500, blank=True)
    session_key = models.CharField(max_length=64, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The salesperson, for sales touches.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name_plural = "activities"
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="activity_contact_time_idx"),
            models.Index(fields=["lead", "occurred_at"], name="activity_lead_time_idx"),
        ]
        constraints = [
            # The window's fixed end, for writers that skip validation (bulk inserts); its
            # moving end ("a day ahead") depends on the clock, which a constraint cannot read.
            models.CheckConstraint(
                condition=Q(occurred_at__gte=ACTIVITY_EPOCH),
                name="activity_after_2000",
                violation_error_message="An activity's time cannot be before 2000.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_at:%Y-%m-%d %H:%M}"


# What sales does to a contact, not what the contact did: a web form or partner never reports
# these, and they would let it score a lead up to MQL.
SALES_TOUCHES = frozenset({Activity.Kind.CALL, Activity.Kind.EMAIL_SENT, Activity.Kind.MEETING})
