# Shared R code of the mmrm_* reference cases: the analysis set, gls fits with each covariance
# structure, and the numbers the tests compare (named like lifestyle-trials' coefficients).
suppressPackageStartupMessages({
  library(nlme)
  library(emmeans)
  library(jsonlite)
})
emm_options(msg.interaction = FALSE, msg.nesting = FALSE)

# Post-baseline rows with the subject's baseline value; subjects with no baseline or no
# follow-up value drop out, as in lifestyle_trials.models.design.prepare.analysis_data.
analysis_set <- function(path = "data.csv", outcome = "homa_ir", log = FALSE, covariates = character()) {
  d <- read.csv(path, stringsAsFactors = FALSE)
  d$subject <- as.character(d$subject)
  if (log) d[[outcome]] <- log(d[[outcome]])
  base <- d[d$visit == 0 & !is.na(d[[outcome]]), c("subject", outcome)]
  names(base)[2] <- "baseline"
  post <- merge(d[d$visit > 0, ], base, by = "subject")
  post$y <- post[[outcome]]
  post <- post[!is.na(post$y), ]
  visits <- sort(unique(d$visit[d$visit > 0]))
  post$visit_f <- factor(post$visit, levels = visits)
  post$visit_index <- as.integer(post$visit_f)
  post$diet <- factor(post$diet, levels = c(0, 1))
  post$exercise <- factor(post$exercise, levels = c(0, 1))
  for (cv in covariates) if (is.character(post[[cv]])) post[[cv]] <- factor(post[[cv]])
  post <- post[order(post$subject, post$visit), ]
  rownames(post) <- NULL
  post
}

mmrm_formula <- function(covariates = character(), visits = 2) {
  rhs <- if (visits > 1) "baseline * visit_f + diet * exercise * visit_f" else "baseline + diet * exercise"
  if (length(covariates)) rhs <- paste(rhs, "+", paste(covariates, collapse = " + "))
  as.formula(paste("y ~", rhs))
}

tight <- glsControl(maxIter = 500, msMaxIter = 500, tolerance = 1e-11, msTol = 1e-11,
                    returnObject = FALSE)

fit_gls <- function(d, structure = "us", method = "REML", covariates = character()) {
  n_vis <- nlevels(d$visit_f)
  f <- mmrm_formula(covariates, n_vis)
  het <- varIdent(form = ~ 1 | visit_f)
  cor <- switch(structure,
    us = corSymm(form = ~ visit_index | subject),
    cs = corCompSymm(form = ~ visit_index | subject),
    csh = corCompSymm(form = ~ visit_index | subject),
    ar1 = corAR1(form = ~ visit_index | subject),
    ar1h = corAR1(form = ~ visit_index | subject),
    toep = corARMA(form = ~ visit_index | subject, p = n_vis - 1, q = 0),
    toeph = corARMA(form = ~ visit_index | subject, p = n_vis - 1, q = 0),
    diag = NULL,
    none = NULL
  )
  weights <- if (structure %in% c("us", "csh", "ar1h", "toeph", "diag")) het else NULL
  do.call(gls, list(model = f, data = d, correlation = cor, weights = weights,
                    method = method, control = tight))
}

# lifestyle-trials' coefficient names: variables of an interaction in the order
# baseline, diet, exercise, visit, covariates; "visit_f" -> "visit", "diet1" -> "diet".
lt_names <- function(r_names) {
  rank <- function(part) {
    if (grepl("^baseline", part)) 1 else if (grepl("^diet", part)) 2 else
      if (grepl("^exercise", part)) 3 else if (grepl("^visit", part)) 4 else 5
  }
  vapply(r_names, function(nm) {
    parts <- strsplit(nm, ":", fixed = TRUE)[[1]]
    parts <- sub("^visit_f", "visit", parts)
    parts <- sub("^diet1$", "diet", parts)
    parts <- sub("^exercise1$", "exercise", parts)
    parts <- parts[order(vapply(parts, rank, numeric(1)))]
    paste(parts, collapse = ":")
  }, character(1), USE.NAMES = FALSE)
}

