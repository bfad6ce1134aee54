"""``slt-verify report`` and ``check --summary`` (issue 17, the report half): the claim, the table, the re-check
command and the per-layer figure, in md, tex and html; escaping; exact contributions; deterministic figures."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path

import pytest
from independent import telescoped

from verify import markup, report
from verify.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "certs" / "examples"
CASES = {"tiny": ("tiny.cert.json", "tiny.safetensors"), "tiny-bias": ("tiny-bias.cert.json", "tiny-bias.safetensors")}
LATEX_SPECIALS = "\\{}$&#^_%~"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _md_row_pipes(line: str) -> int:
    """Unescaped pipes of a Markdown table row (a GFM cell may hold '\\|', also inside a code span)."""
    return len(re.findall(r"(?<!\\)\|", line))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _html_text(page: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return "".join(parser.text), parser.tags


# --- the three formats on the shipped examples ------------------------------------------------------------------

@pytest.mark.parametrize("checked", [False, True], ids=["no-model", "model"])
@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_formats_for_the_examples(case, fmt, checked, tmp_path, capsys):
    cert_name, model_name = CASES[case]
    cert_path, model = EXAMPLES / cert_name, EXAMPLES / model_name
    cert = json.loads(cert_path.read_text())
    out_file = tmp_path / f"report.{fmt}"
    argv = [str(cert_path), "--format", fmt, "-o", str(out_file), "--out", str(tmp_path / "fig")]
    code, out, _ = _run(capsys, *argv, *(["--model", str(model)] if checked else []))
    assert code == 0
    assert str(out_file) in out
    text = out_file.read_text(encoding="utf-8")
    plain = {"html": lambda t: _html_text(t)[0], "tex": lambda t: t.replace("\\allowbreak{}", "").replace("\\ ", " ")
             }.get(fmt, lambda t: t)(text)
    rn, claim = cert["random_network"], cert["claim"]
    # the numbers of the table, as the certificate states them
    for figure in (claim["bound"], claim["eps"], claim["domain"]["reach"], cert["model"]["sha256"],
                   hashlib.sha256(cert_path.read_bytes()).hexdigest(), cert["info"]["empirical"]["max_error"],
                   cert["info"]["empirical"]["tightness"], "slt-hash32-v1"):
        assert figure in plain, figure
    assert f"seed {rn['seed']}" in plain and f"width factor {rn['width_factor']}" in plain
    kept = sum(m["kept"] + m["bias_kept"] for m in cert["mask"])
    assert f"{kept:,} of {rn['parameters']:,}" in plain
    assert "subnetwork of the random network" in plain and "exact real arithmetic" in plain
    if checked:
        assert "VALID: sup over" in plain and "not re-checked here" not in plain
        assert "Certified claim." in plain
    else:
        assert "not re-checked here" in plain and "VALID:" not in plain
    png, pdf = tmp_path / "fig" / f"{case}-bound.png", tmp_path / "fig" / f"{case}-bound.pdf"
    assert png.read_bytes().startswith(b"\x89PNG") and pdf.read_bytes().startswith(b"%PDF")
    if fmt == "md":
        command = f"slt-verify check {cert_path} --model {model if checked else 'MODEL'}"
        assert f"```\n{command}\n```" in text
        assert "](fig/" + png.name + ")" in text
        rows = [line for line in text.splitlines() if line.startswith("| ")]
        assert rows and all(_md_row_pipes(line) in (3, 6) for line in rows), rows
    elif fmt == "tex":
        assert "\\begin{table}" in text and "\\toprule" in text and "\\midrule" in text and "\\bottomrule" in text
        assert "\\includegraphics[width=0.8\\linewidth]{fig/" + f"{case}-bound}}" in text
        body = "\n".join(line for line in text.splitlines() if not line.startswith("%"))
        assert "\\documentclass" not in body and "\\usepackage" not in body and "\\begin{document}" not in body
        assert text.isascii()
    else:
        assert text.startswith("<!DOCTYPE html>") and "data:image/png;base64," in text
        assert "</html>" in text and 'href="fig/' + pdf.name + '"' in text


def test_box_domain_and_ball_domain_in_the_claim(capsys, tmp_path):
    code, out, _ = _run(capsys, str(EXAMPLES / "tiny-bias.cert.json"), "--out", str(tmp_path))
    assert code == 0 and "D = \\[0, 1\\]^2" in out   # Markdown escapes the brackets
    code, out, _ = _run(capsys, str(EXAMPLES / "tiny.cert.json"), "--out", str(tmp_path))
    assert code == 0 and "D = {x ∈ ℝ^2 : ‖x‖₂ ≤ 1}" in out


def test_per_coordinate_box_is_summarised_in_the_certificates_own_decimals(tmp_path, capsys):
    """A box with bounds per coordinate: the extremes are named with the certificate's strings, never rounded."""
    cert = json.loads((EXAMPLES / "tiny-bias.cert.json").read_text())
    lo, hi = ["-0.1234567890123456789", "0"], ["0.99999999999999999999", "1.5e0"]
    cert["claim"]["domain"].update(lo=lo, hi=hi)
    path = tmp_path / "box.cert.json"
    path.write_text(json.dumps(cert))
    r = report.load(path)
    text = report.summary(r)
    assert "lo_j from -0.1234567890123456789 to 0" in text and "hi_j from 0.99999999999999999999 to 1.5e0" in text
    assert "lo_j ≤ x_j ≤ hi_j" in report.render(r, "text")
    for fmt in ("md", "tex", "html"):
        assert "0.99999999999999999999" in report.render(r, fmt)


