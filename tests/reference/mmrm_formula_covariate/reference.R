# A numeric covariate and a covariate-by-visit interaction through the formula interface, on
# mmrm's fev_data (data.csv of mmrm_formula_fev):
#   FEV1 ~ FEV1_BL * AVISIT + RACE + ARMCD * AVISIT + ar1h(AVISIT | USUBJID)
# REML, Satterthwaite; emmeans holds FEV1_BL at its mean over the analysed rows and averages
# over RACE with equal weights.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)
d <- read.csv("../mmrm_formula_fev/data.csv", stringsAsFactors = FALSE)
d$AVISIT <- factor(d$AVISIT, levels = c("VIS1", "VIS2", "VIS3", "VIS4"))
d$ARMCD <- factor(d$ARMCD, levels = c("PBO", "TRT"))
d$RACE <- factor(d$RACE)
d$USUBJID <- factor(d$USUBJID)
f <- FEV1 ~ FEV1_BL * AVISIT + RACE + ARMCD * AVISIT + ar1h(AVISIT | USUBJID)
first <- mmrm(f, data = d)
ctrl <- mmrm_control(optimizer = "nlminb",
                     optimizer_control = list(rel.tol = 1e-12, eval.max = 2000, iter.max = 2000))
ctrl$start <- component(first, "theta_est")
better <- tryCatch(mmrm(f, data = d, control = ctrl), error = function(e) NULL)
fit <- if (is.null(better) || logLik(better) < logLik(first)) first else better
cf <- summary(fit)$coefficients
emm <- emmeans(fit, ~ ARMCD | AVISIT)
means <- summary(emm)
con <- summary(contrast(emm, "trt.vs.ctrl"))
write_json(
  list(
    coef = list(term = rownames(cf), estimate = unname(cf[, "Estimate"]),
                std_error = unname(cf[, "Std. Error"]), df = unname(cf[, "df"])),
    loglik = as.numeric(logLik(fit)),
    fev1_bl_mean = mean(d$FEV1_BL[!is.na(d$FEV1)]),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 emmean = means$emmean, SE = means$SE, df = means$df),
    contrasts = list(estimate = con$estimate, SE = con$SE, df = con$df),
    versions = c(list(R = R.version.string), lapply(
      setNames(nm = c("mmrm", "emmeans", "jsonlite")),
      function(p) as.character(packageVersion(p))
    ))
  ),
  "expected.json", digits = NA, auto_unbox = TRUE, pretty = TRUE
)
