import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qualification.enrichment.firmographics_file import (
    FirmographicsFileError,
    Outcome,
    load_firmographics,
)
from qualification.intake.csv_cells import safe_cell


class Command(BaseCommand):
    help = (
        "Load a firmographics CSV (name, website, industry, employees, revenue, country) as "
        "the companies of one source, the enrichment provider of that name; prints a report "
        "that adds up to the file. Loading the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source", required=True, help="The provider's name, e.g. inc5000 (60 characters)."
        )
        parser.add_argument(
            "--country",
            default="",
            help="The country of every company, for a file with no country column (e.g. US).",
        )
        parser.add_argument(
            "--currency",
            default="USD",
            help="The ISO 4217 currency of the file's revenue (default USD). Enrichment gives "
            "the revenue only when it is the app's CURRENCY.",
        )
        parser.add_argument(
            "--report", type=Path, default=None, help="Write the per-row report here as CSV."
        )

    def handle(self, *args, **options):
        try:
            report = load_firmographics(
                options["file"],
                source=options["source"],
                country=options["country"],
                currency=options["currency"],
            )
        except FirmographicsFileError as error:
            raise CommandError(str(error)) from error
        columns = ", ".join(f"{what} ← {column}" for what, column in report.columns.items())
        self.stdout.write(f"Columns: {columns}")
        for row in report.rows:
            if row.outcome == Outcome.SKIPPED:
                self.stdout.write(f"  line {row.line}: skipped, {row.detail}")
        self.stdout.write(report.summary())
        if options["report"]:
            with options["report"].open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "outcome", "key", "detail"])
                for row in report.rows:
                    writer.writerow(
                        [safe_cell(v) for v in (row.line, row.outcome, row.key, row.detail)]
                    )
            self.stdout.write(f"Per-row report written to {options['report']}")
