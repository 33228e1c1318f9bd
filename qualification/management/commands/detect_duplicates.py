import time

from django.core.management.base import BaseCommand

from qualification.jobs.duplicates import CHUNK, run_nightly_detection


class Command(BaseCommand):
    help = (
        "Run duplicate detection over every live lead (the nightly job), carrying on a stopped "
        "run from where it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=CHUNK, help="Leads per transaction.")

    def handle(self, *args, chunk, **options):
        started = time.perf_counter()
        run = run_nightly_detection(chunk=chunk)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"Run {run.pk} {run.get_status_display().lower()}: {run.leads_checked} leads checked "
            f"in {seconds:.1f} s, {run.pairs_found} pairs found, {run.candidates_created} new "
            f"candidates, {run.merged} merged" + (f" ({run.error})" if run.error else "")
        )
