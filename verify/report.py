"""``slt-verify report``: a certificate as a claim, a table, a re-check command and a figure, for papers (issue 17).

Untrusted presentation: nothing here decides validity.  The certificate is read with the kernel's strict loader
(verify/kernel/wellformed.py: ``read_file``, ``load_json``, ``well_formed``), so a malformed file is refused with one
line (exit 2).  With ``--model`` the independent checker (verify/kernel/check.py) runs first and its verdict line is
part of the report; without it the report says "not re-checked here" and gives the command that re-checks it.

The report holds

* the claim as one sentence, with D in the certificate's own decimal strings (never rounded: a rounded bound could
  name a larger domain than the one claimed);
* a table: target F, domain, random G, width factor k, kept weights and biases, seed, bound, ε, the attack's
  largest error and the tightness (``info.empirical``: untrusted, "not measured" when absent), the model's SHA-256
  (as the certificate names it) and the certificate file's SHA-256;
* the command that re-checks it;
* where the bound comes from (docs/composition.md §3, with biases docs/affine.md §5).  From the stored rows,
  exactly, δ_i = a_i + r_i + ω_i δ_{i−1} with a_i = η_i ρ_{i−1} + β_i and r_i ≥ 0 the stored rows' upward rounding,
  so δ_L = Σ_i (η_i ρ_{i−1} + β_i + r_i)·Π_{j>i} ω_j (ρ_0 = claim.domain.reach).  The figure (PNG and PDF, byte-
  identical across runs) stacks per target layer the gadget term η_i ρ_{i−1} Π ω and the bias term β_i Π ω.

Formats: ``md`` (Markdown, image link), ``tex`` (a LaTeX fragment for a standard article: booktabs and graphicx only,
every string escaped, Unicode turned into math or ASCII) and ``html`` (a standalone page, the PNG embedded).  ``text``
is what ``slt-verify check --summary`` prints after VALID.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import re
import shlex
import sys
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from verify.errors import InputError
from verify.kernel import io
from verify.kernel.check import MAX_CERT_BYTES
from verify.kernel.check import run as check_run
from verify.kernel.wellformed import Unusable, load_json, read_file, well_formed
from verify.markup import Code, Math, Seg
from verify.markup import html as _html
from verify.markup import md as _md
from verify.markup import md_text as _md_text
from verify.markup import plain as _plain
from verify.markup import tex as _tex
from verify.markup import tex_code as _tex_code

__all__ = ["Code", "Math", "Contribution", "Report", "FORMATS", "telescoped_bound", "telescoped_terms",
           "contributions", "load", "claim", "claim_heading",
           "verdict", "command", "rows", "layer_rows", "sources", "render", "figure_paths", "write_figures", "summary",
           "run"]

FORMATS = ("md", "tex", "html")
_INFO_CHARS = 200          # an untrusted info string is cut to this many characters
_KEYS_SHOWN = 6            # weight keys listed in the table before "…"


@dataclass(frozen=True)
class Contribution:
    """Target layer ``layer``'s part of δ_L (exact): ``gadget`` = η_i ρ_{i−1} Π_{j>i} ω_j, ``bias`` = β_i Π_{j>i} ω_j
    and ``rounding`` = (δ_i − η_i ρ_{i−1} − β_i − ω_i δ_{i−1}) Π_{j>i} ω_j, the stored rows' upward rounding (≥ 0
    when fact 6 holds).  The totals of all layers add up to the stored δ_L exactly."""

    layer: int
    gadget: Fraction
    bias: Fraction
    rounding: Fraction

    @property
    def total(self) -> Fraction:
        return self.gadget + self.bias + self.rounding


def telescoped_bound(cert: dict) -> Fraction | None:
    """The telescope block's bound (docs/tighter.md §9) when the certificate has one below its δ_L, else None."""
    tele, rows = cert.get("telescope"), cert["layers"]
    value = None if tele is None or not rows else io.parse_decimal(tele["bound"])
    return value if value is not None and value < io.parse_decimal(rows[-1]["delta"]) else None


def telescoped_terms(cert: dict) -> list[Fraction] | None:
    """Per layer err_sup_i Π_{j>i} ω_j, what each layer adds to the telescoped bound, when that bound is below δ_L
    (``telescoped_bound``); None otherwise."""
    if telescoped_bound(cert) is None:
        return None
    omegas = [io.parse_decimal(row["omega"]) for row in cert["layers"]]
    out = []
    for i, text in enumerate(cert["telescope"]["err_sup"]):
        term = io.parse_decimal(text)
        for w in omegas[i + 1:]:
            term *= w
        out.append(term)
    return out


