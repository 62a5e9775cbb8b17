# Random intercept: lmerTest::lmer(y ~ baseline * visit + diet * exercise * visit +
# (1 | subject)), REML and ML; Satterthwaite (lmerTest) and Kenward-Roger (pbkrtest) through
# emmeans; type III tests from lmerTest::anova.
source("../lmm_common.R")
d <- analysis_set()
fit <- fit_lmer(d, "intercept")
fit_ml <- fit_lmer(d, "intercept", REML = FALSE)
out <- c(
  lmer_numbers(fit, d, "intercept"),
  list(
    kenward_roger = factorial_numbers(fit, d, extra = list(lmer.df = "kenward-roger")),
    anova_kr = anova_numbers(d, "intercept", "Kenward-Roger"),
    ml = list(loglik = as.numeric(logLik(fit_ml)),
              coef = named(fixef(fit_ml), lt_names(names(fixef(fit_ml))))),
    versions = versions(c("lme4", "lmerTest", "pbkrtest", "emmeans", "jsonlite"))
  )
)
write_expected(out)
