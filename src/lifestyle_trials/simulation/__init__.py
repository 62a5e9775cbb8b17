"""Power and sample size by simulation, vectorised on one machine and the same on Dask.

- :func:`~.run.power` (``lt.power``): power of every effect of a design (modules
  :mod:`.design`, :mod:`.replicate`, :mod:`.odes_draw`, :mod:`.odes_chunk`, :mod:`.chunk`,
  :mod:`.ancova_fits`, :mod:`.mmrm_fits`, :mod:`.tally`, :mod:`.schedulers`);
- :func:`~.sample_size.sample_size` (``lt.sample_size``): the arm size that reaches a target
  power;
- :func:`~.closed_form.power_ancova` (``lt.power_ancova``): the closed form for the 2 × 2
  ANCOVA.
"""

from .closed_form import power_ancova
from .run import PowerResult, power
from .sample_size import SampleSizeResult, sample_size

__all__ = ["PowerResult", "SampleSizeResult", "power", "power_ancova", "sample_size"]
