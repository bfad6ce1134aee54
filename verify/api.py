"""The Python API (issue 17): certify a model, check a certificate, attack a pruned network, compute theory widths.

    >>> import verify
    >>> cert = verify.certify_model(model, 0.1, domain="box:0,1")       # doctest: +SKIP
    >>> cert.certified, cert.bound, cert.k, cert.dominant.index          # doctest: +SKIP
    >>> verify.check(cert)                                               # doctest: +SKIP

``certify`` is exported at the top of the package as ``verify.certify_model`` (``verify.certify`` is the module that
turns a construction into a certificate, and a submodule's name cannot also be a function of the package).

The command line is a layer over the same functions: ``certify`` here runs what ``slt-verify certify`` runs
(``engine.model.load_target``, ``search.find_width`` or ``engine.construct.build`` with ``certify.bounded``, then
``certify.certify``), and ``Certificate.save`` writes with ``commands.write_json``, so for the same model file, ε and
``Options`` the certificate is byte-identical to the CLI's.  ``check`` is the trusted kernel's
``kernel.check.check_certificate``; ``attack`` is ``engine.empirical.empirical_sup``; ``theory_widths`` is
``theory.malach_width`` and ``theory.pensia_width`` as ``slt-verify width`` prints them.

Settings of a construction are one frozen ``verify.options.Options``; no function here takes more than three
keyword arguments.  Errors are exceptions with one-line messages, of the classes the CLI maps to exit codes
(``EXIT_CODES``): ``InputError`` 2 (bad model, option or file), ``NotReachedError`` 1 (ε not reached),
``Invalid`` 1 (the checker refutes the certificate, naming the fact), ``Unusable`` 2 (malformed or over a limit).

A model is an ``nn.Module`` (a saved ``nn.Sequential`` is what the checker reads: Linear, ReLU, Flatten, Dropout,
Identity), a ``state_dict``, the bytes of a model file, or the path of one (.pt, .pth, .safetensors).  A certificate
names the SHA-256 of a model *file*, so an in-memory module or state_dict is serialised with ``torch.save`` to bytes
(deterministic: the same module gives the same bytes); the ``Certificate`` keeps those bytes, ``check`` uses them,
and ``Certificate.save`` writes them next to the certificate so that ``slt-verify check`` can be run on the files.
"""

from __future__ import annotations

import copy
import dataclasses
import io as _io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from verify.domain import Domain
from verify.domain import parse as parse_domain
from verify.errors import InputError, NotReachedError
from verify.kernel import io
from verify.kernel.check import Checked, Invalid
from verify.kernel.wellformed import Unusable
from verify.options import WIDTH_POLICIES, Eps, Options

if TYPE_CHECKING:
    import torch

    from verify.engine.construct import Construction
    from verify.engine.model import Target
    from verify.theory import TheoryWidth

__all__ = ["certify", "check", "attack", "theory_widths", "Certificate", "LayerRow", "Options", "Checked",
           "InputError", "NotReachedError", "Invalid", "Unusable", "EXIT_CODES", "Model"]

#: What ``slt-verify`` exits with for each error class (verify/cli.py, verify/kernel/check.py ``run``).
EXIT_CODES: dict[type[Exception], int] = {InputError: 2, NotReachedError: 1, Invalid: 1, Unusable: 2}

#: A target: an ``nn.Module``, a ``state_dict``, a model file's bytes, or its path.
Model = Union["torch.nn.Module", dict, bytes, str, Path]

_EPS_DIGITS = 3   # eps=None: the claim's ε is the bound rounded up to this many significant digits


# --- models ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Source:
    """A model read once: F (``target``), and either the file's ``data`` (in-memory models) or its ``path``."""

    target: Target
    data: bytes | None
    path: Path | None


def _serialised(model: Any) -> tuple[bytes, str] | None:
    """(torch.save bytes, what) for an nn.Module or a state_dict; None for anything else."""
    import torch

    if isinstance(model, torch.nn.Module):
        tensors = list(model.parameters()) + list(model.buffers())
        if any(t.device.type != "cpu" for t in tensors):
            model = copy.deepcopy(model).cpu()
        obj, what = model, "the in-memory module"
    elif isinstance(model, dict):
        if not all(isinstance(k, str) for k in model):
            raise InputError("a state_dict must map parameter names (strings) to tensors")
        obj = {k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in model.items()}
        what = "the state_dict"
    else:
        return None
    buf = _io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue(), what


