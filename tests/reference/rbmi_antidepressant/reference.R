# rbmi's antidepressant_data as in its quickstart vignette: HAMD-17 at weeks 1, 2, 4, 6
# (VISIT 4-7), imputation model CHANGE ~ BASVAL * VISIT + THERAPY * VISIT with an
# unstructured covariance (REML); events at the first missing visit of every subject except
# 3618 (an intermittent missing value, MAR); conditional mean imputation with jackknife;
# ANCOVA CHANGE ~ THERAPY + BASVAL at each visit; strategies MAR, JR, CR, CIR, and JR with
# delta = 5 for imputed DRUG values. PLACEBO is the reference level (effects DRUG - PLACEBO).
# Also JR with events followed by observed values (see below).
# Writes data.csv (long: baseline as visit 0, HAMD-17 total), ice.csv, ice_post.csv and
# expected.json.
source("../rbmi_common.R")
suppressPackageStartupMessages(library(dplyr))

dat <- antidepressant_data
dat <- expand_locf(
  dat,
  PATIENT = levels(dat$PATIENT),
  VISIT = levels(dat$VISIT),
  vars = c("BASVAL", "THERAPY"),
  group = c("PATIENT"),
  order = c("PATIENT", "VISIT")
)
dat$THERAPY <- factor(dat$THERAPY, levels = c("PLACEBO", "DRUG"))

dat_ice <- dat %>%
  arrange(PATIENT, VISIT) %>%
  filter(is.na(CHANGE)) %>%
  group_by(PATIENT) %>%
  slice(1) %>%
  ungroup() %>%
  select(PATIENT, VISIT) %>%
  mutate(strategy = "JR")
dat_ice <- dat_ice[dat_ice$PATIENT != "3618", ]

# the package's long table: subject, diet (1 = DRUG), exercise (0), visit (0 = baseline), hamd17
base <- dat[!duplicated(dat$PATIENT), c("PATIENT", "THERAPY", "BASVAL")]
long <- rbind(
  data.frame(subject = base$PATIENT, diet = as.integer(base$THERAPY == "DRUG"), exercise = 0L,
             visit = 0, hamd17 = base$BASVAL),
  data.frame(subject = dat$PATIENT, diet = as.integer(dat$THERAPY == "DRUG"), exercise = 0L,
             visit = as.numeric(as.character(dat$VISIT)), hamd17 = dat$BASVAL + dat$CHANGE)
)
long <- long[order(as.character(long$subject), long$visit), ]
write.csv(long, "data.csv", row.names = FALSE, na = "")
write.csv(data.frame(subject = dat_ice$PATIENT, visit = as.numeric(as.character(dat_ice$VISIT)),
                     strategy = dat_ice$strategy), "ice.csv", row.names = FALSE)

vars <- set_vars(
  outcome = "CHANGE", visit = "VISIT", subjid = "PATIENT", group = "THERAPY",
  covariates = c("BASVAL*VISIT", "THERAPY*VISIT")
)
vars_an <- set_vars(
  subjid = "PATIENT", outcome = "CHANGE", visit = "VISIT", group = "THERAPY",
  covariates = c("BASVAL")
)
method <- method_condmean(type = "jackknife", covariance = "us")
drawObj <- draws(data = dat, data_ice = dat_ice, vars = vars, method = method, quiet = TRUE)

refs <- c("DRUG" = "PLACEBO", "PLACEBO" = "PLACEBO")
out <- list()
for (strategy in c("MAR", "JR", "CR", "CIR")) {
  upd <- data.frame(PATIENT = dat_ice$PATIENT, strategy = strategy)
  imp <- impute(drawObj, references = refs, update_strategy = upd)
  out[[strategy]] <- pooled_numbers(pool(analyse(imp, ancova, vars = vars_an)))
}
imp <- impute(drawObj, references = refs)
delta_df <- delta_template(imp)
delta_df$delta <- ifelse(delta_df$THERAPY == "DRUG" & delta_df$is_missing, 5, 0)
delta_df <- delta_df[, c("PATIENT", "VISIT", "delta")]
out[["JR_delta"]] <- pooled_numbers(pool(analyse(imp, ancova, delta = delta_df, vars = vars_an)))
# Events with observed values after them: subject 3618 (intermittent missing value) and five
# subjects without missing values get a JR event at week 4 (VISIT 6): their values from then
# on are left out of the fit, and 3618's missing value is imputed given all its values.
complete <- setdiff(unique(as.character(dat$PATIENT[!is.na(dat$CHANGE)])),
                    as.character(dat$PATIENT[is.na(dat$CHANGE)]))
extra <- data.frame(PATIENT = c("3618", sort(complete)[1:5]), VISIT = "6", strategy = "JR")
extra$PATIENT <- factor(extra$PATIENT, levels = levels(dat$PATIENT))
extra$VISIT <- factor(extra$VISIT, levels = levels(dat$VISIT))
dat_ice_post <- rbind(as.data.frame(dat_ice), extra)
write.csv(data.frame(subject = dat_ice_post$PATIENT,
                     visit = as.numeric(as.character(dat_ice_post$VISIT)),
                     strategy = dat_ice_post$strategy), "ice_post.csv", row.names = FALSE)
drawPost <- draws(data = dat, data_ice = dat_ice_post, vars = vars, method = method, quiet = TRUE)
out[["JR_post_ice"]] <- pooled_numbers(pool(analyse(impute(drawPost, references = refs), ancova,
                                                    vars = vars_an)))
out[["full_fit"]] <- list(beta = drawObj$samples[[1]]$beta,
                          sigma = drawObj$samples[[1]]$sigma[[1]])
out[["versions"]] <- versions(c("rbmi", "mmrm", "jsonlite"))
write_expected(out)
