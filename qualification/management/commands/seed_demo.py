"""`manage.py seed_demo`: a deterministic, believable demo data set for an empty database.

The command only orchestrates; the app decides. Accounts get their tier from RevOps' ICP rules,
leads their score from the scoring rules over the activity the demo records, the stage rules
make MQLs (routing gives them an owner) or nurture them, and every other stage change goes
through `qualification.transitions.transition_lead` with the evidence and the actor its table
row asks for. So the demo's history is the history the app writes.

Each lead follows a planned story (captured, scored, accepted, promoted, …) over the last two
months. The engine stamps the real clock; after each step the command moves those timestamps
(transition times, stage timers, SLA clocks, history dates) back to the step's moment in the
story, so the queue, the SLA clocks and the funnel look like weeks of work. The same seed on an
empty database gives the same people, companies, leads and stages; only the dates follow today.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts import roles
from accounts.models import Account, BuyingGroupRole, Contact, IcpTier
from accounts.normalize import email_kind, title_to_persona
from qualification import stage_rules
from qualification.models import (
    Activity,
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    IcpRule,
    IcpSettings,
    Lead,
    Motion,
    ReasonCode,
    ScoringRule,
    Segment,
    Source,
    Stage,
    StageTransition,
)
from qualification.routing import route_lead
from qualification.scoring import account_fit, score_leads
from qualification.sla import segment_sla_due
from qualification.transitions import Evidence, Rule, TransitionRefused, transition_lead

SEED = 20250917
DEMO_PASSWORD = "leadreview-demo"
DISCARD_MAIL = "django.core.mail.backends.dummy.EmailBackend"
HORIZON_DAYS = 60  # leads' stories all happen within the last two months

# People ------------------------------------------------------------------------------------
# fmt: off

# username, first name, last name, role (group), is_staff
DEMO_USERS = (
    ("sdr", "Priya", "Shah", roles.SDR, False),
    ("sdr2", "Tom", "Becker", roles.SDR, False),
    ("ae", "Maya", "Okafor", roles.AE, False),
    ("ae2", "Daniel", "Reyes", roles.AE, False),
    ("manager", "Sofia", "Lindqvist", roles.MANAGER, False),
    ("revops", "Jonas", "Weber", roles.REVOPS, True),
    ("marketing", "Chloe", "Martin", roles.MARKETING, False),
)
ADMIN_USER = ("admin", "Alex", "Morgan")

FIRST_NAMES = (
    "Olivia", "James", "Amara", "Noah", "Sophie", "Ethan", "Isla", "Mateo", "Hannah", "Lucas",
    "Freya", "Arjun", "Grace", "Felix", "Zara", "Oscar", "Leila", "Samuel", "Ingrid", "Tobias",
    "Nadia", "Rafael", "Emma", "Kwame", "Julia", "Henrik", "Mei", "Patrick", "Anika", "Diego",
    "Ruth", "Omar", "Clara", "Benedikt", "Yasmin", "George", "Elena", "Malik", "Astrid", "Connor",
    "Priyanka", "Luca", "Harriet", "Sven", "Fatima", "Declan", "Nora", "Jonah", "Chiara", "Marcus",
    "Ayesha", "Pieter", "Rosa", "Callum", "Ines", "Dmitri", "Beatrice", "Kofi", "Lotte", "Ravi",
)
LAST_NAMES = (
    "Patel", "Nakamura", "Okonkwo", "Fischer", "Jensen", "O'Brien", "Moreau", "Kowalski",
    "Haddad", "Lindberg", "Rossi", "Schmidt", "Mensah", "van Dijk", "Carter", "Silva", "Novak",
    "Brennan", "Kaur", "Andersson", "Dubois", "Murphy", "Yamamoto", "Hughes", "Costa", "Bauer",
    "Adeyemi", "Walsh", "Ortega", "Nielsen", "Fraser", "Iyer", "Keller", "Byrne", "Santos",
    "Holm", "Ahmed", "Vogel", "Quinn", "Laurent", "Berg", "Reid", "Mendes", "Hartmann", "Doyle",
    "Sato", "Lund", "Campbell", "Ferreira", "Kruger", "Nolan", "Chen", "Hale", "Eriksen",
    "Whitfield", "Rahman", "Engel", "Sullivan", "Castillo", "Osei",
)

# Titles by the seat the person usually takes in a buying committee.
CHAMPION_TITLES = (
    "VP of Revenue Operations", "Head of Sales Operations", "Director of Sales Development",
    "Marketing Director", "Head of Growth", "Revenue Operations Manager", "VP Sales",
    "Marketing Operations Manager", "Sales Manager", "Head of Marketing", "Sales Operations Lead",
)
ECONOMIC_TITLES = (
    "CFO", "Chief Revenue Officer", "VP Finance", "CEO", "COO", "Finance Director", "CMO",
)
TECHNICAL_TITLES = (
    "Head of IT", "IT Director", "CTO", "Solutions Architect", "Data Engineering Manager",
    "Security Engineer", "CISO",
)
OPERATIONS_TITLES = ("Procurement Manager", "Head of Procurement", "Purchasing Lead")
USER_TITLES = (
    "Account Executive", "Business Development Representative", "Revenue Operations Analyst",
    "Sales Development Representative", "Marketing Coordinator", "Customer Success Manager",
)
OFF_TARGET_TITLES = ("HR Coordinator", "Recruiter", "Office Manager", "Marketing Intern")
SEATS_BY_TIER = {  # the kinds of people the demo puts in an account of each tier
    IcpTier.A: (CHAMPION_TITLES, ECONOMIC_TITLES, TECHNICAL_TITLES, OPERATIONS_TITLES),
    IcpTier.B: (CHAMPION_TITLES, ECONOMIC_TITLES, TECHNICAL_TITLES, USER_TITLES),
    IcpTier.C: (CHAMPION_TITLES, USER_TITLES, OFF_TARGET_TITLES),
    IcpTier.OUT: (CHAMPION_TITLES, USER_TITLES),
}

# People who reached us without a company address: first, last, email, title, account domain.
STRAY_CONTACTS = (
    ("Jamie", "Collins", "jamie.collins88@gmail.com", "Student", None),
    ("Aisha", "Rahim", "aisha.r.studies@outlook.com", "MBA Student", None),
    ("Lena", "Hoffmann", "lena.hoffmann@gmx.de", "Freelance Marketing Consultant", None),
    ("Marcus", "Bell", "marcusbell.ops@gmail.com", "Operations Manager", "trellissupply.com"),
    ("Wei", "Zhang", "wei.zhang.dev@yahoo.com", "Software Engineer", "vantagecloudworks.com"),
    ("Olivia", "Grant", "olivia.grant@icloud.com", "Head of Marketing", "tidewellretail.com"),
    ("Test", "User", "test.user@mailinator.com", "", None),
    ("Asdf", "Qwerty", "asdf1234@yopmail.com", "n/a", None),
)

# Companies (invented) ----------------------------------------------------------------------

# name, domain, industry, employees, country, relationship
COMPANIES = (
    ("Northwind Logistics", "northwindlogistics.com", "Logistics", 820, "GB", "prospect"),
    ("Brightwater Analytics", "brightwateranalytics.com", "Software", 340, "GB", "prospect"),
    ("Halcyon Health Systems", "halcyonhealth.com", "Healthcare technology", 1200, "US", "prospect"),  # noqa: E501
    ("Copperleaf Finance", "copperleaffinance.co.uk", "Financial services", 560, "GB", "prospect"),
    ("Meridian Freight Group", "meridianfreight.de", "Logistics", 2400, "DE", "customer"),
    ("Quillstone Software", "quillstone.nl", "Software", 70, "NL", "prospect"),
    ("Ashgrove Manufacturing", "ashgrove-mfg.de", "Manufacturing", 950, "DE", "prospect"),
    ("Bluefjord Payments", "bluefjord.se", "Financial services", 420, "SE", "prospect"),
    ("Tidewell Retail", "tidewellretail.com", "Retail", 3100, "GB", "prospect"),
    ("Larkspur Learning", "larkspurlearning.co.uk", "Education", 90, "GB", "prospect"),
    ("Ironbridge Insurance", "ironbridgeinsurance.com", "Financial services", 6200, "GB", "prospect"),  # noqa: E501
    ("Pinecrest Medical", "pinecrestmedical.com", "Healthcare technology", 260, "US", "prospect"),
    ("Vantage Cloudworks", "vantagecloudworks.com", "Software", 710, "US", "prospect"),
    ("Osprey Maritime", "ospreymaritime.nl", "Logistics", 60, "NL", "prospect"),
    ("Kestrel Data", "kestreldata.io", "Software", 6, "GB", "prospect"),
    ("Silverline Hospitality", "silverline-hotels.fr", "Hospitality", 300, "FR", "prospect"),
    ("Redcliff Engineering", "redcliffengineering.co.uk", "Manufacturing", 380, "GB", "prospect"),
    ("Fernhill Partners", "fernhillpartners.ie", "Professional services", 70, "IE", "prospect"),
    ("Granitepeak Capital", "granitepeakcapital.com", "Financial services", 230, "US", "prospect"),
    ("Lumen Ridge Media", "lumenridge.com", "Media", 80, "US", "prospect"),
    ("Oakhaven Foods", "oakhavenfoods.fr", "Food & beverage", 1800, "FR", "prospect"),
    ("Starling Robotics", "starlingrobotics.de", "Manufacturing", 640, "DE", "prospect"),
    ("Cobalt Harbour Bank", "cobaltharbour.nl", "Financial services", 4200, "NL", "prospect"),
    ("Willowmere Care", "willowmerecare.co.uk", "Healthcare technology", 60, "GB", "prospect"),
    ("Foxglove Studios", "foxglovestudios.co.uk", "Media", 8, "GB", "prospect"),
    ("Trellis Supply Co", "trellissupply.com", "Logistics", 480, "US", "prospect"),
    ("Nimbus Fieldworks", "nimbusfieldworks.ca", "Software", 70, "CA", "prospect"),
    ("Sundial Travel", "sundialtravel.es", "Hospitality", 90, "ES", "prospect"),
    ("Alderbank Energy", "alderbank.no", "Energy", 2900, "NO", "prospect"),
    ("Marigold Insights", "marigoldinsights.co.uk", "Professional services", 410, "GB", "prospect"),
    ("Riverstone Pharma", "riverstonepharma.ch", "Healthcare technology", 1500, "CH", "prospect"),
    ("Tessellate Labs", "tessellatelabs.se", "Software", 260, "SE", "prospect"),
    ("Harbourline Telecom", "harbourline.co.uk", "Telecommunications", 7000, "GB", "prospect"),
    ("Blue Heron Foundation", "blueheronfoundation.org", "Non-profit", 60, "US", "prospect"),
    ("Saltmarsh Retail Group", "saltmarshretail.ie", "Retail", 700, "IE", "prospect"),
    ("Palisade Security", "palisadesecurity.com", "Software", 330, "US", "customer"),
    ("Emberly Commerce", "emberlycommerce.com.br", "Retail", 150, "BR", "prospect"),
    ("Yarrow Ventures", "yarrowventures.in", "Professional services", 80, "IN", "prospect"),
    ("Pipelane", "pipelane.io", "Software", 220, "US", "competitor"),
    ("LeadLoom", "leadloom.io", "Software", 140, "GB", "competitor"),
)

# country: (territory, region); countries missing here are not served.
TERRITORIES = {
    "GB": ("UK & Ireland", "EMEA"), "IE": ("UK & Ireland", "EMEA"),
    "DE": ("DACH", "EMEA"), "CH": ("DACH", "EMEA"),
    "NL": ("Benelux", "EMEA"),
    "SE": ("Nordics", "EMEA"), "NO": ("Nordics", "EMEA"),
    "FR": ("France & Southern Europe", "EMEA"), "ES": ("France & Southern Europe", "EMEA"),
    "US": ("North America", "NA"), "CA": ("North America", "NA"),
}
TECH_TAGS = (
    "Snowflake", "Slack", "Zendesk", "Marketo", "Outreach", "Looker", "dbt", "Jira", "Pipedrive",
)
# The CRMs we integrate with, where the companies run one (an ICP rule counts it).
CRMS = {
    "northwindlogistics.com": "Salesforce", "brightwateranalytics.com": "HubSpot",
    "halcyonhealth.com": "Salesforce", "copperleaffinance.co.uk": "Microsoft Dynamics",
    "meridianfreight.de": "Salesforce", "bluefjord.se": "HubSpot",
    "pinecrestmedical.com": "HubSpot", "vantagecloudworks.com": "Salesforce",
    "granitepeakcapital.com": "Salesforce", "trellissupply.com": "Microsoft Dynamics",
    "tessellatelabs.se": "HubSpot", "palisadesecurity.com": "Salesforce",
}
REVENUE_PER_HEAD = {  # rough annual revenue per employee, in dollars
    "Software": 190_000, "Financial services": 310_000, "Logistics": 140_000,
    "Healthcare technology": 210_000, "Retail": 120_000, "Telecommunications": 250_000,
}

# Segments and how their leads arrive -------------------------------------------------------

ALL_TERRITORIES = sorted({territory for territory, _ in TERRITORIES.values()})
SEGMENTS = (
    dict(slug="core-inbound", name="Core platform — inbound",
         description="Inbound demand for the core platform: forms, demos, webinars, content.",
         mql_threshold=70, nurture_floor=40, sla_first_touch_hours=4, sla_first_meeting_hours=48,
         time_zone="Europe/London", territories=ALL_TERRITORIES, sdrs=("sdr", "sdr2")),
    dict(slug="enterprise-outbound", name="Enterprise — outbound",
         description="Named accounts over 500 employees, worked outbound and at events.",
         mql_threshold=65, nurture_floor=35, sla_first_touch_hours=8, sla_first_meeting_hours=72,
         time_zone="Europe/London",
         territories=["UK & Ireland", "DACH", "Benelux", "Nordics", "North America"],
         sdrs=("sdr2",)),
    dict(slug="self-serve-plg", name="Self-serve — product-led",
         description="Free-plan workspaces that show buying signals in the product (PQLs).",
         mql_threshold=60, nurture_floor=30, sla_first_touch_hours=8, sla_first_meeting_hours=48,
         time_zone="America/New_York", territories=ALL_TERRITORIES, sdrs=("sdr",)),
)
# slug: (motion, sources to draw from, discovery framework, weight when placing a lead)
PLAYBOOKS = {
    "core-inbound": (
        Motion.INBOUND,
        (Source.FORM, Source.DEMO_REQUEST, Source.DEMO_REQUEST, Source.WEBINAR, Source.CONTENT,
         Source.EVENT, Source.PARTNER),
        "bant", 55,
    ),
    "enterprise-outbound": (
        Motion.OUTBOUND, (Source.OUTBOUND, Source.OUTBOUND, Source.LIST_IMPORT, Source.EVENT),
        "meddicc", 25,
    ),
    "self-serve-plg": (Motion.PRODUCT_LED, (Source.PRODUCT_SIGNUP,), "champ", 20),
}

WEBINARS = (
    "Fixing the MQL-to-SAL handoff", "Building an ICP your reps believe",
    "Running a monthly lead review board",
)
ASSETS = (
    "2025 Lead Qualification Benchmark", "The SAL handoff playbook",
    "Scoring models sales trusts (white paper)", "A field guide to MEDDICC",
)
BLOG_POSTS = (
    "Why your MQL definition is lying to you", "Seven reason codes every SDR team needs",
    "Speed-to-lead without burning out your SDRs", "What a buying group really looks like",
)
USE_CASES = (
    "Route inbound demo requests to the right SDR", "Agree one MQL definition with sales",
    "Stop re-qualifying leads after handoff", "See why sales rejects our leads",
    "Score product signups for sales follow-up",
)
# fmt: on

# The lead stories --------------------------------------------------------------------------


@dataclass(frozen=True)
class Path:
    """A kind of lead story: the steps it goes through and who it happens to."""

    name: str
    count: int
    steps: tuple[str, ...]
    cast: str  # which contacts it fits: fit, buyer, tier_c, unfit, modest, junk, duplicate
    intent: str  # the score band it needs at capture: high, review, low, mixed or any
    age_hours: tuple[float, float] | None  # time since the last step; None: an SLA mix (MQLs)
    segment: str = ""  # only this segment
    source: str = ""  # only this source


# fmt: off
# The order is the order of play. Leads that need a modest score come first, before their
# contacts (who may have another lead) have done anything else that the scoring would count.
PATHS = (
    Path("awaiting a decision", 20, (), "unfit", "mixed", (0.2, 72)),
    Path("in manual review", 8, (), "fit", "review", (2, 120)),
    Path("in the queue after review", 6, ("mql-review",), "fit", "review", None),
    Path("nurtured on score", 25, ("park-rule",), "modest", "low", (24, 900)),
    Path("junk from a badge scan", 8, ("disqualify-import",), "junk", "any", (12, 900),
         segment="core-inbound", source=Source.LIST_IMPORT),
    Path("in the queue", 28, ("mql",), "fit", "high", None),
    Path("in the queue on an override", 3, ("mql-override",), "tier_c", "high", None),
    Path("accepted", 32, ("mql", "accept"), "fit", "high", (4, 240)),
    Path("in discovery", 20, ("mql", "accept", "sql"), "buyer", "high", (12, 360)),
    Path("opportunity", 18, ("mql", "accept", "sql", "opportunity"), "buyer", "high", (24, 480)),
    Path("rejected for timing", 16, ("mql", "reject-timing"), "fit", "high", (24, 600)),
    Path("parked after acceptance", 6, ("mql", "accept", "park-owner"), "fit", "high", (24, 400)),
    Path("rejected", 28, ("mql", "reject"), "fit", "high", (12, 900)),
    Path("lost after acceptance", 8, ("mql", "accept", "disqualify-owner"), "fit", "high",
         (24, 400)),
    Path("lost in discovery", 4, ("mql", "accept", "sql", "disqualify-owner"), "buyer", "high",
         (24, 300)),
    Path("recycled on an intent spike", 6, ("mql", "reject-timing", "recycle"), "fit", "high",
         None),
    Path("recycled and accepted", 3, ("mql", "reject-timing", "recycle", "accept"), "fit", "high",
         (4, 200)),
    Path("reopened", 4, ("mql", "reject", "reopen"), "fit", "high", None),
    Path("reopened and accepted", 2, ("mql", "reject", "reopen", "accept"), "fit", "high",
         (4, 200)),
    # Last: a duplicate names a surviving lead, which must exist and still be open.
    Path("duplicate", 5, ("mql", "reject-duplicate"), "duplicate", "high", (2, 96)),
)
STEP_TARGETS = {
    "mql": Stage.MQL, "mql-review": Stage.MQL, "mql-override": Stage.MQL,
    "accept": Stage.SAL, "reject-timing": Stage.NURTURE, "reject": Stage.DISQUALIFIED,
    "reject-duplicate": Stage.DISQUALIFIED, "sql": Stage.SQL, "opportunity": Stage.OPPORTUNITY,
    "park-rule": Stage.NURTURE, "park-owner": Stage.NURTURE,
    "disqualify-import": Stage.DISQUALIFIED, "disqualify-owner": Stage.DISQUALIFIED,
    "recycle": Stage.MQL, "reopen": Stage.MQL,
}
STEP_GAP_HOURS = {  # how long after the previous event each step happens
    "mql": (0.05, 0.5), "mql-review": (4, 72), "mql-override": (4, 48),
    "accept": (0.5, 30), "reject-timing": (1, 30), "reject": (0.5, 30),
    "reject-duplicate": (0.5, 4), "sql": (72, 288), "opportunity": (120, 360),
    "park-rule": (0.05, 0.5), "park-owner": (96, 480), "disqualify-import": (0.02, 0.2),
    "disqualify-owner": (96, 360), "recycle": (240, 720), "reopen": (168, 480),
}
# The MQL queue's SLA mix, (hours since the MQL, weight): just in, due soon, long breached.
MQL_AGE_HOURS = (((0.15, 1.5), 35), ((2.5, 3.8), 20), ((30, 240), 45))

# What a contact does more of when their story needs a higher score (see reach_intent).
BUYING_PAGES = (
    (Activity.Kind.SECURITY_PAGE, "/security"), (Activity.Kind.ROI_PAGE, "/roi"),
    (Activity.Kind.IMPLEMENTATION_PAGE, "/implementation"),
    (Activity.Kind.COMPARISON_PAGE, "/compare/spreadsheets"),
)
BOOSTERS = {
    "high": (
        (Activity.Kind.PRICING_PAGE, "/pricing"), (Activity.Kind.PRICING_PAGE, "/pricing"),
        (Activity.Kind.DEMO_REQUEST, "Demo request form"), *BUYING_PAGES, *BUYING_PAGES,
        (Activity.Kind.WEBINAR, f"Webinar: {WEBINARS[0]}"), (Activity.Kind.WHITE_PAPER, ASSETS[2]),
    ),
    # Small steps only, so a story that needs the review band cannot jump over it.
    "review": (
        (Activity.Kind.WHITE_PAPER, ASSETS[2]), (Activity.Kind.WEBINAR, f"Webinar: {WEBINARS[1]}"),
        (Activity.Kind.CONTENT_DOWNLOAD, ASSETS[0]), (Activity.Kind.CONTENT_DOWNLOAD, ASSETS[1]),
        (Activity.Kind.BLOG_READ, BLOG_POSTS[0]), (Activity.Kind.BLOG_READ, BLOG_POSTS[1]),
        (Activity.Kind.EMAIL_CLICK, "Clicked the newsletter"),
        (Activity.Kind.EMAIL_CLICK, "Clicked a customer story"),
        (Activity.Kind.WHITE_PAPER, ASSETS[3]), (Activity.Kind.WEBINAR, f"Webinar: {WEBINARS[2]}"),
    ),
}
# fmt: on

# The badge-scan file from the event marks some rows junk; the import applies its stage words.
IMPORT_RULE = Rule("import:revops-forum-scans")

# What people write -------------------------------------------------------------------------

REVIEW_DECISIONS = (
    "Reviewed: VP-level buyer at a tier A account; light activity but worth a call.",
    "Reviewed: same company as an open opportunity — route to the account team.",
    "Reviewed: pricing and security pages in one session; treat as an MQL.",
)
FIT_OVERRIDES = (
    "Strategic logo for the logistics push — approved by Sofia in the pipeline review.",
    "Tier C on size only; they are hiring 40 SDRs this year (press release).",
    "Partner-sourced with a named project; override agreed with RevOps.",
)
NEXT_ACTIONS = (
    "Discovery call with {first}",
    "Send agenda and book discovery with {first}",
    "Intro call with {first} and the AE",
    "Confirm discovery attendees with {first}",
)
REJECTION_NOTES = {
    "no_need": (
        "Downloaded the benchmark for a board deck; no project behind it.",
        "Happy with their current process; revisit if the team grows.",
    ),
    "no_authority": (
        "Analyst researching for a manager who is not involved yet; asked for an intro.",
        "Individual contributor, no budget or say; champion not found yet.",
    ),
    "competitor_lock_in": (
        "Signed a two-year deal with another vendor in the spring.",
        "Mid-contract with a competitor until next year.",
    ),
    "unresponsive": (
        "Five touches over two weeks (calls, emails); no reply.",
        "Two calls and three emails, no answer; number goes to a switchboard.",
    ),
    "no_budget": (
        "Budget frozen until next fiscal year.",
        "Head-count freeze; no tool spend approved this year.",
    ),
    "wrong_persona": (
        "Recruiter looking at our careers page, not a buyer.",
        "HR team researching onboarding tools; nothing to do with pipeline.",
    ),
    "bad_fit": (
        "Team of three reps — too small for the platform; pointed them to self-serve.",
        "Runs a single-product webshop; no sales team to route leads to.",
    ),
}
TIMING_NOTES = (
    "Re-organising sales this quarter; asked us to check back in {month}.",
    "Mid-migration to a new CRM; revisit once it is live in {month}.",
    "Budget cycle opens in {month} — call then.",
)
PARK_NOTES = {
    "timing": (
        "Champion on parental leave until {month}; paused with their blessing.",
        "Project moved behind an ERP roll-out; restart in {month}.",
    ),
    "no_budget": ("Budget pulled in the mid-year review; revisit in {month}.",),
}
LOSS_NOTES = {
    "no_budget": ("CFO would not fund it this year after the pricing call.",),
    "unresponsive": ("Went dark after the first discovery call; four follow-ups unanswered.",),
    "no_need": ("Discovery showed the pain is small: two reps, low inbound volume.",),
    "competitor_lock_in": ("Chose the CRM vendor's bundled add-on at no extra cost.",),
}
REOPEN_NOTES = (
    "Came back through a partner referral with an approved budget.",
    "Replied to the nurture email: new VP Sales wants a call this month.",
)
MUTUAL_STEPS = (
    "Security review with {company} IT, then the order form",
    "Pilot kick-off with two SDR pods",
    "Business case review with the CFO",
    "Procurement call to agree terms",
)
DISCOVERY_NOTES = (
    "Discovery with {first}: SDRs re-qualify about a third of inbound MQLs. Wants reason codes "
    "that marketing will actually read. Next: demo for the wider team.",
    "{first} walked us through their lead routing spreadsheet; three territories, no SLA. "
    "Asked for the SLA clock and the audit trail in the demo.",
    "Call with {first}: the monthly pipeline review argues about lead quality every time. "
    "Likes the review board; wants to see scoring explanations.",
)
ANSWERS = {  # framework item key: what a rep writes when the item is discussed
    "budget": (
        "£40–60k in the RevOps tools budget; {champion} owns it.",
        "Funded from the sales-tools line; range agreed with finance.",
    ),
    "authority": (
        "{buyer} signs; {champion} runs the evaluation.",
        "{buyer} decides with the CRO; {champion} recommends.",
    ),
    "need": (
        "SDRs re-qualify a third of inbound MQLs — about six hours per rep per week.",
        "No shared MQL definition; marketing and sales argue numbers every Monday.",
    ),
    "timeline": (
        "Must be live before the sales kick-off in {month}.",
        "Replacing the spreadsheet process before the new territory plan in {month}.",
    ),
    "metrics": (
        "Cut the MQL→SAL rejection rate from 48% to under 25%.",
        "Speed-to-lead under one hour for demo requests.",
    ),
    "economic_buyer": (
        "{buyer} — met on the second call; owns the budget.",
        "{buyer}; {champion} has a standing 1:1 with them.",
    ),
    "decision_criteria": (
        "Audit trail, CRM sync, reason codes SDRs will use.",
        "Explainable scores; no black-box model.",
    ),
    "decision_process": (
        "Evaluation → security review → CFO sign-off → procurement.",
        "Two-week pilot, then a steering-committee decision.",
    ),
    "pain": (
        "Forecast missed two quarters running; pipeline reviews stall on lead quality.",
        "Demo requests wait two days for a first touch.",
    ),
    "champion": (
        "{champion} — presented our approach to the CRO unprompted.",
        "{champion}; introduced us to {buyer} within a week.",
    ),
    "competition": (
        "Building it in the CRM is the alternative; no other vendor yet.",
        "Looking at one other vendor and at doing nothing.",
    ),
    "challenges": (
        "Trial users never talk to sales; expansion revenue is missed.",
        "Free workspaces hit limits and churn before anyone calls.",
    ),
    "money": (
        "Paid from the growth budget; card for the first year.",
        "Needs a quote to get on the next budget cycle.",
    ),
    "prioritisation": (
        "Top-three project this quarter in the COO's plan.",
        "Ranked second on the RevOps roadmap, dated for {month}.",
    ),
}
ANSWER_EVIDENCE = (
    "Discovery call",
    "Follow-up email from {champion}",
    "Mutual action plan, shared doc",
    "Second call, with {buyer}",
)


# The demo's state while it is being built --------------------------------------------------


@dataclass
class Story:
    """One lead's planned life: who, where, which steps, and when each happened."""

    path: Path
    contact: Contact
    segment: Segment
    sdr: object
    ae: object
    times: list[dt.datetime]  # created, then one per step
    survivor: Story | None = None
    lead: Lead | None = None
    first_touch: dt.datetime | None = None
    activities: list[Activity] = field(default_factory=list)

    @property
    def final_stage(self) -> str:
        return STEP_TARGETS[self.path.steps[-1]] if self.path.steps else Stage.NEW


