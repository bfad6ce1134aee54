"""Reading a certificate: strict JSON and the shape certs/schema.json gives it.  [trusted; stdlib only]

A certificate the checker reasons about has first been read here: ``read_file`` (one read, within a size limit),
``load_json`` (UTF-8, no repeated key, no NaN/Infinity, integers of at most 20 digits, at most ``MAX_JSON_VALUES``
containers and separators) and ``well_formed`` (every object has exactly its keys, every integer its type and range,
every DEC and SDEC its grammar: certs/FORMAT.md, "Grammar").  Anything else raises ``Unusable`` (exit 2) with one
line.  What the values *mean* is checked by verify/kernel/check.py (facts 1–7).

>>> try:
...     well_formed({"format": "slt-verify-certificate/2"})
... except Unusable as e:
...     print(str(e)[:70])
certificate format slt-verify-certificate/2 (slt-verify 0.1) is no lon
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from verify.kernel import io, rng

__all__ = ["Unusable", "well_formed", "upgrade_3", "load_json", "read_file", "MAX_JSON_VALUES", "EXPONENT_RANGE"]

MAX_JSON_VALUES = 1_000_000        # JSON objects, arrays and separators ({, [ and , counted in the raw text)
EXPONENT_RANGE = 4096              # rescaling exponents lie in [-4096, 4096]
_MAX_INT_DIGITS = 20               # JSON integers: seeds, sizes and counts fit in 20 digits
_U63 = 2**63


class Unusable(Exception):
    """An unreadable, malformed or over-limit input (exit 2)."""


def _bad(msg: str) -> Unusable:
    return Unusable(f"malformed certificate: {msg}")


def _obj(v: object, where: str, keys: tuple) -> dict:
    if not isinstance(v, dict) or set(v) != set(keys):
        got = sorted(v) if isinstance(v, dict) else type(v).__name__
        raise _bad(f"{where} must be an object with keys {sorted(keys)}, got {got}")
    return v


def _int(v: object, where: str, lo: int, hi: int) -> int:
    if type(v) is not int or not lo <= v <= hi:
        raise _bad(f"{where} must be an integer in [{lo}, {hi}]")
    return v


def _list(v: object, where: str) -> list:
    if not isinstance(v, list):
        raise _bad(f"{where} must be a list")
    return v


def _one_of(v: object, where: str, allowed: tuple) -> object:
    if type(v) is not str or v not in allowed:
        raise _bad(f"{where} must be one of {list(allowed)}")
    return v


def _dec(v: object, where: str, parse=io.parse_decimal) -> None:
    try:
        parse(v)
    except ValueError as e:
        raise _bad(f"{where}: {e}") from None


def _shape(v: object, where: str, n: tuple = (2,), low: int = 1) -> None:
    for j, x in enumerate(_list(v, where)):
        _int(x, f"{where}[{j}]", low, _U63)
    if len(v) not in n:
        raise _bad(f"{where} must list {' or '.join(map(str, n))} sizes")


def _domain(d: object) -> None:
    if not isinstance(d, dict) or d.get("kind") not in ("ball", "box"):
        raise _bad("claim.domain must be an object with kind 'ball' or 'box'")
    if d["kind"] == "ball":
        _obj(d, "claim.domain", ("kind", "radius", "reach"))
        _dec(d["radius"], "claim.domain.radius")
    else:
        _obj(d, "claim.domain", ("kind", "lo", "hi", "reach"))
        for side in ("lo", "hi"):
            if not _list(d[side], f"claim.domain.{side}"):
                raise _bad(f"claim.domain.{side} is empty")
            for j, x in enumerate(d[side]):
                _dec(x, f"claim.domain.{side}[{j}]", io.parse_signed)
    _dec(d["reach"], "claim.domain.reach")


def _model(model: object, three: bool) -> None:
    keys = ("sha256", "format", "modules", "layers") if three else ("sha256", "format", "modules", "input_shape",
                                                                     "layers")
    model = _obj(model, "model", keys)
    sha = model["sha256"]
    if not (isinstance(sha, str) and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha)):
        raise _bad("model.sha256 must be 64 lowercase hex digits")
    _one_of(model["format"], "model.format", ("safetensors", "torch-state-dict", "torch-module"))
    for j, name in enumerate(_list(model["modules"], "model.modules")):
        _one_of(name, f"model.modules[{j}]", io.MODULES_3 if three else io.MODULES)
    if not three:
        _shape(model["input_shape"], "model.input_shape", (1, 3))
    if not _list(model["layers"], "model.layers"):
        raise _bad("model.layers is empty")
    for i, spec in enumerate(model["layers"]):
        spec = _obj(spec, f"model.layers[{i}]", ("key", "bias_key", "shape") if three else
                    ("key", "bias_key", "shape", "stride", "padding"))
        if not isinstance(spec["key"], str) or not (spec["bias_key"] is None or isinstance(spec["bias_key"], str)):
            raise _bad(f"model.layers[{i}].key must be a string and bias_key a string or null")
        _shape(spec["shape"], f"model.layers[{i}].shape", (2,) if three else (2, 4))
        if not three:
            _shape(spec["stride"], f"model.layers[{i}].stride")
            _shape(spec["padding"], f"model.layers[{i}].padding", low=0)


def _random_network(rn: object) -> None:
    rn = _obj(rn, "random_network", ("distribution", "generator", "seed", "width_factor", "bias_block", "widths",
                                     "parameters"))
    _one_of(rn["distribution"], "random_network.distribution", (rng.DISTRIBUTION,))
    _one_of(rn["generator"], "random_network.generator", (rng.GENERATOR,))
    _int(rn["seed"], "random_network.seed", 0, 2**32 - 1)
    _int(rn["width_factor"], "random_network.width_factor", 1, 2**32 - 1)
    _int(rn["bias_block"], "random_network.bias_block", 0, 2**32 - 1)
    for j, w in enumerate(_list(rn["widths"], "random_network.widths")):
        _int(w, f"random_network.widths[{j}]", 1, _U63)
    if len(rn["widths"]) < 3:
        raise _bad("random_network.widths must list at least 3 widths")
    _int(rn["parameters"], "random_network.parameters", 1, _U63)


def _float32(block: object) -> None:
    """claim.float32, the optional float32 block of format 4 (certs/FORMAT.md; docs/float32.md §7)."""
    block = _obj(block, "claim.float32", ("arithmetic", "covers", "verdict_bound", "bound_float32", "r", "layers",
                                          "target_layers"))
    _one_of(block["arithmetic"], "claim.float32.arithmetic", (io.FLOAT32_ARITHMETIC,))
    _one_of(block["covers"], "claim.float32.covers", ("pruned", "pruned-and-target"))
    _one_of(block["verdict_bound"], "claim.float32.verdict_bound", ("bound", "bound_float32"))
    _dec(block["bound_float32"], "claim.float32.bound_float32")
    _dec(block["r"], "claim.float32.r")
    for name, keys in (("layers", ("q", "kappa", "error")), ("target_layers", ("q", "error"))):
        for i, row in enumerate(_list(block[name], f"claim.float32.{name}")):
            row = _obj(row, f"claim.float32.{name}[{i}]", keys)
            for key in keys:
                _dec(row[key], f"claim.float32.{name}[{i}].{key}")


def _telescope(block: object) -> None:
    """The optional telescope block of format 4 (certs/FORMAT.md; docs/tighter.md §5, fact 9)."""
    block = _obj(block, "telescope", ("method", "err_sup", "bound"))
    _one_of(block["method"], "telescope.method", (io.TELESCOPE_METHOD,))
    for i, s in enumerate(_list(block["err_sup"], "telescope.err_sup")):
        _dec(s, f"telescope.err_sup[{i}]")
    _dec(block["bound"], "telescope.bound")


def well_formed(cert: object) -> dict:
    """The certificate, after checking that it matches certs/schema.json exactly (types, keys, ranges, grammars);
    Unusable otherwise.  A format-3 certificate is checked against format 3's schema and returned upgraded
    (``upgrade_3``); an older format is refused with the command that regenerates it."""
    if isinstance(cert, dict) and cert.get("format") in io.OLD_FORMATS:
        raise Unusable(f"certificate format {cert['format']} (slt-verify 0.1) is no longer checked: regenerate it "
                       "with `slt-verify certify MODEL --eps EPS` (format 4; the default domain, the unit ball, "
                       "gives the same claim)")
    three = isinstance(cert, dict) and cert.get("format") == io.FORMAT_3
    optional = ("telescope",) if isinstance(cert, dict) and not three and "telescope" in cert else ()
    _obj(cert, "the certificate", (*io.TOP_FIELDS, *optional))
    _one_of(cert["format"], "format", (io.FORMAT, io.FORMAT_3))
    _one_of(cert["verdict"], "verdict", ("certified", "not-certified"))
    optional = ("float32",) if not three and isinstance(cert["claim"], dict) and "float32" in cert["claim"] else ()
    claim = _obj(cert["claim"], "claim", ("eps", "bound", "domain", *io.CLAIM, *optional))
    for key, want in (io.CLAIM_3 if three else io.CLAIM).items():
        _one_of(claim[key], f"claim.{key}", (want,))
    _dec(claim["eps"], "claim.eps")
    _dec(claim["bound"], "claim.bound")
    _domain(claim["domain"])
    if optional:
        _float32(claim["float32"])
    _model(cert["model"], three)
    _random_network(cert["random_network"])
    exps = _list(_obj(cert["rescaling"], "rescaling", ("neuron_exponents",))["neuron_exponents"], "rescaling")
    for i, s in enumerate(exps):
        for j, e in enumerate(_list(s, f"rescaling.neuron_exponents[{i}]")):
            _int(e, f"rescaling.neuron_exponents[{i}][{j}]", -EXPONENT_RANGE, EXPONENT_RANGE)
    for i, m in enumerate(_list(cert["mask"], "mask")):
        m = _obj(m, f"mask[{i}]", ("layer", "shape", "kept", "data", "bias_kept", "bias_data"))
        _int(m["layer"], f"mask[{i}].layer", 1, 2**32)
        _shape(m["shape"], f"mask[{i}].shape")
        _int(m["kept"], f"mask[{i}].kept", 0, _U63)
        _int(m["bias_kept"], f"mask[{i}].bias_kept", 0, _U63)
        if not isinstance(m["data"], str) or not isinstance(m["bias_data"], str):
            raise _bad(f"mask[{i}].data and bias_data must be base64 strings")
    for i, row in enumerate(_list(cert["layers"], "layers")):
        row = _obj(row, f"layers[{i}]", ("eta", "omega", "beta", "bias_norm", "delta", "rho", "norm"))
        for key in ("eta", "omega", "beta", "bias_norm", "delta", "rho"):
            _dec(row[key], f"layers[{i}].{key}")
        _one_of(row["norm"], f"layers[{i}].norm", ("frobenius", "spectral") if three else
                ("frobenius", "spectral", "unrolled"))
    if "telescope" in cert:
        _telescope(cert["telescope"])
    if not isinstance(cert["info"], dict):
        raise _bad("info must be an object")
    return upgrade_3(cert) if three else cert


def upgrade_3(cert: dict) -> dict:
    """The format-4 certificate a well-formed format-3 one denotes: the same claim about the same MLP (format 3 has
    no convolutions), with ``model.input_shape`` [d] (d = the first layer's inputs), every layer stride [1, 1] and
    padding [0, 0], and format 4's semantics string (format 3's says the same for a model without Conv2d)."""
    model = cert["model"]
    layers = [{**spec, "stride": [1, 1], "padding": [0, 0]} for spec in model["layers"]]
    return {**cert, "format": io.FORMAT, "claim": {**cert["claim"], "semantics": io.CLAIM["semantics"]},
            "model": {**model, "input_shape": [model["layers"][0]["shape"][1]], "layers": layers}}


def read_file(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes, read once; Unusable if missing, unreadable or larger than ``limit``."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size > limit:   # refuse before reading (a pipe reports 0 and is capped below)
                raise Unusable(f"{what} {path} is larger than {limit} bytes")
            parts, size = [], 0
            while size <= limit:   # in blocks: one read(limit + 1) would reserve the whole limit up front
                part = f.read(min(1 << 24, limit + 1 - size))
                if not part:
                    break
                parts.append(part)
                size += len(part)
            data = b"".join(parts)
    except OSError as e:
        raise Unusable(f"cannot read {what} {path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise Unusable(f"{what} {path} is larger than {limit} bytes")
    return data


def _strict_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"integer with more than {_MAX_INT_DIGITS} digits")
    return int(text)


def _no_constant(text: str) -> None:
    raise ValueError(f"{text} is not JSON")


def load_json(data: bytes, what: str) -> object:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, integers of at most 20 digits, and at most
    MAX_JSON_VALUES containers and separators (counted before parsing: memory stays a small multiple of the text)."""
    if data.count(b"{") + data.count(b"[") + data.count(b",") > MAX_JSON_VALUES:
        raise Unusable(f"{what} has more than {MAX_JSON_VALUES} JSON values")
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=io.no_duplicate_keys, parse_int=_strict_int,
                          parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise Unusable(f"{what} is not valid strict JSON ({str(e)[:120] or type(e).__name__})") from None
