# Extract the bundled public datasets from the R packages that distribute them.
#
# Writes src/lifestyle_trials/datasets/data/public_<name>.csv: the values as the R package
# holds them, with one column added, `subject` (the row number), because none of these data
# frames has a subject id. Column names and factor labels are kept as in R; the mapping to
# the diet x exercise design lives in public_datasets.toml, not here.
#
# Run with `make datasets` (which then records the checksums in the registry).
# Needs the Debian packages r-cran-mass, r-cran-cardata and r-cran-hsaur3.

args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args)) args[[1]] else "src/lifestyle_trials/datasets/data"

extract <- function(name, package, frame) {
  frame <- data.frame(subject = seq_len(nrow(frame)), frame, check.names = FALSE)
  for (col in names(frame)) {
    if (is.factor(frame[[col]])) frame[[col]] <- as.character(frame[[col]])
  }
  text <- vapply(frame, function(x) is.character(x) && any(grepl("[,\"\n]", x)), logical(1))
  stopifnot(!any(text))  # written unquoted below: no separators or quotes in the values
  path <- file.path(out_dir, sprintf("public_%s.csv", name))
  write.csv(frame, path, row.names = FALSE, quote = FALSE, fileEncoding = "UTF-8")
  cat(sprintf("%s: %d rows from %s %s\n", path, nrow(frame), package,
              as.character(packageVersion(package))))
}

data("anorexia", package = "MASS")
extract("anorexia", "MASS", anorexia)

data("WeightLoss", package = "carData")
extract("weightloss", "carData", WeightLoss)

data("weightgain", package = "HSAUR3")
extract("weightgain", "HSAUR3", weightgain)

cat(R.version.string, "\n")