@dataclass
class Demo:
    rng: random.Random
    now: dt.datetime
    users: dict[str, object] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    codes: dict[str, ReasonCode] = field(default_factory=dict)
    frameworks: dict[str, tuple[Framework, list]] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    members: dict[int, list[Contact]] = field(default_factory=dict)  # account pk → contacts
    seated: dict[int, dict[int, str]] = field(default_factory=dict)  # account → contact → role
    economic_buyers: dict[int, Contact] = field(default_factory=dict)  # account pk → contact
    icp_confirmations: dict[int, tuple[dt.datetime, object]] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)  # sales work, saved at the end
    icp_rules: list[IcpRule] = field(default_factory=list)
    icp_cutoffs: IcpSettings | None = None
    admin_created: bool = False

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def days_ahead(self, low: int, high: int) -> dt.date:
        return self.today + dt.timedelta(days=self.rng.randint(low, high))

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        return start + (end - start) * self.rng.uniform(0.05, 0.95)


# The command -------------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Fill an empty database with a deterministic demo: users per role, accounts, leads."

    def handle(self, *args, **options):
        existing = already_seeded()
        if existing:
            self.stdout.write(f"Already seeded ({existing}); nothing changed.")
            return
        if not Group.objects.filter(name__in=roles.ROLES).count() == len(roles.ROLES):
            raise CommandError("The role groups are missing: run `manage.py migrate` first.")

        started = time.monotonic()
        # Routing mails each new owner the handoff brief when the transaction commits; the
        # demo's leads are weeks-old history, not news, so those mails go nowhere.
        with override_settings(EMAIL_BACKEND=DISCARD_MAIL), transaction.atomic():
            demo = seed(now=timezone.now())
        elapsed = time.monotonic() - started

        stages = Counter(Lead.objects.values_list("stage", flat=True))
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded the demo in {elapsed:.1f} s: {len(demo.segments)} segments, "
                f"{len(demo.accounts)} accounts, {len(demo.contacts)} contacts, "
                f"{sum(stages.values())} leads, {Activity.objects.count()} activities."
            )
        )
        self.stdout.write(
            "Leads by stage: "
            + " · ".join(f"{label} {stages.get(value, 0)}" for value, label in Stage.choices)
        )
        self.stdout.write("")
        self.stdout.write(f"{'Login':<11}{'Role':<12}Name")
        for username, first, last, role, _ in DEMO_USERS:
            self.stdout.write(f"{username:<11}{role:<12}{first} {last}")
        admin = demo.users[ADMIN_USER[0]]
        admin_note = "" if demo.admin_created else " (it existed: password unchanged)"
        self.stdout.write(
            f"{ADMIN_USER[0]:<11}{'superuser':<12}{admin.get_full_name()}{admin_note}"
        )
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")


