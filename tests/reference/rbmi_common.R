# Shared R code of the rbmi_* reference cases: conditional mean imputation with jackknife
# (rbmi::method_condmean(type = "jackknife"), REML, unstructured covariance), the pooled
# effects of each strategy, and the versions.
suppressPackageStartupMessages({
  library(rbmi)
  library(jsonlite)
})

# Pooled rows of an rbmi pool object, named by parameter (trt_<visit>, ...).
pooled_numbers <- function(pooled) {
  df <- as.data.frame(pooled)
  out <- list()
  for (i in seq_len(nrow(df))) {
    out[[df$parameter[i]]] <- list(
      est = df$est[i], se = df$se[i], lci = df$lci[i], uci = df$uci[i], pval = df$pval[i]
    )
  }
  out
}

versions <- function(pkgs) {
  c(list(R = R.version.string), setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs))
}

write_expected <- function(out, path = "expected.json") {
  write_json(out, path, auto_unbox = TRUE, digits = NA, pretty = TRUE)
}
