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

from verify.errors import InputError
from verify.kernel import io

__all__ = ["METHODS", "RESCALINGS", "NORMS", "DEVICES", "WIDTH_AUTO", "WIDTH_SMALLEST", "WIDTH_POLICIES",
           "CANDIDATES_DEFAULT", "CANDIDATES_RANGE",
           "SEED_LIMIT", "DOMAIN_DEFAULT", "BIAS_BLOCK_AUTO", "BIAS_BLOCK_MAX", "Options", "DEFAULTS", "Eps",
           "parse_input_shape"]

METHODS = ("subset-sum", "pair")        # the gadgets (docs/gadgets.md §6): Pensia et al. 2020, Malach et al. 2020
RESCALINGS = ("auto", "neuron", "layer")  # how F's neurons are rescaled before pruning (docs/rescaling.md §4)
NORMS = ("spectral", "frobenius")       # the norm of the per-layer bounds η_i, ω_i (docs/composition.md §5)
DEVICES = ("auto", "cpu", "cuda")       # where the engine runs ("auto": cuda when available)
WIDTH_AUTO = "auto"                     # width policy: predict k, build it, step up if it misses (verify/search.py)
WIDTH_SMALLEST = "smallest"             # width policy: doubling and bisection, k − 1 fails (docs/composition.md §6)
WIDTH_POLICIES = (WIDTH_AUTO, WIDTH_SMALLEST)

# Subset-sum candidates per weight and sign searched exactly (meet-in-the-middle over 2 x 2^11 sums at 22), and the
# values the option may take.  The upper end is what one instance of the subset-sum kernel can sum exactly in int64
# (engine/subset_sum.py: EXACT_INT64_CANDIDATES, a different limit; tests/test_layout.py checks this one is within
# it).
CANDIDATES_DEFAULT = 22
CANDIDATES_RANGE = (2, 40)
SEED_LIMIT = 2**32                      # seeds are 32-bit: the generator hashes them as such (docs/generator.md §2)
DOMAIN_DEFAULT = "ball"                 # the unit l2 ball (verify/domain.py parses --domain)
BIAS_BLOCK_AUTO = "auto"                # constant neurons per layer pair: 2·max_candidates when F has a non-zero bias
BIAS_BLOCK_MAX = 4096


@dataclass(frozen=True)
class Options:
    """How to construct G̃: the gadget ``method``, G's ``seed``, the ``device``, the subset-sum ``max_candidates``,
    the ``rescale`` of F, whether neurons may be ``reassign``ed to other inputs (docs/gadgets.md §6.4), the ``norm``
    of the certified rows, the ``width`` policy (a fixed width factor k, or ``"auto"``), the input ``domain`` (the
    ``--domain`` text, parsed by verify/domain.py: it decides the claim and whether layer 1's inputs are ≥ 0), the
    ``bias_block`` c of constant neurons per layer pair (docs/affine.md §2; ``"auto"``: 2·max_candidates when F has a
    non-zero bias, else 0) and F's ``input_shape`` ((C, H, W) for a CNN, docs/conv.md §1; None: inferred when the
    model is read, engine/model.py ``load_target``).  Validated on creation (ValueError; the domain when it is
    parsed)."""

    method: str = "subset-sum"
    seed: int = 0
    device: str = "auto"
    max_candidates: int = CANDIDATES_DEFAULT
    rescale: str = "auto"
    reassign: bool = True
    norm: str = "spectral"
    width: int | Literal["auto", "smallest"] = WIDTH_AUTO
    domain: str = DOMAIN_DEFAULT
    bias_block: int | Literal["auto"] = BIAS_BLOCK_AUTO
    input_shape: tuple[int, ...] | None = None

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
        if self.width not in WIDTH_POLICIES and (isinstance(self.width, bool) or not isinstance(self.width, int)
                                                 or self.width < 1):
            raise ValueError(f"width must be a width factor k >= 1 or one of {', '.join(map(repr, WIDTH_POLICIES))}, "
                             f"got {self.width!r}")
        if self.bias_block != BIAS_BLOCK_AUTO and (isinstance(self.bias_block, bool)
                                                   or not isinstance(self.bias_block, int)
                                                   or not 0 <= self.bias_block <= BIAS_BLOCK_MAX):
            raise ValueError(f"bias block must be an integer in [0, {BIAS_BLOCK_MAX}] or {BIAS_BLOCK_AUTO!r}, got "
                             f"{self.bias_block!r}")
        shape = self.input_shape
        if shape is not None and (not isinstance(shape, tuple) or len(shape) not in (1, 3) or not all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in shape)):
            raise ValueError(f"input_shape must be None or a tuple (C, H, W) or (D,) of positive integers, got "
                             f"{shape!r}")

    @property
    def nonneg_input(self) -> bool:
        """The domain is a box with lo ≥ 0: layer 1's inputs are non-negative (docs/affine.md §4)."""
        from verify.domain import parse  # numpy only; parsed once per text

        return parse(self.domain).non_negative

    def bias_block_for(self, has_bias: bool) -> int:
        """The bias block c this construction uses for a target with (``has_bias``) or without non-zero biases."""
        if self.bias_block == BIAS_BLOCK_AUTO:
            return 2 * self.max_candidates if has_bias else 0
        return self.bias_block


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


def parse_input_shape(text: str) -> tuple[int, ...]:
    """``--input-shape C,H,W`` (or ``D`` for a vector): F's input shape (docs/conv.md §1) as positive integers;
    InputError (one line) otherwise.

    >>> parse_input_shape("1,8,8")
    (1, 8, 8)
    """
    parts = [t.strip() for t in str(text).split(",")]
    if len(parts) not in (1, 3) or not all(t.isascii() and t.isdigit() and len(t) <= 9 and int(t) >= 1 for t in parts):
        raise InputError(f"--input-shape must be C,H,W (or D for a vector) in positive integers, got {text!r}")
    return tuple(int(t) for t in parts)