def test_not_certified_claims_nothing_at_eps(tmp_path):
    cert = json.loads((EXAMPLES / "tiny.cert.json").read_text())
    cert["claim"]["eps"], cert["verdict"] = "0.0001", "not-certified"
    path = tmp_path / "nc.cert.json"
    path.write_text(json.dumps(cert))
    text = report.summary(report.load(path))
    assert text.startswith("The certificate claims nothing at ε = 0.0001") and "verdict not-certified" in text


# --- escaping: a model file, keys and a certificate path full of LaTeX, Markdown and HTML specials ---------------

@pytest.fixture(scope="module")
def special(tmp_path_factory) -> dict:
    """A certified 2-3-2 target with biases saved as ``my_model#1&%.pt`` (keys ``my_net.0.weight`` …) and its
    certificate under a name holding every LaTeX special, a pipe, angle brackets, an accent and a space."""
    import torch
    from torch import nn

    from verify.certify import certify
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Eps, Options

    d = tmp_path_factory.mktemp("spécial dir")
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2))
    model = d / "my_model#1&%.pt"
    torch.save({f"my_net.{k}": v for k, v in net.state_dict().items()}, model)
    target = load_target(model)
    built = build(target.weights, Options(method="subset-sum", seed=0, device="cpu", domain="box:0,1"), k=8,
                  biases=target.biases)
    res = certify(target, Eps.parse("10"), built, empirical=False)
    assert res.certified
    cert = d / "c|<b>{x}_$^~\\#1&% é`.cert.json"
    cert.write_text(json.dumps(res.cert))
    return {"dir": d, "model": model, "cert": cert, "data": res.cert}


def test_special_names_in_markdown(special, tmp_path, capsys):
    out_file = tmp_path / "r.md"
    code, _, _ = _run(capsys, str(special["cert"]), "--model", str(special["model"]), "-o", str(out_file),
                      "--out", str(tmp_path))
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert "VALID" in text and "`my_net.0.weight`" in text and "`my_net.2.weight`" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert all(_md_row_pipes(line) in (3, 6) for line in rows), rows      # the path's '|' is escaped in cells
    assert "c\\|<b>{x}_$^~\\#1&% é" in text                                  # inside a code span in the table
    assert "not measured" in text                                              # no attack was run
    # the command quotes the paths for the shell
    cmd = next(line for line in text.splitlines() if line.startswith("slt-verify check "))
    import shlex
    assert shlex.split(cmd) == ["slt-verify", "check", str(special["cert"]), "--model", str(special["model"])]


def test_special_names_in_html(special, tmp_path, capsys):
    out_file = tmp_path / "r.html"
    assert _run(capsys, str(special["cert"]), "--model", str(special["model"]), "--format", "html", "-o",
                str(out_file), "--out", str(tmp_path))[0] == 0
    page = out_file.read_text(encoding="utf-8")
    text, tags = _html_text(page)
    assert "<b>" not in page and "b" not in tags                                 # the name's <b> is text
    assert special["cert"].name in text and special["model"].name in text and "my_net.0.weight" in text


