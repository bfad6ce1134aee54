"""What a lemma is, and the z3 terms its builders are written in.

A lemma is a query *hypotheses ∧ ¬conclusion* over the reals, built in whatever ``z3.Context`` it is given;
``lemma_pair`` registers a true lemma together with its deliberately false variant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import z3

__all__ = ["Built", "Builder", "Lemma", "NOTATION", "PROVED", "REFUTED", "Terms", "lemma_pair"]

PROVED, REFUTED = "unsat", "sat"
NOTATION = "σ(t) = max(t, 0); all variables range over the reals unless a hypothesis restricts them."

Built = tuple[list[z3.BoolRef], z3.BoolRef]  # (hypotheses, conclusion)
Builder = Callable[..., Built]  # builder(ctx, false, **dimensions)


@dataclass(frozen=True)
class Lemma:
    """One query. ``expected`` is "unsat" for a true lemma (H ∧ ¬C has no model) and "sat" for a false
    variant (a counterexample exists). ``build`` makes (H, C) in the context it is given."""

    name: str
    statement: str
    expected: str
    build: Callable[[z3.Context], Built] = field(repr=False)
    variant_of: str | None = None

    def assertions(self, ctx: z3.Context) -> list[z3.BoolRef]:
        hyps, concl = self.build(ctx)
        return [*hyps, z3.Not(concl)]


def lemma_pair(name: str, statement: str, false_statement: str, build: Builder, **dims: int) -> list[Lemma]:
    """The true lemma ``name`` and its false variant ``name.false``: ``build(ctx, false, **dims)`` makes the
    query of the lemma (``false=False``) or of the variant (``false=True``)."""
    return [Lemma(name, statement, PROVED, partial(build, false=False, **dims)),
            Lemma(f"{name}.false", false_statement, REFUTED, partial(build, false=True, **dims), variant_of=name)]


class Terms:
    """Small term helpers, all in one explicit context; ReLU is written σ(t) = If(t > 0, t, 0)."""

    def __init__(self, ctx: z3.Context) -> None:
        self.ctx = ctx
        self.zero = z3.RealVal(0, ctx)

    def r(self, name: str) -> z3.ArithRef:
        return z3.Real(name, self.ctx)

    def vec(self, name: str, n: int) -> list[z3.ArithRef]:
        return [z3.Real(f"{name}{i}", self.ctx) for i in range(n)]

    def mat(self, name: str, m: int, n: int) -> list[list[z3.ArithRef]]:
        return [[z3.Real(f"{name}{r}_{c}", self.ctx) for c in range(n)] for r in range(m)]

    def q(self, num: int, den: int = 1) -> z3.ArithRef:
        return z3.Q(num, den, self.ctx) if den != 1 else z3.RealVal(num, self.ctx)

    def relu(self, t: z3.ArithRef) -> z3.ArithRef:
        return z3.If(t > 0, t, self.zero)

    def abs(self, t: z3.ArithRef) -> z3.ArithRef:
        return z3.If(t < 0, -t, t)

    def sum(self, ts: Sequence[z3.ArithRef]) -> z3.ArithRef:
        # a one-term z3.Sum prints as "(+ x)", which is not SMT-LIB 2 (cvc5 rejects it)
        if len(ts) <= 1:
            return ts[0] if ts else self.zero
        return z3.Sum(list(ts))

    def sq(self, v: Sequence[z3.ArithRef]) -> z3.ArithRef:
        return self.sum([t * t for t in v])

    def dot(self, u: Sequence[z3.ArithRef], v: Sequence[z3.ArithRef]) -> z3.ArithRef:
        return self.sum([a * b for a, b in zip(u, v, strict=True)])
