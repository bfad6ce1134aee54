"""The settings of a construction, written once: choices, defaults and limits (no torch; stdlib and the kernel's io).

The command line takes its ``choices`` and defaults from here (verify/cli.py), and the engine functions
(``engine.construct.build``, ``engine.refine``, ``search.search_width``, ``certify.certify``,
``commands.certify_flow``) take one frozen ``Options`` instead of separate arguments.  ε is not an option of the
construction but of the claim: ``Eps`` holds it parsed once, with the text the certificate states.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from verify.errors import InputError
from verify.kernel import io

__all__ = ["METHODS", "RESCALINGS", "NORMS", "DEVICES", "WIDTH_AUTO", "WIDTH_SMALLEST", "WIDTH_POLICIES",
           "SEMANTICS", "SEMANTICS_DEFAULT", "COMPOSITIONS",
           "CANDIDATES_DEFAULT", "CANDIDATES_RANGE",
           "SEED_LIMIT", "DOMAIN_DEFAULT", "BIAS_BLOCK_AUTO", "BIAS_BLOCK_MAX", "Options", "DEFAULTS", "Eps",
           "parse_input_shape",
           "JOB_KINDS", "JOBS_MAX", "JOBS_DEFAULT", "CLUSTER_LOCAL_MAX", "parse_jobs", "parse_cluster"]

METHODS = ("subset-sum", "pair")        # the gadgets (docs/gadgets.md §6): Pensia et al. 2020, Malach et al. 2020
RESCALINGS = ("auto", "neuron", "layer")  # how F's neurons are rescaled before pruning (docs/rescaling.md §4)
NORMS = ("spectral", "frobenius")       # the norm of the per-layer bounds η_i, ω_i (docs/composition.md §5)
DEVICES = ("auto", "cpu", "cuda")       # where the engine runs ("auto": cuda when available)
# What the claim covers (docs/float32.md): the exact claim with the float32 bound reported beside it (default), the
# exact claim alone, the verdict on the float32 bound of G̃ run in float32, or of G̃ and F both run in float32.
SEMANTICS = ("exact+float32", "exact", "float32", "float32-both")
SEMANTICS_DEFAULT = "exact+float32"
# How the per-layer errors are composed into the claim (docs/tighter.md §5): the recursion δ_i alone, or also the
# telescoped sum over G̃'s reach boxes (the certificate's telescope block, fact 9; Linear layers only), whichever
# is smaller.
COMPOSITIONS = ("telescope", "recurrence")
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
    model is read, engine/model.py ``load_target``); ``semantics``, what the claim covers (docs/float32.md §7: the
    float32 block reported, omitted, or deciding the verdict; ``certify.certify`` takes it as an argument), does not
    change the construction; nor does ``composition`` (docs/tighter.md §5: "telescope" adds the telescope block
    where F has Linear layers only, "recurrence" writes δ_L alone).  Validated on creation (ValueError; the domain
    when it is parsed)."""

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
    semantics: str = SEMANTICS_DEFAULT
    composition: str = "telescope"

    def __post_init__(self) -> None:
        for name, value, choices in (("method", self.method, METHODS), ("rescaling", self.rescale, RESCALINGS),
                                     ("norm", self.norm, NORMS), ("semantics", self.semantics, SEMANTICS),
                                     ("composition", self.composition, COMPOSITIONS)):
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


# --jobs and --cluster (verify/engine/parallel.py, docs/parallel.md): where the row chunks of the gadget search run.
# They change the time a construction takes, never its result, so they are not fields of ``Options``.
JOB_KINDS = ("threads", "processes")    # local executors of --jobs; the first is the default (benchmarks/parallel.md)
JOBS_MAX = 1024
JOBS_DEFAULT = "auto"   # --jobs when neither it nor --cluster is given: every core (benchmarks/scale.md)
CLUSTER_LOCAL_MAX = 256
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ws|wss|ucx)://)?(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def parse_jobs(text: str) -> tuple[str, int]:
    """``--jobs N|auto`` or ``KIND:N|auto`` (KIND one of ``JOB_KINDS``, default the first): (kind, workers); ``auto``
    is every core this process may use.  InputError (one line) otherwise.

    >>> parse_jobs("processes:3")
    ('processes', 3)
    """
    kind, _, count = str(text).strip().rpartition(":")
    kind = kind or JOB_KINDS[0]
    if kind not in JOB_KINDS:
        raise InputError(f"--jobs must be N, auto or KIND:N with KIND one of {', '.join(JOB_KINDS)}; got {text!r}")
    if count == "auto":
        return kind, _cores()
    if not (count.isascii() and count.isdigit() and 1 <= int(count) <= JOBS_MAX):
        raise InputError(f"--jobs wants a number of workers in [1, {JOBS_MAX}] or auto, got {text!r}")
    return kind, int(count)


def parse_cluster(text: str) -> tuple[str, int | None]:
    """``--cluster local:N`` → ("local", N): a local Dask cluster of N worker processes; ``--cluster ADDRESS`` →
    (ADDRESS, None): a running Dask scheduler, ``[tcp|tls|ws|wss|ucx://]HOST:PORT``.  InputError (one line)
    otherwise.

    >>> parse_cluster("local:2"), parse_cluster("tcp://10.0.0.5:8786")
    (('local', 2), ('tcp://10.0.0.5:8786', None))
    """
    text = str(text).strip()
    if text.startswith("local:"):
        n = text[len("local:"):]
        if n.isascii() and n.isdigit() and 1 <= int(n) <= CLUSTER_LOCAL_MAX:
            return "local", int(n)
        raise InputError(f"--cluster local:N wants N in [1, {CLUSTER_LOCAL_MAX}] worker processes, got {text!r}")
    m = _ADDRESS.fullmatch(text)
    if m is None or not 1 <= int(m.group(1)) <= 65535:
        raise InputError(f"--cluster must be local:N or a Dask scheduler address HOST:PORT (e.g. "
                         f"tcp://10.0.0.5:8786), got {text!r}")
    return text, None
