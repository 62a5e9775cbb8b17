"""The engine: arrays in, no trial.

The (restricted) likelihood of a marginal linear model with a covariance structure over
visits within subject and its exact derivatives (:mod:`.likelihood`, on subjects grouped by
missingness pattern, :mod:`.patterns`, or over each subject's own times,
:mod:`.subject_times`), its optimiser (:mod:`.reml`; structures as objects in
:mod:`.covariance`, including one structure per group of subjects and observation weights),
and the inference built on them (:mod:`.inference`: Satterthwaite, Kenward-Roger as SAS
computes it, its linear variant and R mmrm's (:mod:`.mmrm_parameters`), residual and
between-within df, sandwich errors, F tests, multiplicity adjustment), a path that refits one
design many times (:mod:`.repeated`: new outcomes, the jackknife), plus ordinary least
squares. Nothing here knows what a trial, an arm or an outcome is.
"""
