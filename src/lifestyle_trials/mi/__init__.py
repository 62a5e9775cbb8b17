"""Multiple imputation as rbmi does it: draws → impute → analyse → pool.

```python
draws = lt.mi.draws(trial, "homa_ir", method="condmean", resampling="jackknife")
imputed = lt.mi.impute(draws, strategy="JR", references={"diet": "control", ...})
pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="factorial"))
pooled.effects
```

Modules: :mod:`.data` (the trial as arrays), :mod:`.events` (intercurrent events),
:mod:`.model` (the imputation MMRM and its refits), :mod:`.drawing`, :mod:`.strategies`,
:mod:`.imputation`, :mod:`.analysis`, :mod:`.delta`, :mod:`.pooling`, :mod:`.tipping`, and
:mod:`.summary` (the numbers of a report's missing-data section), :mod:`.progress` (a
progress line for long loops).
"""

from .analysis import Analysis, analyse
from .delta import delta_template
from .drawing import Draws, draws
from .imputation import Imputed, impute
from .pooling import Pooled, pool
from .strategies import STRATEGIES
from .tipping import TippingPoint, tipping_point

__all__ = [
    "STRATEGIES",
    "Analysis",
    "Draws",
    "Imputed",
    "Pooled",
    "TippingPoint",
    "analyse",
    "delta_template",
    "draws",
    "impute",
    "pool",
    "tipping_point",
]
