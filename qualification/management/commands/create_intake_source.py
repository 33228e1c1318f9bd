from django.core.management.base import BaseCommand, CommandError

from qualification.api import issue_token
from qualification.models import IntakeSource, Segment, Source


class Command(BaseCommand):
    help = "Create an intake source (a web form) or rotate its token; prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--segment", required=True, help="Segment slug new leads go to.")
        parser.add_argument("--source", default=Source.FORM, choices=Source.values)

    def handle(self, *args, name, segment, source, **options):
        found = Segment.objects.filter(slug=segment).first()
        if found is None:
            raise CommandError(f"No segment with slug “{segment}”.")
        intake = IntakeSource.objects.filter(name=name).first()
        created = intake is None
        if created:
            intake = IntakeSource(name=name)
        intake.segment, intake.default_source, intake.active = found, source, True
        token = issue_token(intake)
        intake.save()
        verb = "Created" if created else "Rotated the token of"
        self.stdout.write(f"{verb} intake source “{name}”. Its token (shown once):\n{token}")
