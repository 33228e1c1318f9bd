"""The tables of the one `qualification` app label, split by concern and re-exported here."""

from qualification.models.activities import (  # noqa: F401
    ACTIVITY_EPOCH,
    ACTIVITY_LEEWAY,
    SALES_TOUCHES,
    Activity,
    activity_time_problem,
    validate_activity_time,
)
from qualification.models.discovery import (  # noqa: F401
    Checklist,
    ChecklistAnswer,
    DiscoveryNote,
    Framework,
    FrameworkItem,
)
from qualification.models.duplicates import (  # noqa: F401
    DetectionRun,
    DuplicateCandidate,
    DuplicateCandidateQuerySet,
    DuplicateMerge,
)
from qualification.models.enrichment import (  # noqa: F401
    EnrichmentRun,
    EnrichmentSettings,
    FirmographicRecord,
    WritePolicy,
)
from qualification.models.history import (  # noqa: F401
    REJECTIONS,
    SlaBreachNotice,
    StageTransition,
    TransitionName,
)
from qualification.models.intake import (  # noqa: F401
    ImportJob,
    ImportJobQuerySet,
    ImportRow,
    IntakeRequest,
    IntakeSource,
    default_intake_kinds,
    validate_activity_kinds,
)
from qualification.models.leads import (  # noqa: F401
    OPEN_STAGES,
    OWNED_STAGES,
    IntentBand,
    Lead,
    LeadQuerySet,
    Motion,
    ReasonCode,
    Segment,
    Source,
    Stage,
)
from qualification.models.matching import (  # noqa: F401
    AccountMatch,
    AccountMatchCandidate,
    MatchSettings,
    TieBreaker,
)
from qualification.models.rules import IcpRule, IcpSettings, ScoringRule  # noqa: F401