named <- function(values, names) {
  out <- as.list(unname(values))
  names(out) <- names
  out
}

# The factorial effects at each visit and the cell means, from an emmeans grid. For gls,
# emmeans' "satterthwaite" mode falls back to "appx-satterthwaite", whose df change a little
# (about 0.5%) from one run to the next; the exact df are in exact_df below.
# Baseline and numeric covariates are held at their mean over subjects (one value each).
subject_means <- function(d, covariates = character()) {
  first <- d[!duplicated(d$subject), ]
  vars <- c("baseline", covariates[vapply(covariates, function(v) is.numeric(d[[v]]), TRUE)])
  setNames(lapply(vars, function(v) mean(first[[v]])), vars)
}

factorial_numbers <- function(fit, d, mode = NULL, extra = list(), covariates = character(),
                              by_visit = TRUE) {
  at <- subject_means(d, covariates)
  base_mean <- at$baseline
  specs <- if (by_visit) ~ diet * exercise | visit_f else ~ diet * exercise
  args <- c(list(fit, specs = specs, at = at), extra)
  if (!is.null(mode)) args$mode <- mode
  emm <- do.call(emmeans, args)
  means <- as.data.frame(summary(emm))
  con <- contrast(emm, list(diet = c(-.5, .5, -.5, .5), exercise = c(-.5, -.5, .5, .5),
                            "diet:exercise" = c(1, -1, -1, 1)))
  eff <- as.data.frame(summary(con))
  list(
    means = list(diet = as.integer(as.character(means$diet)),
                 exercise = as.integer(as.character(means$exercise)),
                 visit = if (by_visit) as.numeric(as.character(means$visit_f)) else
                   rep(as.numeric(levels(d$visit_f)), nrow(means)),
                 estimate = means$emmean, std_error = means$SE, df = means$df),
    effects = list(term = as.character(eff$contrast),
                   visit = if (by_visit) as.numeric(as.character(eff$visit_f)) else
                     rep(as.numeric(levels(d$visit_f)), nrow(eff)),
                   estimate = eff$estimate, std_error = eff$SE, df = eff$df),
    baseline_mean = base_mean
  )
}

gls_numbers <- function(fit, d) {
  cf <- coef(fit)
  nm <- lt_names(names(cf))
  list(
    loglik = as.numeric(logLik(fit)),
    aic_nlme = AIC(fit),
    bic_nlme = BIC(fit),
    coef = named(cf, nm),
    std_error = named(sqrt(diag(vcov(fit))), nm),
    n_subjects = length(unique(d$subject)),
    n_obs = nrow(d)
  )
}

# joint_tests at the subject means; the tests of numeric terms (baseline, baseline:visit, age:
# slopes, which do not depend on where the numeric variables are held) come from
# joint_tests' default grid, which keeps them.
joint_numbers <- function(fit, d, covariates = character(), ...) {
  at_means <- as.data.frame(joint_tests(fit, at = subject_means(d, covariates), ...))
  default <- as.data.frame(joint_tests(fit, ...))
  slopes <- default[!default[["model term"]] %in% at_means[["model term"]], ]
  jt <- rbind(slopes, at_means[!at_means[["model term"]] %in% slopes[["model term"]], ])
  term <- gsub("visit_f", "visit", as.character(jt[["model term"]]))
  # lifestyle-trials orders the variables of a term as baseline, diet, exercise, visit
  term <- lt_names(term)
  list(term = term, num_df = jt$df1, den_df = jt$df2, statistic = jt$F.ratio)
}

# Covariance matrix over all visits of a fitted gls (from a subject seen at every visit).
full_sigma <- function(fit, d) {
  n_vis <- nlevels(d$visit_f)
  complete <- names(which(table(d$subject) == n_vis))[1]
  if (is.null(fit$modelStruct$corStruct)) {
    w <- varWeights(fit$modelStruct$varStruct)[d$subject == complete]
    return(diag(fit$sigma^2 / w^2, n_vis))
  }
  unname(as.matrix(unclass(getVarCov(fit, individual = complete))[seq_len(n_vis), seq_len(n_vis)]))
}

