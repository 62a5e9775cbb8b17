"""lifestyle-trials: re-analysis of randomised trials of diet, exercise and both.

The public API; see the README for a tour.
"""

from ._version import __version__
from .arms import ARMS
from .datasets.cdisc import read_adam
from .datasets.files import read_trial
from .datasets.odes_params import DropoutTruth, FactorialEffects, OutcomeTruth
from .datasets.public import list_datasets, load_dataset
from .datasets.synthetic import simulate_odes
from .derived import add_indices
from .errors import (
    ConfigError,
    ConvergenceError,
    ConvergenceWarning,
    DatasetError,
    DomainError,
    LifestyleTrialsError,
    ModelError,
    Problem,
    TrialDataError,
    TrialDataWarning,
    UnitError,
)
from .indices import homa_b, homa_ir, matsuda, quicki
from .trial import Design, Exclusion, Provenance, Trial
from .units import convert_glucose, convert_insulin

__all__ = [
    "ARMS",
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
    "ModelError",
    "OutcomeTruth",
    "Problem",
    "Provenance",
    "Trial",
    "TrialDataError",
    "TrialDataWarning",
    "UnitError",
    "__version__",
    "add_indices",
    "convert_glucose",
    "convert_insulin",
    "homa_b",
    "homa_ir",
    "list_datasets",
    "load_dataset",
    "matsuda",
    "quicki",
    "read_adam",
    "read_trial",
    "simulate_odes",
]
