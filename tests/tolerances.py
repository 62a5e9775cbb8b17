"""One tolerance table for the whole test suite (see tests/reference/README.md)."""

CLOSED_FORM_RTOL = 1e-8
"""Least-squares fits (lm, ANCOVA, summary statistics): relative tolerance."""

REML_RTOL = 1e-5
"""Iterative (RE)ML fits: estimates and standard errors, relative tolerance."""

LOGLIK_RTOL = 1e-6
"""Log-likelihoods of iterative fits, relative tolerance."""

DF_RTOL = 0.02
"""Satterthwaite / Kenward-Roger degrees of freedom against emmeans or lmerTest."""

DF_EXACT_RTOL = 1e-4
"""Satterthwaite / Kenward-Roger degrees of freedom against a reference that evaluates the
same formula (lmerTest, pbkrtest, clubSandwich, or the numerically differentiated REML
likelihood in a case's R script) rather than approximating it as emmeans does for gls."""

RBMI_RTOL = 1e-4
"""Multiple imputation against rbmi (conditional mean imputation with jackknife): pooled
estimates and standard errors, relative. rbmi's MMRM fits (R mmrm, TMB) stop about 1e-5
relative from the REML optimum; each of its n + 1 fits carries that error."""