def already_seeded() -> str:
    """Why the database is not empty enough to seed, or '' when it is."""
    usernames = [row[0] for row in DEMO_USERS]
    if get_user_model().objects.filter(username__in=usernames).exists():
        return "the demo users exist"
    if Lead.objects.exists():
        return "leads exist"
    if Account.objects.exists() or Contact.objects.exists():
        return "accounts or contacts exist"
    return ""


def seed(*, now: dt.datetime) -> Demo:
    demo = Demo(rng=random.Random(SEED), now=now)
    demo.codes = {code.code: code for code in ReasonCode.objects.all()}
    demo.icp_rules = list(IcpRule.objects.filter(active=True))
    demo.icp_cutoffs = IcpSettings.load()
    demo.frameworks = {
        framework.key: (framework, list(framework.items.order_by("position", "pk")))
        for framework in Framework.objects.all()
    }
    create_users(demo)
    create_segments(demo)
    create_accounts(demo)
    create_contacts(demo)
    for story in plan_stories(demo):
        play(demo, story)
    Activity.objects.bulk_create(demo.activities, batch_size=500)
    settle_accounts(demo)
    settle_contacts(demo)
    hold_past_review(demo)
    return demo


def hold_past_review(demo: Demo) -> None:
    """The review board of two months ago, held and closed: its decisions, one rule change
    applied by RevOps and one declined, and the summary a closed session keeps. Last month is
    left for whoever tries the demo to review."""
    from review import services  # the review app builds on this one, not the other way
    from review.models import Decision, RuleChangeProposal

    manager, revops = demo.users["manager"], demo.users["revops"]
    month = (demo.today.replace(day=1) - dt.timedelta(days=32)).replace(day=1)
    session = services.open_session(month=month, actor=manager, size=20, seed=SEED)
    for item in session.items.order_by("position"):
        if item.position % 4 == 0:
            services.record_decision(
                item=item,
                actor=manager,
                decision=Decision.ADJUST,
                note="Right band, but the score leans on blog reads: weight them less.",
            )
        else:
            services.record_decision(
                item=item,
                actor=manager,
                decision=Decision.AGREE,
                note="Borderline as scored; the queue will decide.",
            )
    blog = ScoringRule.objects.get(name="blog read")
    applied = services.propose_change(
        session=session,
        actor=manager,
        kind=RuleChangeProposal.Kind.SCORING_WEIGHT,
        target=blog,
        field="points",
        value=str(max(blog.points - 1, 0)),
        rationale="Blog reads lifted a quarter of the band without any buying work behind them.",
    )
    services.apply_proposal(
        proposal=applied, actor=revops, note="Takes effect at the nightly rescoring."
    )
    core = demo.segments["core-inbound"]
    declined = services.propose_change(
        session=session,
        actor=manager,
        kind=RuleChangeProposal.Kind.THRESHOLD,
        target=core,
        field="mql_threshold",
        value=str(core.mql_threshold - 5),
        rationale="Several agreed leads sat just under the threshold.",
    )
    services.decline_proposal(
        proposal=declined,
        actor=revops,
        note="The SDRs are at capacity this quarter; look again after the blog change.",
    )
    services.close_session(session=session, actor=manager)


