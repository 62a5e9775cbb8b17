# Every covariance structure on data with dropout and intermittent missing values:
# cs (corCompSymm), csh (+ varIdent), ar1 (corAR1), ar1h, toep (corARMA p = T - 1), toeph,
# diag (varIdent only), us (corSymm + varIdent). REML.
source("../mmrm_common.R")
d <- analysis_set()
structures <- c("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "diag")
fits <- lapply(structures, function(s) {
  fit <- fit_gls(d, s)
  c(gls_numbers(fit, d), factorial_numbers(fit, d, mode = "satterthwaite"),
    list(sigma = full_sigma(fit, d), exact_df = exact_df(fit, d)))
})
names(fits) <- structures
write_expected(c(fits, list(versions = versions(c("nlme", "emmeans", "jsonlite")))))
