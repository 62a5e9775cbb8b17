# R mmrm on its own bcva_data (1000 subjects, 10 visits): BCVA_CHG ~ BCVA_BL + RACE +
# ARMCD * AVISIT + <cov>(AVISIT | USUBJID) for every covariance structure, REML (ML for ar1
# and us), with the df methods Satterthwaite, Kenward-Roger, Kenward-Roger-Linear,
# Between-Within, Residual and the empirical covariance; optimum polished as in ../mmrm_fev.
# Writes data.csv (rows used, model matrix X as R builds it) and expected.json (after every
# block, so that a long run leaves the finished ones); see README.md for the keys.
#
# Run `Rscript reference.R` in this folder for everything (about an hour on one core), or
# `Rscript reference.R ar1_reml us_ml ...` to (re)compute those entries of `fits` and keep the
# others already in expected.json.
suppressPackageStartupMessages({
  library(mmrm)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

d <- mmrm::bcva_data
d <- d[!is.na(d$BCVA_CHG), ]
d$ARMCD <- factor(d$ARMCD)
d$RACE <- factor(d$RACE)
d <- d[order(d$USUBJID, d$AVISIT), ]
rownames(d) <- NULL
stopifnot(all(d$VISITN == as.integer(d$AVISIT)))  # sp_exp's coordinate is the visit number
x <- model.matrix(BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT, d)
full <- function(v) sprintf("%.17g", v)
out_csv <- data.frame(
  USUBJID = as.character(d$USUBJID), AVISIT = as.character(d$AVISIT),
  ARMCD = as.character(d$ARMCD), RACE = as.character(d$RACE),
  BCVA_BL = full(d$BCVA_BL), BCVA_CHG = full(d$BCVA_CHG), VISITN = d$VISITN
)
xcols <- as.data.frame(apply(x, 2, full))
names(xcols) <- paste0("X:", colnames(x))
write.csv(cbind(out_csv, xcols), "data.csv", row.names = FALSE, quote = TRUE)

# Newton steps with TMB's exact gradient and Hessian from mmrm's optimum; every df method is
# then refitted from there with nlminb at a relative tolerance of 1e-12.
polish <- function(fit) {
  theta <- fit$theta_est
  for (i in 1:20) {
    g <- as.numeric(fit$tmb_object$gr(theta))
    if (max(abs(g)) < 1e-10) break
    theta <- theta - solve(fit$tmb_object$he(theta), g)
  }
  theta
}
tight <- list(rel.tol = 1e-12, eval.max = 5000, iter.max = 5000)
model_formula <- function(cov) {
  term <- if (cov == "sp_exp") "sp_exp(VISITN | USUBJID)" else sprintf("%s(AVISIT | USUBJID)", cov)
  as.formula(paste("BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT +", term))
}
fit_at <- function(cov, reml, method, vcov, start) {
  f <- model_formula(cov)
  tryCatch(
    mmrm(f, data = d, reml = reml, method = method, vcov = vcov, start = start,
         optimizer = "nlminb", optimizer_control = tight),
    error = function(e) mmrm(f, data = d, reml = reml, method = method, vcov = vcov, start = start)
  )
}

cn <- colnames(x)
interaction <- diag(length(cn))[grep("^ARMCDTRT:AVISIT", cn), , drop = FALSE]
rewritten <- rbind(interaction[1, ] + interaction[2, ], 2 * interaction[2, ],
                   interaction[3, ] - interaction[1, ], interaction[-(1:3), ])

# Satterthwaite df with the empirical covariance: mmrm's own formula (h_df_1d_sat_empirical:
# with G = g_mat %*% t(C), C the block-diagonal n_subjects x (n_subjects p) matrix repeating
# the contrast c, and M = crossprod(G), df = tr(M)^2 / sum(M^2)) on mmrm's own g_mat; G is
# formed subject by subject instead of through the dense C (mmrm's df_1d needs minutes per
# contrast on these 1000 subjects). Checked against mmrm's df_1d / df_md on fev_data below.
empirical_df_1d <- function(fit, contrast) {
  g <- fit$empirical_g_mat
  p <- length(contrast)
  gc <- vapply(seq_len(component(fit, "n_subjects")), function(i) {
    drop(g[, (i - 1L) * p + seq_len(p), drop = FALSE] %*% contrast)
  }, numeric(nrow(g)))
  m <- crossprod(gc)
  sum(diag(m))^2 / sum(m^2)
}
# mmrm's h_df_md_sat for the empirical covariance, with empirical_df_1d for each rotated row
empirical_df_md <- function(fit, contrast) {
  beta <- component(fit, "beta_est")
  e <- eigen(contrast %*% component(fit, "beta_vcov") %*% t(contrast))
  rank <- sum(e$values > max(sqrt(.Machine$double.eps) * e$values[1], 0))
  rotated <- crossprod(e$vectors, contrast)[seq_len(rank), , drop = FALSE]
  f_stat <- sum(drop(rotated %*% beta)^2 / e$values[seq_len(rank)]) / rank
  t_df <- vapply(seq_len(rank), function(m) empirical_df_1d(fit, rotated[m, ]), 0)
  list(num_df = rank, denom_df = mmrm:::h_md_denom_df(t_df), f_stat = f_stat)
}
local({
  fev <- mmrm(FEV1 ~ RACE + ARMCD * AVISIT + ar1(AVISIT | USUBJID), data = fev_data,
              vcov = "Empirical")
  p <- length(component(fev, "beta_est"))
  for (j in c(1, 5, p)) {
    k <- replace(numeric(p), j, 1)
    stopifnot(isTRUE(all.equal(empirical_df_1d(fev, k), df_1d(fev, k)$df, tolerance = 1e-10)))
  }
  l <- diag(p)[(p - 2):p, ]
  stopifnot(isTRUE(all.equal(empirical_df_md(fev, l)[c("num_df", "denom_df", "f_stat")],
                             df_md(fev, l)[c("num_df", "denom_df", "f_stat")],
                             tolerance = 1e-10)))
})

numbers <- function(fit) {
  s <- summary(fit)$coefficients
  em <- emmeans(fit, ~ ARMCD | AVISIT)
  means <- as.data.frame(summary(em))
  con <- contrast(em, "revpairwise")
  diffs <- as.data.frame(summary(con))
  tests <- lapply(list(interaction = interaction, interaction_rewritten = rewritten), function(l) {
    r <- df_md(fit, l)
    list(contrast = unname(l), num_df = r$num_df, den_df = r$denom_df, f_stat = r$f_stat)
  })
  list(
    coefficients = rownames(s),
    estimate = unname(s[, "Estimate"]), std_error = unname(s[, "Std. Error"]),
    df = unname(s[, "df"]), vcov = unname(as.matrix(vcov(fit))),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 linfct = unname(em@linfct), estimate = means$emmean, std_error = means$SE,
                 df = means$df),
    trt_minus_ctl = list(AVISIT = as.character(diffs$AVISIT), linfct = unname(con@linfct),
                         estimate = diffs$estimate, std_error = diffs$SE, df = diffs$df),
    tests = tests
  )
}
# The empirical covariance: estimates and SEs as above (emmeans with its df set aside), df of
# the TRT - CTL contrasts and of the interaction test only (empirical_df_1d: about 5 s each).
numbers_empirical <- function(fit) {
  beta <- component(fit, "beta_est")
  v <- component(fit, "beta_vcov")
  em <- update(emmeans(fit, ~ ARMCD | AVISIT), df = Inf)
  means <- as.data.frame(summary(em))
  con <- contrast(em, "revpairwise")
  diffs <- as.data.frame(summary(con))
  r <- empirical_df_md(fit, interaction)
  list(
    coefficients = names(beta), estimate = unname(beta), std_error = unname(sqrt(diag(v))),
    vcov = unname(as.matrix(v)),
    means = list(ARMCD = as.character(means$ARMCD), AVISIT = as.character(means$AVISIT),
                 linfct = unname(em@linfct), estimate = means$emmean, std_error = means$SE),
    trt_minus_ctl = list(AVISIT = as.character(diffs$AVISIT), linfct = unname(con@linfct),
                         estimate = diffs$estimate, std_error = diffs$SE,
                         df = apply(con@linfct, 1, function(k) empirical_df_1d(fit, k))),
    tests = list(interaction = list(contrast = unname(interaction), num_df = r$num_df,
                                    den_df = r$denom_df, f_stat = r$f_stat))
  )
}
describe <- function(fit) {
  list(loglik = as.numeric(logLik(fit)), sigma = unname(VarCorr(fit)),
       theta = unname(fit$theta_est),
       max_abs_gradient = max(abs(fit$tmb_object$gr(fit$theta_est))),
       converged = isTRUE(component(fit, "convergence") == 0))
}

methods <- list(
  satterthwaite = list(method = "Satterthwaite", vcov = NULL),
  kenward_roger_linear = list(method = "Kenward-Roger", vcov = "Kenward-Roger-Linear"),
  kenward_roger = list(method = "Kenward-Roger", vcov = "Kenward-Roger"),
  between_within = list(method = "Between-Within", vcov = NULL),
  # mmrm's "Residual" uses the empirical covariance by default, so that its fit also holds
  # what the empirical block needs (beta_vcov and g_mat do not depend on the df method)
  residual = list(method = "Residual", vcov = NULL)
)
all_methods <- c(names(methods), "empirical")
# cheap structures first, us (55 covariance parameters) last
plan <- list(
  ar1_reml = all_methods, cs_reml = all_methods, ar1h_reml = all_methods,
  csh_reml = all_methods, ad_reml = all_methods, adh_reml = all_methods,
  toep_reml = all_methods, toeph_reml = all_methods, sp_exp_reml = all_methods,
  ar1_ml = "satterthwaite", us_reml = all_methods, us_ml = "satterthwaite"
)
only <- commandArgs(trailingOnly = TRUE)
fits <- list()
if (length(only) > 0) {
  stopifnot(all(only %in% names(plan)))
  fits <- fromJSON("expected.json", simplifyVector = FALSE)$fits
  plan <- plan[only]
}
versions <- list(R = R.version.string)
for (p in c("mmrm", "TMB", "emmeans", "jsonlite")) versions[[p]] <- as.character(packageVersion(p))
write_out <- function() {
  write_json(
    list(formula = "BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)",
         sp_exp_coordinates = "VISITN", x_columns = colnames(x), fits = fits,
         versions = versions),
    "expected.json", digits = NA, auto_unbox = TRUE, pretty = FALSE
  )
}
for (key in names(plan)) {
  cov <- sub("_(reml|ml)$", "", key)
  reml <- endsWith(key, "_reml")
  started <- Sys.time()
  first <- mmrm(model_formula(cov), data = d, reml = reml)
  theta <- polish(first)
  rm(first)
  fits[[key]] <- list()
  for (m in setdiff(plan[[key]], "empirical")) {
    fit <- fit_at(cov, reml, methods[[m]]$method, methods[[m]]$vcov, theta)
    if (m == "satterthwaite") fits[[key]]$fit <- describe(fit)
    fits[[key]][[m]] <- numbers(fit)
    write_out()
    message(key, " ", m, ": done after ", format(Sys.time() - started))
    if (m == "residual" && "empirical" %in% plan[[key]]) {
      stopifnot(identical(fit$vcov, "Empirical"))
      fits[[key]]$empirical <- numbers_empirical(fit)
      write_out()
      message(key, " empirical: done after ", format(Sys.time() - started))
    }
    rm(fit)
    invisible(gc())
  }
}