def _source(model: Model, input_shape: tuple[int, ...] | None = None) -> _Source:
    """Read F from ``model`` with the engine's loader (engine/model.py ``load_target``, the checker's reader);
    ``input_shape`` as ``Options.input_shape`` (None: inferred)."""
    from verify.engine.model import load_target

    if isinstance(model, str | Path):
        return _Source(load_target(model, input_shape), None, Path(model))
    if isinstance(model, bytes | bytearray):
        data, what = bytes(model), "the model bytes"
    else:
        found = _serialised(model)
        if found is None:
            raise InputError(f"a model must be an nn.Module, a state_dict, a model file's bytes or its path, got "
                             f"{type(model).__name__}")
        data, what = found
    with tempfile.TemporaryDirectory(prefix="slt-verify-") as tmp:
        path = Path(tmp) / "model.pt"
        path.write_bytes(data)
        try:
            target = load_target(path, input_shape)
        except InputError as e:
            raise InputError(str(e).replace(str(path), what)) from None
    return _Source(dataclasses.replace(target, path=""), data, None)


def _model_file(model: Model) -> bytes | Path:
    """What the checker reads for ``model``: the file's bytes, or its path (read once there, within its limit)."""
    if isinstance(model, str | Path):
        return Path(model)
    if isinstance(model, bytes | bytearray):
        return bytes(model)
    found = _serialised(model)
    if found is None:
        raise InputError(f"a model must be an nn.Module, a state_dict, a model file's bytes or its path, got "
                         f"{type(model).__name__}")
    return found[0]


def _eps(eps: str | int | float | Decimal | Fraction) -> Eps:
    """ε as the claim states it: a positive finite decimal (a Fraction only when it has a finite decimal)."""
    if isinstance(eps, bool):
        raise InputError(f"eps must be a positive number, got {eps!r}")
    if isinstance(eps, Fraction):
        den, twos, fives = eps.denominator, 0, 0
        while den % 2 == 0:
            den, twos = den // 2, twos + 1
        while den % 5 == 0:
            den, fives = den // 5, fives + 1
        if den != 1:
            raise InputError(f"eps must be a finite decimal, got {eps}")
        scale = max(twos, fives)
        text = f"{eps.numerator * 10**scale // eps.denominator}e-{scale}" if scale else str(eps.numerator)
    else:
        text = str(eps)
    try:
        parsed = Eps.parse(text)
    except (ValueError, TypeError):
        raise InputError(f"eps must be a positive finite decimal number, got {eps!r}") from None
    if parsed.value <= 0:
        raise InputError(f"eps must be positive, got {eps!r}")
    return parsed


@contextmanager
def _engine_threads() -> Iterator[None]:
    """The CLI's thread policy (engine/runtime.py ``set_threads(None)``: 1 torch thread on machines with at most 2
    cores, where the subset-sum kernel runs many times faster so) for the duration of a call; the caller's
    setting is restored afterwards."""
    import torch

    from verify.engine.runtime import set_threads

    before = torch.get_num_threads()
    set_threads(None)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _num(q: Fraction | float) -> str:
    """3 significant digits, for messages."""
    try:
        return f"{float(q):.3g}"
    except OverflowError:
        digits = str(int(q))
        return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


# --- certify -----------------------------------------------------------------------------------------------------

