"""Lead-to-account matching (issue 13): RevOps' thresholds and tie-breakers, and each
decision with its candidates; RevOps may tune the one and read the other in the admin."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import qualification.models.matching
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0011_account_name_key'),
        ('qualification', '0027_automatic_merges_detection_runs_merge_permission'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountMatch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company', models.CharField(blank=True, help_text='The company as typed.', max_length=255)),
                ('domain', models.CharField(blank=True, max_length=253)),
                ('country', models.CharField(blank=True, max_length=2)),
                ('outcome', models.CharField(choices=[('linked', 'Linked'), ('review', 'Waiting for review'), ('new', 'New account')], max_length=10)),
                ('confidence', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=3)),
                ('reasons', models.JSONField(blank=True, default=list)),
                ('resolution', models.CharField(blank=True, choices=[('', 'Not resolved'), ('candidate', 'Linked to a candidate'), ('other', 'Linked to another account'), ('new', 'Made a new account')], default='', max_length=10)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('account', models.ForeignKey(blank=True, help_text='The account the lead went to: linked, picked in review, or made.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.account')),
                ('contact', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='account_matches', to='accounts.contact')),
                ('lead', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='account_matches', to='qualification.lead')),
                ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='AccountMatchCandidate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rank', models.PositiveSmallIntegerField(default=0)),
                ('confidence', models.DecimalField(decimal_places=2, max_digits=3)),
                ('reasons', models.JSONField(blank=True, default=list)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='match_candidacies', to='accounts.account')),
                ('match', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='candidates', to='qualification.accountmatch')),
            ],
            options={
                'ordering': ['match', 'rank'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalAccountMatch',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('company', models.CharField(blank=True, help_text='The company as typed.', max_length=255)),
                ('domain', models.CharField(blank=True, max_length=253)),
                ('country', models.CharField(blank=True, max_length=2)),
                ('outcome', models.CharField(choices=[('linked', 'Linked'), ('review', 'Waiting for review'), ('new', 'New account')], max_length=10)),
                ('confidence', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=3)),
                ('reasons', models.JSONField(blank=True, default=list)),
                ('resolution', models.CharField(blank=True, choices=[('', 'Not resolved'), ('candidate', 'Linked to a candidate'), ('other', 'Linked to another account'), ('new', 'Made a new account')], default='', max_length=10)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('account', models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='The account the lead went to: linked, picked in review, or made.', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.account')),
                ('contact', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.contact')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('lead', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='qualification.lead')),
                ('resolved_by', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical account match',
                'verbose_name_plural': 'historical account matchs',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalMatchSettings',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('upper_threshold', models.DecimalField(decimal_places=2, default=Decimal('0.90'), max_digits=3, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))])),
                ('lower_threshold', models.DecimalField(decimal_places=2, default=Decimal('0.60'), max_digits=3, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))])),
                ('tie_breakers', models.JSONField(default=qualification.models.matching.default_tie_breakers, help_text='When accounts score alike, the first of these that tells them apart wins: customer, open_opportunity, has_owner, latest_activity.', validators=[qualification.models.matching.validate_tie_breakers])),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical Account matching thresholds',
                'verbose_name_plural': 'historical Account matching thresholds',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='MatchSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('upper_threshold', models.DecimalField(decimal_places=2, default=Decimal('0.90'), max_digits=3, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))])),
                ('lower_threshold', models.DecimalField(decimal_places=2, default=Decimal('0.60'), max_digits=3, validators=[django.core.validators.MinValueValidator(Decimal('0')), django.core.validators.MaxValueValidator(Decimal('1'))])),
                ('tie_breakers', models.JSONField(default=qualification.models.matching.default_tie_breakers, help_text='When accounts score alike, the first of these that tells them apart wins: customer, open_opportunity, has_owner, latest_activity.', validators=[qualification.models.matching.validate_tie_breakers])),
            ],
            options={
                'verbose_name': 'Account matching thresholds',
                'verbose_name_plural': 'Account matching thresholds',
                'constraints': [models.CheckConstraint(condition=models.Q(('lower_threshold__lte', models.F('upper_threshold'))), name='match_lower_below_upper', violation_error_message='The lower threshold cannot be above the upper one.'), models.CheckConstraint(condition=models.Q(('lower_threshold__gte', 0), ('upper_threshold__lte', 1)), name='match_thresholds_between_0_and_1', violation_error_message='Thresholds are between 0 and 1.')],
            },
        ),
        migrations.AddIndex(
            model_name='accountmatch',
            index=models.Index(condition=models.Q(('outcome', 'review')), fields=['created_at'], name='account_match_waiting_idx'),
        ),
        migrations.AddConstraint(
            model_name='accountmatch',
            constraint=models.CheckConstraint(condition=models.Q(('lead__isnull', False), ('contact__isnull', False), _connector='OR'), name='account_match_for_lead_or_contact', violation_error_message='A match decision is for a lead or a contact.'),
        ),
        migrations.AddConstraint(
            model_name='accountmatch',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'linked'), _negated=True), ('account__isnull', False), _connector='OR'), name='account_match_linked_has_account', violation_error_message='A linked match names its account.'),
        ),
        migrations.AddConstraint(
            model_name='accountmatchcandidate',
            constraint=models.UniqueConstraint(fields=('match', 'account'), name='account_match_candidate_once', violation_error_message='This account is already a candidate for this match.'),
        ),
    ]


# RevOps tunes the thresholds and reads the decisions in the admin; managers read the settings.
GRANTS = {
    "RevOps": ["view_matchsettings", "change_matchsettings", "view_accountmatch"],
    "Manager": ["view_matchsettings"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("qualification")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="qualification", codename__in=codenames
                )
            )


Migration.operations.append(migrations.RunPython(grant, migrations.RunPython.noop))
