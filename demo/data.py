"""What the demo is made of: people, companies, segments, the paths leads take, and
what reps write. Plain data; the builder turns it into rows through the app."""

from __future__ import annotations

from dataclasses import dataclass

from accounts import roles
from accounts.models import IcpTier
from qualification.lifecycle.evidence import Automation
from qualification.models import (
    Activity,
    Motion,
    Source,
    Stage,
)

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
IMPORT_RULE = Automation("import:revops-forum-scans")

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
