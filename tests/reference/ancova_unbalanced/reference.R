# Unbalanced arms (9, 14, 11, 17), homa_ir at visit 6 (not the last): every estimand and analysis.
source("../ancova_common.R")
write_case("homa_ir", 6, ALL_FITS)
