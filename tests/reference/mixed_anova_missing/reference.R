# Unequal arms, missing values (complete cases), log scale: afex::aov_ez, type
# II sums of squares (and type III, which differs for visit with unequal arms).
source("../mixed_anova_common.R")
out <- mixed_anova_numbers(log = TRUE, type = 2)
out$type3 <- mixed_anova_numbers(log = TRUE, type = 3)[c("term", "sum_sq", "statistic", "p_value")]
write_json(out, "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