def contributions(cert: dict) -> list[Contribution]:
    """Unroll the stored recurrence δ_i = η_i ρ_{i−1} + β_i + ω_i δ_{i−1} (docs/composition.md §3, docs/affine.md §5)
    into per-layer contributions to the stored δ_L, in exact rationals: ρ_{i−1} and δ_{i−1} are the stored values of
    the previous row (ρ_0 = claim.domain.reach, δ_0 = 0).  When the certificate's telescope block gives the smaller
    bound (docs/tighter.md §9) each layer contributes its err_sup_i Π_{j>i} ω_j instead, all of it reported as the
    gadget part (err_sup bounds the layer's whole error, weights and constants together)."""
    terms = telescoped_terms(cert)
    if terms is not None:
        return [Contribution(i + 1, term, Fraction(0), Fraction(0)) for i, term in enumerate(terms)]
    rows = [{k: io.parse_decimal(row[k]) for k in ("eta", "omega", "beta", "delta", "rho")} for row in cert["layers"]]
    reach = io.parse_decimal(cert["claim"]["domain"]["reach"])
    gain = [Fraction(1)] * len(rows)           # Π_{j>i} ω_j, from the last layer back
    for i in range(len(rows) - 2, -1, -1):
        gain[i] = gain[i + 1] * rows[i + 1]["omega"]
    out, rho, delta = [], reach, Fraction(0)
    for i, row in enumerate(rows):
        gadget, bias = row["eta"] * rho, row["beta"]
        rounding = row["delta"] - gadget - bias - row["omega"] * delta
        out.append(Contribution(i + 1, gadget * gain[i], bias * gain[i], rounding * gain[i]))
        rho, delta = row["rho"], row["delta"]
    return out


def _sci(q: Fraction, digits: int = 4) -> str:
    """q to ``digits`` significant digits, as d.ddde±XX (exact arithmetic: no overflow for any magnitude).  For
    display of contributions only, never of a bound or of the domain."""
    if q == 0:
        return "0"
    sign, q = ("-" if q < 0 else ""), abs(q)
    e = _exponent10(q)
    m = round(q / Fraction(10) ** (e - digits + 1))
    if m >= 10 ** digits:
        m, e = m // 10, e + 1
    s = str(m)
    return f"{sign}{s[0]}{'.' + s[1:] if len(s) > 1 else ''}e{e:+03d}"


def _exponent10(q: Fraction) -> int:
    """e with 10^e ≤ q < 10^(e+1), q > 0 (from bit lengths, then corrected exactly)."""
    e = int((q.numerator.bit_length() - q.denominator.bit_length()) * 0.30102999566398)
    while Fraction(10) ** e > q:
        e -= 1
    while Fraction(10) ** (e + 1) <= q:
        e += 1
    return e


def _percent(part: Fraction, whole: Fraction) -> str:
    """part / whole in per cent (an unchecked certificate's rows may make it any size)."""
    if whole == 0:
        return "n/a"
    q = part * 100 / whole
    return f"{float(q):.1f} %" if abs(q) < 10**6 else f"{_sci(q, 3)} %"


# --- reading ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Report:
    """Everything a report states: the certificate (well-formed), where it and the model are, the SHA-256 of the
    certificate's bytes, the checker's (exit code, line) when a model was given, and the contributions."""

    cert: dict
    cert_path: str
    cert_sha256: str
    model_path: str | None
    verdict: tuple[int, str] | None
    parts: list[Contribution]

    @property
    def delta(self) -> Fraction:
        """The stored δ_L (0 without layer rows)."""
        return io.parse_decimal(self.cert["layers"][-1]["delta"]) if self.cert["layers"] else Fraction(0)

    @property
    def telescoped(self) -> Fraction | None:
        """The telescope block's bound (docs/tighter.md §9) when it is below δ_L (then the parts add up to it)."""
        return telescoped_bound(self.cert)

    @property
    def total(self) -> Fraction:
        """What the parts add up to: the telescoped bound, or δ_L."""
        return self.telescoped if self.telescoped is not None else self.delta

    @property
    def dominant(self) -> Contribution | None:
        """The layer that contributes most to the bound (the first of equals)."""
        return max(self.parts, key=lambda c: c.total, default=None)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def load(cert_path: str | Path, model_path: str | Path | None = None,
         verdict: tuple[int, str] | None = None) -> Report:
    """Read CERT with the kernel's strict loader (InputError, one line, on a missing, malformed or ill-formed file);
    with ``model_path`` run the independent checker first, unless its ``verdict`` (exit code, line) is given."""
    try:
        data = read_file(Path(cert_path), MAX_CERT_BYTES, "certificate")
        cert = load_json(data, f"certificate {cert_path}")
        well_formed(cert)
    except Unusable as e:
        raise InputError(_one_line(e)) from None
    if model_path is not None and verdict is None:
        code, line, _ = check_run(cert_path, model_path)
        verdict = (code, _one_line(line))
    return Report(cert, str(cert_path), hashlib.sha256(data).hexdigest(),
                  None if model_path is None else str(model_path), verdict, contributions(cert))


