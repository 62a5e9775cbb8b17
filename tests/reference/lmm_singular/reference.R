# A boundary fit: lmer(... + (1 + visit | subject)) with a random-slope correlation estimated
# at 1 (isSingular). The log-likelihood and estimates are still well defined.
source("../lmm_common.R")
d <- analysis_set()
fit <- fit_lmer(d, "slope")
vc <- as.data.frame(VarCorr(fit))
out <- list(
  loglik = as.numeric(logLik(fit)),
  coef = named(fixef(fit), lt_names(names(fixef(fit)))),
  varcorr = list(vcov = vc$vcov, sdcor = vc$sdcor),
  singular = isSingular(fit),
  versions = versions(c("lme4", "jsonlite"))
)
write_expected(out)
