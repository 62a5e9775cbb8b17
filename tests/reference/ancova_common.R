# Shared R code of the ancova_* reference cases: lm + emmeans + car::Anova on the analysis set
# of one outcome at one visit, for every estimand and analysis, written to expected.json.
# Coefficients are renamed to lifestyle-trials' names (intercept, diet, arm[diet], sex[M], ...).
suppressPackageStartupMessages({
  library(emmeans)
  library(car)
  library(sandwich)
  library(mvtnorm)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

ARMS <- c("control", "diet", "exercise", "diet+exercise")
FACTORIAL <- list(diet = c(-0.5, 0.5, -0.5, 0.5), exercise = c(-0.5, -0.5, 0.5, 0.5),
                  "diet:exercise" = c(1, -1, -1, 1))

# Subjects with both a baseline and a value at `visit`, as lifestyle_trials' analysis_data.
ancova_set <- function(outcome, visit, covariates = character(), path = "data.csv") {
  d <- read.csv(path, stringsAsFactors = FALSE)
  d$subject <- as.character(d$subject)
  b <- d[d$visit == 0, c("subject", outcome)]
  names(b)[2] <- "base_raw"
  f <- d[d$visit == visit, c("subject", "diet", "exercise", covariates, outcome)]
  names(f)[ncol(f)] <- "y_raw"
  s <- merge(f, b, by = "subject")
  s <- s[!is.na(s$y_raw) & !is.na(s$base_raw), ]
  s$arm <- droplevels(factor(ARMS[1 + s$diet + 2 * s$exercise], levels = ARMS))
  s$diet <- factor(s$diet, levels = c(0, 1))
  s$exercise <- factor(s$exercise, levels = c(0, 1))
  for (cv in covariates) if (is.character(s[[cv]])) s[[cv]] <- factor(s[[cv]])
  s
}

rename_coef <- function(x) {
  x <- sub("^\\(Intercept\\)$", "intercept", x)
  x <- sub("^diet1:exercise1$", "diet:exercise", x)
  x <- sub("^diet1$", "diet", x)
  x <- sub("^exercise1$", "exercise", x)
  x <- sub("^arm(.*)$", "arm[\\1]", x)
  x <- sub("^sex(.*)$", "sex[\\1]", x)
  x
}

cols <- function(s) {
  s <- as.data.frame(s)
  out <- lapply(s, function(v) if (is.factor(v)) as.character(v) else v)
  names(out) <- names(s)
  out
}

model_formula <- function(estimand, analysis, covariates, use_log) {
  response <- switch(analysis,
    ancova = if (use_log) "log(y_raw)" else "y_raw",
    followup = if (use_log) "log(y_raw)" else "y_raw",
    change = "change"
  )
  design <- switch(estimand, margins = "diet + exercise", factorial = "diet * exercise",
                   arms = "arm")
  rhs <- c(if (analysis == "ancova") "baseline", design, covariates)
  as.formula(paste(response, "~", paste(rhs, collapse = " + ")))
}

# Numbers of one model: coefficients, emmeans, contrasts, adjusted arm contrasts, Anova tables.
one_fit <- function(s, estimand, analysis, covariates, use_log, vcov_type) {
  s$baseline <- if (use_log) log(s$base_raw) else s$base_raw
  s$change <- (if (use_log) log(s$y_raw) else s$y_raw) - s$baseline
  form <- model_formula(estimand, analysis, covariates, use_log)
  options(contrasts = c("contr.treatment", "contr.poly"))
  m <- lm(form, data = s)
  V <- if (vcov_type == "HC3") vcovHC(m, type = "HC3") else vcov(m)
  out <- list(
    formula = deparse(form),
    coef = setNames(as.list(coef(m)), rename_coef(names(coef(m)))),
    vcov = unname(V),
    vcov_names = rename_coef(colnames(V)),
    df_resid = m$df.residual,
    sigma = summary(m)$sigma
  )
  # the response is on the log scale when use_log (also for the change of logs): say so
  emm <- function(spec, ...) {
    e <- emmeans(m, spec, vcov. = V, ...)
    if (use_log) update(e, tran = "log") else e
  }
  if (estimand == "arms") {
    em <- emm(~arm)
    out$arm_means <- cols(summary(em, infer = TRUE))
    trt <- contrast(em, "trt.vs.ctrl")
    out$effects <- cols(summary(trt, infer = TRUE, adjust = "none"))
    if (use_log) out$effects_response <- cols(summary(trt, infer = TRUE, adjust = "none",
                                                  type = "response"))
    out$adjusted <- list()
    for (adj in c("holm", "bonferroni", "mvt")) {
      set.seed(2024)
      out$adjusted[[adj]] <- cols(summary(trt, infer = TRUE, adjust = adj))
    }
    # Dunnett (single-step multivariate t) computed precisely, beside emmeans' Monte Carlo
    L <- trt@linfct
    C <- L %*% V %*% t(L)
    R <- cov2cor(C)
    est <- as.vector(L %*% coef(m))
    tt <- est / sqrt(diag(C))
    alg <- GenzBretz(maxpts = 1e6, abseps = 1e-6, releps = 0)
    k <- length(tt)
    set.seed(1)
    p_mvt <- sapply(abs(tt), function(a) 1 - pmvt(rep(-a, k), rep(a, k), df = m$df.residual,
                                                   corr = R, algorithm = alg)[1])
    set.seed(1)
    crit <- uniroot(function(c) pmvt(rep(-c, k), rep(c, k), df = m$df.residual, corr = R,
                                     algorithm = alg)[1] - 0.95,
                    c(qt(0.975, m$df.residual), qt(1 - 0.025 / k, m$df.residual)),
                    tol = 1e-7)$root
    out$dunnett_precise <- list(contrast = as.character(summary(trt)$contrast),
                                p_value = p_mvt, critical = crit)
  } else {
    em <- emm(~ diet + exercise)
    out$arm_means <- cols(summary(em, infer = TRUE))
    if (length(covariates)) {
      out$arm_means_proportional <- cols(summary(emm(~ diet + exercise,
                                                     weights = "proportional"), infer = TRUE))
    }
    terms <- if (estimand == "margins") FACTORIAL[1:2] else FACTORIAL
    fac <- contrast(em, terms)
    out$effects <- cols(summary(fac, infer = TRUE, adjust = "none"))
    if (use_log) {
      out$arm_means_response <- cols(summary(em, infer = TRUE, type = "response"))
      out$effects_response <- cols(summary(fac, infer = TRUE, adjust = "none", type = "response"))
    }
    for (f in c("diet", "exercise")) {
      out[[paste0(f, "_means_equal")]] <- cols(summary(emm(as.formula(paste("~", f))),
                                                        infer = TRUE))
      out[[paste0(f, "_means_proportional")]] <- cols(summary(
        emm(as.formula(paste("~", f)), weights = "proportional"), infer = TRUE))
    }
    # simple effects: diet within each exercise level, exercise within each diet level
    out$simple_diet <- cols(summary(contrast(emm(~ diet | exercise), "trt.vs.ctrl"),
                                    infer = TRUE))
    out$simple_exercise <- cols(summary(contrast(emm(~ exercise | diet), "trt.vs.ctrl"),
                                        infer = TRUE))
    set.seed(2024)
    out$holm <- cols(summary(fac, infer = TRUE, adjust = "holm"))
  }
  a2 <- Anova(m, type = 2)
  out$anova2 <- list(term = rownames(a2), sum_sq = a2[["Sum Sq"]], df = a2[["Df"]],
                     f = a2[["F value"]], p = a2[["Pr(>F)"]])
  options(contrasts = c("contr.sum", "contr.poly"))
  m3 <- lm(form, data = s)
  a3 <- Anova(m3, type = 3)
  out$anova3 <- list(term = rownames(a3), sum_sq = a3[["Sum Sq"]], df = a3[["Df"]],
                     f = a3[["F value"]], p = a3[["Pr(>F)"]])
  options(contrasts = c("contr.treatment", "contr.poly"))
  out
}

# All fits of a case, written to expected.json. `fits` lists estimand/analysis/vcov triples.
write_case <- function(outcome, visit, fits, covariates = character(), use_log = FALSE) {
  s <- ancova_set(outcome, visit, covariates)
  expected <- list(
    settings = list(outcome = outcome, visit = visit, log = use_log, covariates = covariates),
    n_analysed = as.list(table(s$arm)),
    subjects = sort(s$subject),
    fits = list()
  )
  for (key in fits) {
    parts <- strsplit(key, "/")[[1]]
    expected$fits[[key]] <- one_fit(s, parts[1], parts[2], covariates, use_log, parts[3])
  }
  expected$versions <- list(
    R = R.version.string,
    emmeans = as.character(packageVersion("emmeans")),
    car = as.character(packageVersion("car")),
    sandwich = as.character(packageVersion("sandwich")),
    mvtnorm = as.character(packageVersion("mvtnorm")),
    jsonlite = as.character(packageVersion("jsonlite"))
  )
  write_json(expected, "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
}

ALL_FITS <- c("margins/ancova/classical", "factorial/ancova/classical", "arms/ancova/classical",
              "factorial/ancova/HC3", "arms/ancova/HC3",
              "margins/change/classical", "factorial/change/classical",
              "margins/followup/classical", "factorial/followup/classical")
