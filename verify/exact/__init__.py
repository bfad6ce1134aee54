"""Exact oracle for tiny networks: decide sup_{‖x‖₂ ≤ 1} ‖G̃(x) − F(x)‖₂ ≤ b in rational arithmetic.

F(x) = W_L σ(⋯ σ(W_1 x)) and G̃(x) = M_K σ(⋯ σ(M_1 x)) (docs/overview.md §1; no ReLU after the last layer)
are given as lists of weight matrices of ``fractions.Fraction`` (PyTorch (out, in) convention), e.g. the
exact values of stored floats. Nothing here rounds: the answer is about the real-arithmetic functions.

Method (activation regions). Both networks are positively homogeneous and piecewise linear, so

    sup_{‖x‖≤1} ‖e(x)‖ = max_p  max { ‖A_p x‖ : x ∈ C_p, ‖x‖ ≤ 1 },    e = G̃ − F,

where p runs over the joint activation patterns whose open cone C_p is non-empty and e(x) = A_p x on C_p. The
modules, in import order (no cycles):

* ``arith``: exact arithmetic (dyadic square roots, integer linear algebra, positive-definiteness test);
* ``networks``: exact evaluation, input checks, dead-neuron removal, the size limits ``MAX_*`` (larger inputs
  raise ``ValueError``);
* ``regions``: the enumeration of the activation cones, each with its extreme rays (double description);
* ``cones``: per cone, a proven bound and the exact decision "some x has ‖A_p x‖ > b‖x‖" (copositivity on
  simplicial pieces, or z3's nonlinear arithmetic as an independent cross-check);
* ``oracle``: the search over all cones, keeping the best exact point and the proven per-cone bounds;
* ``sup``: ``exact_check``, the public entry point: decide the bound, then bracket the sup by bisection.
"""

# The underscored names are the machinery that soundness rests on, which the tests exercise under the names it had
# when this package was one module; the submodules export it without the underscore.
from verify.exact.arith import primitive as _primitive  # noqa: F401
from verify.exact.cones import not_copositive_witness as _not_copositive_witness  # noqa: F401
from verify.exact.networks import MAX_HIDDEN_NEURONS, MAX_INPUT_DIM, MAX_KEPT_WEIGHTS, error_sq, evaluate
from verify.exact.networks import drop_dead as _drop_dead  # noqa: F401
from verify.exact.oracle import Oracle as _Oracle  # noqa: F401
from verify.exact.regions import Deadline as _Deadline  # noqa: F401
from verify.exact.regions import Enumerator as _Enumerator  # noqa: F401
from verify.exact.sup import ExactResult, exact_check

__all__ = ["ExactResult", "exact_check", "evaluate", "error_sq", "MAX_INPUT_DIM", "MAX_KEPT_WEIGHTS",
           "MAX_HIDDEN_NEURONS"]
