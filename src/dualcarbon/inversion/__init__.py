"""Top-down monitoring: Bayesian inversion of emissions and sinks from atmospheric observations.

The plan's 专栏7 asks for 空天地立体监测 and 排放量反演, and 专栏4 for 基于大气二氧化碳浓度反演的碳汇核算.
This package estimates sources and sinks from what stations and satellites measure and
cross-checks them against what enterprises report:

* :func:`invert` - analytical Bayesian inversion (state-space or observation-space form, chosen
  automatically), with posterior covariance, averaging kernel, DOFS, cost terms and IMI's ``gamma``;
  :func:`gram_matrix`, :func:`solve_gram` and :func:`hyperparameter_sweep` reuse one streamed
  Gram matrix for many hyperparameters;
* :func:`inventory_check` - z-scores of the posterior against the reported inventory;
* forward models - :func:`gaussian_plume` (Briggs 1973 sigmas), :func:`plume_jacobian`, the
  mass-balance methods :func:`ime_emission_rate_kg_s` and :func:`cross_sectional_flux`, and the
  unit conversions in :mod:`dualcarbon.inversion.conversions`;
* backends - numpy by default; CuPy, PyTorch or JAX with ``backend=``
  (:mod:`dualcarbon.inversion.backend`);
* files - :mod:`dualcarbon.inversion.io`, :mod:`~dualcarbon.inversion.config` and
  :mod:`~dualcarbon.inversion.workflow` behind ``dualcarbon invert CONFIG``.

The methodology, with equations and references, is in ``docs/inversion.md``.
"""

from __future__ import annotations

from dualcarbon.inversion.backend import BACKENDS, Backend, get_backend
from dualcarbon.inversion.conversions import (
    column_mass_kg_m2,
    column_mixing_ratio,
    emission_g_s,
    emission_t_yr,
    mass_concentration_ug_m3,
    mixing_ratio,
)
from dualcarbon.inversion.crosscheck import DEFAULT_Z_THRESHOLD, InventoryCheck, inventory_check
from dualcarbon.inversion.errors import (
    BackendUnavailable,
    InvalidConfig,
    InvalidCovariance,
    NotPositiveDefinite,
    ShapeMismatch,
)
from dualcarbon.inversion.gram import (
    GramMatrix,
    SweepMember,
    gram_matrix,
    hyperparameter_sweep,
    select_members,
    solve_gram,
)
from dualcarbon.inversion.jacobian import ChunkedJacobian, JacobianSource
from dualcarbon.inversion.massbalance import (
    CrossSectionalFlux,
    cross_sectional_flux,
    ime_emission_rate_kg_s,
    integrated_mass_enhancement_kg,
)
from dualcarbon.inversion.operators import PlumeJacobian, local_xy_m, plume_jacobian
from dualcarbon.inversion.plume import STABILITY_CLASSES, briggs_sigmas, gaussian_plume
from dualcarbon.inversion.posterior import FORMS, choose_form, invert, memory_estimate
from dualcarbon.inversion.result import InversionResult

__all__ = [
    "BACKENDS",
    "DEFAULT_Z_THRESHOLD",
    "FORMS",
    "STABILITY_CLASSES",
    "Backend",
    "BackendUnavailable",
    "ChunkedJacobian",
    "CrossSectionalFlux",
    "GramMatrix",
    "InvalidConfig",
    "InvalidCovariance",
    "InventoryCheck",
    "InversionResult",
    "JacobianSource",
    "NotPositiveDefinite",
    "PlumeJacobian",
    "ShapeMismatch",
    "SweepMember",
    "briggs_sigmas",
    "choose_form",
    "column_mass_kg_m2",
    "column_mixing_ratio",
    "cross_sectional_flux",
    "emission_g_s",
    "emission_t_yr",
    "gaussian_plume",
    "get_backend",
    "gram_matrix",
    "hyperparameter_sweep",
    "ime_emission_rate_kg_s",
    "integrated_mass_enhancement_kg",
    "inventory_check",
    "invert",
    "local_xy_m",
    "mass_concentration_ug_m3",
    "memory_estimate",
    "mixing_ratio",
    "plume_jacobian",
    "select_members",
    "solve_gram",
]
