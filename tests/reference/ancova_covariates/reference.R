# Covariates age (numeric, at its mean) and sex (factor: equal and proportional weights).
source("../ancova_common.R")
write_case("homa_ir", 12, ALL_FITS, covariates = c("age", "sex"))
