# Kenward-Roger and Satterthwaite checked exactly: a compound-symmetry MMRM with positive
# correlation is the random-intercept model y ~ ... + (1 | subject). lme4 + lmerTest
# (Satterthwaite) and pbkrtest (Kenward-Roger) through emmeans; type III tests from
# lmerTest::anova with sum-to-zero contrasts and baseline centred at its subject mean (so
# that the visit test is at the mean baseline, as emmeans' joint_tests and lifestyle-trials),
# with lmerTest's contrast matrices (see anova_numbers in lmm_common.R).
source("../lmm_common.R")
d <- analysis_set()
fit_cs <- fit_gls(d, "cs")
fit <- fit_lmer(d, "intercept")
vc <- as.data.frame(VarCorr(fit))
out <- list(
  loglik = as.numeric(logLik(fit)),
  loglik_gls = as.numeric(logLik(fit_cs)),
  variances = list(intercept = vc$vcov[1], residual = vc$vcov[2]),
  coef = named(fixef(fit), lt_names(names(fixef(fit)))),
  std_error = named(sqrt(diag(as.matrix(vcov(fit)))), lt_names(names(fixef(fit)))),
  kenward_roger = factorial_numbers(fit, d, extra = list(lmer.df = "kenward-roger")),
  satterthwaite = factorial_numbers(fit, d, extra = list(lmer.df = "satterthwaite")),
  anova_kr = anova_numbers(d, "intercept", "Kenward-Roger"),
  anova_satterthwaite = anova_numbers(d, "intercept", "Satterthwaite"),
  n_subjects = length(unique(d$subject)),
  versions = versions(c("nlme", "lme4", "lmerTest", "pbkrtest", "emmeans", "jsonlite"))
)
write_expected(out)
