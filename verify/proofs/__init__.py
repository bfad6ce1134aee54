"""Machine-checked lemmas behind the certificate (docs/gadgets.md, docs/composition.md, docs/affine.md,
docs/conv.md, docs/tighter.md), proved by z3 over ALL reals.

Every lemma is built in a fresh ``z3.Context`` as hypotheses H and a conclusion C, with ReLU written
σ(t) = If(t > 0, t, 0). The solver is asked about H ∧ ¬C:

* a true lemma is **proved** when that query is ``unsat`` (no real counterexample exists);
* each true lemma has a deliberately false variant (wrong sign, missing term, off-by-factor, dropped
  hypothesis) that must be **refuted**: the query is ``sat`` and the model, re-evaluated in z3, is a
  genuine counterexample. A harness that cannot fail proves nothing; these variants show it can.

Lemmas that z3 cannot prove in one query for general dimension (the composition step in dimension ≥ 2
times out) are proved as a chain of small lemmas whose conclusions feed the next one's
hypotheses; each lemma's statement says which links it relies on.

The modules, in import order (no cycles):

* ``terms``: what a lemma is (``Lemma``, ``lemma_pair``) and the z3 term helpers;
* ``gadgets``, ``norms``, ``composition``: the lemmas of the bias-free argument, each statement next to its z3
  builder;
* ``affine``: the lemmas for biases and input domains (constant neurons, the bias gadget, box reach, the
  non-negative box, the composition step with biases), each citing the section of docs/affine.md it proves and the
  fact of certs/FORMAT.md it supports;
* ``conv``: the lemmas for convolutions (the pair gadget at interior and padded positions, the multiplicity bound
  on small instances, a constant channel at the border; docs/conv.md §3–§5);
* ``reach``: the lemmas for the telescoped reach-box composition (interval bound propagation of a row, ReLU on a
  box, a row's gadget error at the sign-split corners of a box, telescoping through the later layers;
  docs/tighter.md §2–§5);
* ``registry``: ``LEMMAS``, every lemma by name, and ``select``;
* ``smtlib``: ``smt2_text`` and ``write_smt2``, the SMT-LIB 2 exports in ``proofs/`` and their index;
* ``runner``: ``prove`` one lemma with z3 (and optionally cvc5, if that package is installed: nonlinear z3 has
  had soundness bugs), ``run_all`` for ``slt-verify prove``.
"""

from verify.proofs.registry import LEMMAS, select
from verify.proofs.runner import (
    CVC5_TIMEOUT_S,
    TIMEOUT_MS,
    LemmaResult,
    check_assertions,
    cvc5_available,
    cvc5_check,
    prove,
    run_all,
)
from verify.proofs.smtlib import index_text, smt2_text, write_smt2
from verify.proofs.terms import PROVED, REFUTED, Lemma

__all__ = ["CVC5_TIMEOUT_S", "LEMMAS", "Lemma", "LemmaResult", "PROVED", "REFUTED", "TIMEOUT_MS",
           "check_assertions", "cvc5_available", "cvc5_check", "index_text", "prove", "run_all", "select",
           "smt2_text", "write_smt2"]
