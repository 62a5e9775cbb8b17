# Random intercept and slope in visit time (months): lmerTest::lmer(y ~ baseline * visit_f +
# diet * exercise * visit_f + (1 + visit | subject)), REML; Satterthwaite and Kenward-Roger
# df through emmeans; type III tests from lmerTest::anova.
source("../lmm_common.R")
d <- analysis_set()
fit <- fit_lmer(d, "slope")
out <- c(
  lmer_numbers(fit, d, "slope"),
  list(
    kenward_roger = factorial_numbers(fit, d, extra = list(lmer.df = "kenward-roger")),
    versions = versions(c("lme4", "lmerTest", "pbkrtest", "emmeans", "jsonlite"))
  )
)
write_expected(out)
