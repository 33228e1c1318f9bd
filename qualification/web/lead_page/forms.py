"""Forms of the lead page. They parse input only; qualification/discovery.py and the engine
decide what it means."""

from django import forms
from django.conf import settings

from accounts.models import BuyingGroupRole
from qualification.lifecycle.evidence import Evidence, has_text
from qualification.lifecycle.survivors import survivor_groups
from qualification.lifecycle.table import TRANSITIONS_BY_NAME
from qualification.models import ChecklistAnswer


class AnswerForm(forms.Form):
    status = forms.ChoiceField(choices=ChecklistAnswer.Status.choices)
    answer = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 1}))


class NoteForm(forms.Form):
    body = forms.CharField(
        label="New note", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not has_text(body):
            raise forms.ValidationError(
                "Write the note: spaces or invisible characters alone are not a note."
            )
        return body


class BuyingGroupForm(forms.Form):
    NEW = "new"

    contact = forms.ChoiceField(label="Person", required=False)
    first_name = forms.CharField(label="First name", required=False, max_length=100)
    last_name = forms.CharField(label="Last name", required=False, max_length=100)
    email = forms.EmailField(label="Email", required=False)
    title = forms.CharField(label="Title", required=False, max_length=200)
    role = forms.ChoiceField(label="Role", choices=BuyingGroupRole.Role.choices)
    sentiment = forms.ChoiceField(
        label="Sentiment",
        choices=BuyingGroupRole.Sentiment.choices,
        initial=BuyingGroupRole.Sentiment.UNKNOWN,
    )

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contacts = {str(contact.pk): contact for contact in contacts}
        self.fields["contact"].choices = [
            (self.NEW, "A new person (below)"),
            *[(pk, _contact_label(contact)) for pk, contact in self.contacts.items()],
        ]
        self.fields["contact"].initial = self.NEW

    def clean(self):
        data = super().clean()
        if data.get("contact") in (None, "", self.NEW):
            data["contact"] = None
            if not (has_text(data.get("first_name")) or has_text(data.get("last_name"))):
                self.add_error("first_name", "Name the new person, or choose someone listed.")
        else:
            data["contact"] = self.contacts[data["contact"]]
        return data


class SentimentForm(forms.Form):
    sentiment = forms.ChoiceField(choices=BuyingGroupRole.Sentiment.choices)


class TransitionForm(forms.Form):
    """Every piece of evidence a lead-page transition may ask for; it shows the ones the table's
    row names (`Transition.evidence`), and the engine says which are missing."""

    next_meeting_on = forms.DateTimeField(
        label="Next meeting",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    single_thread_override = forms.CharField(
        label="Single-thread override (why one contact is enough)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    amount_estimate = forms.DecimalField(
        label="Amount estimate", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    expected_close_date = forms.DateField(
        label="Expected close date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mutual_next_step = forms.CharField(label="Mutual next step", required=False, max_length=255)
    reason_code = forms.ChoiceField(label="Reason code", required=False)
    recycle_on = forms.DateField(
        label="Recycle on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    manual_review_decision = forms.CharField(
        label="Manual-review decision", required=False, max_length=500
    )
    fit_override = forms.CharField(label="Fit override", required=False, max_length=500)
    next_action = forms.CharField(label="Next action", required=False, max_length=255)
    next_action_due = forms.DateField(
        label="Next action due", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    icp_confirmed = forms.BooleanField(label="The account fits the ICP", required=False)
    duplicate_of = forms.ChoiceField(
        label="Surviving lead (for a duplicate: the one to keep)",
        required=False,
        error_messages={"invalid_choice": "Choose the surviving lead from the list."},
    )

    def __init__(self, *args, reason_codes=(), survivors=(), transition: str = "", **kwargs):
        # The prefix keeps field ids apart when several transitions share the page.
        super().__init__(*args, prefix=transition, **kwargs)
        self.reason_codes = {str(code.pk): code for code in reason_codes}
        self.fields["reason_code"].choices = [
            ("", "—"),
            *[(pk, code.label) for pk, code in self.reason_codes.items()],
        ]
        # `survivors` is `likely_survivors(lead)`: only those may be picked.
        self.survivors = {str(lead.pk): lead for lead in survivors}
        blank = (
            "Choose the lead to keep…" if survivors else "No other lead of this person or account"
        )
        self.fields["duplicate_of"].choices = [
            ("", blank),
            *[
                (label, [(lead.pk, lead.summary) for lead in members])
                for label, members in survivor_groups(list(survivors))
            ],
        ]
        self.transition = transition
        self.fields["amount_estimate"].label = f"Amount estimate ({settings.CURRENCY})"

    def shown(self):
        # No owner here: the lead page moves the lead for its owner as it stands; the queue's
        # accept form is where an owner is picked.
        row = TRANSITIONS_BY_NAME.get(self.transition)
        return [self[name] for name in row.evidence if name in self.fields] if row else []

    def evidence(self) -> Evidence:
        data = self.cleaned_data
        texts = {
            name: data[name].strip() if has_text(data.get(name)) else None
            for name in (
                "single_thread_override",
                "mutual_next_step",
                "note",
                "manual_review_decision",
                "fit_override",
                "next_action",
            )
        }
        return Evidence(
            next_meeting_on=data.get("next_meeting_on"),
            amount_estimate=data.get("amount_estimate"),
            expected_close_date=data.get("expected_close_date"),
            reason_code=self.reason_codes.get(data.get("reason_code") or ""),
            recycle_on=data.get("recycle_on"),
            duplicate_of=self.survivors.get(data.get("duplicate_of") or ""),
            next_action_due=data.get("next_action_due"),
            icp_confirmed=data.get("icp_confirmed") or None,
            **texts,
        )


def _contact_label(contact) -> str:
    label = str(contact)
    if contact.title:
        label += f" — {contact.title}"
    return label
