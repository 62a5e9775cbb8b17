"""Models of diet × exercise trials: ANCOVA, MMRM, random effects, mixed ANOVA, marginal means."""
