"""What the large benchmark dataset is made of: its sizes, its people, its segments and the
words its rows are built from. benchmarks/seed_large.py writes it; other benchmarks read the
names they log in with."""

MARKER = "bench-seed"  # every seeded lead's external_source
PASSWORD = "leadreview-demo"
ACCOUNTS = 30_000
CONTACTS_PER_ACCOUNT = 5  # 150,000 contacts
LEADS = 100_000  # lead n belongs to contact n
ACTIVITIES = 1_000_000

# Users: one per role, plus the SDR team the queue benchmark logs in as.
SDR_TEAM = 20
ROLE_USERS = (
    ("bench-sdr", "Priya", "Shah", "SDR"),
    ("bench-ae", "Maya", "Okafor", "AE"),
    ("bench-manager", "Sofia", "Lindqvist", "Manager"),
    ("bench-revops", "Jonas", "Weber", "RevOps"),
    ("bench-marketing", "Chloe", "Martin", "Marketing"),
)
EXTRA_AES = 4
BENCH_SDR = "bench-sdr"

# (slug, name, territories, motion, share of leads)
SEGMENTS = (
    ("bench-core", "Core platform — inbound", ["UK & Ireland", "Benelux", "Nordics"], 0.40),
    ("bench-enterprise", "Enterprise — inbound", ["North America", "DACH"], 0.20),
    ("bench-outbound", "Outbound", ["France", "Southern Europe", "DACH"], 0.20),
    ("bench-self-serve", "Self-serve — product-led", ["UK & Ireland", "North America"], 0.20),
)
TERRITORIES = [
    ("UK & Ireland", "GB"),
    ("Benelux", "NL"),
    ("Nordics", "SE"),
    ("North America", "US"),
    ("DACH", "DE"),
    ("France", "FR"),
    ("Southern Europe", "ES"),
]
# Stage shares, cumulative in this order.
STAGES = (
    ("new", 0.10),
    ("mql", 0.08),
    ("sal", 0.10),
    ("sql", 0.06),
    ("opportunity", 0.04),
    ("nurture", 0.32),
    ("disqualified", 0.30),
)

PREFIXES = """Northwind Contoso Larkspur Willowmere Granitepeak Ashgrove Tessellate Bluefin
Copperleaf
Driftwood Evergreen Foxglove Goldcrest Harborview Ironbark Juniper Kestrel Lumen
Meridian Nimbus Oakridge Pinecrest Quarry Redwood Silverline Tidewater Umber Vantage
Westbrook Yarrow Zephyr Alder Brightwater Cedar Dunmore Elmstead Fairhaven Glenmore
Halcyon Inverness""".split()  # noqa: SIM905
SUFFIXES = """Logistics Labs Capital Care Manufacturing Systems Analytics Health Retail Energy
Software Partners Foods Media Robotics Insurance Learning Mobility Security Finance""".split()  # noqa: SIM905
INDUSTRIES = """Software;Financial services;Healthcare;Manufacturing;Retail;Logistics;Education;
Media;Energy;Professional services""".replace("\n", "").split(";")
FIRST_NAMES = """Olivia James Amara Noah Sophie Ethan Isla Mateo Hannah Lucas Freya Arjun Grace
Felix
Zara Oscar Leila Samuel Ingrid Tobias Nadia Rafael Emma Kwame Julia Henrik Mei Patrick
Anika Diego Ruth Omar Clara Yasmin George Elena Malik Astrid Connor Ravi""".split()  # noqa: SIM905
LAST_NAMES = """Patel Nakamura Okonkwo Fischer Jensen Moreau Kowalski Haddad Lindberg Rossi Schmidt
Mensah Carter Silva Novak Brennan Kaur Andersson Dubois Murphy Yamamoto Hughes Costa
Bauer Adeyemi Walsh Ortega Nielsen Fraser Iyer Keller Byrne Santos Holm Ahmed Vogel
Quinn Laurent Reid Chen""".split()  # noqa: SIM905
# (title, persona function, persona seniority)
TITLES = (
    ("VP of Revenue Operations", "sales", "vp"),
    ("Head of Sales Operations", "sales", "vp"),
    ("Director of Sales Development", "sales", "director"),
    ("Marketing Director", "marketing", "director"),
    ("Head of Growth", "marketing", "vp"),
    ("Revenue Operations Manager", "sales", "manager"),
    ("CFO", "finance", "c_level"),
    ("Chief Revenue Officer", "sales", "c_level"),
    ("IT Director", "it_engineering", "director"),
    ("Solutions Architect", "it_engineering", "individual"),
    ("Procurement Manager", "operations", "manager"),
    ("Marketing Coordinator", "marketing", "individual"),
    ("Account Executive", "sales", "individual"),
    ("CTO", "it_engineering", "c_level"),
    ("Customer Success Manager", "other", "manager"),
    ("HR Coordinator", "hr", "individual"),
)
SIGNALS = """pricing page ×2;demo request;security page;ROI calculator;comparison page;
3 sessions in 7 days;webinar;white paper;implementation guide;email reply;blog read ×3;
careers page (−15)""".replace("\n", "").split(";")
USAGE = """product activated;teammate invited;plan limit hit;5 sessions in 7 days;
API key created""".replace("\n", "").split(";")
USE_CASES = """Route inbound leads to the right SDR;Stop re-qualifying leads after handoff;
Score intent from product usage;Replace an in-house scoring script;One view of the buying group
""".replace("\n", "").split(";")
TIMELINES = ["This quarter", "Next quarter", "This year", "Just researching"]
NEXT_ACTIONS = """Book discovery call;Send pricing and book a call;Intro to AE;
Follow up on the demo;
Share the security pack;Call the champion""".replace("\n", "").split(";")
ACTIVITY_KINDS = """pricing_page;security_page;roi_page;comparison_page;demo_request;webinar;
content_download;white_paper;email_open;email_click;email_reply;blog_read;web_session;web_session;
web_session;email_open;careers_page;product_signup;product_activation;product_invite""".replace(
    "\n", ""
).split(";")
