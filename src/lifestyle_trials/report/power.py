"""The power report: figures and the self-contained HTML page of a power analysis.

Reads only numbers.json (written by the ``power`` step); every number shown is formatted
here. The page uses the reports' stylesheet, embeds its figures as data URIs and links to
the reports it names.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import jinja2
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..figures import STYLE
from .format import num

__all__ = ["power_figures", "render_power_report"]

_COLOURS = ("#1f3a5f", "#b35c00", "#3c7d3c", "#7a3c7a")


def _label(term: str) -> str:
    return {"diet:exercise": "diet × exercise interaction"}.get(term, term)


def power_figures(numbers: Mapping[str, Any]) -> Iterator[tuple[str, Figure]]:
    """The figures of a power report: ``power_curves`` (power by arm size, one line per
    term, a band of ± 1.96 Monte Carlo SE, the design's power as points at its mean arm
    size; a panel per visit)."""
    curve = pd.DataFrame(numbers["curve"])
    design = pd.DataFrame(numbers["at_design"])
    visits = sorted(curve["visit"].unique())
    sizes = numbers["design"]["n_per_arm"]
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(6.4 * min(len(visits), 2) ** 0.6, 3.8), layout="constrained")
        axes = fig.subplots(1, len(visits), sharey=True, squeeze=False)[0]
        for ax, visit in zip(axes, visits, strict=True):
            rows = curve[curve["visit"] == visit]
            for colour, (term, part) in zip(
                _COLOURS, rows.groupby("term", sort=False), strict=False
            ):
                part = part.sort_values("n_per_arm")
                x, p, se = part["n_per_arm"], part["power"], part["mc_se"]
                ax.fill_between(
                    x,
                    np.clip(p - 1.96 * se, 0, 1),
                    np.clip(p + 1.96 * se, 0, 1),
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                )
                ax.plot(x, p, marker="o", markersize=3, color=colour, label=_label(term))
                at = design[(design["term"] == term) & (design["visit"] == visit)]
                ax.plot(
                    [float(np.mean(sizes))] * len(at),
                    at["power"],
                    marker="D",
                    linestyle="none",
                    color=colour,
                    markersize=6,
                    markeredgecolor="white",
                )
            for target in numbers.get("targets", (0.8, 0.9)):
                ax.axhline(target, color="#8a8f99", linewidth=0.8, linestyle=":")
            ax.set_ylim(0, 1)
            ax.set_xlabel("subjects per arm")
            if len(visits) > 1:
                ax.set_title(f"visit {visit:g}")
        axes[0].set_ylabel(f"power (two-sided, α = {numbers['design']['alpha']:g})")
        axes[0].legend(loc="lower right", frameon=False)
    yield "power_curves", fig


def _alt_text(numbers: Mapping[str, Any]) -> str:
    curve = pd.DataFrame(numbers["curve"])
    parts = []
    for (term, visit), rows in curve.groupby(["term", "visit"], sort=False):
        rows = rows.sort_values("n_per_arm")
        first, last = rows.iloc[0], rows.iloc[-1]
        parts.append(
            f"{_label(term)}{_at(visit, curve)}: {_pct(first['power'])} with "
            f"{int(first['n_per_arm'])} per arm, {_pct(last['power'])} with "
            f"{int(last['n_per_arm'])}"
        )
    return "Power by subjects per arm. " + "; ".join(parts) + "."


def _at(visit: float, curve: pd.DataFrame) -> str:
    return f" at visit {visit:g}" if curve["visit"].nunique() > 1 else ""


def _pct(p: Any) -> str:
    return "–" if p is None or (isinstance(p, float) and np.isnan(p)) else f"{100 * p:.1f}%"


def _mc(row: Mapping[str, Any]) -> str:
    p, se = row["power"], row["mc_se"]
    if p is None or (isinstance(p, float) and np.isnan(p)):
        return "–"
    return f"{_pct(max(p - 1.96 * se, 0.0))} to {_pct(min(p + 1.96 * se, 1.0))}"


def _effect(x: Any, log: bool) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "–"
    return f"{num(np.exp(x), 3)} (log {num(x, 3)})" if log else num(x, 3)


def _context(numbers: Mapping[str, Any], svgs: Mapping[str, bytes]) -> dict[str, Any]:
    d = numbers["design"]
    log = bool(d["log"])
    design_rows = [
        {
            "term": _label(r["term"]) + _at(r["visit"], pd.DataFrame(numbers["curve"])),
            "truth": _effect(r["truth"], log),
            "power": _pct(r["power"]),
            "mc": _mc(r),
            "mean": _effect(r["mean_estimate"], log),
            "bias": num(r["bias"], 4),
            "coverage": _pct(r["coverage"]),
            "failed": f"{r['n_failed']} of {r['n_sim']}",
        }
        for r in numbers["at_design"]
    ]
    curve = pd.DataFrame(numbers["curve"])
    cells = list(dict.fromkeys(zip(curve["term"], curve["visit"], strict=True)))
    curve_head = [_label(t) + _at(v, curve) for t, v in cells]
    curve_rows = []
    for n, rows in curve.groupby("n_per_arm"):
        by = {(r["term"], r["visit"]): r for r in rows.to_dict(orient="records")}
        curve_rows.append(
            {
                "n": int(n),
                "values": [f"{_pct(by[c]['power'])} ± {_pct(by[c]['mc_se'])}" for c in cells],
            }
        )
    sizes = [
        {
            "term": _label(s["term"]) + _at(s["visit"], curve),
            "target": _pct(s["target"]),
            "n": "more than the largest size simulated"
            if s["n_per_arm"] is None
            else f"{s['n_per_arm']} per arm ({4 * s['n_per_arm']} subjects)",
        }
        for s in numbers["sample_size"]
    ]
    sim = d["simulate"]
    design_items = [
        (
            "Arms",
            "control, diet, exercise, diet + exercise: "
            + ", ".join(map(str, d["n_per_arm"]))
            + f" randomised ({d['n_total']} in all)",
        ),
        ("Visits (months)", ", ".join(f"{v:g}" for v in sim.get("visits", [0, 12]))),
        ("Dropout", str(sim.get("dropout", "published"))),
        ("Effects", f"those of lt.simulate_odes × {sim.get('effect_scale', 1.0):g}"),
        ("Outcome", f"{d['outcome']}{' (log scale)' if log else ''}"),
        ("Analysis", _analysis_text(d)),
        (
            "Test",
            f"two-sided at α = {d['alpha']:g}; coverage of the "
            f"{100 * (1 - d['alpha']):g}% confidence interval",
        ),
        ("Replicates", f"{d['n_sim']:,} per arm size, seed {d['seed']}"),
    ]
    main = ", ".join(f"{_label(r['term'])} {_pct(r['power'])}" for r in numbers["at_design"])
    stamp = numbers["stamp"]
    provenance = [
        (
            "Configuration",
            f"analyses/{stamp['config']['id']}/analysis.toml "
            f"(sha256 {stamp['config_sha256'][:12]}…)",
        ),
        ("Seed", str(stamp["seed"])),
        ("Versions", ", ".join(f"{k} {v}" for k, v in numbers["versions"].items())),
        (
            "Failed fits",
            "none"
            if not numbers["failures"]
            else "; ".join(f"{k}: {v}" for k, v in numbers["failures"].items()),
        ),
    ]
    figures = [
        {
            "src": "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
            "alt": _alt_text(numbers),
            "caption": "Power by subjects per arm (equal arms), with a band of ± 1.96 Monte "
            "Carlo standard errors; diamonds: the design's arm sizes (at their mean); dotted "
            "lines: the target powers.",
        }
        for svg in svgs.values()
    ]
    return {
        "title": numbers["title"],
        "description": numbers["description"],
        "main": f"With {d['n_total']} subjects ({', '.join(map(str, d['n_per_arm']))} per "
        f"arm), the simulated power is: {main}.",
        "design_rows": design_rows,
        "log": log,
        "curve_head": curve_head,
        "curve_rows": curve_rows,
        "sizes": sizes,
        "design_items": design_items,
        "provenance": provenance,
        "figures": figures,
        "links": [{"href": f"../{k}/index.html", "text": v} for k, v in numbers["links"].items()],
        "version": stamp["version"],
    }


def _analysis_text(d: Mapping[str, Any]) -> str:
    if d["analysis"] == "ancova":
        return (
            f"ANCOVA at visit {d['visit']:g} on the baseline value, {d['estimand']} "
            "estimand (lt.ancova, fitted in batches)"
        )
    return (
        f"MMRM over the follow-up visits, {d['covariance']} covariance, "
        f"{d['df_method']} df, {d['estimand']} estimand (lt.mmrm's model)"
    )


_TEMPLATE = """<!DOCTYPE html>
{% if made %}
<!-- lifestyle-trials stamp
{{ made | safe }}
-->
{% endif %}
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="lifestyle-trials {{ version }}">
<title>{{ title }}</title>
<style>
{{ css | safe }}
</style>
</head>
<body>
<header class="masthead">
<p class="kicker">Power analysis by simulation</p>
<h1>{{ title }}</h1>
<p>{{ description }}</p>
<p class="notice">Every trial here is simulated (lt.simulate_odes): the effects are the
generator's, not estimates from real participants.</p>
</header>
<main>
<h2 id="result">Result</h2>
<p>{{ main }}</p>
<figure class="table-wrap" id="power-at-design">
<figcaption>Power at the design's arm sizes</figcaption>
<div class="scroll"><table>
<thead><tr><th scope="col">Effect</th><th scope="col">Truth{% if log %} (ratio){% endif %}</th>
<th scope="col">Power</th><th scope="col">95% Monte Carlo interval</th>
<th scope="col">Mean estimate</th><th scope="col">Bias{% if log %} (log){% endif %}</th>
<th scope="col">Coverage</th><th scope="col">Failed fits</th></tr></thead>
<tbody>
{% for r in design_rows %}
<tr><th scope="row">{{ r.term }}</th><td>{{ r.truth }}</td><td>{{ r.power }}</td>
<td>{{ r.mc }}</td><td>{{ r.mean }}</td><td>{{ r.bias }}</td><td>{{ r.coverage }}</td>
<td>{{ r.failed }}</td></tr>
{% endfor %}
</tbody></table></div>
</figure>
<h2 id="curves">Power by arm size</h2>
{% for f in figures %}
<figure class="chart"><img src="{{ f.src }}" alt="{{ f.alt }}">
<figcaption>{{ f.caption }}</figcaption></figure>
{% endfor %}
<figure class="table-wrap" id="sizes">
<figcaption>Subjects per arm for a target power (the smallest size simulated from which
every larger size reaches it)</figcaption>
<div class="scroll"><table>
<thead><tr><th scope="col">Effect</th><th scope="col">Target</th>
<th scope="col">Needed</th></tr></thead>
<tbody>
{% for s in sizes %}
<tr><th scope="row">{{ s.term }}</th><td>{{ s.target }}</td><td>{{ s.n }}</td></tr>
{% endfor %}
</tbody></table></div>
</figure>
<figure class="table-wrap" id="curve">
<figcaption>Power ± Monte Carlo standard error by subjects per arm</figcaption>
<div class="scroll"><table>
<thead><tr><th scope="col">Per arm</th>
{% for h in curve_head %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in curve_rows %}
<tr><th scope="row">{{ r.n }}</th>{% for v in r["values"] %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}
</tbody></table></div>
</figure>
<h2 id="design">Design and method</h2>
<dl>
{% for term, text in design_items %}
<dt>{{ term }}</dt><dd>{{ text }}</dd>
{% endfor %}
</dl>
<p>Each replicate trial draws its random numbers from its own SeedSequence child of the
seed, so the results do not depend on how the work is split; every arm size uses the same
replicate seeds (common random numbers), which keeps the curves smooth. Power is the share
of replicates whose test is significant; its Monte Carlo standard error is
√(p(1 − p)/n). A replicate whose fit fails is counted and reported, never dropped.
Method: lifestyle_trials.power (Morris, White &amp; Crowther, Stat Med 2019;38:2074-102,
doi:10.1002/sim.8086).</p>
{% if links %}
<h2 id="links">Related reports</h2>
<ul>
{% for l in links %}
<li><a href="{{ l.href }}">{{ l.text }}</a></li>
{% endfor %}
</ul>
{% endif %}
<h2 id="provenance">Provenance</h2>
<dl>
{% for term, text in provenance %}
<dt>{{ term }}</dt><dd>{{ text }}</dd>
{% endfor %}
</dl>
</main>
</body>
</html>
"""


def render_power_report(
    numbers: Mapping[str, Any], svgs: Mapping[str, bytes], stamp: Mapping[str, Any] | None = None
) -> str:
    """The power report as one HTML document (the same inputs give the same text)."""
    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    css = resources.files("lifestyle_trials.report").joinpath("templates", "report.css")
    made = json.dumps(stamp, indent=1, ensure_ascii=False).replace("--", "- -") if stamp else ""
    return env.from_string(_TEMPLATE).render(
        css=css.read_text("utf-8"), made=made, **_context(numbers, svgs)
    )
