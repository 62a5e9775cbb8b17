# Shared R code of the lmm_* reference cases: lme4 + lmerTest fits of the lifestyle-trials
# random-effects models and the numbers the tests compare.
source("../mmrm_common.R")
suppressPackageStartupMessages({ library(lme4); library(lmerTest); library(pbkrtest) })

tight_lmer <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.1, rhoend = 1e-11,
                                                                 maxfun = 1e5))

fit_lmer <- function(d, random = "intercept", REML = TRUE, centre = FALSE) {
  re <- if (random == "intercept") "(1 | subject)" else "(1 + visit | subject)"
  base <- if (centre) "baseline_c" else "baseline"
  f <- as.formula(paste("y ~", base, "* visit_f + diet * exercise * visit_f +", re))
  lmer(f, data = d, REML = REML, control = tight_lmer)
}

# lmerTest::anova(type = 3) with sum-to-zero contrasts and baseline centred at its subject
# mean (type III hypotheses that do not depend on the coding; visit at the mean baseline).
# lmerTest::anova(type = 3) with sum-to-zero contrasts and baseline centred at its subject
# mean (type III hypotheses that do not depend on the coding; visit at the mean baseline).
# The contrast matrix of each term is also written in lifestyle-trials' coefficients
# (treatment coding, baseline not centred): L_lt = L_R T with beta_R = T beta_lt. Fai &
# Cornelius' denominator df depend on the basis of a multi-row hypothesis, so the tests
# compare them on lmerTest's own matrices.
anova_numbers <- function(d, random, ddf) {
  d$baseline_c <- d$baseline - subject_means(d)$baseline
  op <- options(contrasts = c("contr.sum", "contr.poly"))
  fit_sum <- fit_lmer(d, random, centre = TRUE)
  a <- anova(fit_sum, type = 3, ddf = ddf)
  L <- lmerTest:::get_contrasts_type3(fit_sum)
  x_sum <- getME(fit_sum, "X")
  options(op)
  x_lt <- getME(fit_lmer(d, random), "X")
  trans <- solve(crossprod(x_sum), crossprod(x_sum, x_lt))
  names_lt <- lt_names(colnames(x_lt))
  term <- lt_names(gsub("visit_f", "visit", gsub("baseline_c", "baseline", rownames(a))))
  contrasts <- lapply(rownames(a), function(tm) {
    m <- L[[tm]] %*% trans
    colnames(m) <- names_lt
    unname(split(m, row(m)))
  })
  list(term = term, num_df = a$NumDF, den_df = a$DenDF, statistic = a[["F value"]],
       contrasts = contrasts, coefficients = names_lt)
}

lmer_numbers <- function(fit, d, random) {
  vc <- as.data.frame(VarCorr(fit))
  list(
    loglik = as.numeric(logLik(fit)),
    coef = named(fixef(fit), lt_names(names(fixef(fit)))),
    std_error = named(sqrt(diag(as.matrix(vcov(fit)))), lt_names(names(fixef(fit)))),
    varcorr = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1),
                   var2 = ifelse(is.na(vc$var2), "", vc$var2), vcov = vc$vcov, sdcor = vc$sdcor),
    singular = isSingular(fit),
    satterthwaite = factorial_numbers(fit, d, extra = list(lmer.df = "satterthwaite")),
    anova_satterthwaite = anova_numbers(d, random, "Satterthwaite"),
    n_subjects = length(unique(d$subject)),
    n_obs = nrow(d)
  )
}