def certify(model: Model, eps: str | int | float | Decimal | Fraction | None, *, domain: str | None = None,
            options: Options | None = None, attack: bool = True, jobs: str | None = None,
            cluster: str | None = None) -> Certificate:
    """Prune G into G̃ for ``model`` and certify sup over ``domain`` of ‖G̃(x) − F(x)‖₂ ≤ bound, against ``eps``.

    ``domain`` is a ``--domain`` text (``ball``, ``ball:R``, ``box:LO,HI``, ``box:FILE.npz``) and replaces
    ``options.domain`` when given.  ``options`` (default ``Options()``) fixes method, seed, device, width policy and
    the rest; with ``options.width`` "auto" (the default) or "smallest" the width factor is searched as
    ``--width-factor auto`` (or ``smallest``) does (``search.find_width``) and ``NotReachedError`` is raised when no
    k up to the search limit reaches ε (its ``tried`` maps every k tried to its bound, ``k_max`` is the limit).  With
    a fixed width factor the certificate is returned whether or
    not it reaches ε (``Certificate.certified``); ``eps=None`` is allowed then and states as ε the bound rounded up
    to 3 significant digits.  ``attack`` fills ``info.empirical`` (the attack's lower bound and the tightness).
    ``options.semantics`` is ``--semantics`` (docs/float32.md): by default the float32 bound is reported beside the
    exact one.  Raises InputError for a model, ε or domain the tool does not take.  Runs with the CLI's thread policy
    (``_engine_threads``).  ``jobs`` and ``cluster`` are ``--jobs`` and ``--cluster`` (docs/parallel.md: e.g.
    ``jobs="processes:2"``, ``cluster="local:2"`` or a scheduler's address; at most one): the construction runs on
    that executor and the certificate is byte-identical to a serial run."""
    from verify.engine.parallel import engine
    from verify.options import parse_cluster, parse_jobs

    if jobs is not None and cluster is not None:
        raise InputError("give jobs or cluster, not both")
    parallel = {"jobs": None if jobs is None else parse_jobs(jobs),
                "cluster": None if cluster is None else parse_cluster(cluster)}
    with _engine_threads(), engine(**parallel):
        return _certify(model, eps, domain, options, attack)


def _certify(model: Model, eps: str | int | float | Decimal | Fraction | None, domain: str | None,
             options: Options | None, attack: bool) -> Certificate:
    from verify.certify import bounded
    from verify.certify import certify as certify_construction
    from verify.engine.construct import build
    from verify.engine.runtime import device_of
    from verify.search import find_width

    opts = options if options is not None else Options()
    if not isinstance(opts, Options):
        raise InputError(f"options must be a verify.options.Options, got {type(opts).__name__}")
    if domain is not None:
        opts = dataclasses.replace(opts, domain=domain)
    claim_eps = None if eps is None else _eps(eps)
    if claim_eps is None and opts.width in WIDTH_POLICIES:
        raise InputError("eps=None needs a fixed width factor (Options(width=k)): the search needs an eps to reach")
    src = _source(model, opts.input_shape)
    parse_domain(opts.domain).for_inputs(src.target.in_features)   # InputError before any work
    device_of(opts.device)
    target = src.target
    if opts.width in WIDTH_POLICIES:
        search = find_width(target, opts, claim_eps.value)
        if search.chosen is None:
            best = min(search.tried, key=search.tried.get)
            err = NotReachedError(f"no width factor up to {search.k_max} reaches eps {claim_eps.text} (best bound "
                                  f"{_num(search.tried[best])} at k = {best})")
            err.tried, err.k_max = dict(search.tried), search.k_max   # type: ignore[attr-defined]
            raise err
        built = search.chosen
    else:
        built = bounded(build(target.weights, opts, k=opts.width, biases=target.biases, layout=target.layout))
    if claim_eps is None:   # ε must be positive (fact 1): an exact construction (bound 0) states a tiny one
        claim_eps = Eps.parse(io.decimal_up(built.bound, _EPS_DIGITS) if built.bound > 0 else "1e-12")
    res = certify_construction(target, claim_eps, built, empirical=attack, semantics=opts.semantics)
    return Certificate(res.cert, src.data, src.path, res.construction)


# --- the certificate ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LayerRow:
    """Target layer ``index`` (1-based) of a certificate: its row (η, ω, β, ν, δ, ρ as exact rationals, ``norm``) and
    its ``contribution`` S_i Π_{j>i} ω_j to the bound Σ_i contribution_i, with S_i the layer's error term: η_i ρ_{i−1}
    + β_i when the bound is the unrolled recursion δ_L (docs/affine.md §5), its telescope ``err_sup`` when the
    certificate's telescope block gives the smaller bound (docs/tighter.md §9); ``share`` that contribution over the
    sum (0..1)."""

    index: int
    eta: Fraction
    omega: Fraction
    beta: Fraction
    bias_norm: Fraction
    delta: Fraction
    rho: Fraction
    norm: str
    contribution: Fraction
    share: float


