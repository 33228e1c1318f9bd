from django.core.management.base import BaseCommand, CommandError

from qualification.jobs.enrich_all import run_enrichment, start_enrichment_run
from qualification.models import EnrichmentRun, EnrichmentSettings


class Command(BaseCommand):
    help = (
        "Enrich every account from the providers RevOps lists, in this process; --resume ID "
        "carries a stopped run on. Running it again writes nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--resume", type=int, default=None, help="The id of a stopped run.")

    def handle(self, *args, **options):
        if options["resume"]:
            if not EnrichmentRun.objects.filter(pk=options["resume"]).exists():
                raise CommandError(f"No enrichment run {options['resume']}.")
            run_id = options["resume"]
        else:
            run_id = start_enrichment_run().pk
        providers = EnrichmentSettings.load().providers
        self.stdout.write(f"Providers, in order: {', '.join(providers) or 'none'}")
        run = run_enrichment(run_id)
        self.stdout.write(
            f"Enrichment run {run.pk}: {run.get_status_display().lower()}; "
            f"{run.accounts_seen:,} accounts seen, {run.accounts_changed:,} changed, "
            f"{run.fields_written:,} fields written, {run.accounts_retiered:,} re-tiered"
            + (f". {run.error}" if run.error else "")
        )
        if run.status != EnrichmentRun.Status.DONE:
            raise CommandError(f"Run {run.pk} is {run.status}.")
