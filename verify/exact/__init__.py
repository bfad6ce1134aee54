"""Exact oracle for tiny networks: decide sup_{x ∈ D} ‖G̃(x) − F(x)‖₂ ≤ b in rational arithmetic.

F(x) = W_L σ(⋯ σ(W_1 x + b_1)) + b_L and G̃ likewise (docs/overview.md §1; no ReLU after the last layer) are given
as lists of layers of ``fractions.Fraction`` (PyTorch (out, in) convention): a layer is a weight matrix (no bias)
or a pair (W, b), e.g. the exact values of stored floats. D is the unit ball (default), a ball of radius r, or a
box [lo, hi]. Nothing here rounds: the answer is about the real-arithmetic functions.

Method (activation regions). For bias-free networks both are positively homogeneous and piecewise linear, so

    sup_{‖x‖≤1} ‖e(x)‖ = max_p  max { ‖A_p x‖ : x ∈ C_p, ‖x‖ ≤ 1 },    e = G̃ − F,

where p runs over the joint activation patterns whose open cone C_p is non-empty and e(x) = A_p x on C_p.
Biases and boxes are reduced to the same enumeration by homogenisation (x ↦ (x, t), biases as weights on t; see
``affine``): on a box the sup is the exact max of ‖e‖² over the regions' vertices; with biases on a ball, vertex
bounds and z3 nlsat per region. The modules, in import order (no cycles):

* ``arith``: exact arithmetic (dyadic square roots, integer linear algebra, positive-definiteness test);
* ``networks``: exact evaluation, input checks, dead-neuron removal, the size limits ``MAX_*`` (larger inputs
  raise ``ValueError``; ``affine.MAX_REGIONS`` caps the regions of a box or of a ball with biases);
* ``regions``: the enumeration of the activation cones, each with its extreme rays (double description);
* ``cones``: per cone, a proven bound and the exact decision "some x has ‖A_p x‖ > b‖x‖" (copositivity on
  simplicial pieces, or z3's nonlinear arithmetic as an independent cross-check);
* ``oracle``: the search over all cones, keeping the best exact point and the proven per-cone bounds;
* ``affine``: lifting of affine networks, box domains (vertex enumeration), balls with biases (``BallOracle``);
* ``sup``: ``exact_check``, the public entry point: decide the bound, then bracket the sup by bisection.
"""

# The underscored names are the machinery that soundness rests on, which the tests exercise under the names it had
# when this package was one module; the submodules export it without the underscore.
from verify.exact.affine import MAX_REGIONS
from verify.exact.affine import BallOracle as _BallOracle  # noqa: F401
from verify.exact.arith import primitive as _primitive  # noqa: F401
from verify.exact.cones import not_copositive_witness as _not_copositive_witness  # noqa: F401
from verify.exact.networks import MAX_HIDDEN_NEURONS, MAX_INPUT_DIM, MAX_KEPT_WEIGHTS, error_sq, evaluate
from verify.exact.networks import drop_dead as _drop_dead  # noqa: F401
from verify.exact.oracle import Oracle as _Oracle  # noqa: F401
from verify.exact.regions import Deadline as _Deadline  # noqa: F401
from verify.exact.regions import Enumerator as _Enumerator  # noqa: F401
from verify.exact.sup import ExactResult, exact_check

__all__ = ["ExactResult", "exact_check", "evaluate", "error_sq", "MAX_INPUT_DIM", "MAX_KEPT_WEIGHTS",
           "MAX_HIDDEN_NEURONS", "MAX_REGIONS"]
