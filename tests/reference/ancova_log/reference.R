# log(homa_ir) adjusted for log baseline; emmeans back-transforms (type = "response").
source("../ancova_common.R")
write_case("homa_ir", 12, ALL_FITS, use_log = TRUE)