def layer_rows(cert: dict) -> tuple[LayerRow, ...]:
    """The rows of a certificate with each layer's contribution to its bound, unrolled from the stored numbers:
    δ_i ≥ η_i ρ_{i−1} + β_i + ω_i δ_{i−1} (ρ_0 = claim.domain.reach) gives δ_L ≥ Σ_i (η_i ρ_{i−1} + β_i) Π_{j>i} ω_j,
    and a telescope block's bound is ≥ Σ_i err_sup_i Π_{j>i} ω_j (used when it is below δ_L)."""
    from verify.report import contributions as parts

    rows = cert["layers"]
    num = [{key: io.parse_decimal(r[key]) for key in ("eta", "omega", "beta", "bias_norm", "delta", "rho")}
           for r in rows]
    contributions = [p.gadget + p.bias for p in parts(cert)]   # the stored rows' rounding is not a layer's term
    total = sum(contributions)
    return tuple(LayerRow(i + 1, r["eta"], r["omega"], r["beta"], r["bias_norm"], r["delta"], r["rho"],
                          rows[i]["norm"], c, float(c / total) if total else 0.0)
                 for i, (r, c) in enumerate(zip(num, contributions, strict=True)))


def claim_domain(cert: dict) -> Domain:
    """The certificate's claim.domain as a ``verify.domain.Domain`` (for describing and attacking it)."""
    d = cert["claim"]["domain"]
    if d["kind"] == "ball":
        return Domain("ball", radius=d["radius"], spec=f"ball:{d['radius']}")
    return Domain("box", lo=tuple(d["lo"]), hi=tuple(d["hi"]), spec="claim.domain")


