"""The independent checker: accepts a certificate only if every number in it is re-derived here.  [trusted]

Imports nothing from ``verify.engine`` or ``verify.certify``.  Every trusted computation is exact integer or
rational arithmetic from the standard library (``int``, ``fractions``) — stronger than interval arithmetic — or,
for spectral norms, stdlib floats with a proven a-priori rounding bound (verify/spectral.py);
torch/safetensors appear only in ``read_model_exact``, which turns the model file into exact binary64 values.

A certificate (certs/FORMAT.md) is VALID iff all of the following hold (DESIGN.md §2–§4):
  1. it is a JSON object of format ``slt-verify-certificate/2`` with exactly the known top-level fields;
  2. the model file's SHA-256 matches and its layers are the bias-free Linear/ReLU chain the certificate lists;
  3. G's widths and parameter count follow from the width factor k and the layer shapes;
  4. every mask has G's layer shape; in each odd layer every hidden neuron keeps at most one input edge, and
     even layers keep edges exactly from the hidden neurons that kept one (nothing else of G is kept);
  5. for every target layer i, with E⁺, E⁻ the gadget errors computed exactly from weights regenerated from
     the seed and mapped back to F's units (E = D_i⁻¹ E' D_{i−1}, D = diag(2^s) of the rescaling exponents):
     η_i ≥ ‖[E⁺ E⁻]‖ (i = 1) or ‖E⁺‖ (i ≥ 2) and ω_i ≥ ‖W_i‖ (F's own weights),
     in the norm the row names: Frobenius (decided exactly) or spectral (verify/spectral.py: a floating-point
     Cholesky test with proven a-priori rounding bounds; it may refuse, never wrongly accept);
  6. δ_i ≥ η_i ρ_{i−1} + ω_i δ_{i−1} and ρ_i ≥ (ω_i + η_i) ρ_{i−1} from the stored previous values (δ_0 = 0,
     ρ_0 = 1) — valid because both recurrences are monotone in every argument;
  7. claim.bound ≥ δ_L, and the verdict is "certified" exactly when claim.bound ≤ claim.eps.
Then sup_{‖x‖₂≤1} ‖G̃(x) − F(x)‖₂ ≤ claim.bound in exact real arithmetic of the stored weights.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verify import io, rng
from verify.spectral import spectral_bound_holds

__all__ = ["Invalid", "Unusable", "Checked", "read_model_exact", "check_certificate", "check_files",
           "exact_networks", "main"]

_TOP = {"format", "verdict", "claim", "model", "random_network", "rescaling", "mask", "layers", "info"}
_CLAIM = {"norm": "l2", "domain": "unit l2 ball", "semantics": "exact real arithmetic of the stored weights"}


class Invalid(Exception):
    """The certificate is rejected; the message names the first failing field (exit 1)."""


class Unusable(Exception):
    """A file cannot be read at all (exit 2)."""


def _get(obj: object, key: str, kind: type | tuple, where: str):
    if not isinstance(obj, dict) or key not in obj:
        raise Invalid(f"missing field {where}.{key}")
    val = obj[key]
    if not isinstance(val, kind) or (kind is int and isinstance(val, bool)):
        raise Invalid(f"field {where}.{key} has the wrong type")
    return val


def _dec(obj: object, key: str, where: str) -> Fraction:
    try:
        return io.parse_decimal(_get(obj, key, str, where))
    except ValueError as e:
        raise Invalid(f"field {where}.{key}: {e}") from None


def read_model_exact(path: Path, fmt: str, keys: list[str]) -> list[list[list[float]]]:
    """The listed weight matrices as exact binary64 values (every float16/32/64 converts exactly).

    Checks that the file holds nothing else but all-zero biases, and for a saved module that its layers are
    Linear, ReLU, Linear, ..., Linear.  For state_dicts the listed keys must be all weights, in index order."""
    import torch

    try:
        if fmt == "safetensors":
            from safetensors.torch import load_file
            sd = load_file(str(path))
        else:
            with torch.serialization.safe_globals([torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU]):
                obj = torch.load(path, map_location="cpu", weights_only=True)
            if isinstance(obj, torch.nn.Module):
                kinds = [type(m).__name__ for m in obj.children()]
                want = ["Linear" if i % 2 == 0 else "ReLU" for i in range(2 * len(keys) - 1)]
                if type(obj) is not torch.nn.Sequential or kinds != want or fmt != "torch-module":
                    raise Invalid(f"model structure {kinds} is not the certified Linear/ReLU chain")
                obj = obj.state_dict()
            elif fmt != "torch-state-dict":
                raise Invalid(f"model file is a state_dict but the certificate says {fmt!r}")
            sd = obj
    except Invalid:
        raise
    except Exception as e:
        raise Unusable(f"cannot read model file {path}: {str(e).splitlines()[0][:160] if str(e) else e!r}") from None
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise Invalid("model file is not a state_dict of tensors")
    for key, t in sd.items():
        if key in keys:
            continue
        if not key.endswith(".bias") or torch.count_nonzero(t).item():
            raise Invalid(f"model entry {key!r} is not certified (only all-zero biases may be unlisted)")
    # every weight is listed (above); now they must be listed in layer order: <prefix><index>.weight with one
    # common prefix and strictly increasing indices (for a module, its Linear children in order)
    parts = [k.rsplit(".", 2) if k.count(".") >= 2 else ["", *k.split(".")] for k in keys]
    if (any(len(p) != 3 or p[2] != "weight" or not p[1].isdigit() for p in parts)
            or len({p[0] for p in parts}) != 1
            or any(int(a[1]) >= int(b[1]) for a, b in zip(parts, parts[1:], strict=False))):
        raise Invalid("model.layers keys are not the model's layer weights in index order")
    out = []
    for key in keys:
        if key not in sd:
            raise Invalid(f"model has no tensor {key!r}")
        t = sd[key]
        if not t.is_floating_point() or t.dim() != 2:
            raise Invalid(f"model tensor {key!r} is not a 2-D floating-point matrix")
        out.append(t.to(torch.float64).tolist())
    return out


@dataclass(frozen=True)
class Checked:
    """An accepted certificate: the verified bound, ε and a few facts for the report line."""

    bound: Fraction
    eps: Fraction
    layers: int
    kept: int


def _dyadic(w: float) -> tuple[int, int]:
    """w as (numerator, b) with value numerator / 2^b, exactly (a float's denominator is a power of two)."""
    num, den = w.as_integer_ratio()
    return num, den.bit_length() - 1


def _structure(cert: dict, shapes: list[tuple[int, int]]) -> tuple[int, int, list[list[int]]]:
    """Checks 3 and the exponents; returns (seed, k, exponents with s_0 = s_L = 0)."""
    rn = _get(cert, "random_network", dict, "")
    if _get(rn, "generator", str, "random_network") != rng.GENERATOR:
        raise Invalid(f"random_network.generator must be {rng.GENERATOR}")
    if _get(rn, "distribution", str, "random_network") != rng.DISTRIBUTION:
        raise Invalid("random_network.distribution is not the one the generator produces")
    seed = _get(rn, "seed", int, "random_network")
    k = _get(rn, "width_factor", int, "random_network")
    if not 0 <= seed < 2**32 or not 1 <= k:
        raise Invalid("random_network.seed or width_factor out of range")
    widths = [shapes[0][1]]
    for m, n in shapes:
        widths += [k * n, m]
    if _get(rn, "widths", list, "random_network") != widths:
        raise Invalid(f"random_network.widths must be {widths}")
    if _get(rn, "parameters", int, "random_network") != sum(a * b for a, b in zip(widths, widths[1:], strict=False)):
        raise Invalid("random_network.parameters does not match the widths")
    if rn["parameters"] > 10**10:  # the engine refuses beyond 4e9; masks of this size would not fit in memory
        raise Invalid("random_network is too large to check (more than 1e10 parameters)")
    exps = _get(_get(cert, "rescaling", dict, ""), "neuron_exponents", list, "rescaling")
    if len(exps) != len(shapes) - 1:
        raise Invalid("rescaling.neuron_exponents needs one list per hidden layer")
    for i, s in enumerate(exps):
        if (not isinstance(s, list) or len(s) != shapes[i][0]
                or not all(type(e) is int and abs(e) <= 4096 for e in s)):
            raise Invalid(f"rescaling.neuron_exponents[{i}] must be {shapes[i][0]} integers in [-4096, 4096]")
    return seed, k, [[0] * shapes[0][1], *exps, [0] * shapes[-1][0]]


def _kept_edges(cert: dict, shapes: list[tuple[int, int]], k: int):
    """Check 4: decode masks; per target layer yield (src: {h: j}, edges: {r: [h, ...]})."""
    masks = _get(cert, "mask", list, "")
    if len(masks) != 2 * len(shapes):
        raise Invalid(f"mask must list {2 * len(shapes)} G layers")
    out, kept = [], 0
    for i, (m, n) in enumerate(shapes):
        parts = []
        for layer, shape in ((2 * i + 1, [k * n, n]), (2 * i + 2, [m, k * n])):
            entry = masks[layer - 1]
            if _get(entry, "layer", int, f"mask[{layer - 1}]") != layer or entry.get("shape") != shape:
                raise Invalid(f"mask[{layer - 1}] must describe G layer {layer} of shape {shape}")
            try:
                bits = list(io.decode_mask(entry.get("data"), *shape))
            except io.MaskError as e:
                raise Invalid(f"mask[{layer - 1}]: {e}") from None
            if _get(entry, "kept", int, f"mask[{layer - 1}]") != len(bits):
                raise Invalid(f"mask[{layer - 1}].kept does not match the mask")
            parts.append(bits)
            kept += len(bits)
        src: dict[int, int] = {}
        for h, j in parts[0]:
            if h in src:
                raise Invalid(f"G layer {2 * i + 1}: hidden neuron {h} keeps more than one input edge")
            src[h] = j
        edges: dict[int, list[int]] = {}
        for r, h in parts[1]:
            if h not in src:
                raise Invalid(f"G layer {2 * i + 2}: kept edge ({r}, {h}) from a hidden neuron with no input edge")
            edges.setdefault(r, []).append(h)
        fed = {h for hs in edges.values() for h in hs}
        if len(fed) != len(src):
            h = min(set(src) - fed)
            raise Invalid(f"G layer {2 * i + 1}: hidden neuron {h} keeps an input edge but no output edge")
        out.append((src, edges))
    return out, kept


def _layer_matrices(w: list[list[float]], s_out: list[int], s_in: list[int], seed: int, i: int,
                    src: dict[int, int], edges: dict[int, list[int]]) -> tuple[list[list[int]], list[list[int]], int]:
    """Check 5's matrices, exactly, as integer rows in units of 2^-K: the gadget error in F's own units
    E = D_i⁻¹ E' D_{i−1} ([E⁺ E⁻], m × 2n, for the first layer, whose inputs have both signs; E⁺ for later
    layers, whose inputs are ReLU outputs ≥ 0 — DESIGN.md §2–§3) and W (unscaled).

    G̃ approximates W' = D_i W D_{i−1}⁻¹ (D = diag(2^s)); its kept products sum to P' (resp. Q'), so
    E[r, c] = P'[r, c]·2^t − W[r, c] with t = s_in[c] − s_out[r].  Regenerated weights are integers in units of
    2^-24, so P' is an integer in units of 2^-48 (verify/rng.py), and W = num / 2^b exactly."""
    ratios = [[_dyadic(x) for x in row] for row in w]
    K = max([48 + max(s_out) - min(s_in)] + [b for row in ratios for _, b in row])
    u = {h: rng.weight_int(seed, 2 * i + 1, h, j) for h, j in src.items()}
    e_rows, w_rows = [], []
    for r, row in enumerate(ratios):
        pos: dict[int, int] = {}
        neg: dict[int, int] = {}
        key = rng.row_key(seed, 2 * i + 2, r)
        for h in edges.get(r, ()):
            p = rng.weight_int(seed, 2 * i + 2, r, h, key=key) * u[h]
            side = pos if u[h] > 0 else neg
            side[src[h]] = side.get(src[h], 0) + p
        w_row = [num << (K - b) for num, b in row]
        up = [K - 48 + s_in[c] - s_out[r] for c in range(len(row))]   # ≥ 0 by the choice of K
        e_row = [(pos.get(c, 0) << up[c]) - wv for c, wv in enumerate(w_row)]
        if i == 0:
            e_row += [wv - (neg.get(c, 0) << up[c]) for c, wv in enumerate(w_row)]
        e_rows.append(e_row)
        w_rows.append(w_row)
    return e_rows, w_rows, K


def _norm_at_most(rows: list[list[int]], K: int, bound: Fraction, norm: str) -> bool:
    """‖rows / 2^K‖ ≤ bound, decided exactly (Frobenius) or by the verified Cholesky test (spectral)."""
    if norm == "spectral":
        return spectral_bound_holds(rows, K, bound)
    return _at_least(bound, sum(x * x for row in rows for x in row), K)


def _at_least(bound: Fraction, sq_units: int, K: int) -> bool:
    """bound ≥ √(sq_units / 2^2K), decided exactly as bound² · 2^2K ≥ sq_units."""
    return bound >= 0 and bound.numerator ** 2 << (2 * K) >= sq_units * bound.denominator ** 2


def check_certificate(cert: object, model_path: Path) -> Checked:
    """Checks 1–7 of the module docstring.  Raises Invalid (first failing reason) or Unusable."""
    if not isinstance(cert, dict):
        raise Invalid("certificate is not a JSON object")
    if set(cert) != _TOP:
        extra, missing = sorted(set(cert) - _TOP), sorted(_TOP - set(cert))
        raise Invalid(f"top-level fields: unexpected {extra}, missing {missing} (unverified data belongs in info)")
    if cert["format"] != io.FORMAT:
        raise Invalid(f"format must be {io.FORMAT!r}")
    claim = _get(cert, "claim", dict, "")
    for key, want in _CLAIM.items():
        if claim.get(key) != want:
            raise Invalid(f"claim.{key} must be {want!r}")
    eps, bound = _dec(claim, "eps", "claim"), _dec(claim, "bound", "claim")
    if eps <= 0:
        raise Invalid("claim.eps must be positive")
    model = _get(cert, "model", dict, "")
    digest = hashlib.sha256(model_path.read_bytes()).hexdigest()
    if _get(model, "sha256", str, "model") != digest:
        raise Invalid("model.sha256 does not match the model file")
    specs = _get(model, "layers", list, "model")
    if not specs or not all(isinstance(s, dict) and isinstance(s.get("key"), str) for s in specs):
        raise Invalid("model.layers must be a non-empty list of {key, shape}")
    weights = read_model_exact(model_path, _get(model, "format", str, "model"), [s["key"] for s in specs])
    shapes = [(len(w), len(w[0]) if w else 0) for w in weights]
    for i, (spec, shape) in enumerate(zip(specs, shapes, strict=True)):
        if spec.get("shape") != list(shape) or 0 in shape or (i and shape[1] != shapes[i - 1][0]):
            raise Invalid(f"model.layers[{i}]: shape {list(shape)} does not chain or does not match")
    seed, k, exps = _structure(cert, shapes)
    pruned, kept = _kept_edges(cert, shapes, k)
    rows = _get(cert, "layers", list, "")
    if len(rows) != len(shapes):
        raise Invalid(f"layers must have {len(shapes)} rows")
    delta, rho = Fraction(0), Fraction(1)
    for i, (w, (src, edges), row) in enumerate(zip(weights, pruned, rows, strict=True)):
        where = f"layers[{i}]"
        norm = _get(row, "norm", str, where)
        if norm not in ("frobenius", "spectral") or set(row) != {"eta", "omega", "delta", "rho", "norm"}:
            raise Invalid(f"{where} must hold eta, omega, delta, rho and norm = 'frobenius' or 'spectral'")
        eta, omega = _dec(row, "eta", where), _dec(row, "omega", where)
        e_rows, w_rows, K = _layer_matrices(w, exps[i + 1], exps[i], seed, i, src, edges)
        if not _norm_at_most(e_rows, K, eta, norm):
            raise Invalid(f"{where}.eta is below the gadget error's {norm} norm (or not provably above it)")
        if not _norm_at_most(w_rows, K, omega, norm):
            raise Invalid(f"{where}.omega is below the weight matrix's {norm} norm (or not provably above it)")
        new_delta, new_rho = _dec(row, "delta", where), _dec(row, "rho", where)
        if new_delta < eta * rho + omega * delta:
            raise Invalid(f"{where}.delta is below eta*rho_prev + omega*delta_prev")
        if new_rho < (omega + eta) * rho:
            raise Invalid(f"{where}.rho is below (omega + eta)*rho_prev")
        delta, rho = new_delta, new_rho
    if bound < delta:
        raise Invalid("claim.bound is below the composed bound delta_L")
    verdict = "certified" if bound <= eps else "not-certified"
    if cert.get("verdict") != verdict:
        raise Invalid(f"verdict must be {verdict!r} for bound {claim['bound']} and eps {claim['eps']}")
    if not isinstance(cert["info"], dict):
        raise Invalid("info must be an object")
    return Checked(bound, eps, len(shapes), kept)


def exact_networks(cert: dict, model_path: Path) -> tuple[list, list]:
    """(F, G̃) as lists of Fraction matrices ((out, in) convention) for the exact oracle (verify/exact.py).

    Call only on a certificate that ``check_certificate`` accepted."""
    model = cert["model"]
    weights = read_model_exact(model_path, model["format"], [s["key"] for s in model["layers"]])
    shapes = [(len(w), len(w[0])) for w in weights]
    seed, k, _ = _structure(cert, shapes)
    target = [[[Fraction(x) for x in row] for row in w] for w in weights]
    pruned = []
    for i, ((m, n), (src, edges)) in enumerate(zip(shapes, _kept_edges(cert, shapes, k)[0], strict=True)):
        hs = sorted(src)  # keep only live hidden neurons (or one all-zero one): the function is unchanged
        U = [[rng.weight(seed, 2 * i + 1, h, src[h]) if j == src[h] else Fraction(0) for j in range(n)] for h in hs]
        pruned.append(U or [[Fraction(0)] * n])
        pos = {h: t for t, h in enumerate(hs)}
        V = [[Fraction(0)] * max(1, len(hs)) for _ in range(m)]
        for r, hlist in edges.items():
            for h in hlist:
                V[r][pos[h]] = rng.weight(seed, 2 * i + 2, r, h)
        pruned.append(V)
    return target, pruned


def check_files(cert_path: Path, model_path: Path) -> Checked:
    """Read both files and check; Unusable for unreadable input, Invalid for a rejected certificate."""
    try:
        text = Path(cert_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise Unusable(f"cannot read certificate {cert_path}: {e}") from None
    if not Path(model_path).is_file():
        raise Unusable(f"cannot read model file {model_path}: no such file")
    try:
        cert = json.loads(text)
    except json.JSONDecodeError as e:
        raise Unusable(f"certificate {cert_path} is not valid JSON ({e})") from None
    return check_certificate(cert, Path(model_path))


def main(cert_path: str, model_path: str, stream=None) -> int:
    """One verdict line; exit 0 valid, 1 invalid, 2 unusable input."""
    stream = stream or sys.stdout
    try:
        ok = check_files(Path(cert_path), Path(model_path))
    except Unusable as e:
        print(f"UNUSABLE: {e}", file=stream)
        return 2
    except Invalid as e:
        print(f"INVALID: {e}", file=stream)
        return 1
    bound, eps = io.decimal_up(ok.bound, 6), io.decimal_up(ok.eps, 6)
    if ok.bound > ok.eps:
        print(f"INVALID: verdict not-certified: bound {bound} > eps {eps} (the numbers are correct, but "
              "nothing is certified)", file=stream)
        return 1
    print(f"VALID: sup over the unit l2 ball of ||G~(x) - F(x)||_2 <= {bound} <= eps {eps} "
          f"({ok.layers} target layers, {ok.kept} kept weights of G)", file=stream)
    return 0
