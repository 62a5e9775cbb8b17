"""Validation of a long trial table: every problem found, named by column and row.

:func:`validate_long` is the strict core behind :func:`lifestyle_trials.read_trial` and the
other loaders: it collects every hard problem, raises one
:class:`~lifestyle_trials.errors.TrialDataError` listing them, and warns (with a hint) about
values that are valid but look wrong. The modules, one concept each:

- :mod:`.core`: :func:`validate_long` and :class:`ValidTable`, the order of the checks;
- :mod:`.rows`: row labels users can find in their source (file lines, sheet rows, index);
- :mod:`.factors`: 0/1 diet and exercise factors, arm labels and their codes;
- :mod:`.keys`: subject ids and visits, the key of each row;
- :mod:`.groups`: rows grouped by subject, in subject × visit order, computed once;
- :mod:`.design`: required columns, fixed assignment, duplicates, the baseline visit;
- :mod:`.numeric`: numbers from text, infinite and non-positive values, units, plausibility;
- :mod:`.roles`: outcomes and covariates, and covariates constant within subject.
"""

from __future__ import annotations

from .core import ValidTable, column_names, number_argument, validate_long
from .factors import FACTOR_TOKENS, ArmValue, arm_codes, arm_target
from .numeric import POSITIVE_COLUMNS
from .roles import KNOWN_COVARIATES
from .rows import RowLabeller, index_rows, numbered_rows

__all__ = [
    "FACTOR_TOKENS",
    "KNOWN_COVARIATES",
    "POSITIVE_COLUMNS",
    "ArmValue",
    "RowLabeller",
    "ValidTable",
    "arm_codes",
    "column_names",
    "arm_target",
    "index_rows",
    "number_argument",
    "numbered_rows",
    "validate_long",
]
