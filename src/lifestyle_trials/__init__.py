"""lifestyle-trials: re-analysis of randomised trials of diet, exercise and both.

The public API; see the README for a tour.
"""

from . import mi
from ._version import __version__
from .arms import ARMS
from .datasets.cdisc import read_adam
from .datasets.files import read_trial
from .datasets.odes_params import DropoutTruth, FactorialEffects, OutcomeTruth
from .datasets.public import list_datasets, load_dataset
from .datasets.published import (
    published_arm_sizes,
    published_sources,
    published_summaries,
    published_tests,
)
from .datasets.synthetic import simulate_odes
from .derived import add_indices
from .errors import (
    ConfigError,
    ConvergenceError,
    ConvergenceWarning,
    DatasetError,
    DomainError,
    LifestyleTrialsError,
    MIError,
    ModelError,
    Problem,
    SchedulerError,
    TrialDataError,
    TrialDataWarning,
    UnitError,
)
from .indices import homa_b, homa_ir, matsuda, quicki
from .models.ancova import AncovaFit, ancova
from .models.ancova_batch import AncovaBatch, ancova_batch
from .models.anova import MixedAnovaResult, mixed_anova
from .models.lmm import LMMResult, lmm
from .models.marginal import Contrasts, MarginalMeans, contrast, linear_contrasts, marginal_means
from .models.mmrm import MMRMResult, mmrm
from .models.summary import published_vs_recomputed, summary_effects
from .simulation import PowerResult, SampleSizeResult, power, power_ancova, sample_size
from .trial import Design, Exclusion, Provenance, Trial
from .units import convert_glucose, convert_insulin

__all__ = [
    "ARMS",
    "AncovaBatch",
    "AncovaFit",
    "Contrasts",
    "MarginalMeans",
    "ConfigError",
    "ConvergenceError",
    "ConvergenceWarning",
    "DatasetError",
    "Design",
    "DomainError",
    "DropoutTruth",
    "Exclusion",
    "FactorialEffects",
    "LifestyleTrialsError",
    "LMMResult",
    "MIError",
    "MMRMResult",
    "MixedAnovaResult",
    "ModelError",
    "OutcomeTruth",
    "PowerResult",
    "Problem",
    "SampleSizeResult",
    "SchedulerError",
    "Provenance",
    "Trial",
    "TrialDataError",
    "TrialDataWarning",
    "UnitError",
    "__version__",
    "ancova",
    "ancova_batch",
    "contrast",
    "linear_contrasts",
    "marginal_means",
    "power",
    "power_ancova",
    "published_arm_sizes",
    "published_sources",
    "published_summaries",
    "published_tests",
    "published_vs_recomputed",
    "summary_effects",
    "add_indices",
    "convert_glucose",
    "convert_insulin",
    "homa_b",
    "homa_ir",
    "list_datasets",
    "lmm",
    "mi",
    "load_dataset",
    "matsuda",
    "mixed_anova",
    "mmrm",
    "quicki",
    "read_adam",
    "read_trial",
    "sample_size",
    "simulate_odes",
]