def test_special_names_in_latex(special, tmp_path, capsys):
    out_file = tmp_path / "r.tex"
    assert _run(capsys, str(special["cert"]), "--model", str(special["model"]), "--format", "tex", "-o",
                str(out_file), "--out", str(tmp_path))[0] == 0
    tex = out_file.read_text(encoding="utf-8").replace("\\allowbreak{}", "")   # break points inside \texttt
    assert tex.isascii()
    assert r"my\char95{}model\char35{}1\char38{}\char37{}.pt" in tex          # the model file, in \texttt
    assert r"my\char95{}net.0.weight" in tex                                   # a key
    assert r"\char92{}\char35{}1\char38{}\char37{}\ \'{e}{`}.cert.json" in tex  # the certificate's name
    body = [line for line in tex.splitlines() if not line.startswith("%")]
    for line in body:   # outside escapes, %, # and ~ never occur; $ only in pairs (math)
        bare = re.sub(r"\\char\d+\{\}|\\[%#$&_{}]|\\textasciitilde\{\}", "", line)
        assert "%" not in bare and "#" not in bare and "~" not in bare, line
        assert bare.count("$") % 2 == 0, line


def test_tex_escape_covers_every_special_and_unicode():
    text = "a\\b{c}d$e&f#g^h_i%j~k <|> ‖≤ε→ é ü 中 --x `q'"
    out = markup.tex_escape(text, tt=False)
    assert out.isascii()
    for raw, escaped in (("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("$", r"\$"), ("&", r"\&"),
                         ("#", r"\#"), ("^", r"\textasciicircum{}"), ("_", r"\_"), ("%", r"\%"),
                         ("~", r"\textasciitilde{}"), ("‖", r"$\|$"), ("≤", r"$\le$"), ("ε", r"$\varepsilon$"),
                         ("→", r"$\to$"), ("é", r"\'{e}"), ("ü", r"\"{u}"), ("中", "[U+4E2D]"), ("<", "$<$"),
                         ("|", "$|$"), ("--", "-{}-")):
        assert escaped in out, (raw, out)
    tt = markup.tex_escape(text, tt=True)
    assert tt.isascii() and all(rf"\char{ord(ch)}{{}}" in tt for ch in LATEX_SPECIALS)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed: the LaTeX fragment's "
                    "compilation is not tested here (escaping is tested without it)")
