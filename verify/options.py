"""The settings of a construction, written once: choices, defaults and limits (no torch; stdlib and the kernel's io).

The command line takes its ``choices`` and defaults from here (verify/cli.py), and the engine functions
(``engine.construct.build``, ``engine.refine``, ``search.search_width``, ``certify.certify``,
``commands.certify_flow``) take one frozen ``Options`` instead of separate arguments.  ε is not an option of the
construction but of the claim: ``Eps`` holds it parsed once, with the text the certificate states.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from verify.kernel import io

__all__ = ["METHODS", "RESCALINGS", "NORMS", "DEVICES", "WIDTH_AUTO", "CANDIDATES_DEFAULT", "CANDIDATES_RANGE",
           "SEED_LIMIT", "Options", "DEFAULTS", "Eps"]

METHODS = ("subset-sum", "pair")        # the gadgets (docs/gadgets.md §6): Pensia et al. 2020, Malach et al. 2020
RESCALINGS = ("auto", "neuron", "layer")  # how F's neurons are rescaled before pruning (docs/rescaling.md §4)
NORMS = ("spectral", "frobenius")       # the norm of the per-layer bounds η_i, ω_i (docs/composition.md §5)
DEVICES = ("auto", "cpu", "cuda")       # where the engine runs ("auto": cuda when available)
WIDTH_AUTO = "auto"                     # width policy: search k (docs/composition.md §6) instead of a fixed k

# Subset-sum candidates per weight and sign searched exactly (meet-in-the-middle over 2 x 2^11 sums at 22), and the
# values the option may take.  The upper end is what one instance of the subset-sum kernel can sum exactly in int64
# (engine/subset_sum.py: EXACT_INT64_CANDIDATES, a different limit; tests/test_layout.py checks this one is within
# it).
CANDIDATES_DEFAULT = 22
CANDIDATES_RANGE = (2, 40)
SEED_LIMIT = 2**32                      # seeds are 32-bit: the generator hashes them as such (docs/generator.md §2)


@dataclass(frozen=True)
class Options:
    """How to construct G̃: the gadget ``method``, G's ``seed``, the ``device``, the subset-sum ``max_candidates``,
    the ``rescale`` of F, whether neurons may be ``reassign``ed to other inputs (docs/gadgets.md §6.4), the ``norm``
    of the certified rows and the ``width`` policy (a fixed width factor k, or ``"auto"``).  Validated on creation
    (ValueError)."""

    method: str = "subset-sum"
    seed: int = 0
    device: str = "auto"
    max_candidates: int = CANDIDATES_DEFAULT
    rescale: str = "auto"
    reassign: bool = True
    norm: str = "spectral"
    width: int | Literal["auto"] = WIDTH_AUTO

    def __post_init__(self) -> None:
        for name, value, choices in (("method", self.method, METHODS), ("rescaling", self.rescale, RESCALINGS),
                                     ("norm", self.norm, NORMS)):
            if value not in choices:
                raise ValueError(f"unknown {name} {value!r}; choose from {', '.join(choices)}")
        if not 0 <= self.seed < SEED_LIMIT:
            raise ValueError(f"seed must lie in [0, 2^32), got {self.seed}")
        lo, hi = CANDIDATES_RANGE
        if not lo <= self.max_candidates <= hi:
            raise ValueError(f"max_candidates must lie in [{lo}, {hi}], got {self.max_candidates}")
        if self.width != WIDTH_AUTO and (isinstance(self.width, bool) or not isinstance(self.width, int)
                                         or self.width < 1):
            raise ValueError(f"width must be a width factor k >= 1 or {WIDTH_AUTO!r}, got {self.width!r}")


DEFAULTS = Options()


@dataclass(frozen=True)
class Eps:
    """The ε of the claim, parsed once: ``text`` as the certificate states it, ``value`` its exact rational."""

    text: str
    value: Fraction

    @classmethod
    def parse(cls, text: str) -> Eps:
        """The decimal ``text`` (surrounding white space removed); ValueError if it is not a finite decimal."""
        text = text.strip()
        return cls(text, io.parse_decimal(text))