versions <- function(pkgs) {
  c(list(R = R.version.string),
    setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs))
}

write_expected <- function(x, path = "expected.json") {
  write_json(x, path, digits = NA, auto_unbox = TRUE, pretty = TRUE)
}

# Satterthwaite df computed independently of emmeans: the REML log-likelihood of the gls
# written out with matrix algebra in nlme's own parameters (unconstrained coefficients of the
# correlation and variance structures, log sigma); its Hessian and the Jacobian of
# vcov(beta) by Richardson extrapolation (numDeriv); df = 2 (l'Phi l)^2 / (g' H^-1 g).
satterthwaite_numeric <- function(fit, d, L) {
  ms <- fit$modelStruct
  X <- model.matrix(formula(fit), data = d)
  y <- d$y
  groups <- split(seq_len(nrow(d)), factor(d$subject, levels = unique(d$subject)))
  theta0 <- c(coef(ms), lsigma = log(fit$sigma))
  pieces <- function(theta) {
    m <- ms
    k <- length(theta) - 1
    if (k > 0) coef(m) <- theta[seq_len(k)]
    sigma2 <- exp(2 * theta[k + 1])
    cors <- if (is.null(m$corStruct)) NULL else corMatrix(m$corStruct)
    w <- if (is.null(m$varStruct)) rep(1, nrow(d)) else varWeights(m$varStruct)
    A <- matrix(0, ncol(X), ncol(X)); b <- numeric(ncol(X)); yy <- 0; logdet <- 0
    for (g in names(groups)) {
      i <- groups[[g]]
      R <- if (is.null(cors)) diag(length(i)) else as.matrix(cors[[g]])
      V <- sigma2 * R / outer(w[i], w[i])
      Vi <- solve(V)
      A <- A + t(X[i, , drop = FALSE]) %*% Vi %*% X[i, , drop = FALSE]
      b <- b + t(X[i, , drop = FALSE]) %*% Vi %*% y[i]
      yy <- yy + drop(t(y[i]) %*% Vi %*% y[i])
      logdet <- logdet + as.numeric(determinant(V)$modulus)
    }
    list(A = A, b = b, yy = yy, logdet = logdet)
  }
  loglik <- function(theta) {
    p <- pieces(theta)
    beta <- solve(p$A, p$b)
    -0.5 * (p$logdet + as.numeric(determinant(p$A)$modulus) + p$yy - sum(p$b * beta) +
              (nrow(X) - ncol(X)) * log(2 * pi))
  }
  vcov_at <- function(theta) as.vector(solve(pieces(theta)$A))
  H <- numDeriv::hessian(loglik, theta0)
  C <- solve(-H)
  J <- numDeriv::jacobian(vcov_at, theta0)
  Phi <- matrix(vcov_at(theta0), ncol(X))
  df <- apply(L, 1, function(l) {
    g <- apply(J, 2, function(col) drop(t(l) %*% matrix(col, ncol(X)) %*% l))
    2 * drop(t(l) %*% Phi %*% l)^2 / drop(t(g) %*% C %*% g)
  })
  list(df = unname(df), loglik = loglik(theta0))
}

# Contrast rows (in R's coefficient order) of the factorial effects and of the cell means.
factorial_rows <- function(fit, d, covariates = character()) {
  at <- subject_means(d, covariates)
  emm <- emmeans(fit, ~ diet * exercise | visit_f, at = at, mode = "df.error")
  con <- contrast(emm, list(diet = c(-.5, .5, -.5, .5), exercise = c(-.5, -.5, .5, .5),
                            "diet:exercise" = c(1, -1, -1, 1)))
  list(effects = con@linfct, means = emm@linfct)
}

exact_df <- function(fit, d, covariates = character()) {
  rows <- factorial_rows(fit, d, covariates)
  n_eff <- nrow(rows$effects)
  num <- satterthwaite_numeric(fit, d, rbind(rows$effects, rows$means))
  list(effects = num$df[seq_len(n_eff)], means = num$df[-seq_len(n_eff)], loglik = num$loglik)
}
