"""The "Data and model checks" section: trajectories, distributions and residual plots."""

from __future__ import annotations

from .. import alt_text
from ..blocks import Section
from ..context import Context
from ..model_text import and_list
from .common import Block, add

__all__ = ["checks_section"]


def checks_section(ctx: Context) -> Section:
    """The figures that show the data and check the primary model.

    Returns
    -------
    Section
        Section ``figures``: observed means by arm and visit, the primary outcome's
        distribution by arm and visit, and the residual diagnostics of the primary ANCOVA
        (each figure when it was drawn).
    """
    from ...pipeline.figures import trajectory_outcomes  # imports matplotlib

    primary = ctx.numbers["outcomes"]["primary"]
    shown = trajectory_outcomes(ctx.numbers)
    logged = [ctx.var(o) for o in shown if ctx.is_log(o)]
    blocks: list[Block] = []
    add(
        blocks,
        ctx.figure(
            "trajectories",
            f"Observed means of {and_list([ctx.var(o) for o in shown])} by arm and visit with "
            "95% confidence intervals"
            + (f" (geometric means for {and_list(logged)}, on a log axis)" if logged else "")
            + "; analysis set: all randomised subjects measured at each visit.",
            alt_text.trajectories(ctx, shown),
        ),
    )
    add(
        blocks,
        ctx.figure(
            "distributions",
            f"{ctx.var(primary)} of every subject by arm and visit: box plots "
            "(median, quartiles, whiskers to 1.5 × IQR) with the individual values"
            + (" (log axis)" if ctx.is_log(primary) else "")
            + "; all randomised subjects measured at each visit.",
            alt_text.distributions(ctx, primary),
        ),
    )
    add(
        blocks,
        ctx.figure(
            "residuals",
            f"Residual diagnostics of the primary ANCOVA ({_scale(ctx)}, "
            f"{sum(ctx.numbers['primary']['n_analysed'].values())} subjects analysed): "
            "residuals against fitted "
            "values (look for a funnel or a curve) and a normal Q–Q plot (look for curvature in "
            "the tails).",
            alt_text.residuals(ctx),
        ),
    )
    return Section("figures", "Data and model checks", blocks)


def _scale(ctx: Context) -> str:
    p = ctx.numbers["primary"]
    return f"{'log ' if p['log'] else ''}{ctx.var(p['outcome'])}"
