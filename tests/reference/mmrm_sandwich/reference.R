# Empirical (sandwich, CR0) covariance of an unstructured MMRM (gls) with clubSandwich:
# vcovCR(type = "CR0") and the Satterthwaite (Bell-McCaffrey) df of coef_test and
# linear_contrast for the factorial effects.
source("../mmrm_common.R")
suppressPackageStartupMessages(library(clubSandwich))
d <- analysis_set()
fit <- gls(mmrm_formula(), data = d, correlation = corSymm(form = ~ visit_index | subject),
           weights = varIdent(form = ~ 1 | visit_f), method = "REML", control = tight)
V <- vcovCR(fit, cluster = d$subject, type = "CR0")
ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
nm <- lt_names(names(coef(fit)))
emm <- emmeans(fit, ~ diet * exercise | visit_f, mode = "df.error")
con <- contrast(emm, list(diet = c(-.5, .5, -.5, .5), exercise = c(-.5, -.5, .5, .5),
                          "diet:exercise" = c(1, -1, -1, 1)))
L <- con@linfct
lc <- linear_contrast(fit, vcov = V, contrasts = L, test = "Satterthwaite")
info <- con@grid
out <- list(
  coef = named(coef(fit), nm),
  std_error = named(ct$SE, nm),
  df = named(ct$df_Satt, nm),
  effects = list(term = as.character(info$contrast), visit = as.numeric(as.character(info$visit_f)),
                 estimate = lc$Est, std_error = lc$SE, df = lc$df),
  versions = versions(c("nlme", "clubSandwich", "emmeans", "jsonlite"))
)
write_expected(out)
