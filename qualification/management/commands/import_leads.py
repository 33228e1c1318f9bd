from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from qualification.intake.import_jobs import create_import_job, run_import_job, write_report
from qualification.jobs.tasks import apply_rules_after_import
from qualification.models import ImportJob, Segment


class Command(BaseCommand):
    help = "Import leads from a CSV file (a CRM export) and write a per-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--segment", default=None, help="Segment slug (default: the first).")
        parser.add_argument(
            "--source-system",
            default=None,
            help="Names the system the ids come from (default: the file's name). Importing "
            "the same file under the same name into the same segment again changes nothing; "
            "into another segment, its rows without a source id become new leads there.",
        )
        parser.add_argument("--user", default=None, help="Username recorded as the importer.")
        parser.add_argument(
            "--no-rules", action="store_true", help="Score only; do not run the stage rules."
        )
        parser.add_argument("--report", type=Path, default=None, help="Write the report here.")

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        segments = Segment.objects.all()
        segment = (
            segments.filter(slug=options["segment"]).first()
            if options["segment"]
            else segments.first()
        )
        if segment is None:
            raise CommandError(f"No segment {options['segment'] or ''}: create one in the admin.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user {options['user']}.")
        with path.open("rb") as stream:
            job = create_import_job(
                name=path.name,
                content=File(stream),
                segment=segment,
                uploaded_by=user,
                source_system=options["source_system"] or "",
                apply_rules=not options["no_rules"],
            )
        job = run_import_job(job.pk, rules_after_batch=apply_rules_after_import.delay_on_commit)
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error)
        self.stdout.write(
            f"{job.original_name}: {job.processed_rows:,} rows — {job.created_count:,} created, "
            f"{job.merged_count:,} merged, {job.unchanged_count:,} unchanged, "
            f"{job.refused_count:,} refused (import {job.pk})."
        )
        if options["report"]:
            with options["report"].open("w", newline="", encoding="utf-8") as stream:
                write_report(job, stream)
            self.stdout.write(f"Report: {options['report']}")