# Users, segments, companies, people --------------------------------------------------------


def create_users(demo: Demo) -> None:
    User = get_user_model()
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ROLES)}
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is the slow part
    for username, first, last, role, is_staff in DEMO_USERS:
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
            email=f"{username}@leadreview.example",
            password=password,
        )
        user.groups.add(groups[role])
        demo.users[username] = user
    username, first, last = ADMIN_USER
    admin = User.objects.filter(username=username).first()
    if admin is None:
        demo.admin_created = True
        admin = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            is_staff=True,
            is_superuser=True,
            email=f"{username}@leadreview.example",
            password=password,
        )
    demo.users[username] = admin


def create_segments(demo: Demo) -> None:
    for spec in SEGMENTS:
        values = {key: value for key, value in spec.items() if key not in ("slug", "sdrs")}
        segment, _ = Segment.objects.get_or_create(slug=spec["slug"], defaults=values)
        segment.sdrs.add(*(demo.users[name] for name in spec["sdrs"]))
        demo.segments[segment.slug] = segment


def create_accounts(demo: Demo) -> None:
    """The companies, each placed against RevOps' ICP rules; the AEs own the best of them."""
    rng = demo.rng
    aes, owned = [demo.users["ae"], demo.users["ae2"]], 0
    for index, (name, domain, industry, employees, country, relationship) in enumerate(COMPANIES):
        territory, region = TERRITORIES.get(country, ("", "LATAM" if country == "BR" else "APAC"))
        per_head = REVENUE_PER_HEAD.get(industry, 160_000) * rng.uniform(0.7, 1.3)
        account = Account(
            name=name,
            domain=domain,
            industry=industry,
            employee_count=employees,
            annual_revenue=Decimal(round(employees * per_head, -5)),
            country=country,
            region=region,
            tech_stack=sorted(
                rng.sample(TECH_TAGS, rng.randint(2, 4))
                + ([CRMS[domain]] if domain in CRMS else [])
            ),
            relationship=relationship,
            territory=territory,
        )
        fit = account_fit(account, rules=demo.icp_rules, cutoffs=demo.icp_cutoffs)
        account.icp_tier, account.icp_reasons = fit.tier, fit.reasons
        if (
            relationship == "customer"
            or fit.tier == IcpTier.A
            or (fit.tier == IcpTier.B and index % 2 == 0)
        ):
            account.owner = aes[owned % 2]
            owned += 1
        created = demo.now - dt.timedelta(days=rng.randint(120, 720))
        account._change_reason = "Demo data: imported from the CRM"
        save_as_of(account, created, "created_at", "updated_at")
        demo.accounts.append(account)
        demo.members[account.pk] = []


