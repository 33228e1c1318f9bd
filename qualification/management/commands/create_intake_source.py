from django.core.management.base import BaseCommand, CommandError

from qualification.intake.web_form import issue_token
from qualification.models import Activity, IntakeSource, Segment, Source, default_intake_kinds


class Command(BaseCommand):
    help = "Create an intake source (a web form) or rotate its token; prints the token once."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--segment", required=True, help="Segment slug new leads go to.")
        parser.add_argument("--source", default=Source.FORM, choices=Source.values)
        parser.add_argument(
            "--kinds",
            default=None,
            help="Comma-separated activity kinds the source may send (default for a new "
            "source: every kind but the sales touches call, email_sent and meeting; an existing "
            "source keeps its own).",
        )

    def handle(self, *args, name, segment, source, kinds, **options):
        found = Segment.objects.filter(slug=segment).first()
        if found is None:
            raise CommandError(f"No segment with slug “{segment}”.")
        allowed = None
        if kinds is not None:
            allowed = [kind.strip() for kind in kinds.split(",") if kind.strip()]
            for kind in allowed:
                if kind not in Activity.Kind.values:
                    raise CommandError(f"“{kind}” is not an activity kind.")
            if not allowed:
                raise CommandError("--kinds names no activity kind.")
        intake = IntakeSource.objects.filter(name=name).first()
        created = intake is None
        if created:
            intake = IntakeSource(name=name, activity_kinds=default_intake_kinds())
        intake.segment, intake.default_source, intake.active = found, source, True
        if allowed is not None:
            intake.activity_kinds = allowed
        token = issue_token(intake)
        intake.save()
        verb = "Created" if created else "Rotated the token of"
        self.stdout.write(f"{verb} intake source “{name}”. Its token (shown once):\n{token}")
