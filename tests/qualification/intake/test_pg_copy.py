"""The COPY writer (qualification/intake/pg_copy.py) on PostgreSQL: rows land exactly as the
objects held them, whatever characters COPY's text format treats specially, with the history
rows save() would have written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection

from accounts.models import Account, Contact
from qualification.intake import pg_copy as bulk
from qualification.models import ImportJob, ImportRow
from tests.factories import AccountFactory, SegmentFactory, UserFactory

pytestmark = pytest.mark.django_db

# What COPY's text format would misread if the writer did not escape it.
AWKWARD = [
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "back\\slash",
    "\\N",  # the two characters, not NULL
    "\\.",  # COPY's old end-of-data marker
    "quotes \" and ' and ,commas,",
    "Zoë ✓ 東京",
    "",
]
WHEN = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path runs on PostgreSQL only")


def accounts(count: int, **values) -> list[Account]:
    return [Account(name=f"Company {n}", domain=f"c{n}.example", **values) for n in range(count)]


class TestInsert:
    def test_each_text_comes_back_exactly_as_written(self):
        objs = [
            Account(name=text or "blank", domain=f"a{n}.example", industry=text, region=text)
            for n, text in enumerate(AWKWARD)
        ]

        bulk.insert(objs)

        stored = dict(Account.objects.values_list("pk", "industry"))
        assert [stored[obj.pk] for obj in objs] == AWKWARD
        assert list(Account.objects.order_by("pk").values_list("region", flat=True)) == AWKWARD

    def test_none_is_stored_as_null_and_the_text_backslash_n_is_not(self):
        (contact,) = objs = [Contact(email=None, phone="\\N", first_name="")]

        bulk.insert(objs)

        assert Contact.objects.filter(email__isnull=True, phone="\\N", first_name="").get() == (
            contact
        )

    def test_numbers_decimals_and_json_keep_their_types(self):
        reasons = ["Target industry (+20)", 'a "quoted"\tline\n', {"nested": ["\\", None, 1.5]}]
        (account,) = objs = accounts(
            1,
            employee_count=250,
            annual_revenue=Decimal("1234567.89"),
            icp_reasons=reasons,
            tech_stack=[],
        )

        bulk.insert(objs)

        stored = Account.objects.get(pk=account.pk)
        assert (stored.employee_count, stored.annual_revenue) == (250, Decimal("1234567.89"))
        assert stored.icp_reasons == reasons and stored.tech_stack == []

    def test_ids_come_from_the_tables_sequence_before_anything_is_written(self):
        existing = AccountFactory()
        objs = accounts(3)

        bulk.insert(objs)

        ids = [obj.pk for obj in objs]
        assert len(set(ids)) == 3 and min(ids) > existing.pk
        assert set(Account.objects.values_list("pk", flat=True)) == {existing.pk, *ids}
        assert all(not obj._state.adding for obj in objs)
        assert AccountFactory().pk > max(ids)  # the sequence moved past them

    def test_a_child_points_at_a_parent_inserted_just_before_it(self):
        (account,) = parents = accounts(1)
        children = [Contact(account=account, email=f"p{n}@c0.example") for n in range(2)]

        bulk.insert(parents)
        bulk.insert(children)

        assert list(Contact.objects.values_list("account_id", flat=True)) == [account.pk] * 2

    def test_normalising_fields_and_timestamps_are_filled_as_save_would(self):
        (contact,) = objs = [Contact(email="  Ann@ACME.io ")]

        bulk.insert(objs)

        stored = Contact.objects.get(pk=contact.pk)
        assert stored.email == contact.email == "ann@acme.io"
        assert stored.created_at is not None and stored.updated_at is not None

    def test_a_unique_index_refuses_with_djangos_integrity_error(self):
        Contact.objects.create(email="ann@acme.io")

        with pytest.raises(IntegrityError):
            bulk.insert([Contact(email="ann@acme.io")])

    def test_nothing_to_insert_costs_no_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            bulk.insert([], history=True)


class TestInsertHistory:
    def test_each_row_gets_one_plus_row_with_its_reason_user_and_time(self):
        importer, other = UserFactory(), UserFactory()
        objs = accounts(2, industry="tab\there")
        objs[0]._change_reason = "Created by import from crm"
        objs[1]._history_user = other

        bulk.insert(objs, history=True, history_user=importer, history_date=WHEN)

        rows = list(
            Account.history.order_by("id").values_list(
                "id", "history_type", "history_change_reason", "history_user_id", "history_date"
            )
        )
        assert rows == [
            (objs[0].pk, "+", "Created by import from crm", importer.pk, WHEN),
            (objs[1].pk, "+", None, other.pk, WHEN),
        ]

    def test_the_history_row_holds_the_same_values_as_the_row(self):
        (account,) = objs = accounts(1, industry="new\nline", annual_revenue=Decimal("10.50"))

        bulk.insert(objs, history=True)

        historical = Account.history.get()
        assert (historical.name, historical.domain, historical.industry) == (
            account.name,
            account.domain,
            "new\nline",
        )
        assert historical.annual_revenue == Decimal("10.50")
        assert historical.history_user_id is None

    def test_without_history_no_history_row_is_written(self):
        bulk.insert(accounts(2))
        assert Account.objects.count() == 2 and Account.history.count() == 0


class TestUpdate:
    def test_only_the_named_columns_are_written(self):
        first, second = AccountFactory(industry="", name="Kept"), AccountFactory(industry="")
        first.industry, second.industry = "back\\slash", "tab\there"
        first.name = "Not written"

        bulk.update([first, second], ["industry"])

        assert dict(Account.objects.values_list("pk", "industry")) == {
            first.pk: "back\\slash",
            second.pk: "tab\there",
        }
        assert Account.objects.get(pk=first.pk).name == "Kept"

    def test_a_column_can_be_set_back_to_null(self):
        account = AccountFactory(employee_count=250)
        account.employee_count = None

        bulk.update([account], ["employee_count"])

        assert Account.objects.get(pk=account.pk).employee_count is None

    def test_each_row_gets_one_tilde_row_with_its_own_reason_or_the_default(self):
        user = UserFactory()
        first, second = AccountFactory(), AccountFactory()
        Account.history.all().delete()
        first._change_reason = "Merged from import crm"
        first.industry = second.industry = "Retail"

        bulk.update(
            [first, second],
            ["industry"],
            history_user=user,
            change_reason="Merged from import",
            history_date=WHEN,
        )

        rows = list(
            Account.history.order_by("id").values_list(
                "id", "history_type", "history_change_reason", "history_user_id", "industry"
            )
        )
        assert rows == [
            (first.pk, "~", "Merged from import crm", user.pk, "Retail"),
            (second.pk, "~", "Merged from import", user.pk, "Retail"),
        ]

    def test_nothing_to_update_costs_no_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            bulk.update([], ["industry"])


class TestInsertValues:
    def test_value_tuples_land_as_given_nulls_included(self):
        job = ImportJob.objects.create(
            original_name="x.csv", segment=SegmentFactory(), source_system="crm"
        )
        messages = AWKWARD[:4]
        rows = [
            (job.pk, n + 2, "refused", message, f"key\t{n}", None)
            for n, message in enumerate(messages)
        ]

        bulk.insert_values(
            ImportRow, ("job_id", "row_number", "outcome", "message", "key", "lead_id"), rows
        )

        assert (
            list(
                ImportRow.objects.order_by("row_number").values_list(
                    "job_id", "row_number", "outcome", "message", "key", "lead_id"
                )
            )
            == rows
        )

    def test_no_values_cost_no_query(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            bulk.insert_values(ImportRow, ("job_id",), [])
