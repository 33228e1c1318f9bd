"""Review sessions and their proposals in the admin, where RevOps spends the day.

Both are records the review board writes: the admin never adds, edits or deletes them. RevOps
applies or declines a proposal still awaiting them, in an open session or one closed with the
proposal pending, through the same services as the board (`review.services`), so the rule's
history row and the session's summary are written the same way.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse

from accounts.admin_base import ModelAdmin
from review import services
from review.models import ReviewSession, RuleChangeProposal


class _ReadOnly(ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReviewSession)
class ReviewSessionAdmin(_ReadOnly):
    list_display = ("__str__", "status", "sample_size", "opened_by", "opened_at", "closed_at")
    list_filter = ("status",)
    list_select_related = ("opened_by",)


class DeclineForm(forms.Form):
    note = forms.CharField(
        label="Why not",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Saved as the reason on each proposal.",
    )


@admin.register(RuleChangeProposal)
class RuleChangeProposalAdmin(_ReadOnly):
    list_display = ("session", "kind", "target_name", "change", "status", "proposed_by")
    list_filter = ("status", "kind", "session")
    list_select_related = (
        "session",
        "segment",
        "scoring_rule",
        "icp_rule",
        "reason_code",
        "proposed_by",
    )
    actions = ("apply_selected", "decline_selected")

    @admin.display(description="Rule")
    def target_name(self, obj: RuleChangeProposal) -> str:
        return str(obj.target)

    @admin.display(description="Change")
    def change(self, obj: RuleChangeProposal) -> str:
        return f"{obj.field_label}: {obj.current_value} → {obj.proposed_value}"

    def has_apply_permission(self, request) -> bool:
        return request.user.has_perm("review.apply_proposal")

    def _decide(self, request, queryset, decide, verb: str) -> None:
        done = 0
        for proposal in queryset.select_related("session").order_by("pk"):
            try:
                decide(proposal)
            except services.ReviewRefused as refusal:
                reason = str(refusal)
                self.message_user(
                    request,
                    f"{proposal.target} ({proposal.field_label}): not {verb}: "
                    f"{reason[:1].upper()}{reason[1:]}.",
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(
                request, f"{verb.capitalize()} {done} proposal{'s' if done != 1 else ''}."
            )

    @admin.action(description="Apply the selected proposals", permissions=["apply"])
    def apply_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda p: services.apply_proposal(proposal=p, actor=request.user),
            "applied",
        )

    @admin.action(description="Decline the selected proposals…", permissions=["apply"])
    def decline_selected(self, request, queryset):
        """Asks why first, on a page of its own: a decline needs a reason."""
        form = DeclineForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            note = form.cleaned_data["note"]
            self._decide(
                request,
                queryset,
                lambda p: services.decline_proposal(proposal=p, actor=request.user, note=note),
                "declined",
            )
            return None
        return TemplateResponse(
            request,
            "admin/review/rulechangeproposal/decline.html",
            {
                **self.admin_site.each_context(request),
                "title": "Decline proposals",
                "opts": self.model._meta,
                "proposals": queryset.select_related(*self.list_select_related),
                "form": form,
                "action": "decline_selected",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )
