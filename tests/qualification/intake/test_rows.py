"""The steps of `clean` (qualification/intake/rows.py), each on its own; none needs a database.

Some rows are the first lines of ../shared/data/marketstar_leads.csv and x_education_leads.csv,
read through the import's own column mapping."""

import csv
import itertools
from decimal import Decimal

import pytest

from qualification.intake.csv_files import FilePlan, lead_row, map_columns
from qualification.intake.rows import (
    Company,
    Identity,
    LeadRow,
    Person,
    ReasonCodes,
    RowRefused,
    StageInFile,
    clean,
    identify,
    keep_answers,
    name_person,
    place_company,
    read_stage,
    trimmed_texts,
    wants_no_contact,
)
from qualification.models import ReasonCode, Source, Stage
from tests.qualification.intake.test_import_jobs import data_file

NO_BUDGET = ReasonCode(code="no_budget", label="No budget")
UNRESPONSIVE = ReasonCode(code="unresponsive", label="Unresponsive")
TIMING = ReasonCode(code="timing", label="Timing", requires_recycle_date=True)
JUNK = ReasonCode(code="junk", label="Junk / spam")
REASONS = ReasonCodes([NO_BUDGET, UNRESPONSIVE, TIMING, JUNK])


def texts(**given) -> dict[str, str]:
    return trimmed_texts(LeadRow(line=2, **given))


