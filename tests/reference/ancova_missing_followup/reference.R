# About 20% of subjects without a value at visit 12 (half with a NaN, half with no row).
source("../ancova_common.R")
write_case("homa_ir", 12, ALL_FITS)
