from django.db import migrations

# (code, label, for_rejection, for_disqualification, for_lost, needs recycle date, needs lead)
REASON_CODES = [
    ("bad_fit", "Bad fit", True, True, True, False, False),
    ("no_budget", "No budget", True, True, True, False, False),
    ("wrong_persona", "Wrong persona", True, True, False, False, False),
    ("no_authority", "No authority", True, True, True, False, False),
    ("no_need", "No need / not a priority", True, True, True, False, False),
    ("competitor_lock_in", "Competitor lock-in", True, True, True, False, False),
    ("timing", "Timing", True, True, True, True, False),
    ("unresponsive", "Unresponsive", True, True, True, False, False),
    ("duplicate", "Duplicate", True, True, False, False, True),
    ("unserviceable_geography", "Not in serviceable geography", True, True, False, False, False),
    ("junk", "Junk / spam", True, True, False, False, False),
    ("student", "Student", True, True, False, False, False),
]

# key, name, description, items: (key, label, prompt, confirmed means, required for SQL)
FRAMEWORKS = [
    ("bant", "BANT", "Budget, authority, need, timeline.", [
        ("budget", "Budget", "Is money set aside? Who owns it? What range?",
         "A budget range and its owner are named.", False),
        ("authority", "Authority", "Who signs? Who else must agree?",
         "The decision maker is named and engaged.", True),
        ("need", "Need", "What problem costs them today, and how much?",
         "A specific pain in the prospect's words.", True),
        ("timeline", "Timeline", "When must this be live, and what drives that date?",
         "A date tied to a business event.", True),
    ]),
    ("meddicc", "MEDDICC", "Metrics, economic buyer, decision criteria and process, "
     "identify pain, champion, competition.", [
        ("metrics", "Metrics", "What measurable outcome do they expect?",
         "A number the buyer agreed to.", True),
        ("economic_buyer", "Economic buyer", "Who owns the budget and the final yes?",
         "Named, and we have met or have a path to them.", True),
        ("decision_criteria", "Decision criteria", "How will they compare options?",
         "Written criteria shared by the buyer.", False),
        ("decision_process", "Decision process", "What steps and approvals lead to a signature?",
         "The steps and dates are mapped.", False),
        ("pain", "Identify pain", "What hurts, for whom, and what does it cost?",
         "A specific pain with its cost.", True),
        ("champion", "Champion", "Who sells for us when we are not in the room?",
         "A named person with power who is tested.", True),
        ("competition", "Competition", "Who else are they looking at, including doing nothing?",
         "Alternatives are named.", False),
    ]),
    ("champ", "CHAMP", "Challenges, authority, money, prioritisation.", [
        ("challenges", "Challenges", "What challenge made them look now?",
         "A concrete challenge in their words.", True),
        ("authority", "Authority", "Who decides and who influences?",
         "The decision maker is named.", True),
        ("money", "Money", "How would this be funded?", "A funding path is known.", False),
        ("prioritisation", "Prioritisation", "Where does this rank against other projects?",
         "It is a top-three priority with a date.", True),
    ]),
]


def seed(apps, schema_editor):
    ReasonCode = apps.get_model("qualification", "ReasonCode")
    Framework = apps.get_model("qualification", "Framework")
    FrameworkItem = apps.get_model("qualification", "FrameworkItem")
    for position, (code, label, rej, disq, lost, recycle, linked) in enumerate(REASON_CODES):
        ReasonCode.objects.update_or_create(code=code, defaults=dict(
            label=label, for_rejection=rej, for_disqualification=disq, for_lost=lost,
            requires_recycle_date=recycle, requires_linked_lead=linked, position=position,
        ))
    for key, name, description, items in FRAMEWORKS:
        framework, _ = Framework.objects.update_or_create(
            key=key, defaults=dict(name=name, description=description)
        )
        for position, (item_key, label, prompt, means, required) in enumerate(items):
            FrameworkItem.objects.update_or_create(
                framework=framework, key=item_key,
                defaults=dict(label=label, prompt=prompt, confirmed_means=means,
                              required_for_sql=required, position=position),
            )


class Migration(migrations.Migration):
    dependencies = [("qualification", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