@dataclass(frozen=True, repr=False)
class Certificate:
    """A certificate (certs/FORMAT.md) with the model file it names.

    ``json`` is the certificate object itself (treat it as read-only); ``model_bytes`` the model file for models
    certified from memory, ``model_path`` the file for models certified from a path (None when unknown: pass the
    model to ``check``).  Numbers are exact: ``bound`` and ``eps`` are Fractions.  ``pruned`` is G̃ as an
    ``nn.Sequential`` (from the construction, or rebuilt from the seed and the mask for a loaded certificate)."""

    json: dict
    model_bytes: bytes | None = field(default=None, compare=False)
    model_path: Path | None = field(default=None, compare=False)
    construction: Construction | None = field(default=None, compare=False)

    # the claim
    @property
    def bound(self) -> Fraction:
        """The certified bound δ_L on sup_D ‖G̃(x) − F(x)‖₂."""
        return io.parse_decimal(self.json["claim"]["bound"])

    @property
    def eps(self) -> Fraction:
        return io.parse_decimal(self.json["claim"]["eps"])

    @property
    def certified(self) -> bool:
        """The verdict: bound ≤ eps (what ``check`` must confirm before anyone relies on it)."""
        return self.json["verdict"] == "certified"

    @property
    def domain(self) -> str:
        """D in words: "the l2 ball of radius 1", "the box [0, 1]^64", ..."""
        return claim_domain(self.json).describe()

    # the construction
    @property
    def k(self) -> int:
        """The width factor of G."""
        return self.json["random_network"]["width_factor"]

    @property
    def seed(self) -> int:
        return self.json["random_network"]["seed"]

    @property
    def kept(self) -> int:
        """Kept weights and biases of G (the masks' declared counts, which the checker verifies)."""
        return sum(m["kept"] + m["bias_kept"] for m in self.json["mask"])

    @property
    def parameters(self) -> int:
        """Weights and biases of the dense random network G."""
        return self.json["random_network"]["parameters"]

    @property
    def sha256(self) -> str:
        """SHA-256 of the model file the certificate names."""
        return self.json["model"]["sha256"]

    # the attack (untrusted, informational)
    @property
    def attack(self) -> float | None:
        """The largest error the attack found (a lower bound on the true sup, evaluated in float64 and stored rounded
        to 7 significant digits: on a tight certificate it may show a rounding above ``bound``), or None if it was
        not run."""
        emp = self.json["info"].get("empirical")
        return float(emp["max_error"]) if emp else None

    @property
    def tightness(self) -> float | None:
        """bound / attack, or None (no attack, or it found no error)."""
        emp = self.json["info"].get("empirical")
        return float(emp["tightness"]) if emp and emp.get("tightness") is not None else None

    # the rows
    @property
    def layers(self) -> tuple[LayerRow, ...]:
        return layer_rows(self.json)

    @property
    def dominant(self) -> LayerRow:
        """The layer whose term contributes most to δ_L."""
        return max(self.layers, key=lambda r: r.contribution)

    @cached_property
    def pruned(self) -> torch.nn.Sequential:
        """G̃ as an ``nn.Sequential`` of 2L Linear layers (with biases) and ReLU, float32, eval mode; hidden neurons
        that keep nothing are dropped (the function is unchanged)."""
        if self.construction is not None:
            return self.construction.pruned_module()
        from verify.engine.export import pruned_from_certificate

        return pruned_from_certificate(self.json)

    def explain(self) -> str:
        """One readable line: bound vs eps, k, domain, attack, and the dominant layer's share of the bound."""
        b, e = self.json["claim"]["bound"], self.json["claim"]["eps"]
        attack = "attack not run" if self.attack is None else (
            f"attack found {self.attack:.4g} (tightness {self.tightness if self.tightness is not None else 'n/a'})")
        top = self.dominant
        return (f"bound {b} {'<=' if self.certified else '>'} eps {e} at k={self.k} over {self.domain}; {attack}; "
                f"dominant layer {top.index} of {len(self.json['layers'])} contributes {100 * top.share:.1f}% "
                f"(eta_{top.index}={_num(top.eta)}, beta_{top.index}={_num(top.beta)}, "
                f"omega_{top.index}={_num(top.omega)})")

    def __repr__(self) -> str:
        return (f"Certificate(certified={self.certified}, bound={self.json['claim']['bound']}, "
                f"eps={self.json['claim']['eps']}, k={self.k}, domain={self.domain!r})")

    def check(self, model: Model | None = None, *, require_certified: bool = True) -> Checked:
        """``verify.api.check(self, model)``."""
        return check(self, model, require_certified=require_certified)

    # files
    def save(self, path: str | Path, model_path: str | Path | None = None) -> Path | None:
        """Write the certificate JSON to ``path`` (the bytes ``slt-verify certify`` writes) and, when the certificate
        holds the model file (``model_bytes``: models certified from memory) or ``model_path`` is given, the model
        file it names: to ``model_path``, by default next to the certificate as ``<name>.pt`` (``x.cert.json`` →
        ``x.pt``).  Returns the model file written, or None.  InputError if a directory is missing."""
        from verify.commands import write_json

        path = Path(path)
        for p in (path, model_path):
            if p is not None and not Path(p).parent.exists():
                raise InputError(f"{p}: directory {Path(p).parent} does not exist")
        data = self.model_bytes
        if data is None and model_path is not None:
            if self.model_path is None:
                raise InputError("this certificate holds no model file to write (it was loaded without one)")
            data = self.model_path.read_bytes()
        out = None
        if data is not None:
            out = Path(model_path) if model_path is not None else path.with_name(
                path.name.removesuffix(".json").removesuffix(".cert") + ".pt")
            out.write_bytes(data)
        write_json(path, self.json)
        return out

    @classmethod
    def load(cls, path: str | Path, model: Model | None = None) -> Certificate:
        """Read a certificate file (strict JSON, within the checker's size limit: Unusable otherwise); ``model``, if
        given, is kept for ``check`` (a path is kept as a path, anything else as the model file's bytes)."""
        from verify.kernel.check import MAX_CERT_BYTES
        from verify.kernel.wellformed import load_json, read_file

        obj = load_json(read_file(Path(path), MAX_CERT_BYTES, "certificate"), f"certificate {path}")
        if not isinstance(obj, dict):
            raise Unusable(f"certificate {path}: not a JSON object")
        if model is None:
            return cls(obj)
        file = _model_file(model)
        return cls(obj, file if isinstance(file, bytes) else None, file if isinstance(file, Path) else None)


# --- check, attack, theory ---------------------------------------------------------------------------------------

def _certificate_json(cert: Certificate | dict | str | Path) -> tuple[dict, bytes | Path | None]:
    if isinstance(cert, Certificate):
        return cert.json, cert.model_bytes if cert.model_bytes is not None else cert.model_path
    if isinstance(cert, dict):
        return cert, None
    if isinstance(cert, str | Path):
        return Certificate.load(cert).json, None
    raise InputError(f"a certificate must be a Certificate, a dict or a path, got {type(cert).__name__}")


