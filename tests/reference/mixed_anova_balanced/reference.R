# Complete balanced data: afex::aov_ez(between = "arm", within = "visit"), type II
# sums of squares (and type III for comparison).
source("../mixed_anova_common.R")
out <- mixed_anova_numbers(type = 2)
out$type3 <- mixed_anova_numbers(type = 3)[c("term", "sum_sq", "statistic", "p_value")]
write_json(out, "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