def create_contacts(demo: Demo) -> None:
    rng = demo.rng
    names_used: set[tuple[str, str]] = set()
    for account in demo.accounts:
        for titles in SEATS_BY_TIER[account.icp_tier]:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            while (first, last) in names_used:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            names_used.add((first, last))
            local = "".join(ch for ch in f"{first}.{last}".lower() if ch.isalnum() or ch == ".")
            add_contact(demo, account, first, last, f"{local}@{account.domain}", rng.choice(titles))
    by_domain = {account.domain: account for account in demo.accounts}
    for first, last, email, title, domain in STRAY_CONTACTS:
        add_contact(demo, by_domain.get(domain), first, last, email, title)


def add_contact(demo: Demo, account, first: str, last: str, email: str, title: str) -> None:
    function, seniority = title_to_persona(title)
    kind = email_kind(email)
    country = account.country if account else ""
    basis = (
        Contact.LawfulBasis.CONTRACT
        if account and account.relationship == Account.Relationship.CUSTOMER
        else demo.rng.choice([Contact.LawfulBasis.CONSENT, Contact.LawfulBasis.LEGITIMATE_INTEREST])
    )
    contact = Contact(
        account=account,
        first_name=first,
        last_name=last,
        email=email,
        email_kind=kind,
        title=title,
        persona_function=function,
        persona_seniority=seniority,
        phone=fictional_phone(demo.rng, country),
        country=country,
        lawful_basis=basis,
        do_not_contact=kind == Contact.EmailKind.DISPOSABLE,
    )
    contact._change_reason = "Demo data: imported from the CRM"
    contact.save()
    demo.contacts.append(contact)
    if account is not None:
        demo.members[account.pk].append(contact)


def fictional_phone(rng: random.Random, country: str) -> str:
    """Numbers from the ranges set aside for drama, so no real line is ever printed."""
    if country == "GB":
        return f"+44 20 7946 0{rng.randint(0, 999):03d}"
    if country in ("US", "CA"):
        return f"+1 {rng.choice(['212', '415', '617', '416'])} 555 01{rng.randint(0, 99):02d}"
    return ""


# Planning ----------------------------------------------------------------------------------


def plan_stories(demo: Demo) -> list[Story]:
    """Give each path its contacts, segments, owners and timeline, spreading leads evenly."""
    rng = demo.rng
    load: Counter = Counter()
    pairs: set[tuple[str, str]] = set()
    stories: list[Story] = []
    for path in PATHS:
        for _ in range(path.count):
            times = timeline(demo, path)
            survivor = None
            if path.cast == "duplicate":
                survivor = rng.choice(
                    [
                        story
                        for story in stories
                        if story.final_stage in (Stage.MQL, Stage.SAL, Stage.SQL)
                        and is_fit(story.contact)
                        and story.times[0] < times[0]
                        and not any(other.survivor is story for other in stories)
                    ]
                )
                contact, segment = survivor.contact, survivor.segment
            else:
                contact, segment = pick_contact(demo, path, load, pairs)
            load[contact.email] += 1
            pairs.add((contact.email, segment.slug))
            owner = contact.account.owner if contact.account else None
            stories.append(
                Story(
                    path=path,
                    contact=contact,
                    segment=segment,
                    survivor=survivor,
                    sdr=rng.choice(segment_sdrs(demo, segment)),
                    ae=owner or rng.choice([demo.users["ae"], demo.users["ae2"]]),
                    times=times,
                )
            )
    return stories


def segment_sdrs(demo: Demo, segment: Segment) -> list:
    spec = next(spec for spec in SEGMENTS if spec["slug"] == segment.slug)
    return [demo.users[name] for name in spec["sdrs"]]


def pick_contact(demo: Demo, path: Path, load: Counter, pairs: set) -> tuple[Contact, Segment]:
    rng = demo.rng
    slugs = list(PLAYBOOKS)
    first = rng.choices(slugs, weights=[PLAYBOOKS[slug][3] for slug in slugs])[0]
    candidates = [path.segment] if path.segment else [first, *(s for s in slugs if s != first)]
    for slug in candidates:
        pool = [
            contact
            for contact in demo.contacts
            if casts(demo, contact, path.cast)
            and suits(contact, slug)
            and (contact.email, slug) not in pairs
        ]
        if pool:
            least = min(load[contact.email] for contact in pool)
            contact = rng.choice([c for c in pool if load[c.email] == least])
            return contact, demo.segments[slug]
    raise CommandError(f"No demo contact fits the “{path.name}” story.")


def is_fit(contact: Contact) -> bool:
    account = contact.account
    return (
        account is not None
        and account.icp_tier in (IcpTier.A, IcpTier.B)
        and account.relationship != Account.Relationship.COMPETITOR
        and contact.email_kind == Contact.EmailKind.WORK
        and contact.persona_function not in ("hr", "student", "")
        and contact.persona_seniority != "student"
    )


def is_junk(contact: Contact) -> bool:
    account = contact.account
    return (
        contact.email_kind in (Contact.EmailKind.DISPOSABLE, Contact.EmailKind.INVALID)
        or (account is None and contact.persona_function == "student")
        or (account is not None and account.relationship == Account.Relationship.COMPETITOR)
    )


def casts(demo: Demo, contact: Contact, cast: str) -> bool:
    """Whether the contact can play a part in a story of this kind."""
    if cast == "fit":
        return is_fit(contact)
    if cast == "buyer":
        return (
            is_fit(contact)
            and contact.persona_seniority in ("manager", "director", "vp", "c_level")
            and len(demo.members[contact.account.pk]) >= 3
        )
    if cast == "tier_c":
        return (
            contact.account is not None
            and contact.account.icp_tier == IcpTier.C
            and contact.email_kind == Contact.EmailKind.WORK
            and contact.persona_function not in ("hr", "student")
        )
    if cast == "unfit":  # the rules cannot make it an MQL whatever its score
        tier = contact.account.icp_tier if contact.account else ""
        return tier not in (IcpTier.A, IcpTier.B) and not is_junk(contact)
    if cast == "modest":  # little fit and no title to lift a score
        tier = contact.account.icp_tier if contact.account else ""
        return (
            tier != IcpTier.A
            and contact.persona_seniority not in ("c_level", "vp")
            and not is_junk(contact)
        )
    if cast == "junk":
        return is_junk(contact)
    raise ValueError(f"unknown cast {cast!r}")


def suits(contact: Contact, slug: str) -> bool:
    employees = contact.account.employee_count if contact.account else 0
    if slug == "enterprise-outbound":
        return employees >= 500 and contact.email_kind == Contact.EmailKind.WORK
    if slug == "self-serve-plg":
        return employees <= 1500
    return True


def timeline(demo: Demo, path: Path) -> list[dt.datetime]:
    """When the lead was captured and when each step happened, oldest first, all in the past."""
    rng = demo.rng
    gaps = [dt.timedelta(hours=rng.uniform(*STEP_GAP_HOURS[step])) for step in path.steps]
    if path.age_hours is None:
        ranges, weights = zip(*MQL_AGE_HOURS, strict=True)
        age_range = rng.choices(ranges, weights=weights)[0]
    else:
        age_range = path.age_hours
    age = dt.timedelta(hours=rng.uniform(*age_range))
    span = age + sum(gaps, dt.timedelta())
    horizon = dt.timedelta(days=HORIZON_DAYS)
    if span > horizon:
        scale = horizon / span
        gaps, age = [gap * scale for gap in gaps], age * scale
    moment = demo.now - age
    times = [moment]
    for gap in reversed(gaps):
        moment -= gap
        times.append(moment)
    times.reverse()
    return times


# Playing a story ---------------------------------------------------------------------------


def play(demo: Demo, story: Story) -> None:
    story.lead = capture(demo, story)
    moments = story.times
    for index, step in enumerate(story.path.steps):
        STEPS[step](demo, story, moments[index], moments[index + 1])
    after_last_step(demo, story)
    finish(demo, story)


def capture(demo: Demo, story: Story) -> Lead:
    """Create the lead at stage new with what the contact did, and score it as of that moment.

    The stage rules then act on the score unless the story's first step is theirs to take.
    """
    rng = demo.rng
    contact, segment = story.contact, story.segment
    motion, sources, _, _ = PLAYBOOKS[segment.slug]
    source = rng.choice(sources)
    if story.path.source:
        source = story.path.source
    elif story.survivor is not None and segment.slug == "core-inbound":
        source = Source.DEMO_REQUEST  # the duplicate: the same person asking again
    captured = story.times[0]
    lead = Lead(
        contact=contact,
        account=contact.account,
        segment=segment,
        source=source,
        motion=motion,
        fit_tier=contact.account.icp_tier if contact.account else "",
        form_answers=form_answers(rng, story, source),
    )
    lead._change_reason = f"Captured: {Source(source).label}"
    save_as_of(lead, captured, "created_at", "updated_at", "stage_entered_at")
    story.lead = lead

    intent = story.path.intent
    if intent == "mixed":
        intent = rng.choice(["high", "review"])
    record_signals(demo, story, intent_signals(demo, story, source, intent, captured))
    reach_intent(demo, story, intent, captured)
    first_step = story.path.steps[0] if story.path.steps else None
    if first_step in (None, "mql-review", "mql-override"):
        apply_rules(demo, story, expected="manual_review", at=captured)
    return lead


