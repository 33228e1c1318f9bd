from django.db import migrations

TARGET_INDUSTRIES = [
    "software", "internet software & services", "information technology", "saas",
    "financial services", "fintech", "logistics", "logistics & transportation",
    "healthcare technology", "business products & services", "telecommunications",
]
CORE_COUNTRIES = ["GB", "US", "IE", "CA", "AU", "DE", "NL", "FR", "SE", "DK", "NO", "FI"]
UNSUPPORTED = ["RU", "BY", "IR", "KP", "SY", "CU"]

# name, attribute, match, values, min, max, points, exclusion
ICP_RULES = [
    ("Target industry", "industry", "in", TARGET_INDUSTRIES, None, None, 20, False),
    ("Core market", "country", "in", CORE_COUNTRIES, None, None, 10, False),
    ("Mid-market size (200–5,000 staff)", "employee_count", "between", [], 200, 5000, 20, False),
    ("Growing team (50–199 staff)", "employee_count", "between", [], 50, 199, 10, False),
    ("Enterprise size (5,001+ staff)", "employee_count", "between", [], 5001, None, 10, False),
    ("Revenue $20M–$1B", "annual_revenue", "between", [], 20_000_000, 1_000_000_000, 10, False),
    ("Runs a CRM we integrate with", "tech_stack", "contains_any",
     ["salesforce", "hubspot", "dynamics"], None, None, 10, False),
    ("Unsupported geography", "country", "in", UNSUPPORTED, None, None, 0, True),
    ("Competitor", "relationship", "in", ["competitor"], None, None, 0, True),
    ("Too small (under 10 staff)", "employee_count", "between", [], 0, 9, 0, True),
]

# name, kind, value, points, half-life days, max occurrences, buying work
ACTIVITY_RULES = [
    ("pricing page", "pricing_page", 25, 14, 2, True),
    ("demo request", "demo_request", 20, 30, 1, True),
    ("security page", "security_page", 15, 14, 2, True),
    ("ROI calculator", "roi_page", 15, 14, 2, True),
    ("implementation guide", "implementation_page", 15, 14, 2, True),
    ("comparison page", "comparison_page", 15, 14, 2, True),
    ("white paper", "white_paper", 10, 30, 2, False),
    ("webinar", "webinar", 10, 30, 2, False),
    ("content download", "content_download", 5, 30, 3, False),
    ("email reply", "email_reply", 10, 14, 2, False),
    ("email click", "email_click", 3, 14, 3, False),
    ("email open", "email_open", 1, 7, 5, False),
    ("blog read", "blog_read", 2, 14, 3, False),
    ("careers page", "careers_page", -15, 30, 1, False),
    ("product signup", "product_signup", 15, 30, 1, False),
    ("product activated", "product_activation", 20, 30, 1, False),
    ("teammate invited", "product_invite", 10, 30, 3, False),
    ("plan limit hit", "product_limit_hit", 15, 14, 2, False),
]
# name, kind, value, points
ATTRIBUTE_RULES = [
    ("Tier A ICP", "fit_tier", "A", 20),
    ("Tier B ICP", "fit_tier", "B", 10),
    ("C-level", "seniority", "c_level", 10),
    ("VP", "seniority", "vp", 5),
    ("student", "seniority", "student", -30),
    ("personal email", "email_kind", "personal", -20),
    ("disposable email", "email_kind", "disposable", -30),
    ("competitor", "account_relationship", "competitor", -50),
]


def seed(apps, schema_editor):
    IcpSettings = apps.get_model("qualification", "IcpSettings")
    IcpRule = apps.get_model("qualification", "IcpRule")
    ScoringRule = apps.get_model("qualification", "ScoringRule")
    ReasonCode = apps.get_model("qualification", "ReasonCode")
    if not IcpSettings.objects.exists():
        IcpSettings.objects.create()  # no explicit id: the sequence must stay in step
    for position, (name, attribute, match, values, low, high, points, exclusion) in enumerate(
        ICP_RULES
    ):
        IcpRule.objects.get_or_create(name=name, defaults=dict(
            attribute=attribute, match=match, values=values, min_value=low, max_value=high,
            points=points, exclusion=exclusion, position=position,
        ))
    for name, value, points, half_life, max_occurrences, buying_work in ACTIVITY_RULES:
        ScoringRule.objects.get_or_create(kind="activity", value=value, defaults=dict(
            name=name, points=points, half_life_days=half_life,
            max_occurrences=max_occurrences, buying_work=buying_work,
        ))
    ScoringRule.objects.get_or_create(kind="frequency", value="web_session", defaults=dict(
        name="sessions", points=10, min_count=3, window_days=7,
    ))
    for name, kind, value, points in ATTRIBUTE_RULES:
        ScoringRule.objects.get_or_create(kind=kind, value=value,
                                          defaults=dict(name=name, points=points))
    ReasonCode.objects.get_or_create(code="low_intent", defaults=dict(
        label="Not enough intent yet", for_rejection=False, for_disqualification=True,
        description="Scored under the segment's nurture floor; the rules parked it.",
        position=20,
    ))


class Migration(migrations.Migration):
    dependencies = [("qualification", "0004_icp_and_scoring_rules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
