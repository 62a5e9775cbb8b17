# No exercise-only arm: estimands "arms" (two comparisons) and "margins" (additive model).
source("../ancova_common.R")
write_case("homa_ir", 12, c("arms/ancova/classical", "arms/ancova/HC3",
                            "margins/ancova/classical", "margins/change/classical"))
