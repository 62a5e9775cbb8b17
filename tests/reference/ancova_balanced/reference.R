# Balanced 2 x 2 trial (12 per arm), homa_ir at the last visit (12): every estimand and analysis.
source("../ancova_common.R")
write_case("homa_ir", 12, ALL_FITS)