# --- what the report says ---------------------------------------------------------------------------------------

def _clean(text: object) -> str:
    """A user or certificate string with control characters made visible (\\x0a): every format stays one line."""
    return "".join(f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" else ch for ch in str(text))


def _info(value: object) -> str | None:
    """An untrusted ``info`` value as a short string, or None when it is not a string or number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = _clean(value)
    return text if len(text) <= _INFO_CHARS else text[:_INFO_CHARS - 1] + "…"


def _tex_num(text: str) -> str:
    """A DEC or SDEC string (digits, '.', 'e', signs: the schema allows nothing else) as LaTeX math."""
    return "".join({"e": r"\mathrm{e}", "E": r"\mathrm{E}", "-": "{-}", "+": "{+}"}.get(ch, ch) for ch in text)


def _dim(cert: dict) -> int:
    d = cert["claim"]["domain"]
    return len(d["lo"]) if d["kind"] == "box" else cert["model"]["layers"][0]["shape"][1]


def _extremes(values: list[str]) -> tuple[str, str]:
    """The certificate's own strings of the least and the largest value (exact comparison, no rounding)."""
    parsed = [(io.parse_signed(v), v) for v in values]
    return min(parsed, key=lambda p: p[0])[1], max(parsed, key=lambda p: p[0])[1]


def _domain(cert: dict) -> tuple[Math, list[Seg]]:
    """D as a formula for the claim, and its table cell, in the certificate's own decimal strings."""
    d, n = cert["claim"]["domain"], _dim(cert)
    reach = [" (reach ", d["reach"], ": ", Math("‖x‖₂ ≤ reach", r"\|x\|_2 \le \mathrm{reach}"), " on ", _D, ")"]
    if d["kind"] == "ball":
        r = d["radius"]
        return (Math(f"D = {{x ∈ ℝ^{n} : ‖x‖₂ ≤ {r}}}",
                     rf"D = \{{x \in \mathbf{{R}}^{{{n}}} : \|x\|_2 \le {_tex_num(r)}\}}"),
                ["the ", Math("ℓ₂", r"\ell_2"), f" ball of radius {r} about 0 in ",
                 Math(f"ℝ^{n}", rf"\mathbf{{R}}^{{{n}}}"), *reach])
    (lo_min, lo_max), (hi_min, hi_max) = _extremes(d["lo"]), _extremes(d["hi"])
    if io.parse_signed(lo_min) == io.parse_signed(lo_max) and io.parse_signed(hi_min) == io.parse_signed(hi_max):
        lo, hi = d["lo"][0], d["hi"][0]
        return (Math(f"D = [{lo}, {hi}]^{n}", rf"D = [{_tex_num(lo)}, {_tex_num(hi)}]^{{{n}}}"),
                ["the box ", Math(f"[{lo}, {hi}]^{n}", rf"[{_tex_num(lo)}, {_tex_num(hi)}]^{{{n}}}"), *reach])
    lo_j, hi_j = Math("lo_j", r"\mathrm{lo}_j"), Math("hi_j", r"\mathrm{hi}_j")
    formula = Math(f"D = {{x ∈ ℝ^{n} : lo_j ≤ x_j ≤ hi_j for every j}}",
                   rf"D = \{{x \in \mathbf{{R}}^{{{n}}} : \mathrm{{lo}}_j \le x_j \le \mathrm{{hi}}_j\}}")
    return formula, ["the box ", Math("lo_j ≤ x_j ≤ hi_j", r"\mathrm{lo}_j \le x_j \le \mathrm{hi}_j"),
                     f" for j = 1, …, {n}, with the bounds per coordinate listed in claim.domain (", lo_j,
                     f" from {lo_min} to {lo_max}, ", hi_j, f" from {hi_min} to {hi_max})", *reach]


_D, _F, _G, _X = Math("D", "D"), Math("F", "F"), Math("G", "G"), Math("x", "x")
_GT = Math("G̃", r"\tilde{G}")


def _model_name(r: Report) -> list[Seg]:
    if r.model_path is None:
        return ["the model file with SHA-256 ", Code(r.cert["model"]["sha256"])]
    return [Code(_clean(r.model_path)), " (SHA-256 ", Code(r.cert["model"]["sha256"]), ")"]


def claim(r: Report) -> list[Seg]:
    """The claim as one sentence."""
    c, rn = r.cert["claim"], r.cert["random_network"]
    formula, _ = _domain(r.cert)
    err = Math("‖G̃(x) − F(x)‖₂", r"\|\tilde{G}(x) - F(x)\|_2")
    where = [", where ", _F, " is the network in ", *_model_name(r), " and ", _GT, " is the subnetwork of the random "
             "network ", _G, f" (seed {rn['seed']}, width factor {rn['width_factor']}, generator {rn['generator']}) "
             "kept by the certificate's mask, in exact real arithmetic"]
    bound, eps = c["bound"], c["eps"]
    if io.parse_decimal(bound) <= io.parse_decimal(eps):
        return ["For every input ", _X, " in ", formula, ", ", err, " ",
                Math(f"≤ {bound} ≤ ε = {eps}", rf"\le {_tex_num(bound)} \le \varepsilon = {_tex_num(eps)}"), *where,
                "."]
    return ["The certificate claims nothing at ", Math(f"ε = {eps}", rf"\varepsilon = {_tex_num(eps)}"),
            ": its bound ", bound, " exceeds ε (verdict not-certified). Its numbers would give, for every input ", _X,
            " in ", formula, ", ", err, " ", Math(f"≤ {bound}", rf"\le {_tex_num(bound)}"), *where, "."]


def claim_heading(r: Report) -> str:
    """What the claim is: certified (checked here, VALID), not re-checked here, or not established."""
    if r.verdict is None:
        return "Claim (not re-checked here)."
    return "Certified claim." if r.verdict[0] == 0 else "Claim, NOT established (the independent check failed)."


def verdict(r: Report) -> list[Seg]:
    """The independent check: the checker's line, or that it was not run here."""
    if r.verdict is None:
        return ["not re-checked here: run the command below (exit 0 and a VALID line mean every number was "
                "re-derived from the model file and the seed)"]
    return [Code(_clean(r.verdict[1]))]


def command(r: Report) -> str:
    """The exact command that re-checks the certificate (MODEL stands for the file when none was given)."""
    def arg(path: str) -> str:
        path = _clean(path)
        return shlex.quote("./" + path if path.startswith("-") else path)

    return f"slt-verify check {arg(r.cert_path)} --model {arg(r.model_path) if r.model_path else 'MODEL'}"


def _keys(model: dict) -> list[Seg]:
    keys = [spec["key"] for spec in model["layers"]]
    out: list[Seg] = []
    for j, key in enumerate(keys[:_KEYS_SHOWN]):
        out += [", " if j else "", Code(_clean(key))]
    return out + ([f", … ({len(keys)} layers)"] if len(keys) > _KEYS_SHOWN else [])


def rows(r: Report) -> list[tuple[list[Seg], list[Seg]]]:
    """The table: (label, value) per row."""
    cert = r.cert
    c, model, rn = cert["claim"], cert["model"], cert["random_network"]
    shapes = [spec["shape"] for spec in model["layers"]]
    widths = ["×".join(map(str, model.get("input_shape") or [shapes[0][1]]))] + [str(s[0]) for s in shapes]
    params = sum(math.prod(shape) + (shape[0] if spec["bias_key"] is not None else 0)
                 for spec, shape in zip(model["layers"], shapes, strict=True))
    kinds = "Linear" if all(len(shape) == 2 for shape in shapes) else "Conv2d and Linear"
    kept_w, kept_b = sum(m["kept"] for m in cert["mask"]), sum(m["bias_kept"] for m in cert["mask"])
    norms = sorted({row["norm"] for row in cert["layers"]})
    emp = cert["info"].get("empirical")
    emp = emp if isinstance(emp, dict) else {}
    attack, how, tight = _info(emp.get("max_error")), _info(emp.get("method")), _info(emp.get("tightness"))
    _, domain_cell = _domain(cert)
    bound_le = io.parse_decimal(c["bound"]) <= io.parse_decimal(c["eps"])
    return [
        (["target ", _F], [" → ".join(map(str, widths)), f" ({params:,} weights and biases; {model['format']}, "
                        f"{len(shapes)} {kinds} layers: ", *_keys(model), ")"]),
        (["model file"], _model_name(r) if r.model_path else ["not given (re-check with the file whose SHA-256 is "
                                                               "below)"]),
        (["domain ", _D], domain_cell),
        (["random ", _G], [f"depth {len(rn['widths']) - 1}, widths {'-'.join(map(str, rn['widths']))}, "
                        f"{rn['parameters']:,} weights and biases, each {rn['distribution']} (generator "
                        f"{rn['generator']})"]),
        (["width factor ", Math("k", "k")], [f"{rn['width_factor']} (bias block c = {rn['bias_block']})"]),
        (["kept weights"], [f"{kept_w + kept_b:,} of {rn['parameters']:,} ({kept_w:,} weights, {kept_b:,} biases)"]),
        (["seed"], [str(rn["seed"])]),
        (["certified bound"], [c["bound"], " (", _bound_source(r, io.parse_decimal(c["bound"])),
                               f"; {', '.join(norms) or 'no'} layer norms)"]),
        ([Math("ε", r"\varepsilon")], [c["eps"], f" (verdict {cert['verdict']}: bound {'≤' if bound_le else '>'} ε)"]),
        (["attack"], [attack, " (largest error found", f" by {how}" if how else "", "; a lower bound on the true sup, "
                      "not certified)"] if attack else ["not measured"]),
        (["tightness"], [tight, " (bound / largest error found)"] if tight else ["not measured"]),
        (["model SHA-256"], [Code(model["sha256"]), " (as the certificate names it)"]),
        (["certificate SHA-256"], [Code(r.cert_sha256), " (of ", Code(_clean(r.cert_path)), ")"]),
    ]


def _bound_source(r: Report, bound: Fraction) -> Math:
    """How claim.bound relates to δ_L and, with a telescope block below δ_L, to the telescoped bound T."""
    delta, tele = r.delta, r.telescoped
    if tele is not None:
        rel, rel_tex = ("=", "=") if bound == tele else ("≥", r"\ge")
        return Math(f"{rel} T = Σ_i err_sup_i Π_{{j>i}} ω_j < δ_L = {_sci(delta)}",
                    rf"{rel_tex} T = \sum_i \mathrm{{err}}_i \prod_{{j>i}} \omega_j "
                    rf"< \delta_L = {_tex_num(_sci(delta))}")
    if delta == bound:
        return Math("= δ_L", r"= \delta_L")
    return Math(f"≥ δ_L = {_sci(delta)}", rf"\ge \delta_L = {_tex_num(_sci(delta))}")


def layer_header(r: Report, tex: bool = False) -> list[str]:
    """The per-layer table's header: the recursion's gadget and bias terms, or the telescoped error terms."""
    if r.telescoped is None:
        return LAYER_HEADER_TEX if tex else LAYER_HEADER
    if tex:
        return [r"$i$", r"$W_i$", r"error term $\mathrm{err}_i \prod_{j>i} \omega_j$", r"--", r"share of $T$"]
    return ["i", "W_i", "error term err_sup_i Π_{j>i} ω_j (reach box)", "-", "share of T"]


def layer_rows(r: Report) -> list[list[Seg]]:
    """Per target layer: i, shape, gadget term, bias term (or the telescoped error term), share of the bound."""
    shapes = [spec["shape"] for spec in r.cert["model"]["layers"]]
    out = []
    for p in r.parts:
        shape = shapes[p.layer - 1] if p.layer <= len(shapes) else ["?", "?"]
        out.append([str(p.layer), " × ".join(map(str, shape)), _sci(p.gadget),
                    "-" if r.telescoped is not None else _sci(p.bias), _percent(p.total, r.total)])
    return out


LAYER_HEADER = ["i", "W_i", "gadget term η_i ρ_{i−1} Π_{j>i} ω_j", "bias term β_i Π_{j>i} ω_j", "share of δ_L"]
LAYER_HEADER_TEX = [r"$i$", r"$W_i$", r"gadget term $\eta_i \rho_{i-1} \prod_{j>i} \omega_j$",
                    r"bias term $\beta_i \prod_{j>i} \omega_j$", r"share of $\delta_L$"]


def sources(r: Report) -> list[Seg]:
    """Where the bound comes from, in one sentence."""
    top = r.dominant
    if top is None:
        return ["The certificate has no layer rows."]
    if r.delta == 0:
        return [Math("δ_L = 0", r"\delta_L = 0"), ": no layer contributes."]
    if r.telescoped is not None:
        return [Math(f"T = {_sci(r.telescoped)} = Σ_i err_sup_i Π_{{j>i}} ω_j",
                     rf"T = {_tex_num(_sci(r.telescoped))} = \sum_i \mathrm{{err}}_i \prod_{{j>i}} \omega_j"),
                f" (the telescope block: each layer's error over the box G̃'s activations reach, fact 9) is below "
                f"the recursion's δ_L = {_sci(r.delta)}. Layer {top.layer} contributes most: "
                f"{_percent(top.total, r.telescoped)} of T."]
    rounding = sum((p.rounding for p in r.parts), Fraction(0))
    delta = Math("δ_L", r"\delta_L")
    return [Math(f"δ_L = {_sci(r.delta)} = Σ_i (η_i ρ_{{i−1}} + β_i) Π_{{j>i}} ω_j",
                 rf"\delta_L = {_tex_num(_sci(r.delta))} = \sum_i (\eta_i \rho_{{i-1}} + \beta_i)"
                 rf" \prod_{{j>i}} \omega_j"),
            f" plus the stored rows' upward rounding ({_sci(rounding)}). Layer {top.layer} contributes most: "
            f"{_percent(top.total, r.delta)} of ", delta, f" (gadget term {_percent(top.gadget, r.delta)}, bias term "
            f"{_percent(top.bias, r.delta)})."]


# --- the figure -------------------------------------------------------------------------------------------------

def figure_paths(cert_path: str | Path, out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """(PNG, PDF) of the figure: ``<stem>-bound.png|pdf`` in ``out_dir`` (default: beside CERT), the stem being
    CERT's name without .json and .cert, reduced to letters, digits and '-' (safe in \\includegraphics)."""
    cert_path = Path(cert_path)
    stem = re.sub(r"\.json$", "", cert_path.name)
    stem = re.sub(r"\.cert$", "", stem)
    stem = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-") or "certificate"
    base = Path(out_dir) if out_dir is not None else cert_path.parent
    return base / f"{stem}-bound.png", base / f"{stem}-bound.pdf"


_RC = {"svg.hashsalt": "slt-verify", "pdf.fonttype": 42, "font.family": "DejaVu Sans",
       "mathtext.fontset": "dejavusans", "figure.dpi": 100, "savefig.dpi": 200, "path.simplify": False}


def write_figures(r: Report, png: Path, pdf: Path) -> None:
    """The per-layer bar chart (gadget and bias terms stacked), as PNG and PDF: Agg through the object API (no
    pyplot, no global backend), matplotlib's default style with fixed fonts, no creation date: byte-identical
    across runs."""
    import matplotlib
    import matplotlib.style
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    top = max((p.gadget + p.bias for p in r.parts), default=Fraction(0))   # ≤ δ_L when fact 6 holds
    scale = _exponent10(top) if top > 0 else 0
    unit = Fraction(10) ** scale   # every bar in [0, 10) units: no float overflow, whatever the magnitudes
    xs = [p.layer for p in r.parts]
    gadget = [float(p.gadget / unit) for p in r.parts]
    bias = [float(p.bias / unit) for p in r.parts]
    with matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        fig = Figure(figsize=(5.0, 3.0))
        fig.subplots_adjust(left=0.13, right=0.98, bottom=0.16, top=0.88)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        tele = r.telescoped is not None
        ax.bar(xs, gadget, width=0.6, color="#4c72b0", label=r"error term $\mathrm{err}_i\,\Pi_{j>i}\,\omega_j$"
               if tele else r"gadget term $\eta_i\,\rho_{i-1}\,\Pi_{j>i}\,\omega_j$")
        if not tele:
            ax.bar(xs, bias, width=0.6, bottom=gadget, color="#dd8452",
                   label=r"bias term $\beta_i\,\Pi_{j>i}\,\omega_j$")
        for p, g, b in zip(r.parts, gadget, bias, strict=True):
            ax.annotate(_percent(p.total, r.total), (p.layer, max(g + b, 0.0)), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.set_xlabel("target layer $i$")
        unit_text = "" if scale == 0 else rf" ($\times 10^{{{scale}}}$)"
        what = "T" if tele else r"\delta_L"
        ax.set_ylabel(rf"contribution to ${what}${unit_text}")
        ax.set_title(r"$T = \Sigma_i\,\mathrm{err}_i\,\Pi_{j>i}\,\omega_j$ (telescope block)" if tele else
                     r"$\delta_L = \Sigma_i\,(\eta_i\,\rho_{i-1} + \beta_i)\,\Pi_{j>i}\,\omega_j$", fontsize=10)
        ax.margins(y=0.15)
        ax.legend(fontsize=8, frameon=False)
        fig.savefig(png, format="png")
        fig.savefig(pdf, format="pdf", metadata={"CreationDate": None, "ModDate": None})


# --- rendering --------------------------------------------------------------------------------------------------

def _relative(path: Path, start: Path) -> str:
    """``path`` relative to ``start`` with '/' separators (absolute when there is no relative path)."""
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def render(r: Report, fmt: str, png: Path | None = None, pdf: Path | None = None, base: Path | None = None) -> str:
    """The report as ``fmt`` (md, tex, html or text); figure links relative to ``base`` (default: the current
    directory), the html page embedding the PNG."""
    base = Path.cwd() if base is None else base
    links = {"png": _relative(png, base), "pdf": _relative(pdf, base)} if png and pdf else None
    if fmt == "md":
        return _render_md(r, links)
    if fmt == "tex":
        return _render_tex(r, links)
    if fmt == "html":
        return _render_html(r, png, links)
    if fmt == "text":
        return summary(r)
    raise ValueError(f"unknown report format {fmt!r}")


def _title(r: Report) -> list[Seg]:
    return ["Certified strong lottery ticket: ", Code(_clean(Path(r.cert_path).name))]


def _render_md(r: Report, links: dict | None) -> str:
    from urllib.parse import quote

    cmd = command(r)
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", cmd)), default=0) + 1)
    lines = [f"## {_md(_title(r))}", "", f"**{_md_text(claim_heading(r))}** {_md(claim(r))}", "",
             f"**Independent check:** {_md(verdict(r))}", "", "| | |", "|---|---|"]
    lines += [f"| {_md(label, True)} | {_md(value, True)} |" for label, value in rows(r)]
    lines += ["", "**Re-check:**", "", fence, cmd, fence, "", f"**Where the bound comes from.** {_md(sources(r))}", ""]
    if links:
        lines += [f"![Per-layer contributions to the bound]({quote(links['png'])}) "
                  f"([PDF]({quote(links['pdf'])}))", ""]
    lines += ["| " + " | ".join(_md_text(h) for h in layer_header(r)) + " |", "|" + "---|" * len(LAYER_HEADER)]
    lines += ["| " + " | ".join(_md_text(c) for c in row) + " |" for row in layer_rows(r)]
    return "\n".join(lines) + "\n"


def _tex_label(r: Report) -> str:
    return "slt-" + re.sub(r"[^A-Za-z0-9-]+", "-", Path(r.cert_path).name).strip("-")


def _render_tex(r: Report, links: dict | None) -> str:
    label = _tex_label(r)
    lines = ["% slt-verify report: a LaTeX fragment for a standard article; needs \\usepackage{booktabs,graphicx}.",
             "% Figure paths are relative to the directory this file was written to.",
             r"\begin{sloppypar}", rf"\noindent\textbf{{{_tex([claim_heading(r)])}}} {_tex(claim(r))}", "",
             rf"\noindent\textbf{{Independent check.}} {_tex(verdict(r))}", "",
             rf"\noindent\textbf{{Re-check:}} {_tex_code(command(r))}", r"\end{sloppypar}", "",
             r"\begin{table}[htbp]", r"\centering",
             rf"\caption{{{_tex(_title(r))}.}}", rf"\label{{tab:{label}}}",
             r"\begin{tabular}{@{}lp{0.68\linewidth}@{}}", r"\toprule", r"Quantity & Value \\", r"\midrule"]
    lines += [rf"{_tex(label_)} & {_tex(value)} \\" for label_, value in rows(r)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", "",
              r"\begin{table}[htbp]", r"\centering",
              rf"\caption{{Where the bound comes from. {_tex(sources(r))}}}", rf"\label{{tab:{label}-layers}}",
              r"\begin{tabular}{@{}rrrrr@{}}", r"\toprule", " & ".join(layer_header(r, tex=True)) + r" \\", r"\midrule"]
    lines += [" & ".join(_tex([c]) for c in row) + r" \\" for row in layer_rows(r)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    if links:
        path = links["pdf"][:-len(".pdf")]
        safe = re.fullmatch(r"[A-Za-z0-9._/-]+", path) is not None
        lines += ["", r"\begin{figure}[htbp]", r"\centering"]
        if not safe:   # a directory name LaTeX cannot take: the figure must sit beside the .tex
            lines.append(f"% the figure is {_one_line(links['pdf'])}: copy it beside this file")
            path = Path(path).name
        lines += [rf"\includegraphics[width=0.8\linewidth]{{{path}}}",
                  rf"\caption{{Contribution of each target layer to $\delta_L$ (gadget and bias terms). "
                  rf"{_tex(sources(r))}}}", rf"\label{{fig:{label}}}", r"\end{figure}"]
    return "\n".join(lines) + "\n"


def _render_html(r: Report, png: Path | None, links: dict | None) -> str:
    title = _plain(_title(r))
    body = [f"<h1>{_html(_title(r))}</h1>",
            f"<p><strong>{html.escape(claim_heading(r))}</strong> {_html(claim(r))}</p>",
            f"<p><strong>Independent check:</strong> {_html(verdict(r))}</p>", "<table>"]
    body += [f"<tr><th>{_html(label)}</th><td>{_html(value)}</td></tr>" for label, value in rows(r)]
    body += ["</table>", "<p><strong>Re-check:</strong></p>", f"<pre><code>{html.escape(command(r))}</code></pre>",
             f"<p><strong>Where the bound comes from.</strong> {_html(sources(r))}</p>"]
    if png is not None and links:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        body.append(f'<p><img alt="Per-layer contributions to the bound" src="data:image/png;base64,{data}"> '
                    f'<a href="{html.escape(links["pdf"])}">PDF</a></p>')
    body += ["<table>", "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in layer_header(r)) + "</tr>"]
    body += ["<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in layer_rows(r)]
    body.append("</table>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse;margin:1em 0}th,td{border-top:1px solid #999;padding:.25em .6em;"
             "text-align:left;vertical-align:top}code{word-break:break-all}img{max-width:100%}")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{style}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def summary(r: Report) -> str:
    """Plain text: the claim, the table and where the bound comes from (``check --summary``)."""
    table = [(_plain(label), _plain(value)) for label, value in rows(r)]
    width = max(len(a) for a, _ in table)
    return "\n".join([_plain(claim(r)), "", *(f"  {a.ljust(width)}  {b}" for a, b in table), "",
                      f"re-check: {command(r)}", _plain(sources(r))])


# --- the command ------------------------------------------------------------------------------------------------

def run(cert: str, model: str | None, fmt: str, output: str | None, out_dir: str | None) -> int:
    """``slt-verify report``: write the figures, then the report to ``output`` (default stdout).  Exit 0, or with
    ``model`` the checker's code (1 invalid, 2 unusable), the report stating the verdict either way."""
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}")
    r = load(cert, model)
    target = Path(output) if output else None
    if target is not None and not target.parent.is_dir():
        raise InputError(f"-o {output}: directory {target.parent} does not exist")
    png, pdf = figure_paths(cert, out_dir)
    try:
        png.parent.mkdir(parents=True, exist_ok=True)
        write_figures(r, png, pdf)
        text = render(r, fmt, png, pdf, target.parent if target is not None else None)
        if target is not None:
            target.write_text(text, encoding="utf-8")
    except OSError as e:
        where = f" ({_one_line(e.filename)})" if e.filename else ""
        raise InputError(f"cannot write the report or its figures{where}: {_one_line(e.strerror or e)}") from None
    if target is None:
        sys.stdout.write(text)
        print(f"figures: {png} {pdf}", file=sys.stderr)
    else:
        print(f"wrote {target}, {png}, {pdf}")
    if r.verdict is not None and r.verdict[0] != 0:
        print(r.verdict[1], file=sys.stderr)
        return r.verdict[0]
    return 0
