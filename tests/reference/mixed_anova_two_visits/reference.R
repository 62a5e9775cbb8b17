# Two visits: afex::aov_ez(between = "arm", within = "visit"), type II. With two levels of
# the within factor there is no sphericity to test or correct, and the arm x visit F equals
# the one-way ANOVA F of the change from baseline (checked here too).
suppressPackageStartupMessages({ library(afex); library(jsonlite) })
d <- read.csv("data.csv", stringsAsFactors = FALSE)
d$arm <- factor(paste(d$diet, d$exercise))
d$visit <- factor(d$visit)
d <- d[!is.na(d$homa_ir), ]
complete <- names(which(table(d$subject) == nlevels(d$visit)))
d <- d[d$subject %in% complete, ]
fit <- aov_ez(id = "subject", dv = "homa_ir", data = d, between = "arm", within = "visit",
              type = 2)
uni <- summary(fit$Anova, multivariate = FALSE)$univariate.tests
terms <- c("arm", "visit", "arm:visit")
w <- reshape(d[, c("subject", "arm", "visit", "homa_ir")], idvar = c("subject", "arm"),
             timevar = "visit", direction = "wide")
change <- anova(lm(w[["homa_ir.12"]] - w[["homa_ir.0"]] ~ arm, data = w))
out <- list(
  term = terms,
  sum_sq = unname(uni[terms, "Sum Sq"]),
  num_df = unname(uni[terms, "num Df"]),
  den_df = unname(uni[terms, "den Df"]),
  statistic = unname(uni[terms, "F value"]),
  p_value = unname(uni[terms, "Pr(>F)"]),
  change_anova_f = change[["F value"]][1],
  n_complete = length(complete),
  versions = list(R = R.version.string, afex = as.character(packageVersion("afex")),
                  car = as.character(packageVersion("car")),
                  jsonlite = as.character(packageVersion("jsonlite")))
)
write_json(out, "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
