# rbmi's pooling of 40 analyses (data.csv): Rubin's rules with the Barnard-Rubin df
# (complete-data df 50, as rbmi's pool() for method_approxbayes) and the von Hippel-Bartlett
# random-effects ANOVA for B = 20 bootstraps × D = 2 imputations (method_bmlmi), each with
# its t interval and p-value (rbmi's internal parametric_ci).
source("../rbmi_common.R")
d <- read.csv("data.csv")
rub <- rbmi:::rubin_rules(ests = d$est, ses = d$se, v_com = 50)
rub_ci <- rbmi:::parametric_ci(rub$est_point, sqrt(rub$var_t), 0.05, "two.sided", qt, pt,
                               df = rub$df)
bml <- rbmi:::get_ests_bmlmi(d$est, D = 2)
bml_ci <- rbmi:::parametric_ci(bml$est_point, sqrt(bml$est_var), 0.05, "two.sided", qt, pt,
                               df = bml$df)
# Conditional mean + bootstrap: the first estimate is the full data's, the other 39 are
# bootstrap estimates; pooled as rbmi's pool(type = "percentile") and (type = "normal"),
# for the estimates shifted to cross zero (shift 1) and rounded to put ties at zero.
boot <- function(est) {
  pct <- rbmi:::pool_bootstrap_percentile(est, 0.95, "two.sided")
  nrm <- rbmi:::pool_bootstrap_normal(est, 0.95, "two.sided")
  list(est = est,
       percentile = list(est = pct$est, lci = pct$ci[1], uci = pct$ci[2], pval = pct$pvalue),
       normal = list(est = nrm$est, se = nrm$se, lci = nrm$ci[1], uci = nrm$ci[2],
                     pval = nrm$pvalue))
}
bootstrap <- list(
  as_is = boot(d$est),
  shifted = boot(d$est - 1),
  ties_at_zero = boot(round(d$est - 1, 1)),
  level_90 = c(boot(d$est - 1), list(level = 0.9))
)
bootstrap$level_90$percentile <- local({
  p <- rbmi:::pool_bootstrap_percentile(d$est - 1, 0.9, "two.sided")
  list(est = p$est, lci = p$ci[1], uci = p$ci[2], pval = p$pvalue)
})
out <- list(
  bootstrap = bootstrap,
  rubin = list(est = rub$est_point, se = sqrt(rub$var_t), df = rub$df, lci = rub_ci$ci[1],
               uci = rub_ci$ci[2], pval = rub_ci$pvalue),
  bmlmi = list(est = bml$est_point, se = sqrt(bml$est_var), df = bml$df, lci = bml_ci$ci[1],
               uci = bml_ci$ci[2], pval = bml_ci$pvalue),
  versions = versions(c("rbmi", "jsonlite"))
)
write_expected(out)
