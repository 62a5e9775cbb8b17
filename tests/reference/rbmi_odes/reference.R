# An ODES-like 2 × 2 trial (make_data.py): log HOMA-IR at 3, 6 and 12 months, monotone
# dropout. Imputation model y ~ BASVAL * VISIT + ARM * VISIT (four arms, control the
# reference level), unstructured covariance, REML; events at the first missing visit;
# conditional mean imputation with jackknife (rbmi::method_condmean(type = "jackknife"));
# strategies MAR, JR, CR, CIR (every arm referenced to control), and JR with delta = 0.1 on
# the imputed values of the three active arms. Analysis at each visit: the ANCOVA of the
# arms (y ~ ARM + BASVAL: each arm minus control), of the factorial estimand
# (y ~ diet * exercise + BASVAL, main effects averaged over the other factor, interaction)
# and of the margins (y ~ diet + exercise + BASVAL).
source("../rbmi_common.R")

d <- read.csv("data.csv", stringsAsFactors = FALSE)
d$y <- log(d$homa_ir)
arm_levels <- c("control", "diet", "exercise", "diet+exercise")
base <- d[d$visit == 0, c("subject", "diet", "exercise", "y")]
names(base)[4] <- "BASVAL"
base$ARM <- factor(arm_levels[1 + base$diet + 2 * base$exercise], levels = arm_levels)
visits <- sort(unique(d$visit[d$visit > 0]))
grid <- merge(base, data.frame(visit = visits))
post <- d[d$visit > 0, c("subject", "visit", "y")]
dat <- merge(grid, post, by = c("subject", "visit"), all.x = TRUE)
dat <- dat[order(dat$subject, dat$visit), ]
dat$subject <- factor(dat$subject)
dat$VISIT <- factor(dat$visit, levels = visits)
rownames(dat) <- NULL

miss <- dat[is.na(dat$y), ]
dat_ice <- miss[!duplicated(miss$subject), c("subject", "VISIT")]
dat_ice$strategy <- "MAR"

vars <- set_vars(
  outcome = "y", visit = "VISIT", subjid = "subject", group = "ARM",
  covariates = c("BASVAL*VISIT", "ARM*VISIT")
)
method <- method_condmean(type = "jackknife", covariance = "us")
drawObj <- draws(data = dat, data_ice = dat_ice, vars = vars, method = method, quiet = TRUE)

# the three estimands at every visit
analysis_fun <- function(data, ...) {
  res <- list()
  for (v in levels(data$VISIT)) {
    dv <- data[data$VISIT == v, ]
    arms <- lm(y ~ ARM + BASVAL, data = dv)
    for (a in arm_levels[-1]) {
      nm <- paste0("ARM", a)
      res[[sprintf("%s vs control_%s", a, v)]] <- list(
        est = coef(arms)[[nm]], se = sqrt(vcov(arms)[nm, nm]), df = df.residual(arms)
      )
    }
    dv$diet_f <- factor(dv$diet, levels = c(0, 1))
    dv$exercise_f <- factor(dv$exercise, levels = c(0, 1))
    fac <- lm(y ~ diet_f * exercise_f + BASVAL, data = dv)
    b <- coef(fac)
    V <- vcov(fac)
    L <- rbind(
      diet = c(0, 1, 0, 0, 0.5),
      exercise = c(0, 0, 1, 0, 0.5),
      `diet:exercise` = c(0, 0, 0, 0, 1)
    )
    colnames(L) <- c("(Intercept)", "diet_f1", "exercise_f1", "BASVAL", "diet_f1:exercise_f1")
    L <- L[, names(b), drop = FALSE]
    for (t in rownames(L)) {
      l <- L[t, ]
      res[[sprintf("factorial %s_%s", t, v)]] <- list(
        est = sum(l * b), se = sqrt(drop(t(l) %*% V %*% l)), df = df.residual(fac)
      )
    }
    mar <- lm(y ~ diet + exercise + BASVAL, data = dv)
    for (t in c("diet", "exercise")) {
      res[[sprintf("margins %s_%s", t, v)]] <- list(
        est = coef(mar)[[t]], se = sqrt(vcov(mar)[t, t]), df = df.residual(mar)
      )
    }
  }
  res
}

refs <- c("control" = "control", "diet" = "control", "exercise" = "control",
          "diet+exercise" = "control")
out <- list()
for (strategy in c("MAR", "JR", "CR", "CIR")) {
  upd <- data.frame(subject = dat_ice$subject, strategy = strategy)
  imp <- impute(drawObj, references = refs, update_strategy = upd)
  out[[strategy]] <- pooled_numbers(pool(analyse(imp, analysis_fun)))
}
upd <- data.frame(subject = dat_ice$subject, strategy = "JR")
imp <- impute(drawObj, references = refs, update_strategy = upd)
delta_df <- delta_template(imp)
delta_df$delta <- ifelse(delta_df$ARM != "control" & delta_df$is_missing, 0.1, 0)
delta_df <- delta_df[, c("subject", "VISIT", "delta")]
out[["JR_delta"]] <- pooled_numbers(pool(analyse(imp, analysis_fun, delta = delta_df)))
out[["full_fit"]] <- list(beta = drawObj$samples[[1]]$beta,
                          sigma = drawObj$samples[[1]]$sigma[[1]])
out[["versions"]] <- versions(c("rbmi", "mmrm", "jsonlite"))
write_expected(out)