def intent_signals(demo: Demo, story: Story, source: str, intent: str, captured: dt.datetime):
    """What the contact did before (and when) the lead was captured: (kind, detail, time)."""
    rng = demo.rng
    kinds = Activity.Kind
    week_before = captured - dt.timedelta(days=7)
    two_weeks_before = captured - dt.timedelta(days=14)
    signals: list[tuple[str, str, dt.datetime]] = []

    def before(kind, detail, start=None):
        signals.append(
            (kind, detail, demo.between(start or captured - dt.timedelta(days=21), captured))
        )

    if source == Source.PRODUCT_SIGNUP:
        signals.append((kinds.PRODUCT_SIGNUP, "Free plan, signed up with Google", captured))
        if intent == "high":
            before(
                kinds.PRODUCT_ACTIVATION, "Connected the CRM and routed a first lead", week_before
            )
            for _ in range(rng.randint(1, 3)):
                before(kinds.PRODUCT_INVITE, "Invited a teammate", week_before)
            if rng.random() < 0.5:
                before(kinds.PRODUCT_LIMIT_HIT, "Hit the free plan's 5-seat limit", week_before)
    else:
        signals.append((*capture_signal(rng, source), captured))
        if intent == "high":
            before(kinds.PRICING_PAGE, "/pricing", two_weeks_before)
            for _ in range(rng.randint(3, 4)):
                before(kinds.WEB_SESSION, "Website session", week_before)
            if rng.random() < 0.5:
                before(*rng.choice(BUYING_PAGES), two_weeks_before)
    if intent == "review":
        before(kinds.WEB_SESSION, "Website session")
        before(kinds.BLOG_READ, rng.choice(BLOG_POSTS))
    elif intent == "low":
        before(kinds.BLOG_READ, rng.choice(BLOG_POSTS))
        before(kinds.EMAIL_OPEN, "Newsletter")
        if rng.random() < 0.35:
            before(kinds.CAREERS_PAGE, "/careers/account-executive")
    return signals


def record_signals(demo: Demo, story: Story, signals) -> None:
    """Save what the contact did now: the scoring reads it from the database."""
    rows = [
        Activity(
            contact=story.contact,
            lead=story.lead,
            kind=kind,
            occurred_at=at,
            detail=detail,
            session_key=session_key(demo.rng, kind),
        )
        for kind, detail, at in signals
    ]
    Activity.objects.bulk_create(rows)
    story.activities.extend(rows)


def score_as_of(story: Story, at: dt.datetime) -> int:
    score_leads([story.lead.pk], now=at)
    story.lead.refresh_from_db(
        fields=["intent_score", "intent_band", "score_explanation", "fit_tier", "scored_at"]
    )
    return story.lead.intent_score


def reach_intent(demo: Demo, story: Story, intent: str, at: dt.datetime) -> None:
    """Score the lead as of `at`; while it is under the band its story needs, the contact does
    a little more (a signal at a time), as people on their way to that band do."""
    segment = story.segment
    low, high = {
        "high": (segment.mql_threshold, 100),
        "review": (segment.nurture_floor, segment.mql_threshold - 1),
        "low": (0, segment.nurture_floor - 1),
        "any": (0, 100),
    }[intent]
    boosters = list(BOOSTERS.get(intent, ()))
    demo.rng.shuffle(boosters)
    score = score_as_of(story, at)
    while score < low and boosters:
        kind, detail = boosters.pop()
        moment = at - dt.timedelta(hours=demo.rng.uniform(0.5, 72))
        record_signals(demo, story, [(kind, detail, moment)])
        score = score_as_of(story, at)
    if not low <= score <= high:
        raise CommandError(
            f"Demo lead {story.contact.email} scored {score} in {segment.name}; its story "
            f"needs {low}–{high}. The seeded scoring rules and the demo's stories disagree."
        )


def apply_rules(demo: Demo, story: Story, *, expected: str, at: dt.datetime) -> None:
    """Let the segment's stage rules act on the score (and route an MQL), as intake does."""
    outcome = stage_rules.apply_stage_rule(story.lead)
    if outcome != expected:
        raise CommandError(
            f"The stage rules did “{outcome}” with demo lead {story.contact.email}; its story "
            f"expected “{expected}”."
        )
    backdate(demo, story, at)
    adopt_router_choice(demo, story)


def adopt_router_choice(demo: Demo, story: Story) -> None:
    """When routing gave the MQL to an SDR, that SDR is the one who works it."""
    sdrs = {demo.users[name].pk: demo.users[name] for name in ("sdr", "sdr2")}
    story.sdr = sdrs.get(story.lead.owner_id, story.sdr)


def session_key(rng: random.Random, kind: str) -> str:
    return f"{rng.getrandbits(48):012x}" if kind == Activity.Kind.WEB_SESSION else ""


def capture_signal(rng: random.Random, source: str) -> tuple[str, str]:
    """The activity that brought the lead in, by its source."""
    kinds = Activity.Kind
    return {
        Source.DEMO_REQUEST: (kinds.DEMO_REQUEST, "Demo request form"),
        Source.WEBINAR: (kinds.WEBINAR, f"Webinar: {rng.choice(WEBINARS)}"),
        Source.CONTENT: (kinds.WHITE_PAPER, rng.choice(ASSETS)),
        Source.FORM: (kinds.WEB_SESSION, "Submitted the contact form"),
        Source.EVENT: (kinds.WEB_SESSION, "Badge scanned at RevOps Forum London, stand 14"),
        Source.PARTNER: (kinds.WEB_SESSION, "Referred by Brightline Consulting"),
        Source.OUTBOUND: (kinds.EMAIL_REPLY, "Replied to step 3 of the outbound sequence"),
        Source.LIST_IMPORT: (kinds.EMAIL_CLICK, "Clicked the event follow-up email"),
    }[source]


def form_answers(rng: random.Random, story: Story, source: str) -> dict:
    account = story.contact.account
    team = str(rng.choice([4, 8, 12, 25, 40, 60, 120]))
    if source in (Source.FORM, Source.DEMO_REQUEST):
        answers = {
            "Team size": team,
            "Use case": rng.choice(USE_CASES),
            "Current tool": rng.choice(
                ["Spreadsheets", "CRM reports", "An in-house scoring script", "Nothing formal"]
            ),
        }
        if source == Source.DEMO_REQUEST:
            answers["Timeline"] = rng.choice(["This quarter", "Next quarter", "Just researching"])
        return answers
    if source == Source.WEBINAR:
        return {"Webinar": rng.choice(WEBINARS), "Team size": team}
    if source == Source.CONTENT:
        return {"Asset": rng.choice(ASSETS), "Role": story.contact.title or "Not given"}
    if source == Source.PRODUCT_SIGNUP:
        workspace = account.domain.split(".")[0] if account else story.contact.last_name.lower()
        return {"Workspace": workspace, "Plan": "Free", "Seats used": f"{rng.randint(2, 5)} of 5"}
    if source == Source.OUTBOUND:
        return {
            "Sequence": "Enterprise ops leaders — Q3",
            "Reply": rng.choice(
                [
                    "Timing is good, we are reviewing lead routing now.",
                    "Send me something short I can forward to our CRO.",
                ]
            ),
        }
    if source == Source.LIST_IMPORT:
        return {"List": "RevOps Forum London — attendee list", "Team size": team}
    if source == Source.EVENT:
        return {"Event": "RevOps Forum London", "Interest": rng.choice(USE_CASES)}
    return {"Partner": "Brightline Consulting", "Referral note": rng.choice(USE_CASES)}


# The steps: each gathers the evidence its transition asks for, then calls the engine --------


def move(demo: Demo, story: Story, to: str, actor, evidence: Evidence, at: dt.datetime):
    """Apply one transition through the engine, then move what it wrote back to `at`."""
    try:
        transition_lead(lead=story.lead, to=to, actor=actor, evidence=evidence)
    except TransitionRefused as refused:
        raise CommandError(
            f"The engine refused demo lead {story.contact.email} → {to}: {refused}"
        ) from refused
    backdate(demo, story, at)


def backdate(demo: Demo, story: Story, at: dt.datetime) -> None:
    """Move what the engine, the rules and routing just wrote back to `at`, the moment of the
    story's step. They stamp the real clock, so their rows are the ones at or after `demo.now`."""
    lead, fresh = story.lead, demo.now
    lead.refresh_from_db()
    moved = StageTransition.objects.filter(lead=lead, occurred_at__gte=fresh)
    moved.filter(from_stage_entered_at__gte=fresh).update(from_stage_entered_at=at)
    moved.update(occurred_at=at)
    history_rows(lead).filter(history_date__gte=fresh).update(history_date=at)
    timers = {}
    if lead.stage_entered_at and lead.stage_entered_at >= fresh:
        timers["stage_entered_at"] = at
        timers["sla_due_at"] = None
        if lead.stage == Stage.MQL:
            timers["sla_due_at"] = segment_sla_due(story.segment, at)
        elif lead.stage == Stage.SQL:
            timers["sla_due_at"] = at + dt.timedelta(hours=story.segment.sla_first_meeting_hours)
    if lead.first_touch_at and lead.first_touch_at >= fresh:
        story.first_touch = min(at, story.first_touch or at)
        timers["first_touch_at"] = story.first_touch
    if timers:
        Lead.objects.filter(pk=lead.pk).update(**timers)
        for name, value in timers.items():
            setattr(lead, name, value)


