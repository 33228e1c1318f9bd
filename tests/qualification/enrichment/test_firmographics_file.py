"""`load_firmographics` (qualification/enrichment/firmographics_file.py) and its command:
columns found by header, messy values cleaned or reported, two companies on one domain, a
per-row report that adds up to the file, and loading again changing nothing."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from qualification.enrichment.firmographics_file import (
    FirmographicsFileError,
    Outcome,
    load_firmographics,
)
from qualification.models import EnrichmentSettings, FirmographicRecord

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
FORTUNE = "fortune500_2017_firmographics.csv"
INC = "inc5000_2019_firmographics.csv"


def data_file(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the enrichment tests need ../shared/data beside the repo")
    return path


def adds_up(report) -> None:
    counted = sum(
        report.count(o)
        for o in (Outcome.LOADED, Outcome.UPDATED, Outcome.UNCHANGED, Outcome.SKIPPED)
    )
    assert counted == report.read
    assert sum(report.skipped_by_reason.values()) == report.count(Outcome.SKIPPED)
    assert [row.line for row in report.rows] == list(range(2, report.read + 2))


def csv_file(tmp_path, text: str) -> Path:
    path = tmp_path / "firms.csv"
    path.write_text(text)
    return path


def stored(source: str, key: str) -> FirmographicRecord:
    return FirmographicRecord.objects.get(source=source, key=key)


# The two real files ----------------------------------------------------------------------------


def test_the_fortune_500_loads_every_row_and_the_report_adds_up():
    report = load_firmographics(data_file(FORTUNE), source="fortune500")

    adds_up(report)
    assert report.read == 500
    assert report.count(Outcome.LOADED) == 500
    assert FirmographicRecord.objects.filter(source="fortune500").count() == 500
    walmart = stored("fortune500", "walmart.com")
    assert (walmart.name, walmart.employee_count, walmart.country) == ("Walmart", 2_300_000, "US")
    assert walmart.annual_revenue == Decimal("485873000000.00")  # USD millions in the file
    assert walmart.industry == "General Merchandisers"


def test_two_companies_on_one_domain_keep_it_for_the_one_the_domain_names():
    report = load_firmographics(data_file(FORTUNE), source="fortune500")

    assert stored("fortune500", "abbott.com").name == "Abbott Laboratories"
    st_jude = stored("fortune500", "name:st. jude medical")
    assert (st_jude.domain, st_jude.employee_count) == ("", 18000)
    assert report.conflicts == [
        "abbott.com: kept for Abbott Laboratories (line 136, its name matches the domain); "
        "St. Jude Medical (line 435) loaded under its name"
    ]


def test_the_inc_5000_loads_with_its_messy_values_reported_per_row():
    report = load_firmographics(data_file(INC), source="inc5000", country="US")

    adds_up(report)
    assert report.read == 5015
    assert report.count(Outcome.LOADED) == 4968
    assert report.skipped_by_reason == {
        "repeats an earlier line of the same company": 27,
        # ads.proforma.com and proforma.com are one registered domain; with no name column
        # the later of two companies on it has nothing to be kept under
        "another company on a domain already kept (no name column)": 18,
        "no usable website and no name": 2,
    }
    assert (
        "proforma.com: kept for line 1320 (it comes first in the file); line 1488 skipped, "
        "with no name to load it under"
    ) in report.conflicts
    rows = {row.line: row for row in report.rows}
    assert "employees “NA”: no value" in rows[16].notes  # mutesix
    assert rows[64].notes == ["employees “$180,000” is not a head count: left blank"]
    assert rows[168].repeats == 167  # bombas, twice in the file
    freestar = stored("inc5000", "freestar.com")
    assert freestar.annual_revenue == Decimal("36900000.00")
    assert (freestar.name, freestar.country) == ("Freestar", "US")
    assert stored("inc5000", "mutesix.com").employee_count is None
    assert stored("inc5000", "radpowerbikes.com").employee_count is None
    # revenue_millions says NA; the Revenue column's "148.7 M" gives it
    assert stored("inc5000", "discoverorg.com").annual_revenue == Decimal("148700000.00")


def test_loading_the_same_file_again_changes_nothing():
    load_firmographics(data_file(INC), source="inc5000", country="US")

    again = load_firmographics(data_file(INC), source="inc5000", country="US")

    adds_up(again)
    assert again.count(Outcome.UNCHANGED) == 4968
    assert again.count(Outcome.LOADED) == again.count(Outcome.UPDATED) == 0
    assert FirmographicRecord.objects.filter(source="inc5000").count() == 4968


def test_a_first_load_lists_its_source_among_the_providers_once():
    load_firmographics(data_file(FORTUNE), source="fortune500")
    load_firmographics(data_file(INC), source="inc5000")
    load_firmographics(data_file(FORTUNE), source="fortune500")

    settings = EnrichmentSettings.load()
    assert settings.providers == ["fortune500", "inc5000"]
    reason = settings.history.order_by("-history_id").first().history_change_reason
    assert reason == "load_firmographics added the source inc5000"


# Values -------------------------------------------------------------------------------------


def test_a_changed_row_is_updated(tmp_path):
    path = csv_file(tmp_path, "name,website,employees\nAcme,acme.io,1200\n")
    load_firmographics(path, source="list")
    path.write_text('name,website,employees\nAcme,acme.io,"1,500"\n')

    report = load_firmographics(path, source="list")

    assert report.count(Outcome.UPDATED) == 1
    assert stored("list", "acme.io").employee_count == 1500


@pytest.mark.parametrize(
    ("revenue", "expected"),
    [
        ("36.9 M", Decimal("36900000.00")),
        ("$1.2B", Decimal("1200000000.00")),
        ("950 K", Decimal("950000.00")),
        ("1,250,000", Decimal("1250000.00")),
        ("NA", None),
        ("", None),
    ],
)
def test_revenue_as_text_is_read_with_its_unit(tmp_path, revenue, expected):
    path = csv_file(tmp_path, f'company,website,revenue\nAcme,acme.io,"{revenue}"\n')

    load_firmographics(path, source="list")

    assert stored("list", "acme.io").annual_revenue == expected


def test_a_revenue_that_is_not_an_amount_is_left_blank_with_a_note(tmp_path):
    path = csv_file(tmp_path, "company,website,revenue\nAcme,acme.io,lots\n")

    report = load_firmographics(path, source="list")

    assert report.rows[0].notes == ["revenue “lots” is not an amount: left blank"]
    assert stored("list", "acme.io").annual_revenue is None


def test_a_country_column_is_read_as_an_iso_code(tmp_path):
    path = csv_file(tmp_path, "name,website,country\nAcme,acme.io,Germany\nBeta,beta.io,Atlantis\n")

    report = load_firmographics(path, source="list")

    assert stored("list", "acme.io").country == "DE"
    assert stored("list", "beta.io").country == ""
    assert report.rows[1].notes == ["country “Atlantis” is not one we know: left blank"]


def test_a_broken_website_keys_the_company_by_its_name(tmp_path):
    path = csv_file(tmp_path, "name,website\nAcme Ltd,not a website\n")

    report = load_firmographics(path, source="list")

    assert report.rows[0].key == "name:acme"
    assert report.rows[0].notes == ["website “not a website” is not a usable website"]


def test_a_file_with_neither_website_nor_name_is_refused(tmp_path):
    path = csv_file(tmp_path, "industry,employees\nSoftware,12\n")

    with pytest.raises(FirmographicsFileError, match="no website column and no name column"):
        load_firmographics(path, source="list")


# The command ----------------------------------------------------------------------------------


def test_the_command_prints_the_report_and_writes_it_per_row(tmp_path):
    out = StringIO()
    report_path = tmp_path / "report.csv"

    call_command(
        "load_firmographics",
        str(data_file(INC)),
        "--source",
        "inc5000",
        "--country",
        "US",
        "--report",
        str(report_path),
        stdout=out,
    )

    text = out.getvalue()
    assert "5,015 rows read" in text
    assert "4,968 loaded, 0 updated, 0 unchanged, 47 skipped" in text
    assert "line 3806: skipped, no usable website and no name" in text
    assert len(report_path.read_text().splitlines()) == 5015 + 1


def test_the_command_refuses_an_unknown_country():
    with pytest.raises(CommandError, match="not a country we know"):
        call_command(
            "load_firmographics", str(data_file(INC)), "--source", "inc5000", "--country", "XX"
        )


def test_revenue_is_stored_in_us_dollars_unless_the_file_says_otherwise(tmp_path):
    path = csv_file(tmp_path, "name,website,revenue\nAcme,acme.io,36.9 M\n")

    load_firmographics(path, source="dollars")
    load_firmographics(path, source="euros", currency="eur")

    assert stored("dollars", "acme.io").currency == "USD"
    assert stored("euros", "acme.io").currency == "EUR"


def test_loading_again_in_another_currency_updates_the_records(tmp_path):
    path = csv_file(tmp_path, "name,website,revenue\nAcme,acme.io,36.9 M\n")
    load_firmographics(path, source="list")

    report = load_firmographics(path, source="list", currency="EUR")

    assert report.count(Outcome.UPDATED) == 1
    assert stored("list", "acme.io").currency == "EUR"


def test_the_command_takes_the_currency_and_refuses_an_unknown_one(tmp_path):
    path = csv_file(tmp_path, "name,website,revenue\nAcme,acme.io,36.9 M\n")
    call_command(
        "load_firmographics", str(path), "--source", "gbp", "--currency", "GBP", stdout=StringIO()
    )
    assert stored("gbp", "acme.io").currency == "GBP"
    with pytest.raises(CommandError, match="not an ISO 4217 currency code"):
        call_command("load_firmographics", str(path), "--source", "x", "--currency", "XYZ")
