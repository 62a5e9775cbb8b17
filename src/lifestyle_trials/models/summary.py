"""Effects from published per-arm summaries, and a check of published P values.

:func:`summary_effects` recomputes the factorial effects and arm contrasts of a 2 × 2 trial
from what papers print per arm — n, mean (usually the mean change) and SD or SE — with
Welch–Satterthwaite degrees of freedom. :func:`published_vs_recomputed` applies it to the
published tables shipped with the package (:mod:`lifestyle_trials.datasets.published`) and
says, for each published P value, whether the printed summaries reproduce it, and under which
reading of them.

Formulas. An effect is a linear combination ``L = sum_a c_a m_a`` of arm means with variance
``V = sum_a c_a^2 s_a^2 / n_a`` (``s_a`` the SD; ``s_a^2 / n_a`` is the squared SE);
``t = L / sqrt(V)``; df by Welch–Satterthwaite, ``V^2 / sum_a (c_a^2 s_a^2 / n_a)^2 / (n_a - 1)``
(Welch 1947; Satterthwaite 1946), which for two arms is Welch's unequal-variance t test. The
factorial effects weight the arms equally: ``diet = (D + DE)/2 - (C + E)/2``, ``exercise =
(E + DE)/2 - (C + D)/2``, ``diet:exercise = (DE - E) - (D - C)``. When ``n`` is not known
but the SE is, the test is a z test (``df = inf``).

What the published summaries reproduce (the package's tables; ``published_vs_recomputed``):

- ODES, fasting insulin, diet + exercise vs control, ``P = 0.003`` (Anderssen 1996): with the
  printed ± read as SEs (their size implies SDs of change of 36-41 pmol/L, so SDs are not
  plausible), Welch's test gives a difference of -26.5 pmol/L (SE 7.78) and an unadjusted
  P of 0.0010 (randomised n, df 86) or 0.0011 (completers, df 74), which does not print as
  0.003; three times it, 0.0030-0.0032, does. The published P matches a Bonferroni adjustment
  for the three comparisons with control, which the abstract does not mention.
- ODES, insulin after the glucose load, diet (``P = 0.02``) and exercise (``P = 0.03``): read
  as changes net of control ± SE, the ratios 1.65 and 1.54 give P = 0.10 and 0.12, and no
  adjustment lowers a P; the SEs would have to be at most 35 and 43 pmol/L. These P values
  cannot be reproduced from the abstract: they did not come from these SEs, and the abstract
  does not say how they were computed. For diet + exercise (``P = 0.0004``) PubMed prints
  ± 46.1 and the publisher's abstract ± 45.1: with 46.1 no reading gives 0.0004 (three times
  the t-test P is 0.0005, of the z test 0.0003); with 45.1, three times the t-test P is
  0.00037-0.00044, consistent with a Bonferroni adjustment again.
- ODES, fasting glucose: diet ``P = 0.006`` is consistent with an unadjusted test once the
  rounding of -0.21 ± 0.07 is allowed for (0.0013-0.0075); diet + exercise ``P = 0.005``
  only with the Bonferroni factor (unadjusted 0.0004-0.0035).
- Villareal 2011, weight change: diet vs control, exercise vs control (recomputed 0.68,
  published 0.71, within rounding) and diet + exercise vs exercise are reproduced by Welch
  tests of the Table 2 changes; diet + exercise vs diet is not (Welch P = 0.39, published
  0.67): the paper's comparisons come from its own model, not from two-sample tests of
  change scores.
- NEW (Mason 2011) prints no SD or SE of the percent changes: its P values cannot be
  recomputed. Kitzman 2016 and Bouchonville 2014 print effects with CIs (the P each CI implies
  is given) and an interaction P without the per-arm data needed to recompute it.

References
----------
Welch BL. The generalization of "Student's" problem when several different population
variances are involved. Biometrika 1947;34:28-35. doi:10.1093/biomet/34.1-2.28
Satterthwaite FE. An approximate distribution of estimates of variance components. Biometrics
Bulletin 1946;2:110-4. doi:10.2307/3002019
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..arms import ARMS
from ..datasets.published import (
    published_arm_sizes,
    published_summaries,
    published_tests,
)
from ..errors import ModelError
from .results import effects_table

__all__ = ["CONTRAST_FAMILIES", "published_vs_recomputed", "summary_effects"]

CONTRAST_FAMILIES: tuple[str, ...] = ("factorial", "arms", "pairwise")
"""Families of effects :func:`summary_effects` computes."""

_FACTORIAL = {
    "diet": (-0.5, 0.5, -0.5, 0.5),
    "exercise": (-0.5, -0.5, 0.5, 0.5),
    "diet:exercise": (1.0, -1.0, -1.0, 1.0),
}


def _contrast_rows(families: Sequence[str], present: np.ndarray) -> dict[str, np.ndarray]:
    """Coefficient rows over the four arms (canonical order) that use present arms only."""
    rows: dict[str, np.ndarray] = {}
    for family in families:
        if family == "factorial":
            if present.all():
                rows.update({k: np.asarray(v) for k, v in _FACTORIAL.items()})
        elif family in ("arms", "pairwise"):
            pairs = (
                [(0, j) for j in range(1, 4)]
                if family == "arms"
                else list(itertools.combinations(range(4), 2))
            )
            for i, j in pairs:
                if present[i] and present[j]:
                    c = np.zeros(4)
                    c[j], c[i] = 1.0, -1.0
                    rows.setdefault(f"{ARMS[j]} vs {ARMS[i]}", c)
        else:
            raise ModelError(
                f"unknown contrasts {family!r}; use any of {', '.join(CONTRAST_FAMILIES)}"
            )
    return rows


def _welch(c: np.ndarray, mean: np.ndarray, var: np.ndarray, n: np.ndarray):
    """Estimate, SE and Welch–Satterthwaite df of ``c · mean`` (vectorised over rows of c).

    ``var`` is the squared SE of each arm mean; arms with ``c == 0`` do not enter.
    """
    used = c != 0
    cm = np.where(used, c * np.nan_to_num(mean), 0.0)
    terms = np.where(used, c**2 * np.nan_to_num(var), 0.0)
    total = terms.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        denom = np.where(used, terms**2 / (np.nan_to_num(n, nan=np.inf) - 1.0), 0.0).sum(axis=-1)
        df = np.where(denom > 0, total**2 / denom, np.inf)
    return cm.sum(axis=-1), np.sqrt(total), df


def summary_effects(
    table: pd.DataFrame,
    *,
    by: str | Iterable[str] = (),
    spread: str | None = None,
    contrasts: str | Sequence[str] = ("factorial", "arms"),
    n: Mapping[str, float] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Factorial effects and arm contrasts from per-arm summary statistics (Welch t tests).

    Parameters
    ----------
    table : DataFrame
        One row per arm (and per ``by`` group): ``arm`` (control, diet, exercise,
        diet+exercise), ``mean``, ``n``, and the spread as a column ``sd`` or ``se``, or as
        ``spread`` read according to ``spread`` (or to a ``spread_type`` column of ``SD``/``SE``).
    by : str or iterable of str
        Columns that identify separate analyses (e.g. ``("trial", "outcome")``).
    spread : {"sd", "se"}, optional
        How to read the ``spread`` column (needed when the table does not say).
    contrasts : {"factorial", "arms", "pairwise"} or a sequence of them
        ``factorial``: ``diet``, ``exercise`` (equal weights over the other factor) and
        ``diet:exercise``, when all four arms are present; ``arms``: each arm vs control;
        ``pairwise``: every later arm vs every earlier one (``"diet+exercise vs diet"``).
        Effects whose arms are missing are left out.
    n : mapping of arm to size, optional
        Arm sizes to use instead of (or when there is no) ``n`` column.
    level : float, default 0.95

    Returns
    -------
    DataFrame
        The ``by`` columns, then ``term, estimate, std_error, df, statistic, p_value,
        conf_low, conf_high`` and ``method`` (``"Welch"``, or ``"z (n unknown)"`` when the
        SEs are given without arm sizes).

    Raises
    ------
    ModelError
        A missing column, an unknown arm, an arm listed twice, an SD without n, n below 2,
        a spread that is not positive.

    Examples
    --------
    Weight change at one year in Villareal et al. (N Engl J Med 2011; Table 2, mean ± SD):

    >>> import pandas as pd
    >>> t = pd.DataFrame({"arm": ["control", "diet", "exercise", "diet+exercise"],
    ...                   "n": [27, 26, 26, 28], "mean": [-0.1, -9.7, -0.5, -8.6],
    ...                   "sd": [3.5, 5.4, 3.6, 3.8]})
    >>> out = summary_effects(t)
    >>> print(out.drop(columns="method").round(3).to_string(index=False))
                        term  estimate  std_error     df  statistic  p_value  conf_low  conf_high
                        diet     -8.85      0.805 85.940    -10.999    0.000   -10.449     -7.251
                    exercise      0.35      0.805 85.940      0.435    0.665    -1.249      1.949
               diet:exercise      1.50      1.609 85.940      0.932    0.354    -1.699      4.699
             diet vs control     -9.60      1.255 42.613     -7.649    0.000   -12.132     -7.068
         exercise vs control     -0.40      0.976 50.775     -0.410    0.684    -2.359      1.559
    diet+exercise vs control     -8.50      0.985 52.892     -8.633    0.000   -10.475     -6.525
    """
    by_cols = (by,) if isinstance(by, str) else tuple(by)
    families = (contrasts,) if isinstance(contrasts, str) else tuple(contrasts)
    frame = _per_arm(table, by_cols, spread, n)
    parts = []
    groups = frame.groupby(list(by_cols), sort=False) if by_cols else [((), frame)]
    for key, group in groups:
        by_values = key if isinstance(key, tuple) else (key,)
        where = ", ".join(f"{c}={v}" for c, v in zip(by_cols, by_values, strict=True))
        dup = group["arm"][group["arm"].duplicated()].tolist()
        if dup:
            raise ModelError(f"arm(s) {', '.join(dup)} listed more than once{_at(where)}")
        aligned = group.set_index("arm").reindex(list(ARMS))
        mean = aligned["mean"].to_numpy(dtype=float)
        var = aligned["var"].to_numpy(dtype=float)
        size = aligned["n"].to_numpy(dtype=float)
        present = np.isfinite(mean) & np.isfinite(var)
        rows = _contrast_rows(families, present)
        if not rows:
            continue
        coefs = np.array(list(rows.values()))
        est, se, df = _welch(coefs, mean, var, size)
        extra = {c: [v] * len(rows) for c, v in zip(by_cols, by_values, strict=True)}
        part = effects_table(list(rows), est, se, df, level=level, extra=extra)
        part["method"] = np.where(np.isinf(df), "z (n unknown)", "Welch")
        parts.append(part)
    columns = [*by_cols, "term", "estimate", "std_error", "df", "statistic", "p_value"]
    columns += ["conf_low", "conf_high", "method"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _at(where: str) -> str:
    return f" (in {where})" if where else ""


def _per_arm(
    table: pd.DataFrame,
    by_cols: tuple[str, ...],
    spread: str | None,
    n: Mapping[str, float] | None,
) -> pd.DataFrame:
    """arm, mean, n and the squared SE of each arm mean, validated."""
    missing = [c for c in ("arm", "mean", *by_cols) if c not in table.columns]
    if missing:
        raise ModelError(f"the summary table lacks column(s) {', '.join(missing)}")
    unknown = sorted(set(table["arm"].astype(str)) - set(ARMS))
    if unknown:
        raise ModelError(f"unknown arm(s) {', '.join(unknown)}; arms are {', '.join(ARMS)}")
    out = table[[*by_cols, "arm"]].copy()
    out["arm"] = out["arm"].astype(str)
    out["mean"] = pd.to_numeric(table["mean"]).astype(float)
    if n is not None:
        out["n"] = out["arm"].map(dict(n)).astype(float)
    elif "n" in table.columns:
        out["n"] = pd.to_numeric(table["n"]).astype(float)
    else:
        out["n"] = np.nan
    values, kind = _spread(table, spread)
    if np.any(values[np.isfinite(values)] <= 0):
        raise ModelError("SDs and SEs must be positive")
    size = out["n"].to_numpy(dtype=float)
    if np.any(np.isfinite(size) & (size < 2)):
        raise ModelError("every arm needs n of at least 2 (Welch df use n - 1)")
    if kind == "sd":
        lacking = np.isfinite(values) & ~np.isfinite(size)
        if lacking.any():
            arms = ", ".join(out.loc[lacking, "arm"].tolist())
            raise ModelError(f"an SD needs the arm size n to give an SE; no n for {arms}")
        out["var"] = values**2 / size
    else:
        out["var"] = values**2
    return out


def _spread(table: pd.DataFrame, spread: str | None) -> tuple[np.ndarray, str]:
    if spread is not None and spread not in ("sd", "se"):
        raise ModelError(f"spread must be 'sd' or 'se', got {spread!r}")
    for col in ("sd", "se"):
        if col in table.columns and (spread is None or spread == col):
            return pd.to_numeric(table[col]).to_numpy(dtype=float), col
    if "spread" in table.columns:
        if spread is None and "spread_type" in table.columns:
            kinds = set(table["spread_type"].astype(str).str.lower()) - {"", "nan"}
            if len(kinds) == 1 and kinds <= {"sd", "se"}:
                spread = kinds.pop()
        if spread is None:
            raise ModelError(
                "the table does not say whether its spread is an SD or an SE; "
                "pass spread='sd' or spread='se'"
            )
        return pd.to_numeric(table["spread"]).to_numpy(dtype=float), spread
    raise ModelError("the summary table needs a column 'sd', 'se' or 'spread'")


# -- published P values -----------------------------------------------------------------------

_ADJUSTMENTS = {"none": 1, "Bonferroni x3": 3, "Bonferroni x6": 6}
"""Readings of a published P: unadjusted, Bonferroni over the three arm-vs-control
comparisons, Bonferroni over all six pairwise comparisons."""


def _printed_interval(p: float, relation: str, decimals: float) -> tuple[float, float]:
    """The P values that print as the published one."""
    if relation == "<":
        return 0.0, p
    half = 0.5 * 10.0 ** (-decimals)
    return max(p - half, 0.0), p + half


def _two_arm_rows(
    summaries: pd.DataFrame, comparison: str, sizes: pd.DataFrame, trial: str
) -> list[dict]:
    """Recomputed P of an ``A vs B`` comparison of per-arm summaries under each reading."""
    first, second = (s.strip() for s in comparison.split(" vs "))
    rows = summaries.set_index("arm")
    if first not in rows.index or second not in rows.index:
        return [{"status": "not recomputable: the arm summaries are not published"}]
    a, b = rows.loc[first], rows.loc[second]
    if not (np.isfinite(a["spread"]) and np.isfinite(b["spread"])):
        return [{"status": "not recomputable: no SD or SE published"}]
    kinds = {"SD": ["SD"], "SE": ["SE"]}.get(str(a["spread_type"]), ["SE", "SD"])
    bases: list[tuple[str, float, float]] = []
    if np.isfinite(a["n"]) and np.isfinite(b["n"]):
        bases.append(("n as published", float(a["n"]), float(b["n"])))
    else:
        for _, row in sizes.loc[sizes["trial"] == trial].iterrows():
            if row["basis"] == "metabolic syndrome":
                continue
            bases.append((f"{row['basis']} n", float(row[first]), float(row[second])))
        bases.append(("n unknown (z test)", np.inf, np.inf))
    out = []
    for kind, (basis, n1, n2) in itertools.product(kinds, bases):
        if kind == "SD" and not np.isfinite(n1):
            continue
        corners = []
        for dm1, dm2, ds1, ds2 in itertools.product((-1, 1), repeat=4):
            h1, h2 = 0.5 * 10.0 ** -a["mean_decimals"], 0.5 * 10.0 ** -b["mean_decimals"]
            k1, k2 = 0.5 * 10.0 ** -a["spread_decimals"], 0.5 * 10.0 ** -b["spread_decimals"]
            corners.append(
                (
                    a["mean"] + dm1 * h1,
                    b["mean"] + dm2 * h2,
                    a["spread"] + ds1 * k1,
                    b["spread"] + ds2 * k2,
                )
            )
        grid = np.array([(a["mean"], b["mean"], a["spread"], b["spread"]), *corners])
        var1 = grid[:, 2] ** 2 / (n1 if kind == "SD" else 1.0)
        var2 = grid[:, 3] ** 2 / (n2 if kind == "SD" else 1.0)
        c = np.array([1.0, -1.0])
        est, se, df = _welch(
            np.broadcast_to(c, (len(grid), 2)),
            grid[:, :2],
            np.column_stack([var1, var2]),
            np.broadcast_to([n1, n2], (len(grid), 2)),
        )
        p = 2.0 * stats.t.sf(np.abs(est / se), df)
        out.append(
            {
                "reading": f"± as {kind}, {basis}",
                "estimate": est[0],
                "std_error": se[0],
                "df": df[0],
                "p_value": p[0],
                "p_low": p.min(),
                "p_high": p.max(),
            }
        )
    return out


def _net_rows(summaries: pd.DataFrame, comparison: str, sizes: pd.DataFrame, trial: str):
    """Recomputed P of a published net change (arm minus control) ± its spread."""
    arm = comparison.split(" vs ")[0].strip()
    rows = summaries.set_index("arm")
    if arm not in rows.index:
        return [{"status": "not recomputable: the net change is not published"}]
    r = rows.loc[arm]
    h = 0.5 * 10.0 ** -r["mean_decimals"]
    k = 0.5 * 10.0 ** -r["spread_decimals"]
    grid = np.array(
        [(r["mean"], r["spread"])]
        + [(r["mean"] + s * h, r["spread"] + u * k) for s in (-1, 1) for u in (-1, 1)]
    )
    bases = [
        (f"{row['basis']} n", float(row[arm]) + float(row["control"]) - 2.0)
        for _, row in sizes.loc[sizes["trial"] == trial].iterrows()
        if row["basis"] != "metabolic syndrome"
    ]
    bases.append(("n unknown (z test)", np.inf))
    out = []
    for basis, df in bases:
        t = grid[:, 0] / grid[:, 1]
        p = 2.0 * stats.t.sf(np.abs(t), df)
        out.append(
            {
                "reading": f"± as SE of the net change, {basis}",
                "estimate": grid[0, 0],
                "std_error": grid[0, 1],
                "df": df,
                "p_value": p[0],
                "p_low": p.min(),
                "p_high": p.max(),
            }
        )
    return out


def published_vs_recomputed(detail: bool = False) -> pd.DataFrame:
    """Each published P value of the bundled trials against the P recomputed from the
    published summaries, with a consistency verdict.

    For every published comparison the per-arm summaries are read in each plausible way —
    ``±`` as SE or as SD (when the paper does not say), each published basis of the arm sizes
    (randomised, completers) or a z test when n is unknown — and the recomputed P is
    unadjusted or Bonferroni-adjusted for 3 or 6 comparisons. Rounding is respected: the
    recomputed P is the range over every summary value that prints as published (the last
    digit ± half a unit), and the published P the range of values that print as it (``P =
    0.003`` is 0.0025–0.0035; ``P < 0.001`` is 0–0.001). A reading is *consistent* when the two
    ranges overlap.

    Parameters
    ----------
    detail : bool, default False
        False: one row per published P value. True: one row per published P and reading.

    Returns
    -------
    DataFrame
        ``detail=False``: ``trial, source, outcome, comparison, published, verdict,
        consistent_readings, p_unadjusted, note``: verdict ``reproduced`` (some reading is
        consistent; ``consistent_readings`` lists them), ``not reproduced`` (none is;
        ``p_unadjusted`` is the P of the first reading),
        ``not recomputable`` (no SD/SE or no arm data published), or ``no published P`` (an
        estimate with CI only; ``p_unadjusted`` is the P its CI implies, normal approximation).
        ``detail=True``: ``trial, source, outcome, comparison, published, reading,
        adjustment, estimate, std_error, df, p_value, p_low, p_high, consistent``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> table = lt.published_vs_recomputed()
    >>> row = table[(table["outcome"] == "fasting_insulin")].iloc[0]
    >>> row["published"], row["verdict"]
    ('P = 0.003', 'reproduced')
    >>> print(row["consistent_readings"].replace("; ", "\\n"))
    ± as SE, randomised n, Bonferroni x3
    ± as SE, completers n, Bonferroni x3
    ± as SE, n unknown (z test), Bonferroni x6
    """
    tests = published_tests()
    summaries = published_summaries()
    sizes = published_arm_sizes()
    detail_rows: list[dict] = []
    verdicts: list[dict] = []
    for _, test in tests.iterrows():
        base = {
            "trial": test["trial"],
            "source": test["source"],
            "outcome": test["outcome"],
            "comparison": test["comparison"],
        }
        has_p = np.isfinite(test["p_value"])
        published = (
            f"P {test['p_relation']} {test['p_value']:.{int(test['p_value_decimals'])}f}"
            if has_p
            else f"{test['estimate']:g} ({test['conf_low']:g} to {test['conf_high']:g})"
        )
        if not has_p:
            z = stats.norm.ppf(0.975)
            se = (test["conf_high"] - test["conf_low"]) / (2.0 * z)
            implied = 2.0 * stats.norm.sf(abs(test["estimate"]) / se)
            verdicts.append(
                {
                    **base,
                    "published": published,
                    "verdict": "no published P",
                    "consistent_readings": "",
                    "p_unadjusted": implied,
                    "note": "P implied by the published 95% CI (normal approximation)",
                }
            )
            continue
        rows = summaries[
            (summaries["trial"] == test["trial"])
            & (summaries["outcome"] == test["outcome"])
            & (summaries["quantity"] == test["quantity"])
        ]
        if rows.empty:
            readings = [{"status": "not recomputable: no arm summaries published"}]
        elif test["quantity"] == "net_change":
            readings = _net_rows(rows, test["comparison"], sizes, test["trial"])
        elif " vs " in test["comparison"]:
            readings = _two_arm_rows(rows, test["comparison"], sizes, test["trial"])
        else:
            readings = [{"status": "not recomputable: not a two-arm comparison"}]
        if "status" in readings[0]:
            verdicts.append(
                {
                    **base,
                    "published": published,
                    "verdict": "not recomputable",
                    "consistent_readings": "",
                    "p_unadjusted": np.nan,
                    "note": readings[0]["status"].split(": ", 1)[1],
                }
            )
            continue
        low, high = _printed_interval(test["p_value"], test["p_relation"], test["p_value_decimals"])
        consistent = []
        for reading in readings:
            for adjustment, k in _ADJUSTMENTS.items():
                p_low = min(1.0, k * float(reading["p_low"]))
                p_high = min(1.0, k * float(reading["p_high"]))
                ok = bool(p_low <= high and p_high >= low)
                detail_rows.append(
                    {
                        **base,
                        "published": published,
                        "reading": reading["reading"],
                        "adjustment": adjustment,
                        "estimate": reading["estimate"],
                        "std_error": reading["std_error"],
                        "df": reading["df"],
                        "p_value": min(1.0, k * reading["p_value"]),
                        "p_low": p_low,
                        "p_high": p_high,
                        "consistent": ok,
                    }
                )
                if ok:
                    consistent.append(f"{reading['reading']}, {adjustment}")
        verdicts.append(
            {
                **base,
                "published": published,
                "verdict": "reproduced" if consistent else "not reproduced",
                "consistent_readings": "; ".join(consistent),
                "p_unadjusted": readings[0]["p_value"],
                "note": test["note"],
            }
        )
    if detail:
        return pd.DataFrame(detail_rows)
    return pd.DataFrame(verdicts)
