from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from accounts.admin_base import REASON, AdminForm, HistoryAdmin, OddQueriesMixin, TabularInline
from accounts.domains import clean_domain, save_domains
from accounts.models import Account, AccountDomain, AccountFieldSource, BuyingGroupRole, Contact
from accounts.provenance import mark_set_by_person

# Django's own user and group pages, with the same tolerance for odd query strings as ours.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(OddQueriesMixin, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(OddQueriesMixin, auth_admin.GroupAdmin):
    pass


class AccountDomainForm(AdminForm):
    class Meta:
        model = AccountDomain
        fields = ("domain", "is_primary")

    def clean_domain(self) -> str:
        return clean_domain(self.cleaned_data.get("domain"))

    def _get_validation_exclusions(self):
        # "One primary per account" is a rule across the rows, checked by the formset against
        # what they will be once saved; checked row by row against the stored rows, moving the
        # primary from one domain to another would be refused.
        return {*super()._get_validation_exclusions(), "is_primary"}


class AccountDomainFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("domain") and not form.cleaned_data.get("DELETE")
        ]
        if len(kept) == 1 and not kept[0].cleaned_data.get("is_primary"):
            kept[0].instance.is_primary = kept[0].cleaned_data["is_primary"] = True
        primaries = sum(1 for form in kept if form.cleaned_data.get("is_primary"))
        if kept and primaries != 1:
            raise ValidationError(
                f"Mark exactly one domain as primary ({primaries} are marked).", code="primary"
            )


class AccountDomainInline(TabularInline):
    model = AccountDomain
    form = AccountDomainForm
    formset = AccountDomainFormSet
    fields = ("domain", "is_primary")
    extra = 1
    verbose_name = "domain"
    verbose_name_plural = "Domains (one primary; each is the registered domain, eu.acme.co.uk "
    "is acme.co.uk)"


class BuyingGroupRoleInline(TabularInline):
    model = BuyingGroupRole
    fields = ("contact", "role", "sentiment", "notes")
    autocomplete_fields = ("contact",)
    extra = 0


class AccountFieldSourceInline(TabularInline):
    """Where each firmographic came from; an edit above makes its field "person"."""

    model = AccountFieldSource
    fields = ("field", "source", "set_by", "set_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "Firmographics' sources"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(HistoryAdmin):
    list_display = (
        "name",
        "domain",
        "icp_tier",
        "relationship",
        "industry",
        "employee_count",
        "country",
        "territory",
        "owner",
    )
    list_filter = ("icp_tier", "relationship", "territory", "country")
    search_fields = ("name", "domains__domain")  # any of its domains, not only the primary
    list_select_related = ("owner",)
    autocomplete_fields = ("parent",)
    # ICP confirmation is evidence written when an SDR accepts a lead, and the tier and its
    # reasons come from RevOps' ICP rules (qualification.scoring): the admin only shows them.
    readonly_fields = (
        "icp_tier",
        "icp_reasons",
        "icp_confirmed_at",
        "icp_confirmed_by",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name", "parent", "relationship", "owner", "territory")}),
        (
            "Firmographics",
            {
                "fields": (
                    "industry",
                    "employee_count",
                    "annual_revenue",
                    "country",
                    "region",
                    "tech_stack",
                ),
            },
        ),
        (
            "ICP",
            {
                "fields": ("icp_tier", "icp_reasons", "icp_confirmed_at", "icp_confirmed_by"),
            },
        ),
        ("Record", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (AccountDomainInline, BuyingGroupRoleInline, AccountFieldSourceInline)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AccountDomain:
            return super().save_formset(request, form, formset, change)
        changed = formset.save(commit=False)
        save_domains(
            account=form.instance,
            changed=changed,
            removed=list(formset.deleted_objects),
            actor=request.user,
            reason=form.cleaned_data.get(REASON, ""),
        )
        return None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A person's edit always wins: enrichment never writes over a field set here.
        mark_set_by_person(
            account=obj, fields=form.changed_data, user=request.user, now=timezone.now()
        )


@admin.register(Contact)
class ContactAdmin(HistoryAdmin):
    list_display = (
        "__str__",
        "email",
        "title",
        "persona",
        "account",
        "email_kind",
        "do_not_contact",
    )
    list_filter = (
        "email_kind",
        "persona_seniority",
        "persona_function",
        "do_not_contact",
        "lawful_basis",
    )
    search_fields = (
        "first_name",
        "last_name",
        "email",
        "account__name",
        "account__domains__domain",
    )
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="persona")
    def persona(self, contact: Contact) -> str:
        return contact.persona


@admin.register(BuyingGroupRole)
class BuyingGroupRoleAdmin(HistoryAdmin):
    list_display = ("contact", "account", "role", "sentiment", "updated_at")
    list_filter = ("role", "sentiment")
    search_fields = (
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "account__name",
        "account__domains__domain",
    )
    list_select_related = ("contact", "account")
    autocomplete_fields = ("account", "contact")
