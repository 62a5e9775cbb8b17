"""A model formula as users write it in R: the fixed part, and the covariance or random effects.

``"FEV1 ~ RACE + SEX + ARMCD * AVISIT + us(AVISIT | USUBJID)"`` (R mmrm's notation: a
covariance structure over the levels of a visit factor within subject, optionally one per
group, ``us(AVISIT | ARMCD / USUBJID)``) or ``"y ~ arm * visit + (1 + visit | subject)"``
(lme4's notation for random effects per subject). :func:`parse_formula` splits the formula
into its response, the fixed part (handed to formulaic by
:mod:`~lifestyle_trials.models.design.model_matrix`) and the covariance or random-effects term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...errors import ModelError

__all__ = ["CovarianceTerm", "ParsedFormula", "RandomTerm", "parse_formula", "split_terms"]

_NAME = r"[A-Za-z_.][A-Za-z0-9_.]*"
_COVARIANCE = re.compile(
    rf"^\s*(?P<structure>{_NAME})\s*\(\s*(?P<visit>{_NAME})\s*\|\s*"
    rf"(?:(?P<group>{_NAME})\s*/\s*)?(?P<subject>{_NAME})\s*\)\s*$"
)
_RANDOM = re.compile(r"^\s*\(\s*(?P<effects>[^|()]*)\|\s*(?P<subject>" + _NAME + r")\s*\)\s*$")


@dataclass(frozen=True)
class CovarianceTerm:
    """``structure(visit | subject)`` or ``structure(visit | group / subject)``."""

    structure: str
    visit: str
    subject: str
    group: str | None = None

    def __str__(self) -> str:
        group = f"{self.group} / " if self.group else ""
        return f"{self.structure}({self.visit} | {group}{self.subject})"


@dataclass(frozen=True)
class RandomTerm:
    """lme4's ``(1 | subject)`` (``slope`` None) or ``(1 + time | subject)``."""

    subject: str
    slope: str | None = None

    def __str__(self) -> str:
        effects = f"1 + {self.slope}" if self.slope else "1"
        return f"({effects} | {self.subject})"


@dataclass(frozen=True)
class ParsedFormula:
    """A formula split into its parts.

    Attributes
    ----------
    response : str
        The response column.
    fixed : str
        The right-hand side of the fixed part, as formulaic reads it (``"1"`` when empty).
    covariance : CovarianceTerm or None
    random : RandomTerm or None
    """

    response: str
    fixed: str
    covariance: CovarianceTerm | None = None
    random: RandomTerm | None = None


def split_terms(rhs: str) -> list[str]:
    """The top-level ``+``-separated terms of a formula's right-hand side.

    Examples
    --------
    >>> split_terms("a * b + us(v | s) + (1 + t | s)")
    ['a * b', 'us(v | s)', '(1 + t | s)']
    """
    terms: list[str] = []
    current: list[str] = []
    depth = 0
    for char in rhs:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ModelError(f"unbalanced parentheses in the formula part {rhs!r}")
        if char == "+" and depth == 0:
            terms.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise ModelError(f"unbalanced parentheses in the formula part {rhs!r}")
    terms.append("".join(current).strip())
    return [t for t in terms if t]


def parse_formula(formula: str) -> ParsedFormula:
    """Split a model formula into response, fixed part and covariance/random-effects term.

    Parameters
    ----------
    formula : str
        ``"response ~ fixed terms + structure(visit | subject)"`` (R mmrm) or
        ``"response ~ fixed terms + (1 | subject)"`` / ``(1 + time | subject)`` (lme4).

    Returns
    -------
    ParsedFormula

    Raises
    ------
    ModelError
        No ``~``, no response, more than one covariance or random-effects term, or a
        random-effects term other than a random intercept with at most one slope.

    Examples
    --------
    >>> p = parse_formula("FEV1 ~ RACE + ARMCD * AVISIT + us(AVISIT | USUBJID)")
    >>> p.response, p.fixed, str(p.covariance)
    ('FEV1', 'RACE + ARMCD * AVISIT', 'us(AVISIT | USUBJID)')
    >>> str(parse_formula("y ~ arm * time + (1 + time | id)").random)
    '(1 + time | id)'
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ModelError(
            f"a formula needs one '~' between the response and the terms, e.g. "
            f"'y ~ arm * visit + us(visit | subject)'; got {formula!r}"
        )
    lhs, rhs = (part.strip() for part in formula.split("~"))
    if not re.fullmatch(_NAME, lhs):
        raise ModelError(
            f"the response of the formula must be one column name, not {lhs!r}; "
            "transform the column first (e.g. log) and name the new column"
        )
    fixed: list[str] = []
    covariance: CovarianceTerm | None = None
    random: RandomTerm | None = None
    for term in split_terms(rhs):
        if "|" not in term:
            fixed.append(term)
            continue
        if covariance is not None or random is not None:
            raise ModelError(
                f"the formula has more than one covariance or random-effects term ({term!r}); "
                "give one, e.g. us(visit | subject) or (1 | subject)"
            )
        match = _COVARIANCE.match(term)
        if match:
            covariance = CovarianceTerm(
                structure=match["structure"].lower(),
                visit=match["visit"],
                subject=match["subject"],
                group=match["group"],
            )
            continue
        random = _random_term(term)
    return ParsedFormula(
        response=lhs, fixed=" + ".join(fixed) or "1", covariance=covariance, random=random
    )


def _random_term(term: str) -> RandomTerm:
    match = _RANDOM.match(term)
    if not match:
        raise ModelError(
            f"cannot read the term {term!r}: write a covariance structure as "
            "structure(visit | subject), e.g. us(AVISIT | USUBJID), or random effects as "
            "(1 | subject) or (1 + time | subject)"
        )
    parts = [p.strip() for p in match["effects"].split("+") if p.strip()]
    intercept = "1" in parts or not any(p in ("0", "-1") for p in parts)
    slopes = [p for p in parts if p not in ("0", "1", "-1")]
    if not intercept or len(slopes) > 1 or any(not re.fullmatch(_NAME, s) for s in slopes):
        raise ModelError(
            f"random effects {term!r} are not supported: use a random intercept (1 | subject) "
            "or a random intercept and one numeric slope (1 + time | subject)"
        )
    return RandomTerm(subject=match["subject"], slope=slopes[0] if slopes else None)