def check(cert: Certificate | dict | str | Path, model: Model | None = None, *,
          require_certified: bool = True) -> Checked:
    """The independent checker (verify/kernel/check.py, what ``slt-verify check`` runs) on ``cert`` and the model
    file it names: ``model``, or the one the Certificate holds.  Returns the ``Checked`` facts.

    Raises ``Unusable`` (malformed, unreadable or over a limit; exit 2), ``Invalid`` (a fact fails; ``.fact`` names it;
    exit 1) and, with ``require_certified``, ``NotReachedError`` when every number is right but bound > eps (the CLI
    prints INVALID and exits 1 for that too).  InputError when there is no model to check against."""
    from verify.kernel import check as kcheck

    obj, own = _certificate_json(cert)
    file = _model_file(model) if model is not None else own
    if file is None:
        raise InputError("no model file to check against: pass model= (the file whose SHA-256 the certificate names)")
    try:
        ok = kcheck.check_certificate(obj, file)
    except (Unusable, Invalid):
        raise
    except (MemoryError, RecursionError, OverflowError, ValueError, TypeError, KeyError, IndexError) as e:
        raise Unusable(f"the input could not be processed ({type(e).__name__}: {str(e)[:120]})") from None
    if require_certified and ok.claimed > ok.eps:   # the bound the verdict names (bound_float32 if so)
        _, line = kcheck.verdict_line(ok)
        raise NotReachedError(line.removeprefix("INVALID: "))
    return ok


def attack(model: Model, pruned: Certificate | torch.nn.Module, *, domain: str | Domain | None = None,
           seed: int | None = None) -> float:
    """The largest ‖G̃(x) − F(x)‖₂ that sampling and projected gradient ascent find over ``domain`` (a lower bound on
    the true sup; engine/empirical.py, what fills ``info.empirical``).  ``pruned`` is G̃: a Certificate (its domain is
    the default) or any module mapping (B, d) to F's outputs, evaluated in float64.  ``domain`` defaults to the
    certificate's, else the unit ball; ``seed`` that of the certificate (so its ``info.empirical`` is reproduced),
    else 0."""
    import torch

    from verify.engine.empirical import empirical_sup

    shape = tuple(pruned.json["model"]["input_shape"]) if isinstance(pruned, Certificate) and \
        "input_shape" in pruned.json["model"] else None
    target = _source(model, shape).target
    if isinstance(pruned, Certificate):
        dom = claim_domain(pruned.json) if domain is None else domain
        net, seed = pruned.pruned, pruned.seed if seed is None else seed
    elif isinstance(pruned, torch.nn.Module):
        dom, net = ("ball" if domain is None else domain), pruned
    else:
        raise InputError(f"pruned must be a Certificate or an nn.Module, got {type(pruned).__name__}")
    d = target.in_features
    dom = (parse_domain(dom) if isinstance(dom, str) else dom).for_inputs(d)
    g = copy.deepcopy(net).to(torch.float64).eval().requires_grad_(False)
    if target.layout.conv:   # G̃ reads images (B, C, H, W); the claim, flattened inputs and outputs
        net_g, image = g, target.input_shape

        def g(x: torch.Tensor) -> torch.Tensor:
            return net_g(x.reshape(x.shape[0], *image)).reshape(x.shape[0], -1)
    with _engine_threads():
        return empirical_sup(target.forward, g, d, domain=dom, seed=0 if seed is None else seed).max_error


def theory_widths(model: Model, eps: str | int | float | Decimal | Fraction, *,
                  delta: float = 0.01) -> tuple[TheoryWidth, TheoryWidth]:
    """The widths the theorems of Malach et al. (pair) and Pensia et al. (subset-sum) ask for ``model`` at ε with
    probability 1 − ``delta`` (verify/theory.py; what ``slt-verify width`` prints).  Informational only."""
    import numpy as np

    from verify.theory import malach_width, pensia_width

    target = _source(model).target
    value = float(_eps(eps).value)
    norms = [float(np.linalg.norm(w, 2)) for w in target.weights]
    return (malach_width(target.shapes, value, delta, norms), pensia_width(target.shapes, value, delta, norms))

