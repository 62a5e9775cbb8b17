"""The ``[missing_data]`` table of an analysis.toml: how the report's missing-data section
imputes.

```toml
[missing_data]
method = "condmean"            # or "approxbayes", "bmlmi"
resampling = "jackknife"       # condmean only: or "bootstrap"
strategies = ["MAR", "JR", "CR"]
references = { diet = "control", exercise = "control", "diet+exercise" = "control" }
deltas = [0.0, 0.05, 0.1]      # tipping-point grid on the analysis scale (default: automatic)
n_samples = 100                # bootstrap samples / imputations (not for the jackknife)
seed = 1                       # default: the analysis' seed
```
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError
from .drawing import METHODS, RESAMPLING
from .strategies import STRATEGIES

__all__ = ["MISettings", "read_mi_settings"]

_KEYS = ("method", "resampling", "strategies", "references", "deltas", "n_samples", "seed")


@dataclass(frozen=True)
class MISettings:
    """Settings of the missing-data section (see the module docstring).

    Attributes
    ----------
    method, resampling : str
    strategies : tuple of str
        The strategies shown beside the primary analysis (MAR is always computed: the
        tipping point starts from it).
    references : mapping
        Arm → reference arm; empty means every arm referenced to control.
    deltas : tuple of float or None
    n_samples : int or None
    seed : int or None
    """

    method: str = "condmean"
    resampling: str = "jackknife"
    strategies: tuple[str, ...] = ("MAR", "JR", "CR")
    references: Mapping[str, str] = field(default_factory=dict)
    deltas: tuple[float, ...] | None = None
    n_samples: int | None = None
    seed: int | None = None


def read_mi_settings(table: Mapping[str, Any], file: str) -> MISettings:
    """Check ``[missing_data]`` of ``file``.

    Raises
    ------
    ConfigError
        An unknown key, method, resampling or strategy; references that are not a table of
        arm names; deltas that are not finite numbers; ``n_samples`` < 2; a seed that is not
        an integer.

    Examples
    --------
    >>> read_mi_settings({"strategies": ["MAR", "CIR"], "n_samples": 50}, "a.toml").strategies
    ('MAR', 'CIR')
    """

    def error(key: str, message: str) -> ConfigError:
        return ConfigError(f"{file}: missing_data.{key}: {message}")

    if not isinstance(table, Mapping):
        raise ConfigError(f"{file}: missing_data must be a table ([missing_data])")
    for key in table:
        if key not in _KEYS:
            raise ConfigError(
                f"{file}: unknown key 'missing_data.{key}'; the keys are {', '.join(_KEYS)}"
            )
    default = MISettings()
    method = table.get("method", default.method)
    if method not in METHODS:
        raise error("method", f"{method!r} is not one of {', '.join(METHODS)}")
    resampling = table.get("resampling", default.resampling)
    if resampling not in RESAMPLING:
        raise error("resampling", f"{resampling!r} is not one of {', '.join(RESAMPLING)}")
    strategies = table.get("strategies", default.strategies)
    if isinstance(strategies, str) or not all(s in STRATEGIES for s in strategies):
        raise error("strategies", f"must be a list of {', '.join(STRATEGIES)}")
    references = table.get("references", {})
    if not isinstance(references, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in references.items()
    ):
        raise error("references", 'must map arms to reference arms, e.g. { diet = "control" }')
    deltas = table.get("deltas")
    if deltas is not None:
        if isinstance(deltas, str) or not all(
            isinstance(d, (int, float)) and not isinstance(d, bool) and math.isfinite(d)
            for d in deltas
        ):
            raise error("deltas", "must be a list of finite numbers (the analysis scale)")
        deltas = tuple(float(d) for d in deltas)
    n_samples = table.get("n_samples")
    if n_samples is not None and (
        not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 2
    ):
        raise error("n_samples", f"must be an integer of at least 2, not {n_samples!r}")
    seed = table.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise error("seed", f"must be an integer, not {seed!r}")
    return MISettings(
        method=method,
        resampling=resampling,
        strategies=tuple(dict.fromkeys(strategies)),
        references=dict(references),
        deltas=deltas,
        n_samples=n_samples,
        seed=seed,
    )
