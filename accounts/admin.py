from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.admin_base import HistoryAdmin, OddQueriesMixin, TabularInline
from accounts.models import Account, BuyingGroupRole, Contact

# Django's own user and group pages, with the same tolerance for odd query strings as ours.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class UserAdmin(OddQueriesMixin, auth_admin.UserAdmin):
    pass


@admin.register(Group)
class GroupAdmin(OddQueriesMixin, auth_admin.GroupAdmin):
    pass


class BuyingGroupRoleInline(TabularInline):
    model = BuyingGroupRole
    fields = ("contact", "role", "sentiment", "notes")
    autocomplete_fields = ("contact",)
    extra = 0


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
    search_fields = ("name", "domain")
    list_select_related = ("owner",)
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
        (None, {"fields": ("name", "domain", "relationship", "owner", "territory")}),
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
    inlines = (BuyingGroupRoleInline,)


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
    search_fields = ("first_name", "last_name", "email", "account__name", "account__domain")
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
        "account__domain",
    )
    list_select_related = ("contact", "account")
    autocomplete_fields = ("account", "contact")
