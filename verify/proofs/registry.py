"""The registry ``LEMMAS``: every lemma by name, each true lemma followed by its false variant, in a fixed order
(gadgets, then neuron and norm lemmas, then composition, then the affine lemmas: biases and domains, then the
convolution lemmas, then the telescoped reach-box lemmas) that the table, the JSON and ``proofs/README.md`` follow."""

from __future__ import annotations

from collections.abc import Sequence

from verify.proofs.affine import LEMMAS as AFFINE
from verify.proofs.composition import LEMMAS as COMPOSITION
from verify.proofs.conv import LEMMAS as CONV
from verify.proofs.gadgets import LEMMAS as GADGETS
from verify.proofs.norms import LEMMAS as NORMS
from verify.proofs.reach import LEMMAS as REACH
from verify.proofs.terms import Lemma

__all__ = ["LEMMAS", "select"]

LEMMAS: dict[str, Lemma] = {lem.name: lem for lem in [*GADGETS, *NORMS, *COMPOSITION, *AFFINE, *CONV, *REACH]}


def select(names: Sequence[str] | None = None) -> list[Lemma]:
    """The lemmas called ``names``, in that order (every lemma, in registry order, when ``names`` is None);
    ValueError naming the unknown ones."""
    if names is None:
        return list(LEMMAS.values())
    unknown = [n for n in names if n not in LEMMAS]
    if unknown:
        raise ValueError(f"unknown lemma(s): {', '.join(unknown)}")
    return [LEMMAS[n] for n in names]