def refusal(step, *args, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(RowRefused) as refused:
        step(*args, **kwargs)
    return refused.value.errors


def file_rows(name: str, count: int) -> list[LeadRow]:
    """The first `count` data rows of a shared data file, as the import reads them."""
    with data_file(name).open(newline="", encoding="utf-8-sig") as stream:
        records = list(itertools.islice(csv.reader(stream), count + 1))
    header, *lines = records
    columns, answers = map_columns(header)
    plan = FilePlan("utf-8", header, columns, answers, len(lines))
    return [lead_row(plan, number, values) for number, values in enumerate(lines, start=2)]


class TestTrimmedTexts:
    def test_it_collapses_whitespace_and_reads_blank_words_as_empty(self):
        got = texts(first_name="  Ann \t Marie ", title="N/A", company="Select", phone="--")
        assert (got["first_name"], got["title"], got["company"], got["phone"]) == (
            "Ann Marie",
            "",
            "",
            "",
        )

    def test_it_only_strips_the_email(self):
        assert texts(email="  a  b@x.io ")["email"] == "a  b@x.io"

    def test_it_refuses_every_field_that_is_too_long_at_once(self):
        errors = refusal(trimmed_texts, LeadRow(line=2, title="x" * 201, phone="1" * 41))
        assert errors == {
            "title": ["title is 201 characters long; at most 200 are kept"],
            "phone": ["phone is 41 characters long; at most 40 are kept"],
        }

    def test_it_refuses_a_value_that_is_not_text(self):
        assert refusal(trimmed_texts, LeadRow(line=2, email=7)) == {"email": ["must be text"]}


class TestIdentify:
    def test_a_source_id_keys_the_lead_before_the_email(self):
        assert identify(texts(external_id="42", email="Ann@Acme.IO")) == Identity(
            key="id:42", email="ann@acme.io", email_kind="work", external_id="42"
        )

    def test_without_a_source_id_the_normalised_email_is_the_key(self):
        identity = identify(texts(email=" Bob@Gmail.com"))
        assert (identity.key, identity.email_kind) == ("bob@gmail.com", "personal")

    def test_an_invalid_email_is_refused_as_written(self):
        assert refusal(identify, texts(email="ann@", external_id="42")) == {
            "email": ["“ann@” is not a valid email address"]
        }

    def test_a_row_with_neither_email_nor_source_id_is_refused(self):
        errors = refusal(identify, texts(first_name="Ann"))
        assert errors["email"][0].startswith("no email, and no source id")


class TestPlaceCompany:
    def test_a_work_email_gives_the_domain_whatever_the_website_says(self):
        identity = identify(texts(email="ann@acme.io"))
        company = place_company(texts(website="https://other.io/"), identity=identity)
        assert company.domain == "acme.io"

    def test_a_personal_email_leaves_the_domain_to_the_website(self):
        identity = identify(texts(email="ann@gmail.com"))
        given = texts(website="https://www.Acme.io/about", company="Acme, Inc.")
        company = place_company(given, identity=identity)
        assert (company.domain, company.company) == ("acme.io", "Acme")

    def test_a_personal_email_and_no_website_is_no_company(self):
        identity = identify(texts(email="ann@gmail.com"))
        assert place_company(texts(company="Acme"), identity=identity).domain == ""

    def test_a_website_that_is_no_domain_is_refused(self):
        identity = identify(texts(external_id="1"))
        assert refusal(place_company, texts(website="not a site"), identity=identity) == {
            "website": ["“not a site” is not a website or domain"]
        }

    def test_headcounts_and_revenue_are_read_as_numbers_and_absurd_headcounts_dropped(self):
        identity = identify(texts(external_id="1"))
        given = texts(employees="1,200", revenue="$3.5M", industry="Retail")
        assert place_company(given, identity=identity) == Company(
            domain="",
            website_domain="",
            company="",
            industry="Retail",
            employee_count=1200,
            annual_revenue=Decimal("3500000"),
        )
        huge = place_company(texts(employees="99999999"), identity=identity)
        assert huge.employee_count is None


class TestNamePerson:
    def test_a_full_name_splits_when_first_and_last_are_missing(self):
        person = name_person(texts(full_name="Ann Marie Lee"))
        assert (person.first_name, person.last_name) == ("Ann", "Marie Lee")

    def test_a_full_name_is_ignored_when_a_part_is_given(self):
        person = name_person(texts(full_name="Someone Else", last_name="Lee"))
        assert (person.first_name, person.last_name) == ("", "Lee")

    def test_the_country_comes_from_its_name_or_a_us_time_zone(self):
        assert name_person(texts(country="United Kingdom")).country == "GB"
        assert name_person(texts(timezone="PST")).country == "US"


class TestReadStage:
    def test_an_open_stage_stays_new_with_no_reason_code(self):
        assert read_stage(
            texts(stage="Working", disqualify_reason="Bad Timing"), reasons=REASONS
        ) == (StageInFile(Stage.NEW, None, "Bad Timing"))

    def test_disqualified_takes_the_reason_code_the_words_name(self):
        stage = read_stage(
            texts(stage="Disqualified", disqualify_reason="No Budget"), reasons=REASONS
        )
        assert stage == StageInFile(Stage.DISQUALIFIED, NO_BUDGET, "No Budget")

    def test_a_reason_that_needs_a_recycle_date_parks_the_lead_in_nurture(self):
        stage = read_stage(texts(stage="Disqualified", disqualify_reason="timing"), reasons=REASONS)
        assert (stage.target_stage, stage.reason_code) == (Stage.NURTURE, TIMING)

    def test_a_closed_stage_without_a_reason_is_refused(self):
        errors = refusal(read_stage, texts(stage="Nurture"), reasons=REASONS)
        assert errors == {
            "disqualify_reason": [
                "is Nurture in the file with no reason; "
                "every nurtured lead here needs a reason code"
            ]
        }

    def test_a_reason_matching_none_of_ours_is_refused(self):
        given = texts(stage="Disqualified", disqualify_reason="Teleported")
        assert refusal(read_stage, given, reasons=REASONS) == {
            "disqualify_reason": ["“Teleported” matches none of our reason codes"]
        }


class TestKeepAnswers:
    def test_other_columns_are_kept_bounded_and_blank_answers_dropped(self):
        row = LeadRow(line=2, answers={"Q" * 120: "a" * 600, "Blank": "Select", "N": 3})
        answers = keep_answers(row, texts(), domain="", target_stage=Stage.NEW)
        assert answers == {"Q" * 100: "a" * 500, "N": "3"}

    def test_what_we_have_no_field_for_is_kept_in_the_files_words(self):
        given = texts(
            stage="Working", source="Carrier pigeon", company="Acme", disqualify_reason="Later"
        )
        answers = keep_answers(LeadRow(line=2), given, domain="", target_stage=Stage.NEW)
        assert answers == {
            "Stage in source system": "Working",
            "Source in source system": "Carrier pigeon",
            "Company": "Acme",
            "Reason in source system": "Later",
        }

    def test_a_company_with_a_domain_and_a_closed_stage_add_no_answers(self):
        given = texts(stage="Disqualified", company="Acme", disqualify_reason="No Budget")
        answers = keep_answers(
            LeadRow(line=2), given, domain="acme.io", target_stage=Stage.DISQUALIFIED
        )
        assert answers == {}


class TestWantsNoContact:
    @pytest.mark.parametrize("flag", ["yes", "Y", "TRUE", "1"])
    def test_a_truthy_flag_means_do_not_contact(self, flag):
        assert wants_no_contact(texts(do_not_contact=flag), reason_text="")

    def test_an_unsubscribed_reason_means_do_not_contact(self):
        assert wants_no_contact(texts(do_not_contact="no"), reason_text="Unsubscribed/Do Not Call")

    def test_otherwise_the_person_may_be_contacted(self):
        assert not wants_no_contact(texts(do_not_contact="no"), reason_text="No Budget")


class TestCleanOnRealRows:
    def test_marketstar_rows_key_by_lead_id_and_carry_their_stage_and_persona(self):
        rows = [
            clean(r, reasons=REASONS, default_source=Source.LIST_IMPORT)
            for r in file_rows("marketstar_leads.csv", 7)
        ]

        first, _, _, _, _, sixth, seventh = rows
        assert (first.key, first.email, first.title) == ("id:1", "", "Manager")
        assert (first.target_stage, first.reason_code) == (Stage.DISQUALIFIED, UNRESPONSIVE)
        assert (first.country, first.employee_count, first.source) == (
            "US",
            50,
            Source.LIST_IMPORT,
        )
        assert first.answers == {"CreatedDate": "20210105", "OwnerEmployeeId": "4"}
        assert sixth.title == "Director, Operations" and sixth.country == "US"  # EST
        assert seventh.employee_count is None and seventh.reason_code == JUNK

    def test_an_x_education_row_reads_select_as_no_answer(self):
        (row,) = file_rows("x_education_leads.csv", 1)

        cleaned = clean(row, reasons=REASONS, default_source=Source.LIST_IMPORT)

        assert cleaned.key == "id:7927b2df-8bba-4d29-b9a2-b6e0beafe620"
        assert cleaned.title == "Unemployed"
        assert "Select" not in cleaned.answers.values()

    def test_the_first_refusing_step_decides_the_message(self):
        row = LeadRow(line=2, email="bad@", website="not a site", stage="Disqualified")
        with pytest.raises(RowRefused) as refused:
            clean(row, reasons=REASONS, default_source=Source.LIST_IMPORT)
        assert refused.value.errors == {"email": ["“bad@” is not a valid email address"]}


def test_clean_puts_every_steps_fields_on_the_row():
    row = LeadRow(
        line=9,
        email="Ann@Acme.io",
        first_name="Ann",
        title="VP Sales",
        website="acme.io",
        company="Acme Ltd",
        industry="Software",
        employees="250",
        source="Webinar",
        stage="Disqualified",
        disqualify_reason="No Budget",
        do_not_contact="yes",
    )

    cleaned = clean(row, reasons=REASONS, default_source=Source.LIST_IMPORT)

    assert cleaned.line == 9
    assert (cleaned.key, cleaned.email, cleaned.email_kind) == (
        "ann@acme.io",
        "ann@acme.io",
        "work",
    )
    assert Person(
        cleaned.first_name, cleaned.last_name, cleaned.title, cleaned.phone, cleaned.country
    ) == Person("Ann", "", "VP Sales", "", "")
    assert (cleaned.domain, cleaned.company, cleaned.employee_count) == ("acme.io", "Acme", 250)
    assert (cleaned.source, cleaned.target_stage, cleaned.reason_code) == (
        Source.WEBINAR,
        Stage.DISQUALIFIED,
        NO_BUDGET,
    )
    assert cleaned.do_not_contact is True and cleaned.answers == {}
