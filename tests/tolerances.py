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
KR_PBKRTEST_RTOL = 2e-4
"""Kenward-Roger standard errors and F statistics against R's pbkrtest: pbkrtest weights the
adjustment by the inverse *expected* information of the covariance parameters, SAS PROC MIXED,
R's mmrm and lifestyle-trials by the inverse *observed* information; on the reference cases
the two differ by up to 1e-4 relative. With the expected information the engine equals
pbkrtest within REML_RTOL and DF_EXACT_RTOL (tests/unit/test_kenward_roger.py)."""

KR_PBKRTEST_DF_RTOL = 0.03
"""Kenward-Roger df against pbkrtest (expected against observed information, as for
KR_PBKRTEST_RTOL): up to 2.7% apart on the reference cases, most at about 20 df."""

SAS_RTOL = 5e-4
"""Against SAS PROC MIXED listings (R mmrm's design/SAS, design/ddfm_covtype): SAS stops at
its own convergence criterion, where the estimates agree with a polished optimum to about
3e-5 and Kenward-Roger standard errors and df, more sensitive to the optimum, to 4e-4."""
