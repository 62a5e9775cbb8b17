"""The "Provenance and reproducibility" section: where the data came from and how to rebuild."""

from __future__ import annotations

import re

from .. import format as fmt
from ..blocks import Cell, Items, Paragraph, Row, Section
from ..context import Context
from ..model_text import in_sentence
from .common import Block, table

__all__ = ["provenance_section"]


def provenance_section(ctx: Context) -> Section:
    """The provenance of the report: source, checksums, software, steps and exclusions.

    Returns
    -------
    Section
        Section ``provenance``: the source, licence, seed, configuration and software; the
        data files with their SHA-256; the processing steps and any warnings; the subjects
        the models set aside and why; how to rebuild and check the report.
    """
    n = ctx.numbers
    prov = n["provenance"]
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
        ("Software", ", ".join(f"{k} {v}" for k, v in prov["dependencies"].items())),
    ]
    files = [
        Row([Cell(f["stage"]), Cell(f["file"], "mono"), Cell(f["sha256"], "mono small")])
        for f in prov["files"]
    ]
    blocks: list[Block] = [
        Items(pairs, "provenance"),
        table(
            ctx,
            "Data files of this report and their SHA-256 checksums.",
            ["Stage", "File", "SHA-256"],
            files,
        ),
        Paragraph("Processing steps, in order:"),
        Items([(fmt.plain_text(s), "") for s in prov["steps"]], "steps"),
    ]
    if prov["warnings"]:
        blocks.append(Paragraph("Warnings raised while the data were read:"))
        blocks.append(Items([(fmt.plain_text(w), "") for w in prov["warnings"]], "steps"))
    excl = [e for key in ("primary", "mmrm") for e in (n.get(key) or {}).get("exclusions", [])]
    if excl:
        rows = [
            Row(
                [
                    Cell(_words(ctx, e["step"], step=True)),
                    Cell(_words(ctx, e["reason"])),
                    Cell(str(e["n"]), "num"),
                    Cell(", ".join(e["subjects"]), "small"),
                ]
            )
            for e in excl
        ]
        blocks.append(
            table(
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


_STEPS = {
    "ancova": "ANCOVA of",
    "mmrm": "MMRM of",
    "mixed_anova": "mixed ANOVA of",
    "read": "reading",
    "read_adam": "reading ADaM",
}


def _words(ctx: Context, text: str, step: bool = False) -> str:
    """A logged reason or step in the report's words: variable names as labelled, visits as
    words ("at month 12"), model codes spelt out."""
    if step:
        first, _, rest = text.partition(" ")
        text = f"{_STEPS.get(first, first)} {rest}".strip()
    text = re.sub(r"\bat visit (\d+(?:\.\d+)?)\b", lambda m: ctx.at_visit(float(m[1])), text)
    text = re.sub(r"\bvisit (\d+(?:\.\d+)?)\b", lambda m: ctx.visit(float(m[1])), text)
    design = ctx.numbers["design"]
    names = sorted({*design["outcomes"], *design["covariates"]}, key=len, reverse=True)
    for name in names:
        label = in_sentence(ctx.var(name))
        text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", label, text)
    return text