def route(demo: Demo, story: Story, at: dt.datetime) -> None:
    route_lead(story.lead)
    backdate(demo, story, at)
    adopt_router_choice(demo, story)


def step_mql(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    apply_rules(demo, story, expected="mql", at=at)


def step_mql_review(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    decision = demo.rng.choice(REVIEW_DECISIONS)
    move(
        demo,
        story,
        Stage.MQL,
        demo.users["marketing"],
        Evidence(manual_review_decision=decision),
        at,
    )
    route(demo, story, at)


def step_mql_override(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    override = demo.rng.choice(FIT_OVERRIDES)
    move(demo, story, Stage.MQL, demo.users["marketing"], Evidence(fit_override=override), at)
    route(demo, story, at)


def step_accept(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    sdr_touches(demo, story, before, at, outcome="Connected — agreed to a discovery call")
    first = story.contact.first_name
    move(
        demo,
        story,
        Stage.SAL,
        story.sdr,
        Evidence(
            owner=story.ae,
            icp_confirmed=True,
            next_action=demo.rng.choice(NEXT_ACTIONS).format(first=first),
            next_action_due=demo.days_ahead(1, 7),
        ),
        at,
    )
    # Accepting confirmed the account's ICP: date that history row, keep the latest confirmation.
    account = story.lead.account
    history_rows(account).filter(history_date__gte=demo.now).update(history_date=at)
    confirmed = demo.icp_confirmations.get(account.pk)
    if confirmed is None or confirmed[0] < at:
        demo.icp_confirmations[account.pk] = (at, story.sdr)


def step_reject_timing(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    sdr_touches(demo, story, before, at, outcome="Connected — interested, but not this quarter")
    recycle_on = demo.days_ahead(21, 120)
    note = demo.rng.choice(TIMING_NOTES).format(month=f"{recycle_on:%B}")
    move(
        demo,
        story,
        Stage.NURTURE,
        story.sdr,
        Evidence(
            reason_code=demo.codes["timing"],
            recycle_on=recycle_on,
            note=note,
        ),
        at,
    )


def step_reject(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    code = rejection_code(demo, story)
    if code == "unresponsive":
        sdr_touches(demo, story, before, at, outcome="No answer — left a voicemail", attempts=5)
    else:
        sdr_touches(demo, story, before, at, outcome="Connected — qualified out on the call")
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.sdr,
        Evidence(
            reason_code=demo.codes[code],
            note=demo.rng.choice(REJECTION_NOTES[code]),
        ),
        at,
    )


def step_reject_duplicate(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.sdr,
        Evidence(
            reason_code=demo.codes["duplicate"],
            duplicate_of=story.survivor.lead,
            note="Same person and product line as an open lead; kept the earlier one.",
        ),
        at,
    )


def step_sql(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    """Discovery call, then the checklist, the buying group and a note, then the promotion."""
    rng = demo.rng
    call = demo.between(before, at)
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", call)
    single_thread = (
        story.path.name == "in discovery"
        and rng.random() < 0.15
        and story.lead.account_id not in demo.seated
    )
    map_buying_group(demo, story, demo.between(call, at), full=not single_thread)
    start_discovery(demo, story, demo.between(call, at), complete=True)
    add_note(demo, story, story.ae, demo.between(call, at))
    meeting = timezone.localtime(demo.now).replace(
        hour=rng.choice([9, 10, 11, 14, 15, 16]),
        minute=rng.choice([0, 30]),
        second=0,
        microsecond=0,
    ) + dt.timedelta(days=rng.randint(1, 10))
    override = None
    if single_thread:
        override = (
            f"{story.contact.first_name} runs the team and signs up to this size; "
            "the wider group joins the demo."
        )
    evidence = Evidence(next_meeting_on=meeting, single_thread_override=override)
    move(demo, story, Stage.SQL, story.ae, evidence, at)


def step_opportunity(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    rng = demo.rng
    demo_at = demo.between(before, at)
    ae_touch(demo, story, Activity.Kind.MEETING, "Demo for the buying group", demo_at)
    map_buying_group(demo, story, demo.between(before, demo_at), full=True)
    proposal = demo.between(demo_at, at)
    ae_touch(demo, story, Activity.Kind.EMAIL_SENT, "Proposal and pricing", proposal)
    company = story.lead.account.name
    move(
        demo,
        story,
        Stage.OPPORTUNITY,
        story.ae,
        Evidence(
            amount_estimate=Decimal(rng.randrange(12, 180) * 1000),
            expected_close_date=demo.days_ahead(20, 120),
            mutual_next_step=rng.choice(MUTUAL_STEPS).format(company=company),
        ),
        at,
    )


def step_park_rule(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    apply_rules(demo, story, expected="nurture", at=at)


def step_park_owner(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", demo.between(before, at))
    code = demo.rng.choice(list(PARK_NOTES))
    recycle_on = demo.days_ahead(30, 150)
    note = demo.rng.choice(PARK_NOTES[code]).format(month=f"{recycle_on:%B}")
    move(
        demo,
        story,
        Stage.NURTURE,
        story.ae,
        Evidence(
            reason_code=demo.codes[code],
            recycle_on=recycle_on,
            note=note,
        ),
        at,
    )


def step_disqualify_import(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    """The badge-scan file said what these were; the import applies it, as intake does."""
    contact = story.contact
    if contact.email_kind == Contact.EmailKind.DISPOSABLE:
        code, note = "junk", "Marked spam in the scan file: disposable address."
    elif contact.persona_function == "student":
        code, note = "student", "Marked student in the scan file."
    else:
        code, note = "bad_fit", f"Competitor staff at our stand ({contact.account.domain})."
    evidence = Evidence(reason_code=demo.codes[code], note=note)
    move(demo, story, Stage.DISQUALIFIED, IMPORT_RULE, evidence, at)


def step_disqualify_owner(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime):
    ae_touch(demo, story, Activity.Kind.MEETING, "Discovery call", demo.between(before, at))
    code = demo.rng.choice(list(LOSS_NOTES))
    move(
        demo,
        story,
        Stage.DISQUALIFIED,
        story.ae,
        Evidence(
            reason_code=demo.codes[code],
            note=demo.rng.choice(LOSS_NOTES[code]),
        ),
        at,
    )


def step_recycle(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    """An intent spike brings a nurtured lead back before its recycle date."""
    spike = [
        (Activity.Kind.PRICING_PAGE, "/pricing", demo.between(before, at)),
        (Activity.Kind.COMPARISON_PAGE, "/compare/spreadsheets", demo.between(before, at)),
    ]
    record_signals(demo, story, spike)
    reach_intent(demo, story, "high", at)
    apply_rules(demo, story, expected="mql", at=at)


def step_reopen(demo: Demo, story: Story, before: dt.datetime, at: dt.datetime) -> None:
    move(
        demo,
        story,
        Stage.MQL,
        demo.users["manager"],
        Evidence(note=demo.rng.choice(REOPEN_NOTES)),
        at,
    )


STEPS = {
    "mql": step_mql,
    "mql-review": step_mql_review,
    "mql-override": step_mql_override,
    "accept": step_accept,
    "reject-timing": step_reject_timing,
    "reject": step_reject,
    "reject-duplicate": step_reject_duplicate,
    "sql": step_sql,
    "opportunity": step_opportunity,
    "park-rule": step_park_rule,
    "park-owner": step_park_owner,
    "disqualify-import": step_disqualify_import,
    "disqualify-owner": step_disqualify_owner,
    "recycle": step_recycle,
    "reopen": step_reopen,
}


def rejection_code(demo: Demo, story: Story) -> str:
    contact = story.contact
    if contact.persona_function in ("hr", "other") or contact.persona_seniority == "student":
        return "wrong_persona"
    if contact.account.icp_tier == IcpTier.B and demo.rng.random() < 0.3:
        return "bad_fit"
    return demo.rng.choice(
        ["no_need", "no_authority", "competitor_lock_in", "unresponsive", "no_budget", "no_need"]
    )


def after_last_step(demo: Demo, story: Story) -> None:
    """What happened since the last stage change: sales keeps working, nurture keeps sending."""
    stage, since = story.final_stage, story.times[-1]
    if stage == Stage.SAL:
        if demo.rng.random() < 0.5:
            start_discovery(demo, story, demo.between(since, demo.now), complete=False)
        ae_touch(
            demo, story, Activity.Kind.EMAIL_SENT, "Discovery agenda", demo.between(since, demo.now)
        )
    elif stage in (Stage.SQL, Stage.OPPORTUNITY):
        recap = demo.between(since, demo.now)
        ae_touch(demo, story, Activity.Kind.EMAIL_SENT, "Recap and next steps", recap)
        reply = demo.between(recap, demo.now)
        add_activity(demo, story, Activity.Kind.EMAIL_REPLY, reply, "Replied to the recap")
    elif stage == Stage.NURTURE:
        add_activity(
            demo,
            story,
            Activity.Kind.EMAIL_OPEN,
            demo.between(since, demo.now),
            "Nurture email: customer story",
        )


def finish(demo: Demo, story: Story) -> None:
    lead = story.lead
    last_activity = max((activity.occurred_at for activity in story.activities), default=None)
    Lead.objects.filter(pk=lead.pk).update(
        updated_at=max(story.times[-1], last_activity or story.times[-1]),
        last_activity_at=last_activity,
    )


# Sales work around the transitions ---------------------------------------------------------


def add_activity(
    demo: Demo, story: Story, kind: str, at: dt.datetime, detail: str = "", actor=None
) -> None:
    session = f"{demo.rng.getrandbits(48):012x}" if kind == Activity.Kind.WEB_SESSION else ""
    activity = Activity(
        contact=story.contact,
        lead=story.lead,
        kind=kind,
        occurred_at=at,
        detail=detail,
        session_key=session,
        actor=actor,
    )
    story.activities.append(activity)
    demo.activities.append(activity)


def sdr_touches(
    demo: Demo,
    story: Story,
    before: dt.datetime,
    at: dt.datetime,
    *,
    outcome: str,
    attempts: int = 1,
) -> None:
    """The SDR's attempts between the MQL and the decision at `at`, ending with a call."""
    rng = demo.rng
    touches = [demo.between(before, at) for _ in range(attempts - 1 + (rng.random() < 0.5))]
    for index, moment in enumerate(sorted(touches)):
        kind = Activity.Kind.EMAIL_SENT if index % 2 == 0 else Activity.Kind.CALL
        detail = "Intro email" if kind == Activity.Kind.EMAIL_SENT else "No answer"
        add_activity(demo, story, kind, moment, detail, actor=story.sdr)
    call = max(before, at - dt.timedelta(minutes=rng.randint(2, 20)))
    add_activity(demo, story, Activity.Kind.CALL, call, outcome, actor=story.sdr)
    first = min([call, *touches])
    story.first_touch = min(first, story.first_touch or first)


def ae_touch(demo: Demo, story: Story, kind: str, detail: str, at: dt.datetime) -> None:
    add_activity(demo, story, kind, at, detail, actor=story.ae)


def add_note(demo: Demo, story: Story, author, at: dt.datetime) -> None:
    body = demo.rng.choice(DISCOVERY_NOTES).format(first=story.contact.first_name)
    note = DiscoveryNote.objects.create(lead=story.lead, author=author, body=body)
    stamp(note, at, "created_at")


def start_discovery(demo: Demo, story: Story, at: dt.datetime, *, complete: bool) -> None:
    """The segment's framework checklist: at its SQL minimum when `complete`, else underway."""
    rng = demo.rng
    framework, items = demo.frameworks[PLAYBOOKS[story.segment.slug][2]]
    checklist = Checklist.objects.create(lead=story.lead, framework=framework)
    stamp(checklist, at, "created_at")
    names = buying_group_names(demo, story)
    month = f"{demo.days_ahead(30, 120):%B}"
    statuses = ChecklistAnswer.Status
    for item in items:
        if complete and item.required_for_sql:
            status = statuses.CONFIRMED
        elif complete:
            status = rng.choice([statuses.CONFIRMED, statuses.PARTIAL, statuses.UNKNOWN])
        else:
            status = rng.choice(
                [statuses.CONFIRMED, statuses.PARTIAL, statuses.UNKNOWN, statuses.UNKNOWN]
            )
        if status == statuses.UNKNOWN:
            answer = evidence = ""
        else:
            answer = rng.choice(ANSWERS[item.key]).format(month=month, **names)
            evidence = rng.choice(ANSWER_EVIDENCE).format(**names)
        row = ChecklistAnswer(
            checklist=checklist, item=item, status=status, answer=answer, evidence=evidence
        )
        save_as_of(row, at, "updated_at")


def buying_group_names(demo: Demo, story: Story) -> dict[str, str]:
    buyer = demo.economic_buyers.get(story.lead.account_id) or economic_buyer_for(demo, story)
    return {"champion": story.contact.full_name, "buyer": f"{buyer.full_name} ({buyer.title})"}


SENIORITY_RANK = {"c_level": 5, "vp": 4, "director": 3, "manager": 2, "individual": 1}


def economic_buyer_for(demo: Demo, story: Story) -> Contact:
    """Finance or the C-suite first, then the most senior; not the champion when it can be."""
    members = demo.members.get(story.lead.account_id) or [story.contact]
    return max(
        members,
        key=lambda contact: (
            contact.persona_function == "finance" or contact.persona_seniority == "c_level",
            SENIORITY_RANK.get(contact.persona_seniority, 0),
            contact != story.contact,
        ),
    )


def seat_for(contact: Contact) -> str | None:
    roles_ = BuyingGroupRole.Role
    title = contact.title.lower()
    if contact.persona_function == "it_engineering":
        return (
            roles_.SECURITY_LEGAL
            if "secur" in title or "ciso" in title
            else roles_.TECHNICAL_EVALUATOR
        )
    if contact.persona_function == "operations":
        return roles_.PROCUREMENT
    if contact.persona_seniority in ("vp", "director", "c_level"):
        return (
            roles_.DECISION_MAKER if contact.persona_seniority == "c_level" else roles_.INFLUENCER
        )
    if contact.persona_function in ("sales", "marketing"):
        return roles_.USER
    return None  # not everyone at a company sits on the committee


def map_buying_group(demo: Demo, story: Story, at: dt.datetime, *, full: bool) -> None:
    """Seat the champion and, when `full`, the committee around them with an economic buyer.

    A person keeps the seat they were first given; only the economic buyer may hold a second.
    """
    rng = demo.rng
    account = story.lead.account
    seated = demo.seated.setdefault(account.pk, {})
    sentiments = BuyingGroupRole.Sentiment
    if story.contact.pk not in seated:
        seat(
            demo,
            story,
            story.contact,
            BuyingGroupRole.Role.CHAMPION,
            sentiments.POSITIVE,
            "Runs the evaluation; brought us in.",
            at,
        )
    if not full:
        return
    if account.pk not in demo.economic_buyers:
        buyer = economic_buyer_for(demo, story)
        demo.economic_buyers[account.pk] = buyer
        seat(
            demo,
            story,
            buyer,
            BuyingGroupRole.Role.ECONOMIC_BUYER,
            sentiments.NEUTRAL,
            "Owns the budget; wants a business case.",
            at,
        )
    for contact in demo.members[account.pk]:
        role = seat_for(contact)
        if role is None or contact.pk in seated:
            continue
        sentiment = rng.choice(
            [sentiments.POSITIVE, sentiments.NEUTRAL, sentiments.NEUTRAL, sentiments.NEGATIVE]
        )
        note = "Prefers building it in the CRM." if sentiment == sentiments.NEGATIVE else ""
        seat(demo, story, contact, role, sentiment, note, at)


def seat(
    demo: Demo,
    story: Story,
    contact: Contact,
    role: str,
    sentiment: str,
    note: str,
    at: dt.datetime,
) -> None:
    account = story.lead.account
    demo.seated.setdefault(account.pk, {}).setdefault(contact.pk, role)
    row = BuyingGroupRole(
        account=account, contact=contact, role=role, sentiment=sentiment, notes=note
    )
    row._change_reason = "Mapped in discovery"
    row._history_user = story.ae
    save_as_of(row, at, "created_at", "updated_at")


# Settling the clocks -----------------------------------------------------------------------


def settle_accounts(demo: Demo) -> None:
    """ICP confirmed when the latest acceptance confirmed it, by the SDR who did."""
    for account in demo.accounts:
        confirmed = demo.icp_confirmations.get(account.pk)
        if confirmed is not None:
            at, sdr = confirmed
            Account.objects.filter(pk=account.pk).update(
                icp_confirmed_at=at, icp_confirmed_by=sdr, updated_at=at
            )


def settle_contacts(demo: Demo) -> None:
    """A contact appears when their first lead was captured, or with their company."""
    first_capture: dict[int, dt.datetime] = {}
    for lead_contact, created in Lead.objects.values_list("contact_id", "created_at"):
        first_capture[lead_contact] = min(created, first_capture.get(lead_contact, created))
    account_created = dict(Account.objects.values_list("pk", "created_at"))
    for contact in demo.contacts:
        offset = dt.timedelta(days=demo.rng.randint(1, 30))
        created = first_capture.get(contact.pk)
        if created is None:
            created = (
                account_created[contact.account_id] + offset
                if contact.account_id
                else demo.now - offset
            )
        stamp(contact, created, "created_at", "updated_at")
        history_rows(contact).update(history_date=created)


def save_as_of(obj, at: dt.datetime, *fields: str) -> None:
    """Save a new object as if written at `at`: its history row and its own timestamps."""
    obj._history_date = at  # simple-history dates the history row with it
    obj.save()
    stamp(obj, at, *fields)


def stamp(obj, at: dt.datetime, *fields: str) -> None:
    """Move an object's auto-set timestamps back to `at`."""
    type(obj).objects.filter(pk=obj.pk).update(**{name: at for name in fields})
    for name in fields:
        setattr(obj, name, at)


def history_rows(obj):
    # Not `obj.history`: simple-history builds a new manager class on every access.
    return historical_model(type(obj)).objects.filter(id=obj.pk)


@functools.cache
def historical_model(model):
    return model.history.model
