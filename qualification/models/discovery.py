"""Discovery: frameworks, their items, a lead's checklist and notes."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from qualification.models.leads import Lead

# Discovery -------------------------------------------------------------------------------


class Framework(models.Model):
    """A discovery framework (BANT, MEDDICC, CHAMP, …) defined as data, editable by RevOps."""

    key = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FrameworkItem(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=80)
    prompt = models.TextField(blank=True, help_text="Questions that draw the answer out.")
    confirmed_means = models.TextField(blank=True, help_text="What counts as confirmed.")
    required_for_sql = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["framework", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "key"],
                name="framework_item_key_unique",
                violation_error_message="This framework already has an item with this key.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name}: {self.label}"


class Checklist(models.Model):
    """One lead's discovery against one framework."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="checklists")
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="checklists")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "framework"],
                name="one_checklist_per_framework",
                violation_error_message="This lead already has a checklist for this framework.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name} for lead {self.lead_id}"


class ChecklistAnswer(models.Model):
    class Status(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        PARTIAL = "partial", "Partial"
        CONFIRMED = "confirmed", "Confirmed"
        RED_FLAG = "red_flag", "Red flag"

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(FrameworkItem, on_delete=models.PROTECT, related_name="answers")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNKNOWN)
    answer = models.TextField(blank=True)
    evidence = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "item"],
                name="one_answer_per_item",
                violation_error_message="This checklist already answers this item.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.label}: {self.get_status_display()}"


class DiscoveryNote(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="discovery_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on lead {self.lead_id} by {self.author}"
