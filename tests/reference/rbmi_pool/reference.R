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
out <- list(
  rubin = list(est = rub$est_point, se = sqrt(rub$var_t), df = rub$df, lci = rub_ci$ci[1],
               uci = rub_ci$ci[2], pval = rub_ci$pvalue),
  bmlmi = list(est = bml$est_point, se = sqrt(bml$est_var), df = bml$df, lci = bml_ci$ci[1],
               uci = bml_ci$ci[2], pval = bml_ci$pvalue),
  versions = versions(c("rbmi", "jsonlite"))
)
write_expected(out)
