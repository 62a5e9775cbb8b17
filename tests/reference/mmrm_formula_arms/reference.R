# The trial presets of lt.mmrm on trials that are not the 2 × 2: data.csv (a copy of mmrm_dropout's
# data: ODES-like, dropout) without the exercise arm (three arms: control, diet, diet+exercise)
# and with control and diet only (two arms). R mmrm fits the model the preset builds,
#   y ~ baseline * visit + arm * visit + us(visit | subject)
# (baseline: the subject's visit-0 value; subjects without one, or without a follow-up value,
# left out), REML, Satterthwaite; emmeans gives the arm means by visit and each arm against
# control. Optimum polished as in mmrm_formula_fev.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

raw <- read.csv("data.csv", stringsAsFactors = FALSE)
arm_of <- function(diet, exercise) c("control", "diet", "exercise", "diet+exercise")[1 + diet + 2 * exercise]
raw$arm <- arm_of(raw$diet, raw$exercise)

analysis_set <- function(arms) {
  d <- raw[raw$arm %in% arms, ]
  base <- d[d$visit == 0 & !is.na(d$homa_ir), c("subject", "homa_ir")]
  names(base)[2] <- "baseline"
  post <- merge(d[d$visit > 0 & !is.na(d$homa_ir), ], base, by = "subject")
  post$visit <- factor(post$visit, levels = sort(unique(post$visit)))
  post$arm <- factor(post$arm, levels = arms)
  post$subject <- factor(post$subject)
  post[order(post$subject, post$visit), ]
}

fit_polished <- function(d) {
  f <- homa_ir ~ baseline * visit + arm * visit + us(visit | subject)
  first <- mmrm(f, data = d)
  ctrl <- mmrm_control(optimizer = "nlminb",
                       optimizer_control = list(rel.tol = 1e-12, eval.max = 2000, iter.max = 2000))
  ctrl$start <- component(first, "theta_est")
  better <- tryCatch(mmrm(f, data = d, control = ctrl), error = function(e) NULL)
  if (is.null(better) || logLik(better) < logLik(first)) first else better
}

numbers <- function(arms) {
  d <- analysis_set(arms)
  fit <- fit_polished(d)
  cf <- summary(fit)$coefficients
  emm <- emmeans(fit, ~ arm | visit)
  con <- summary(contrast(emm, "trt.vs.ctrl"))
  means <- summary(emm)
  list(
    arms = arms,
    n_subjects = length(unique(d$subject)),
    coef = list(term = rownames(cf), estimate = unname(cf[, "Estimate"]),
                std_error = unname(cf[, "Std. Error"]), df = unname(cf[, "df"])),
    loglik = as.numeric(logLik(fit)),
    means = list(arm = as.character(means$arm), visit = as.numeric(as.character(means$visit)),
                 estimate = means$emmean, std_error = means$SE, df = means$df),
    contrasts = list(contrast = as.character(con$contrast),
                     visit = as.numeric(as.character(con$visit)),
                     estimate = con$estimate, std_error = con$SE, df = con$df)
  )
}

write_json(
  list(
    three_arms = numbers(c("control", "diet", "diet+exercise")),
    two_arms = numbers(c("control", "diet")),
    versions = c(list(R = R.version.string), lapply(
      setNames(nm = c("mmrm", "emmeans", "jsonlite")),
      function(p) as.character(packageVersion(p))
    ))
  ),
  "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE
)
