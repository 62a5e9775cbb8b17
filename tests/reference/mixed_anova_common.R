# Shared R code of the mixed_anova_* reference cases: afex::aov_ez with arm between subjects
# and visit (baseline included) within; univariate tests, Greenhouse-Geisser and Huynh-Feldt
# corrections and Mauchly's test from car's summary of the multivariate fit. Type II sums of
# squares (pingouin's); with unequal arms type III (afex's default) differs for visit.
suppressPackageStartupMessages({ library(afex); library(jsonlite) })

mixed_anova_numbers <- function(path = "data.csv", outcome = "homa_ir", log = FALSE,
                                type = 2) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  if (log) d[[outcome]] <- log(d[[outcome]])
  d$arm <- factor(paste(d$diet, d$exercise))
  d$visit <- factor(d$visit)
  d <- d[!is.na(d[[outcome]]), ]
  complete <- names(which(table(d$subject) == nlevels(d$visit)))
  d <- d[d$subject %in% complete, ]
  fit <- aov_ez(id = "subject", dv = outcome, data = d, between = "arm", within = "visit",
                type = type)
  s <- summary(fit$Anova, multivariate = FALSE)
  uni <- s$univariate.tests
  terms <- c("arm", "visit", "arm:visit")
  adj <- s$pval.adjustments
  list(
    term = c("arm", "visit", "arm:visit"),
    sum_sq = unname(uni[terms, "Sum Sq"]),
    num_df = unname(uni[terms, "num Df"]),
    den_df = unname(uni[terms, "den Df"]),
    statistic = unname(uni[terms, "F value"]),
    p_value = unname(uni[terms, "Pr(>F)"]),
    eps_gg = unname(adj[c("visit", "arm:visit"), "GG eps"]),
    p_value_gg = unname(adj[c("visit", "arm:visit"), "Pr(>F[GG])"]),
    eps_hf = unname(adj[c("visit", "arm:visit"), "HF eps"]),
    p_value_hf = unname(adj[c("visit", "arm:visit"), "Pr(>F[HF])"]),
    mauchly = unname(s$sphericity.tests["visit", ]),
    n_complete = length(complete),
    type = type,
    versions = list(R = R.version.string, afex = as.character(packageVersion("afex")),
                    car = as.character(packageVersion("car")),
                    jsonlite = as.character(packageVersion("jsonlite")))
  )
}
