"""Covariance structures over the visits of a subject: parameters and exact derivatives.

A structure maps parameters to the ``T × T`` covariance matrix ``Σ`` of one subject's
outcomes at the ``T`` analysed visits; a subject observed at a subset of visits has the
corresponding sub-matrix of ``Σ``.

Each structure has two parameter vectors:

``psi`` (natural parameters)
    Variances, covariances and correlations, as SAS PROC MIXED reports them. Every
    derivative used for inference (information matrices, Satterthwaite and Kenward-Roger
    degrees of freedom) is taken with respect to ``psi``; ``d_sigma`` and ``d2_sigma`` give
    ``∂Σ/∂ψ_k`` and ``∂²Σ/∂ψ_k∂ψ_l`` in closed form. For ``us``, ``cs``, ``toep``, ``diag``
    and the random-effects structures ``Σ`` is linear in ``psi`` (second derivatives zero).
``theta`` (working parameters)
    Unconstrained reals used by the optimiser; every ``theta`` gives a positive definite
    ``Σ``: log variances, a log-Cholesky factor for ``us`` (Pinheiro & Bates 1996),
    ``tanh`` of partial autocorrelations for Toeplitz (Durbin-Levinson recursion), a scaled
    logistic for the compound-symmetry correlation. ``jacobian`` gives ``∂ψ/∂θ`` to machine
    precision by complex-step differentiation (Squire & Trapp 1998), which is why
    :meth:`Structure.psi` uses only complex-analytic operations.

Structures (``T`` visits; "h" = heterogeneous, one variance per visit)

======  ================================================  ===============================
name    Σ_ab                                              psi
======  ================================================  ===============================
us      unstructured                                      σ_ab, a ≥ b (T(T+1)/2)
cs      σ² if a = b, else c                               σ², c
csh     σ_a σ_b ρ^[a≠b]                                   σ²_1..σ²_T, ρ
ar1     σ² ρ^|a-b|                                        σ², ρ
ar1h    σ_a σ_b ρ^|a-b|                                   σ²_1..σ²_T, ρ
toep    γ_|a-b|                                           γ_0..γ_{T-1}
toeph   σ_a σ_b ρ_|a-b| (ρ_0 = 1)                         σ²_1..σ²_T, ρ_1..ρ_{T-1}
diag    σ²_a if a = b, else 0                             σ²_1..σ²_T
ad      σ² Π_{a≤k<b} ρ_k                                  σ², ρ_1..ρ_{T-1}
adh     σ_a σ_b Π_{a≤k<b} ρ_k                             σ²_1..σ²_T, ρ_1..ρ_{T-1}
sp_exp  σ² exp(-|t_a - t_b| / θ), t the visit times       σ², θ
======  ================================================  ===============================

``sp_exp`` also takes times of each subject's own (subject-specific coordinates): it is then
:attr:`Structure.local`, and the engine computes each subject's ``Σ_i`` from its own times
(:mod:`.spatial`) instead of slicing a ``T × T`` matrix.

AR(1) and Toeplitz structures use the order of the visits (lag = difference of visit
positions), not the time between them, as nlme's ``corAR1(form = ~ index | subject)`` and
SAS's ``TYPE=AR(1)`` do; for unequally spaced visits ``us`` makes no such assumption.

Random-effects models imply structures too (:class:`RandomIntercept`, :class:`RandomSlope`):
``Σ = Z G Zᵀ + σ² I`` with ``Z = [1, t]`` over the visit times ``t``.

Modules: :mod:`.base` (the :class:`Structure` interface), :mod:`.unstructured` (``us``,
``diag``), :mod:`.correlated` (the structures ``S R(ρ) S``), :mod:`.compound` (``cs``,
``csh``), :mod:`.autoregressive` (``ar1``, ``ar1h``), :mod:`.toeplitz` (``toep``, ``toeph``),
:mod:`.antedependence` (``ad``, ``adh``), :mod:`.spatial` (``sp_exp``),
:mod:`.grouped` (one structure per group of subjects),
:mod:`.random_effects` and :mod:`.registry` (:func:`structure` by name).

References
----------
Pinheiro JC, Bates DM. Unconstrained parametrizations for variance-covariance matrices.
Stat Comput 1996;6:289-96. doi:10.1007/BF00140873
Squire W, Trapp G. Using complex variables to estimate derivatives of real functions.
SIAM Rev 1998;40:110-2. doi:10.1137/S003614459631241X
Durbin J. The fitting of time-series models. Rev Int Stat Inst 1960;28:233-44.
doi:10.2307/1401322
"""

from .base import Structure
from .grouped import Grouped, grouped, grouped_positions
from .random_effects import RandomIntercept, RandomSlope
from .registry import STRUCTURES, structure
from .toeplitz import acf_to_pacf, pacf_to_acf

__all__ = [
    "STRUCTURES",
    "Grouped",
    "RandomIntercept",
    "RandomSlope",
    "Structure",
    "acf_to_pacf",
    "grouped",
    "grouped_positions",
    "pacf_to_acf",
    "structure",
]
