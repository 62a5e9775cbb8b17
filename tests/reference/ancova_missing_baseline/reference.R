# About 15% of subjects without a baseline value.
source("../ancova_common.R")
write_case("homa_ir", 12, ALL_FITS)