@pytest.mark.parametrize("which", ["tiny-bias", "special"])
def test_latex_fragment_compiles_in_a_standard_article(which, special, tmp_path, capsys):
    if which == "special":
        cert, model = special["cert"], special["model"]
    else:
        cert, model = EXAMPLES / CASES[which][0], EXAMPLES / CASES[which][1]
    assert _run(capsys, str(cert), "--model", str(model), "--format", "tex", "-o", str(tmp_path / "fragment.tex"),
                "--out", str(tmp_path / "figs"))[0] == 0
    (tmp_path / "doc.tex").write_text("\\documentclass{article}\n\\usepackage{booktabs,graphicx}\n"
                                      "\\begin{document}\n\\input{fragment}\n\\end{document}\n")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert done.returncode == 0, done.stdout[-3000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 10_000                      # the figure is in it
    assert "Missing character" not in log and "Undefined control sequence" not in log


# --- where the bound comes from ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case, dominant", [("tiny", 1), ("tiny-bias", 2)])
def test_contributions_sum_to_the_stored_delta(case, dominant):
    full = json.loads((EXAMPLES / CASES[case][0]).read_text())
    tele = report.contributions(full)   # the telescope block is below δ_L: its terms err_sup_i Π_{j>i} ω_j
    assert sum(p.total for p in tele) == telescoped(full) <= Fraction(full["claim"]["bound"])
    assert all(p.bias == p.rounding == 0 for p in tele)
    cert = {key: value for key, value in full.items() if key != "telescope"}   # the recursion's split
    parts = report.contributions(cert)
    rows = [{k: Fraction(v) for k, v in row.items() if k != "norm"} for row in cert["layers"]]
    assert sum(p.total for p in parts) == rows[-1]["delta"]                     # exactly the stored δ_L
    # gadget + bias alone: the recurrence run forward from the stored ρ (no rounding), exactly
    delta, rho = Fraction(0), Fraction(cert["claim"]["domain"]["reach"])
    for row in rows:
        delta = row["eta"] * rho + row["beta"] + row["omega"] * delta
        rho = row["rho"]
    assert sum(p.gadget + p.bias for p in parts) == delta
    assert all(p.rounding >= 0 for p in parts)
    r = report.load(EXAMPLES / CASES[case][0])
    assert r.telescoped == Fraction(full["telescope"]["bound"]) < r.delta and r.total == r.telescoped
    assert r.dominant.layer == max(tele, key=lambda p: float(p.total)).layer
    assert dominant == max(parts, key=lambda p: float(p.total)).layer
    if case == "tiny-bias":   # layer 2's share is mostly its bias error
        assert parts[1].bias > parts[1].gadget and parts[0].bias > 0
    else:
        assert all(p.bias == 0 for p in parts)


def test_contributions_by_hand():
    """Three layers, stored exactly (no rounding): contributions 1.2, 4.6 and 0.0745, layer 2 dominant."""
    eta, omega, beta, nu = ["0.1", "0.5", "0.01"], ["2", "3", "4"], ["0", "0.1", "0"], ["0", "0", "0"]
    rows, delta, rho = [], Fraction(0), Fraction(1)
    for e, w, b, n in zip(eta, omega, beta, nu, strict=True):
        e_, w_, b_ = Fraction(e), Fraction(w), Fraction(b)
        delta, rho = e_ * rho + b_ + w_ * delta, (w_ + e_) * rho + Fraction(n) + b_
        rows.append({"eta": e, "omega": w, "beta": b, "bias_norm": n, "delta": str(float(delta)),
                     "rho": str(float(rho)), "norm": "frobenius"})
    cert = {"claim": {"domain": {"kind": "ball", "radius": "1", "reach": "1"}}, "layers": rows}
    parts = report.contributions(cert)
    assert [p.total for p in parts] == [Fraction("1.2"), Fraction("4.6"), Fraction("0.0745")]
    assert [p.bias for p in parts] == [0, Fraction("0.4"), 0] and all(p.rounding == 0 for p in parts)
    assert sum(p.total for p in parts) == Fraction(rows[-1]["delta"]) == Fraction("5.8745")
    assert max(parts, key=lambda p: p.total).layer == 2


def test_figures_are_byte_identical_across_runs_and_processes(tmp_path, capsys):
    cert = tmp_path / "copy.cert.json"
    cert.write_bytes((EXAMPLES / "tiny-bias.cert.json").read_bytes())
    assert _run(capsys, str(cert))[0] == 0                                     # default: beside CERT
    first = [(tmp_path / f"copy-bound.{ext}").read_bytes() for ext in ("png", "pdf")]
    assert _run(capsys, str(cert), "--out", str(tmp_path / "again"))[0] == 0
    assert [(tmp_path / "again" / f"copy-bound.{ext}").read_bytes() for ext in ("png", "pdf")] == first
    env = {**os.environ, "PYTHONHASHSEED": "7"}
    subprocess.run([sys.executable, "-m", "verify", "report", str(cert), "--out", str(tmp_path / "proc"), "-o",
                    str(tmp_path / "r.md")], check=True, capture_output=True, env=env, timeout=300)
    assert [(tmp_path / "proc" / f"copy-bound.{ext}").read_bytes() for ext in ("png", "pdf")] == first
    assert b"CreationDate" not in first[1]


def test_report_does_not_import_torch():
    code = ("import sys; from verify import report; r = report.load(sys.argv[1], sys.argv[2]); report.summary(r); "
            "assert r.verdict[0] == 0; assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code, str(EXAMPLES / "tiny.cert.json"), str(EXAMPLES / "tiny.safetensors")],
                   check=True, timeout=120)


# --- bad inputs, check --summary ---------------------------------------------------------------------------------

def test_bad_inputs_exit_2_with_one_line(tmp_path, capsys):
    bad = {"missing": tmp_path / "nope.cert.json", "malformed": tmp_path / "m.json", "schema": tmp_path / "s.json",
           "duplicate": tmp_path / "d.json"}
    bad["malformed"].write_text('{"format": ')
    bad["schema"].write_text('{"format": "slt-verify-certificate/3"}')
    bad["duplicate"].write_text('{"a": 1, "a": 2}')
    for name, path in bad.items():
        code, out, err = _run(capsys, str(path), "--out", str(tmp_path / "figs"))
        assert code == 2, name
        assert out == "" and err.count("\n") == 1 and err.startswith("slt-verify: error: "), (name, err)
        assert "Traceback" not in err
    assert not (tmp_path / "figs").exists()                                     # refused before anything is written
    code, _, err = _run(capsys, str(EXAMPLES / "tiny.cert.json"), "-o", str(tmp_path / "no" / "r.md"))
    assert code == 2 and err.count("\n") == 1


def test_model_verdict_is_stated_and_sets_the_exit_code(tmp_path, capsys):
    cert = EXAMPLES / "tiny.cert.json"
    code, out, err = _run(capsys, str(cert), "--model", str(EXAMPLES / "tiny-bias.safetensors"), "--out",
                          str(tmp_path))
    assert code == 1 and "INVALID: [fact 2]" in out and "NOT established" in out and "INVALID" in err
    code, out, _ = _run(capsys, str(cert), "--model", str(tmp_path / "missing.pt"), "--out", str(tmp_path))
    assert code == 2 and "UNUSABLE: cannot read model file" in out


def test_check_summary_after_valid(capsys):
    cert, model = str(EXAMPLES / "tiny-bias.cert.json"), str(EXAMPLES / "tiny-bias.safetensors")
    assert main(["check", cert, "--model", model]) == 0
    assert capsys.readouterr().out.count("\n") == 1                              # one line without --summary
    assert main(["check", cert, "--model", model, "--summary"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("VALID: sup over the box [0, 1]^2")
    assert lines[2].startswith("For every input x in D = [0, 1]^2, ‖G̃(x) − F(x)‖₂ ≤ 0.00000797946455283 ≤ ε = 0.01")
    for label in ("target F", "domain D", "random G", "width factor k", "kept weights", "seed", "certified bound",
                  "attack", "tightness", "model SHA-256", "certificate SHA-256"):
        assert re.search(rf"^  {re.escape(label)}\s", out, flags=re.M), label
    assert "Layer 2 contributes most" in out and f"re-check: slt-verify check {cert} --model {model}" in out
    assert main(["check", str(EXAMPLES / "broken-eta-halved.cert.json"), "--model",
                 str(EXAMPLES / "tiny.safetensors"), "--summary"]) == 1
    assert capsys.readouterr().out.count("\n") == 1                              # no summary after INVALID


def test_a_telescoped_certificate_reports_t_and_a_recursion_one_reports_delta(tmp_path):
    """With a telescope block below δ_L the report names T (its terms and shares, and that it is below δ_L); the same
    certificate without the block reports δ_L's gadget and bias terms, as before."""
    full = json.loads((EXAMPLES / "tiny-bias.cert.json").read_text())
    plain = {key: value for key, value in full.items() if key != "telescope"}
    plain["claim"] = dict(full["claim"], bound=full["layers"][-1]["delta"])
    for name, cert in (("tele", full), ("plain", plain)):
        (tmp_path / f"{name}.json").write_text(json.dumps(cert))
    tele_md = report.render(report.load(tmp_path / "tele.json"), "md")
    plain_md = report.render(report.load(tmp_path / "plain.json"), "md")
    assert "share of T" in tele_md and "< δ\\_L = 9.297e-06" in tele_md and "(the telescope block" in tele_md
    assert "share of δ\\_L" in plain_md and "share of T" not in plain_md and "(= δ\\_L;" in plain_md
    tex = report.render(report.load(tmp_path / "tele.json"), "tex")
    assert r"error term $\mathrm{err}_i \prod_{j>i} \omega_j$" in tex


def test_markup_doctest():
    import doctest

    res = doctest.testmod(markup)
    assert res.attempted > 0 and res.failed == 0
