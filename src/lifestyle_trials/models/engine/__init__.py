"""The engine: arrays in, no trial.

The (restricted) likelihood of a marginal linear model with a covariance structure over
visits within subject, its exact derivatives, and the inference built on them (Satterthwaite
and Kenward-Roger degrees of freedom, sandwich errors, F tests, multiplicity adjustment),
plus ordinary least squares. Nothing here knows what a trial, an arm or an outcome is.
"""
