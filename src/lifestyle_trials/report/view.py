"""numbers.json → the report's sections, every number formatted here and nowhere else.

:func:`build_sections` returns the page as :mod:`.blocks`: the participant flow, Table 1,
the primary analysis, secondary outcomes, arm comparisons, repeated measures, sensitivity
analyses, more figures, published results, methods and provenance. Sections whose numbers
an analysis does not have say so (with the reason recorded by the fit step) rather than
disappear.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import alt_text
from . import format as fmt
from . import labels as lab
from .blocks import Cell, Figure, Items, Paragraph, Row, Section, Table
from .context import Context

__all__ = ["SENSITIVITY_LABELS", "build_sections", "header"]


def header(ctx: Context) -> dict[str, Any]:
    """Title block: title, description, key facts."""
    n = ctx.numbers
    design = n["design"]
    arms = ", ".join(f"{ctx.arm(a)} {design['arm_sizes'][a]}" for a in design["arms"])
    visits = ", ".join(ctx.visit(v) for v in design["visits"])
    primary = n["outcomes"]["primary"]
    facts = [
        (
            "Design",
            "2 × 2 factorial (diet × exercise)"
            if design["factorial"]
            else f"{len(design['arms'])} arms, each compared with control",
        ),
        ("Randomised", f"{design['n_subjects']} ({arms})"),
        ("Visits", visits),
        (
            "Primary outcome",
            f"{ctx.var(primary)} {ctx.at_visit(n['outcomes']['visit'])}"
            + (", log scale" if ctx.is_log(primary) else ""),
        ),
        ("Data", n["provenance"]["source"]),
    ]
    return {
        "title": n["analysis"]["title"],
        "description": " ".join(n["analysis"]["description"].split()),
        "synthetic": n["analysis"]["source_kind"] == "simulate",
        "facts": facts,
        "version": n["provenance"]["package_version"],
    }


def build_sections(ctx: Context) -> list[Section]:
    """Every section of the report, in order."""
    sections = [
        _summary(ctx),
        _flow(ctx),
        _baseline(ctx),
        _primary(ctx),
        _secondary(ctx),
        _arms(ctx),
        _repeated(ctx),
        _sensitivity(ctx),
        _more_figures(ctx),
        _published(ctx),
        _methods(ctx),
        _provenance(ctx),
    ]
    return [s for s in sections if s is not None]


# -- helpers ------------------------------------------------------------------------------------


def _table(
    ctx: Context,
    caption: str,
    columns: Sequence[str | Cell],
    body: Sequence[Row],
    notes: Sequence[str] = (),
    head: Sequence[Row] | None = None,
) -> Table:
    tid, cap = ctx.table_caption(caption)
    if head is None:
        head = [
            Row(
                [
                    c if isinstance(c, Cell) else Cell(c, _column_class(body, j))
                    for j, c in enumerate(columns)
                ]
            )
        ]
    return Table(id=tid, caption=cap, head=head, body=body, notes=notes)


def _column_class(body: Sequence[Row], j: int) -> str:
    """``num`` for a header over a column of numbers (so that it aligns right)."""
    cells = [r.cells[j] for r in body if len(r.cells) > j and r.cls != "group"]
    numeric = sum("num" in c.cls.split() for c in cells)
    return "num" if cells and numeric * 2 > len(cells) else ""


def _add(blocks: list[Any], item: Any) -> None:
    if item is not None:
        blocks.append(item)


def _effect_cells(ctx: Context, row: Mapping[str, Any], log: bool) -> list[Cell]:
    """Estimate (95% CI), % change for ratios, P value."""
    cells = [Cell(ctx.effect(row, log), "num")]
    if log:
        cells.append(Cell(fmt.percent_change(row["ratio"]), "num"))
    cells.append(Cell(fmt.p_value(row["p_value"]), "num"))
    return cells


def _scale_note(log: bool, outcome_label: str) -> str:
    if log:
        return (
            f"{outcome_label} was analysed on the log scale: effects are ratios of geometric "
            "means (treated / untreated) with 95% CIs; % change = (ratio − 1) × 100."
        )
    return "Effects are differences in adjusted means (treated − untreated) with 95% CIs."


def _truth_of(ctx: Context, outcome: str) -> Mapping[str, Any] | None:
    truth = ctx.numbers.get("truth") or {}
    return truth.get(outcome)


def _truth_text(value: float | None, log: bool, decimals: int) -> str:
    if value is None:
        return "–"
    if log:
        import math

        return fmt.num(math.exp(value), 2)
    return fmt.num(value, decimals)


# -- sections -----------------------------------------------------------------------------------


def _summary(ctx: Context) -> Section:
    n = ctx.numbers
    p = n["primary"]
    outcome = ctx.var(p["outcome"])
    analysed = sum(p["n_analysed"].values())
    randomised = n["design"]["n_subjects"]
    parts = []
    truth = _truth_of(ctx, p["outcome"]) or {}
    for e in p["effects"]:
        what = ctx.term(e["term"]).replace(" (main effect)", "").replace(" (interaction)", "")
        if p["log"]:
            text = (
                f"ratio {ctx.effect(e, True)}, {fmt.percent_change(e['ratio'])}, "
                f"{fmt.p_text(e['p_value'])}"
            )
        else:
            unit = ctx.unit(p["outcome"])
            text = f"{ctx.effect(e, False)}{' ' + unit if unit else ''}, "
            text += fmt.p_text(e["p_value"])
        if e["term"] in truth:
            d = fmt.decimals_for(e["std_error"])
            text += f" (true {_truth_text(truth[e['term']], p['log'], d)})"
        parts.append(f"{what}: {text}")
    kind = (
        "factorial effects (each factor averaged over the other, and their interaction)"
        if p["estimand"] == "factorial"
        else "comparisons of each arm with control"
    )
    text = (
        f"Primary analysis: {outcome} {ctx.at_visit(p['visit'])}, ANCOVA adjusted for "
        f"baseline, {analysed} of {randomised} randomised subjects analysed; {kind}."
    )
    items = Items(
        [(part.split(": ", 1)[0], part.split(": ", 1)[1]) for part in parts], cls="key-results"
    )
    blocks: list[Any] = [Paragraph(text, "lead"), items]
    if n["analysis"]["source_kind"] == "simulate":
        blocks.append(
            Paragraph(
                "These data are simulated (lt.simulate_odes): no participant took part. The true "
                "effects the generator used are shown beside the estimates.",
                "note",
            )
        )
    return Section("summary", "Main result", blocks)


def _flow(ctx: Context) -> Section:
    n = ctx.numbers
    post = n["design"]["post_baseline"]
    columns = [
        "Arm",
        "Randomised",
        *[f"Measured, {ctx.visit(v)}" for v in post],
        "Not analysed",
        "Analysed (primary)",
    ]
    body = []
    for f in n["flow"]:
        measured = {m["visit"]: m["n"] for m in f["measured"]}
        excluded = sum(e["n"] for e in f["excluded"])
        reasons = "; ".join(f"{e['reason']} ({e['n']})" for e in f["excluded"])
        body.append(
            Row(
                [
                    Cell(ctx.arm(f["arm"])),
                    Cell(str(f["randomised"]), "num"),
                    *[Cell(str(measured.get(v, 0)), "num") for v in post],
                    Cell(str(excluded), "num wrap", sub=reasons),
                    Cell("–" if f["analysed"] is None else str(f["analysed"]), "num"),
                ]
            )
        )
    total = [Cell("Total", "strong"), Cell(str(n["design"]["n_subjects"]), "num strong")]
    for v in post:
        total.append(
            Cell(
                str(sum(m["n"] for f in n["flow"] for m in f["measured"] if m["visit"] == v)),
                "num strong",
            )
        )
    analysed = [f["analysed"] for f in n["flow"] if f["analysed"] is not None]
    excluded_all = sum(e["n"] for f in n["flow"] for e in f["excluded"])
    total += [
        Cell(str(excluded_all), "num strong"),
        Cell(str(sum(analysed)) if analysed else "–", "num strong"),
    ]
    body.append(Row(total, "total"))
    blocks: list[Any] = []
    _add(
        blocks,
        ctx.figure(
            "flow",
            "Participant flow (CONSORT style): subjects randomised to each arm, measured "
            f"({ctx.var(n['outcomes']['primary'])} recorded) at each visit, and analysed in the "
            "primary analysis, with the reasons subjects were not analysed.",
            alt_text.flow(ctx),
        ),
    )
    blocks.append(
        _table(
            ctx,
            "Participant flow by arm.",
            columns,
            body,
            notes=[
                f"Measured: a value of {ctx.var(n['outcomes']['primary'])} recorded at the visit."
            ],
        )
    )
    return Section("flow", "Participant flow", blocks)


def _baseline(ctx: Context) -> Section:
    n = ctx.numbers
    arms = [*n["design"]["arms"], "all"]
    sizes = {**n["design"]["arm_sizes"], "all": n["design"]["n_subjects"]}
    head = [
        Row(
            [Cell("Characteristic")]
            + [
                Cell(f"{ctx.arm(a) if a != 'all' else 'All'}", "num", sub=f"n = {sizes[a]}")
                for a in arms
            ]
        )
    ]
    rows: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    order: list[tuple[str, str]] = []
    for r in n["table1"]:
        key = (r["variable"], r["level"])
        if key not in rows:
            rows[key] = {}
            order.append(key)
        rows[key][r["arm"]] = r
    body = []
    seen_group: set[str] = set()
    missing_notes = []
    for var, level in order:
        cells = rows[(var, level)]
        first = cells[arms[-1]]
        if first["summary"] == "n_pct":
            if var not in seen_group:
                seen_group.add(var)
                body.append(
                    Row([Cell(f"{ctx.var(var)}, n (%)", "group", colspan=len(arms) + 1)], "group")
                )
            label = Cell(lab.level_label(var, level), "indent")
            values = [Cell(fmt.n_pct(cells[a]["count"], cells[a]["percent"]), "num") for a in arms]
        else:
            how = "median [IQR]" if first["summary"] == "median_iqr" else "mean ± SD"
            unit = ctx.unit(var)
            label = Cell(f"{ctx.var(var)}{', ' + unit if unit else ''}, {how}")
            d = (
                fmt.decimals_for(first["sd"])
                if first["summary"] == "mean_sd"
                else fmt.decimals_for((first["q3"] - first["q1"]) / 1.349)
            )
            show = fmt.mean_sd if first["summary"] == "mean_sd" else fmt.median_iqr
            values = [Cell(show(cells[a], d), "num") for a in arms]
        missing = first.get("n_missing") or 0
        if missing:
            missing_notes.append(f"{ctx.var(var)}: {missing} missing")
        body.append(Row([label, *values]))
    notes = [
        "Baseline values of all randomised subjects. Mean ± SD for roughly symmetric "
        "variables, median [interquartile range] for skewed ones (chosen in the analysis "
        "configuration), n (%) for categories."
    ]
    if missing_notes:
        notes.append("Missing at baseline: " + "; ".join(missing_notes) + ".")
    table = _table(ctx, "Baseline characteristics by arm.", [], body, notes, head=head)
    return Section("baseline", "Baseline characteristics", [table])


def _primary(ctx: Context) -> Section:
    n = ctx.numbers
    p = n["primary"]
    log, outcome = p["log"], p["outcome"]
    truth = _truth_of(ctx, outcome)
    columns = ["Effect", "Ratio (95% CI)" if log else f"Difference (95% CI), {ctx.unit(outcome)}"]
    if log:
        columns.append("Change")
    columns.append("P")
    if truth:
        columns.append("True value")
    body = []
    for e in p["effects"]:
        cells = [Cell(ctx.term(e["term"])), *_effect_cells(ctx, e, log)]
        if truth:
            cells.append(
                Cell(
                    _truth_text(truth.get(e["term"]), log, fmt.decimals_for(e["std_error"])), "num"
                )
            )
        body.append(Row(cells))
    if p["estimand"] != "factorial" and p.get("interaction"):
        for e in p["interaction"]:
            body.append(Row([Cell(ctx.term(e["term"]) + " †"), *_effect_cells(ctx, e, log)]))
    notes = [
        _scale_note(log, ctx.var(outcome)),
        f"Model: {p['formula']} (least squares; t tests on {p['df_resid']} residual degrees "
        "of freedom).",
    ]
    if p["estimand"] == "factorial":
        notes.append(
            "Main effects average the effect of one factor over both levels of the "
            "other with equal weights; the interaction is (D+E − E) − (D − C). The "
            "estimand was fixed before the analysis, not chosen from the interaction "
            "test."
        )
    if truth:
        notes.append("True value: the effect the simulation was generated with.")
    blocks: list[Any] = [
        Paragraph(
            f"{ctx.var(outcome)} {ctx.at_visit(p['visit'])}, analysed by ANCOVA with the baseline "
            f"value as covariate{', log scale' if log else ''}. "
            f"{sum(p['n_analysed'].values())} subjects had both values."
        )
    ]
    blocks.append(
        _table(
            ctx,
            f"Primary analysis: effects on {ctx.var(outcome)} {ctx.at_visit(p['visit'])}.",
            columns,
            body,
            notes,
        )
    )
    kind = "Geometric mean" if log else "Mean"
    mcols = ["Arm", "n analysed", f"Adjusted {kind.lower()} (95% CI)"]
    d = 2 if log else fmt.decimals_for(p["residual_sd"] / 4)
    mbody = [
        Row(
            [
                Cell(ctx.arm(m["arm"])),
                Cell(str(m["n"]), "num"),
                Cell(fmt.estimate_ci(m["mean"], m["conf_low"], m["conf_high"], d), "num"),
            ]
        )
        for m in p["means"]
        if m["arm"] in n["design"]["arms"]
    ]
    blocks.append(
        _table(
            ctx,
            f"Adjusted {kind.lower()}s of {ctx.var_unit(outcome)} "
            f"{ctx.at_visit(p['visit'])} by arm.",
            mcols,
            mbody,
            ["Marginal means from the primary model, baseline at its mean."],
        )
    )
    if p["estimand"] == "factorial" and p["factor_means"]:
        blocks.append(_factor_means(ctx, p, kind, d))
    if n["design"]["factorial"]:
        _add(
            blocks,
            ctx.figure(
                "interaction",
                f"Interaction plot: adjusted {kind.lower()}s of {ctx.var(outcome)} "
                f"{ctx.at_visit(p['visit'])} (95% CI) by exercise and diet. Parallel lines mean no "
                "interaction on the analysis scale.",
                alt_text.interaction(ctx),
            ),
        )
    return Section("primary", "Primary analysis", blocks)


def _factor_means(ctx: Context, p: Mapping[str, Any], kind: str, d: int) -> Table:
    """Adjusted means by factor level beside the main effect: the factorial results table."""
    effects = {e["term"]: e for e in p["effects"]}
    body = []
    for factor in ("diet", "exercise"):
        levels = {m["level"]: m for m in p["factor_means"] if m["factor"] == factor}
        e = effects[factor]
        cells = [Cell(ctx.term(factor).replace(" (main effect)", ""))]
        for level in (0, 1):
            m = levels[level]
            cells.append(Cell(fmt.estimate_ci(m["mean"], m["conf_low"], m["conf_high"], d), "num"))
        cells += [Cell(ctx.effect(e, p["log"]), "num"), Cell(fmt.p_value(e["p_value"]), "num")]
        body.append(Row(cells))
    inter = effects.get("diet:exercise")
    label = "Ratio" if p["log"] else "Difference"
    notes = [
        f"{kind}s of each factor level averaged over the other factor with equal weights; "
        f"{label.lower()}: yes vs no, as in the primary analysis."
    ]
    if inter is not None:
        notes.append(f"Interaction: {ctx.effect(inter, p['log'])}, {fmt.p_text(inter['p_value'])}.")
    return _table(
        ctx,
        f"Factorial results: adjusted {kind.lower()}s of "
        f"{ctx.var_unit(p['outcome'])} by factor level.",
        ["Factor", "No (95% CI)", "Yes (95% CI)", f"{label} (95% CI)", "P"],
        body,
        notes,
    )


def _secondary(ctx: Context) -> Section | None:
    n = ctx.numbers
    if not n["secondary"]:
        return None
    factorial = n["primary"]["estimand"] == "factorial"
    terms = [e["term"] for e in n["secondary"][0]["effects"]]
    columns = ["Outcome", "n", *[ctx.term(t) for t in terms]]
    body = []
    for s in n["secondary"]:
        log = s["log"]
        label = ctx.var_unit(s["outcome"]) + (" ‡" if log else "")
        cells = [Cell(label), Cell(str(sum(s["n_analysed"].values())), "num")]
        truth = _truth_of(ctx, s["outcome"])
        for e in s["effects"]:
            sub = fmt.p_text(e["p_value"])
            if truth and e["term"] in truth:
                d = fmt.decimals_for(e["std_error"])
                sub += f" · true {_truth_text(truth[e['term']], log, d)}"
            cells.append(Cell(ctx.effect(e, log), "num", sub=sub))
        body.append(Row(cells))
    notes = [
        "ANCOVA of each outcome "
        f"{ctx.at_visit(n['primary']['visit'])} adjusted for its baseline, with the same "
        "estimand as the primary analysis; effects are differences in adjusted means "
        "(treated − untreated) in the outcome's unit.",
        "‡ Analysed on the log scale: the effect is a ratio of geometric means.",
        "P values are not adjusted for the number of outcomes; secondary outcomes are "
        "supporting evidence, not confirmatory.",
    ]
    if n.get("truth"):
        notes.append(
            "true: the effect the simulation was generated with (none is defined for "
            "indices the generator does not model directly)."
        )
    title = "Secondary outcomes: factorial effects" if factorial else "Secondary outcomes"
    table = _table(ctx, f"{title} {ctx.at_visit(n['primary']['visit'])}.", columns, body, notes)
    blocks: list[Any] = [table]
    _add(blocks, _forest_outcomes(ctx))
    return Section("secondary", "Secondary outcomes", blocks)


def _forest_outcomes(ctx: Context) -> Figure | None:
    n = ctx.numbers
    rows = [(ctx.term(s["term"]), ctx.var(s["outcome"]), s, False) for s in n["standardised"]]
    return ctx.figure(
        "forest_outcomes",
        "Effects on every outcome in standard-deviation units: each estimate "
        "and its 95% CI divided by the outcome's baseline SD (of log values for log-scale "
        "outcomes), so that outcomes measured in different units can be compared.",
        alt_text.forest(ctx, rows),
    )


def _arms(ctx: Context) -> Section | None:
    n = ctx.numbers
    if n["primary"]["estimand"] != "factorial":
        return None  # the primary analysis already compares each arm with control
    terms = [e["term"] for e in n["arms"][0]["effects"]]
    columns = ["Outcome", *[ctx.term(t) for t in terms]]
    body = []
    for a in n["arms"]:
        label = ctx.var_unit(a["outcome"]) + (" ‡" if a["log"] else "")
        cells = [Cell(label)]
        for e in a["effects"]:
            cells.append(Cell(ctx.effect(e, a["log"]), "num", sub=f"{fmt.p_text(e['p_value'])}"))
        body.append(Row(cells))
    notes = [
        "Each arm minus control: adjusted mean differences (‡ ratios of geometric means) "
        "from the ANCOVA "
        f"{ctx.at_visit(n['primary']['visit'])}, with 95% CIs and unadjusted P values."
    ]
    if n["design"]["factorial"]:
        notes.append(
            "The four arms analysed inside the table (Montgomery et al. 2003): "
            "contrasts of the adjusted cell means of the model with interaction."
        )
    table = _table(ctx, "Each arm compared with control.", columns, body, notes)
    return Section("arms", "Arms compared with control", [table])


def _repeated(ctx: Context) -> Section:
    n = ctx.numbers
    m = n.get("mmrm")
    blocks: list[Any] = []
    subsections = []
    if m:
        log = m["log"]
        truth_note: list[str] = []
        columns = ["Effect", *[ctx.visit(v) for v in m["visits"]]]
        body = []
        for term in dict.fromkeys(e["term"] for e in m["effects"]):
            cells = [Cell(ctx.term(term))]
            for v in m["visits"]:
                e = next(x for x in m["effects"] if x["term"] == term and x["visit"] == v)
                cells.append(Cell(ctx.effect(e, log), "num", sub=f"{fmt.p_text(e['p_value'])}"))
            body.append(Row(cells))
        truth = {(t["term"], t["visit"]): t["value"] for t in m.get("truth", [])}
        if truth:
            for term in dict.fromkeys(e["term"] for e in m["effects"]):
                values = [truth.get((term, v)) for v in m["visits"]]
                d = fmt.decimals_for(m["effects"][0]["std_error"])
                body.append(
                    Row(
                        [
                            Cell(f"True value: {ctx.term(term).split(' (')[0].lower()}", "indent"),
                            *[Cell(_truth_text(x, log, d), "num") for x in values],
                        ],
                        "truth",
                    )
                )
            truth_note.append("True value: the effect the simulation was generated with.")
        conv = m["convergence"]
        notes = [
            _scale_note(log, ctx.var(m["outcome"])),
            f"MMRM: {ctx.var(m['outcome'])} at every post-baseline visit on baseline × visit + "
            f"diet × exercise × visit, {_covariance_name(m['covariance'])} covariance over "
            f"visits within subject, {m['method']}; {m['df_method'].capitalize()} degrees of "
            f"freedom. {m['n_subjects']} subjects, {m['n_obs']} observations; "
            f"log-likelihood {fmt.num(m['loglik'], 2)}, AIC {fmt.num(m['aic'], 2)}; "
            f"{'converged' if conv.get('converged') else 'did not converge'} in "
            f"{conv.get('iterations')} iterations.",
        ]
        mmrm_blocks: list[Any] = [
            Paragraph(
                "The mixed model for repeated measures uses every available visit of "
                "every subject with a baseline value, and is valid when dropout depends "
                "on observed values (missing at random)."
            ),
            _table(
                ctx,
                f"MMRM: factorial effects on {ctx.var(m['outcome'])} at each visit.",
                columns,
                body,
                notes + truth_note,
            ),
        ]
        _add(
            mmrm_blocks,
            ctx.figure(
                "mmrm_means",
                f"MMRM adjusted {'geometric ' if log else ''}means of "
                f"{ctx.var(m['outcome'])} by arm and visit (95% CI).",
                alt_text.mmrm_means(ctx),
            ),
        )
        corr = m["correlation"]
        ccols = ["", *[ctx.visit(v) for v in corr["visits"]]]
        cbody = [
            Row([Cell(ctx.visit(v), "strong"), *[Cell(fmt.num(x, 2), "num") for x in row]])
            for v, row in zip(corr["visits"], corr["values"], strict=True)
        ]
        mmrm_blocks.append(
            _table(
                ctx,
                "MMRM: estimated correlation of the outcome between visits within a subject.",
                ccols,
                cbody,
            )
        )
        subsections.append(Section("mmrm", "Mixed model for repeated measures (MMRM)", mmrm_blocks))
    for s in n.get("skipped", []):
        if s["model"] in ("MMRM", "mixed ANOVA"):
            what = s["model"][:1].upper() + s["model"][1:]
            blocks.append(Paragraph(f"{what} not fitted: {s['reason']}.", "note"))
    anova = n.get("mixed_anova")
    if anova:
        subsections.append(_mixed_anova(ctx, anova))
    return Section("repeated", "Repeated measures", blocks, subsections)


def _covariance_name(code: str) -> str:
    return {
        "us": "unstructured",
        "cs": "compound-symmetry",
        "csh": "heterogeneous compound-symmetry",
        "ar1": "AR(1)",
        "ar1h": "heterogeneous AR(1)",
        "toep": "Toeplitz",
        "toeph": "heterogeneous Toeplitz",
        "diag": "diagonal",
    }.get(code, code)


def _mixed_anova(ctx: Context, anova: Mapping[str, Any]) -> Section:
    columns = ["Term", "F", "df", "P", "ε (GG)", "P (GG)", "P (HF)", "Partial η²"]
    body = []
    for r in anova["table"]:
        term = " × ".join(t.capitalize() for t in str(r["term"]).split(":"))
        body.append(
            Row(
                [
                    Cell(term),
                    Cell(fmt.num(r["statistic"], 2), "num"),
                    Cell(f"{fmt.num(r['num_df'], 0)}, {fmt.num(r['den_df'], 0)}", "num"),
                    Cell(fmt.p_value(r["p_value"]), "num"),
                    Cell(fmt.num(r.get("eps_gg"), 3), "num"),
                    Cell(fmt.p_value(r.get("p_value_gg")), "num"),
                    Cell(fmt.p_value(r.get("p_value_hf")), "num"),
                    Cell(fmt.num(r["partial_eta_sq"], 3), "num"),
                ]
            )
        )
    n = sum(anova["n_analysed"].values())
    visits = ", ".join(ctx.visit(v) for v in anova["visits"])
    notes = [
        f"Arm (between subjects) × visit (within subjects) ANOVA of "
        f"{'log ' if anova['log'] else ''}{ctx.var(anova['outcome'])} at {visits}, on the "
        f"{n} subjects measured at every visit (complete cases); type II sums of squares; "
        "GG, HF: Greenhouse–Geisser and Huynh–Feldt corrections for non-sphericity.",
        "The treatment effect appears as the arm × visit interaction. This analysis drops "
        "every subject with a missing visit and does not adjust for baseline; the "
        "baseline-adjusted analyses above (ANCOVA, and MMRM over several visits) are the "
        "analyses of record.",
    ]
    if len(anova["visits"]) == 2:
        notes.append(
            "With two visits sphericity holds trivially (no correction applies), and the "
            "arm × visit test is the one-way ANOVA of the change from baseline."
        )
    elif anova.get("sphericity"):
        sph = anova["sphericity"][0]
        notes.append(
            f"Mauchly's test of sphericity: W = {fmt.num(sph['statistic'], 3)}, "
            f"{fmt.p_text(sph['p_value'])}."
        )
    return Section(
        "mixed-anova",
        "Mixed ANOVA (arm × visit)",
        [_table(ctx, f"Mixed ANOVA of {ctx.var(anova['outcome'])}.", columns, body, notes)],
    )


SENSITIVITY_LABELS: dict[str, str] = {
    "primary": "ANCOVA (primary)",
    "margins": "ANCOVA at the margins (no interaction term)",
    "arms": "ANCOVA, four-arm model",
    "change": "Change from baseline (no adjustment)",
    "followup": "Follow-up value only",
    "mmrm": "MMRM, all subjects with a baseline",
}


def _sensitivity(ctx: Context) -> Section:
    n = ctx.numbers
    log = n["primary"]["log"]
    terms = [e["term"] for e in n["primary"]["effects"]]
    rows = [r for r in n["sensitivity"] if {e["term"] for e in r["effects"]} & set(terms)]
    columns = ["Analysis", "n", *[ctx.term(t) for t in terms]]
    body = []
    forest_rows = []
    for r in rows:
        label = SENSITIVITY_LABELS.get(r["key"], r["key"])
        cells = [Cell(label), Cell(str(r["n_analysed"]), "num")]
        by_term = {e["term"]: e for e in r["effects"]}
        for t in terms:
            e = by_term.get(t)
            if e is None:
                cells.append(Cell("–", "num"))
            else:
                cells.append(Cell(ctx.effect(e, log), "num", sub=f"{fmt.p_text(e['p_value'])}"))
                forest_rows.append((ctx.term(t), label, e, log))
        body.append(Row(cells, "emph" if r["key"] == "primary" else ""))
    visit = ctx.at_visit(n["primary"]["visit"])
    notes = [_scale_note(log, ctx.var(n["primary"]["outcome"]))]
    if n["design"]["factorial"]:
        notes.append(
            "Margins vs factorial vs arms: the same data under the three estimands of a "
            "factorial trial (McAlister et al. 2003; Kahan et al. 2020). The margins model "
            "assumes no interaction; the four-arm model's comparisons of each arm with control "
            "are in the section Arms compared with control."
        )
    notes += [
        "ANCOVA vs change score vs follow-up only: ANCOVA is the more precise and is unbiased "
        "whatever the baseline imbalance (Vickers & Altman 2001); the others are shown because "
        "published trials often used them.",
    ]
    if any(r["key"] == "mmrm" for r in rows):
        notes.append(
            f"Completers vs MMRM: the ANCOVA uses the subjects measured {visit} "
            "(completers); the MMRM also uses subjects who dropped out after an "
            "earlier visit."
        )
    blocks: list[Any] = [
        _table(
            ctx,
            f"Sensitivity analyses of {ctx.var(n['primary']['outcome'])} {visit}.",
            columns,
            body,
            notes,
        )
    ]
    _add(
        blocks,
        ctx.figure(
            "forest_primary",
            f"Forest plot: effects on {ctx.var(n['primary']['outcome'])} "
            f"{visit} under each analysis (95% CI).",
            alt_text.forest(ctx, forest_rows),
        ),
    )
    return Section("sensitivity", "Sensitivity analyses", blocks)


def _more_figures(ctx: Context) -> Section:
    from ..pipeline.figures import trajectory_outcomes

    n = ctx.numbers
    primary = n["outcomes"]["primary"]
    blocks: list[Any] = []
    shown = trajectory_outcomes(n)
    _add(
        blocks,
        ctx.figure(
            "trajectories",
            "Observed means by arm and visit with 95% confidence intervals "
            "(geometric means for log-scale outcomes), all subjects measured at each visit.",
            alt_text.trajectories(ctx, shown),
        ),
    )
    _add(
        blocks,
        ctx.figure(
            "distributions",
            f"{ctx.var(primary)} of every subject by arm and visit: box plots "
            "(median, quartiles, whiskers to 1.5 × IQR) with the individual values.",
            alt_text.distributions(ctx, primary),
        ),
    )
    _add(
        blocks,
        ctx.figure(
            "residuals",
            "Residual diagnostics of the primary ANCOVA: residuals against fitted "
            "values (look for a funnel or a curve) and a normal Q–Q plot (look for curvature in "
            "the tails).",
            alt_text.residuals(ctx),
        ),
    )
    return Section("figures", "Data and model checks", blocks)


PUBLISHED_LABELS: dict[str, str] = {
    "insulin_resistance": "Insulin resistance (HOMA-like)",
    "fasting_insulin": "Fasting insulin",
    "insulin_after_glucose_load": "Insulin after a glucose load",
    "fasting_glucose": "Fasting glucose",
    "systolic_bp_top_third": "Systolic blood pressure, top third of baseline diastolic",
    "diastolic_bp_top_third": "Diastolic blood pressure, top third of baseline diastolic",
}

_QUANTITIES = {
    "baseline": "mean at baseline",
    "follow_up": "mean at follow-up",
    "change": "mean change",
    "net_change": "net change vs control",
    "percent_change": "percentage change",
}


def _published(ctx: Context) -> Section | None:
    pub = ctx.numbers.get("published")
    if not pub:
        return None
    body = []
    for r in pub["summaries"]:
        outcome = PUBLISHED_LABELS.get(r["outcome"], r["outcome"])
        unit = lab.unit_text(r["unit"])
        decimals = 0 if r["mean_decimals"] is None else int(r["mean_decimals"])
        shown = fmt.num(r["mean"], decimals)
        if r["spread"] is not None:
            shown += f" ± {fmt.num(r['spread'], int(r['spread_decimals']))}"
            if r["spread_type"] not in ("", "±"):
                shown += f" ({r['spread_type']})"
        body.append(
            Row(
                [
                    Cell(f"{outcome}{', ' + unit if unit else ''}"),
                    Cell(_QUANTITIES.get(r["quantity"], r["quantity"])),
                    Cell(ctx.arm(r["arm"])),
                    Cell(shown, "num"),
                    _reanalysed_cell(r, decimals + 1),
                    Cell(_source_name(r["source"]), "small nowrap"),
                ]
            )
        )
    notes = [
        f"Published: as printed in the source ({pub['trial']}), ± as printed (the sources do "
        "not say whether it is an SD or an SE; its size suggests an SE). Re-analysed: the "
        "same quantity from these data, on the subjects measured at baseline and "
        f"{ctx.visit(pub['visit'])}: mean ± SE (n); net changes are the arm's mean change "
        "minus the control arm's, ± SE (Welch), with the 95% CI.",
        f"Fasting insulin in pmol/L: µU/mL × {fmt.num(pub['insulin_factor'], 2)}. Blood "
        "pressure in the top third of the baseline diastolic pressure of the randomised "
        "subjects, as published.",
    ]
    if ctx.numbers["analysis"]["source_kind"] == "simulate":
        notes.append(
            "The simulated trial was calibrated to these published figures; agreement "
            "within sampling error checks the generator, not the trial."
        )
    blocks: list[Any] = [
        _table(
            ctx,
            f"Published {pub['trial']} summaries beside the same "
            "quantities computed from these data.",
            ["Outcome", "Quantity", "Arm", "Published", "Re-analysed", "Source"],
            body,
            notes,
        )
    ]
    tbody = []
    for t in pub["tests"]:
        published = f"P {t['p_relation']} {fmt.num(t['p_value'], int(t['p_value_decimals']))}"
        re = t["reanalysed"]
        if "reason" in re:
            effect, p = Cell(re["reason"], "small"), Cell("–", "num")
        else:
            d = fmt.decimals_for(re["std_error"])
            effect = Cell(
                fmt.estimate_ci(re["estimate"], re["conf_low"], re["conf_high"], d), "num"
            )
            p = Cell(fmt.p_value(re["p_value"]), "num")
        tbody.append(
            Row(
                [
                    Cell(PUBLISHED_LABELS.get(t["outcome"], t["outcome"])),
                    Cell(lab.term_label(t["comparison"], ctx.labels["arms"])),
                    Cell(published, "num"),
                    Cell(t["verdict"] or "–", sub=_readings(t["consistent_readings"])),
                    effect,
                    p,
                ]
            )
        )
    tnotes = [
        "From the published summaries: whether the published P value can be recomputed from "
        "the published means and ± (lt.published_vs_recomputed; each reading of ± as SE or SD, "
        "each published basis of the arm sizes, with and without a Bonferroni adjustment; "
        "rounding respected); the readings that reproduce it are listed.",
        "Re-analysed: the same comparison in these data, Welch t test on the change from "
        "baseline (not the ANCOVA of the primary analysis), unadjusted.",
    ]
    blocks.append(
        _table(
            ctx,
            f"Published {pub['trial']} P values, how they arise from the "
            "published summaries, and the same comparison in these data.",
            [
                "Outcome",
                "Comparison",
                "Published",
                "From the published summaries",
                "Re-analysed difference (95% CI)",
                "Re-analysed P",
            ],
            tbody,
            tnotes,
        )
    )
    cites = [
        (s["source"], s["citation"] + (f" doi:{s['doi']}" if s["doi"] else ""))
        for s in pub["sources"]
    ]
    blocks.append(Items(cites, "provenance"))
    return Section("published", f"Published {pub['trial']} results", blocks)


def _source_name(key: str) -> str:
    """A source key as a name and year: ``anderssen1996`` → ``Anderssen 1996``.

    >>> _source_name("anderssen1996")
    'Anderssen 1996'
    """
    name = key.rstrip("0123456789")
    return f"{name.capitalize()} {key[len(name) :]}".strip()


def _readings(text: str, most: int = 2) -> str:
    """The first readings of a ';'-separated list, and how many more there are."""
    readings = [r.strip() for r in text.split(";") if r.strip()]
    if len(readings) <= most:
        return "; ".join(readings)
    return "; ".join(readings[:most]) + f"; and {len(readings) - most} more"


def _reanalysed_cell(row: Mapping[str, Any], decimals: int) -> Cell:
    re = row["reanalysed"]
    if "reason" in re:
        return Cell(re["reason"], "small")
    if row["quantity"] == "net_change":
        d = max(decimals, fmt.decimals_for(re["std_error"]))
        text = f"{fmt.num(re['estimate'], d)} ± {fmt.num(re['std_error'], d)}"
        return Cell(text, "num", sub=f"95% CI {fmt.ci(re['conf_low'], re['conf_high'], d)}")
    if row["spread"] is None:
        return Cell(fmt.num(re["mean"], decimals), "num", sub=f"n = {re['n']}")
    return Cell(
        f"{fmt.num(re['mean'], decimals)} ± {fmt.num(re['se'], decimals)}",
        "num",
        sub=f"n = {re['n']}",
    )


def _methods(ctx: Context) -> Section:
    n = ctx.numbers
    p = n["primary"]
    covs = n["outcomes"]["covariates"]
    text = [
        f"The primary outcome, {ctx.var(p['outcome'])} {ctx.at_visit(p['visit'])}, was analysed "
        "by analysis of covariance (ANCOVA) with its baseline value as covariate"
        + (f" and {', '.join(ctx.var(c) for c in covs)}" if covs else "")
        + (
            " on the natural log scale (outcome and baseline logged), so that effects are "
            "ratios of geometric means"
            if p["log"]
            else ""
        )
        + ". Subjects with both a baseline and a follow-up value were analysed; those without "
        "are counted, with the reason, in the participant flow.",
        "The estimand was fixed in the analysis configuration before the analysis: "
        + (
            "the factorial estimand, with main effects of diet and of exercise each averaged "
            "over the levels of the other factor with equal weights, and the diet × exercise "
            "interaction reported with its confidence interval whatever its size (Kahan et al. "
            "2020; CONSORT extension for factorial trials, 2023)."
            if p["estimand"] == "factorial"
            else "each arm compared with control, as the trial does not have the four cells of "
            "a 2 × 2 design."
        ),
        "Effects are contrasts of estimated marginal means (as R's emmeans) with t-based 95% "
        "confidence intervals and two-sided P values, not adjusted for multiplicity. With "
        "several post-baseline visits, a mixed model for repeated measures (MMRM) with an "
        "unstructured covariance and Satterthwaite degrees of freedom uses all available "
        "visits. Sensitivity analyses compare estimands and analysis methods.",
        "Numbers are formatted for reading only: a mean and its SD (or an estimate and its "
        "interval) share the decimals that show the spread to two significant digits; ratios "
        "have two decimals; P values three, with P < 0.001 shown as <0.001. Every number is "
        "in numbers.json and the tables in tables/*.csv at full precision.",
    ]
    return Section("methods", "Statistical methods", [Paragraph(t) for t in text])


def _provenance(ctx: Context) -> Section:
    n = ctx.numbers
    prov = n["provenance"]
    deps = prov["dependencies"]
    pairs = [
        ("Source", prov["source"]),
        ("Citation", prov["citation"] or "–"),
        ("Licence", prov["licence"] or "–"),
        ("Source checksum (SHA-256)", prov["source_sha256"] or "–"),
        ("Seed", "–" if prov["seed"] is None else str(prov["seed"])),
        (
            "Configuration",
            f"analyses/{n['analysis']['id']}/analysis.toml (SHA-256 {prov['config_sha256']})",
        ),
        ("lifestyle-trials", prov["package_version"]),
        ("Software", ", ".join(f"{k} {v}" for k, v in deps.items())),
    ]
    blocks: list[Any] = [Items(pairs, "provenance")]
    files = [
        Row([Cell(f["stage"]), Cell(f["file"], "mono"), Cell(f["sha256"], "mono small")])
        for f in prov["files"]
    ]
    blocks.append(
        _table(
            ctx,
            "Data files of this report and their SHA-256 checksums.",
            ["Stage", "File", "SHA-256"],
            files,
        )
    )
    blocks.append(Paragraph("Processing steps, in order:"))
    blocks.append(Items([(s, "") for s in prov["steps"]], "steps"))
    if prov["warnings"]:
        blocks.append(Paragraph("Warnings raised while the data were read:"))
        blocks.append(Items([(w, "") for w in prov["warnings"]], "steps"))
    excl = [e for key in ("primary", "mmrm") for e in (n.get(key) or {}).get("exclusions", [])]
    if excl:
        rows = [
            Row(
                [
                    Cell(e["step"]),
                    Cell(e["reason"]),
                    Cell(str(e["n"]), "num"),
                    Cell(", ".join(e["subjects"]), "small"),
                ]
            )
            for e in excl
        ]
        blocks.append(
            _table(
                ctx,
                "Subjects set aside by the models, and why.",
                ["Analysis", "Reason", "n", "Subjects"],
                rows,
            )
        )
    blocks.append(
        Paragraph(
            "Rebuild this report with `make report`; check it against the committed expected "
            "version with `make verify`.",
            "note",
        )
    )
    return Section("provenance", "Provenance and reproducibility", blocks)
