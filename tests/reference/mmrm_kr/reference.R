# Kenward-Roger and Satterthwaite checked exactly: a compound-symmetry MMRM with positive
# correlation is the random-intercept model y ~ ... + (1 | subject). lme4 + lmerTest
# (Satterthwaite) and pbkrtest (Kenward-Roger) through emmeans; type III tests from
# lmerTest::anova with sum-to-zero contrasts and baseline centred at its subject mean (so
# that the visit test is at the mean baseline, as emmeans' joint_tests and lifestyle-trials).
source("../mmrm_common.R")
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(pbkrtest) })
d <- analysis_set()
fit_cs <- fit_gls(d, "cs")
f <- update(mmrm_formula(), . ~ . + (1 | subject))
fit <- lmer(f, data = d, REML = TRUE, control = lmerControl(optimizer = "bobyqa",
            optCtrl = list(rhobeg = 0.1, rhoend = 1e-10)))
kr <- factorial_numbers(fit, d, extra = list(lmer.df = "kenward-roger"))
sat <- factorial_numbers(fit, d, extra = list(lmer.df = "satterthwaite"))
d$baseline_c <- d$baseline - kr$baseline_mean
op <- options(contrasts = c("contr.sum", "contr.poly"))
fit_sum <- lmer(y ~ baseline_c * visit_f + diet * exercise * visit_f + (1 | subject), data = d,
                REML = TRUE, control = lmerControl(optimizer = "bobyqa",
                optCtrl = list(rhobeg = 0.1, rhoend = 1e-10)))
anova_table <- function(ddf) {
  a <- anova(fit_sum, type = 3, ddf = ddf)
  term <- lt_names(gsub("visit_f", "visit", gsub("baseline_c", "baseline", rownames(a))))
  list(term = term, num_df = a$NumDF, den_df = a$DenDF, statistic = a[["F value"]])
}
options(op)
vc <- as.data.frame(VarCorr(fit))
out <- list(
  loglik = as.numeric(logLik(fit)),
  loglik_gls = as.numeric(logLik(fit_cs)),
  variances = list(intercept = vc$vcov[1], residual = vc$vcov[2]),
  coef = named(fixef(fit), lt_names(names(fixef(fit)))),
  std_error = named(sqrt(diag(as.matrix(vcov(fit)))), lt_names(names(fixef(fit)))),
  kenward_roger = kr,
  satterthwaite = sat,
  anova_kr = anova_table("Kenward-Roger"),
  anova_satterthwaite = anova_table("Satterthwaite"),
  n_subjects = length(unique(d$subject)),
  versions = versions(c("nlme", "lme4", "lmerTest", "pbkrtest", "emmeans", "jsonlite"))
)
write_expected(out)
