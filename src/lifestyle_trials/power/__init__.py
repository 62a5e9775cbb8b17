"""Power and sample size by simulation, vectorised on one machine and the same on Dask.

- :func:`~.run.power`: power of every effect of a design (modules :mod:`.design`,
  :mod:`.replicate`, :mod:`.odes_draw`, :mod:`.odes_chunk`, :mod:`.simulation`, :mod:`.ancova_fits`,
  :mod:`.mmrm_fits`, :mod:`.tally`, :mod:`.schedulers`);
- :func:`~.sample_size.sample_size`: the arm size that reaches a target power;
- :func:`~.closed_form.power_ancova`: the closed form for the 2 × 2 ANCOVA.
"""

import sys
import types
from typing import Any

from .closed_form import power_ancova
from .run import PowerResult, power
from .sample_size import SampleSizeResult, sample_size

__all__ = ["PowerResult", "SampleSizeResult", "power", "power_ancova", "sample_size"]


class _Module(types.ModuleType):
    """This subpackage, callable as :func:`power`: ``lifestyle_trials.power`` names both,
    and a tool that re-imports the subpackage (and so rebinds the package attribute to the
    module) must not turn ``lt.power(...)`` into an error."""

    def __call__(self, *args: Any, **kwargs: Any) -> PowerResult:
        return power(*args, **kwargs)


sys.modules[__name__].__class__ = _Module
