"""README figures that can drift are recomputed here (issue 18); the benchmark tables come from their scripts.

Each test parses the README's own sentence, so an edit of the text or a change of the code that moves a figure
fails here.  A figure written with n significant digits must equal the recomputed value rounded to n digits.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
from independent import pruned_from_raw, read, target_from_safetensors

from verify.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = ROOT / "certs" / "examples"


def find(pattern: str) -> re.Match:
    """The README sentence matching ``pattern`` (whitespace in it matches any run of spaces and line breaks)."""
    m = re.search(pattern.replace(" ", r"\s+"), README)
    assert m, f"README no longer says: {pattern}"
    return m


def as_written(text: str, value: float) -> bool:
    """``value`` rounded to the significant digits of ``text`` (e.g. '1.38', '0.0046', '283,360') is ``text``."""
    digits = text.replace(",", "")
    sig = len(digits.replace(".", "").lstrip("0")) or 1
    return float(f"{value:.{sig}g}") == float(digits)


def test_as_written():
    assert as_written("1.38", 1.3808) and as_written("0.0046", 0.004577) and as_written("283,360", 283360)
    assert not as_written("0.0108", 0.010749) and not as_written("1.16", 1.3808)


def test_tiny_example_tightness_and_the_gain_of_the_neighbour_assignment():
    """'the certified bound fell X×, to Y× the exact sup': Y from the exact sup of the committed example (G̃ rebuilt
    from the raw mask bits, verify/exact/), X = bound of the plain layout (no reassignment, same method, k, seed
    and rescaling) over the example's bound."""
    from verify.certify import bound_of
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.exact import exact_check
    from verify.options import Options

    m = find(r"the certified bound fell ([\d.]+)×, to ([\d.]+)× the exact sup")
    cert = read(EXAMPLES / "tiny.cert.json")
    model = EXAMPLES / "tiny.safetensors"
    bound = Fraction(cert["claim"]["bound"])
    exact = exact_check(target_from_safetensors(model, cert), pruned_from_raw(cert), bound)
    assert exact.sound
    for sup in (exact.sup_lower, exact.sup_upper):      # the figure holds over the whole exact bracket
        assert as_written(m.group(2), float(bound / sup)), (m.group(2), float(bound / sup))
    net = cert["random_network"]
    plain = bound_of(build(load_target(model).weights, Options(method=cert["info"]["method"], seed=net["seed"],
                                                               device="cpu", rescale=cert["info"]["rescaling"],
                                                               reassign=False), k=net["width_factor"]))
    assert as_written(m.group(1), float(plain / bound)), (m.group(1), float(plain / bound))


def test_neighbour_assignment_tries_the_next_seven_coordinates():
    from verify.engine import gadgets

    n = int(find(r"serve the first of the next (\d+) coordinates").group(1))
    assert n == gadgets.REASSIGN_TRIES - 1          # its own coordinate, then the next ones
    assert find(r"\(j\+1, …, j\+(\d+), cyclically\)").group(1) == str(n)


def test_layout_table_lists_every_module():
    rows = re.findall(r"^\| (`[^|]+`) \|", README, flags=re.M)
    listed = {p for cell in rows for p in re.findall(r"`([^`]+)`", cell)}
    for path in sorted((ROOT / "verify").iterdir()):
        if path.name.startswith("__") or path.name.startswith("."):
            continue
        rel = f"verify/{path.name}" + ("/" if path.is_dir() else "")
        assert rel in listed, f"README's layout table omits {rel}"


def test_every_certify_option_is_documented():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    certify = sub.choices["certify"]
    for action in certify._actions:
        names = [s for s in action.option_strings if s not in ("-h", "--help")]
        if names:
            assert any(re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", README) for s in names), \
                f"README does not document certify {'/'.join(names)}"


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".safetensors"])
def test_save_pruned_formats_are_documented_and_work(small_model, tmp_path, suffix):
    sentence = find(r"`--save-pruned FILE` \(([^)]*)\)").group(1)
    assert f"`{suffix}`" in sentence
    out = tmp_path / f"g{suffix}"
    assert main(["certify", str(small_model["state_dict"]), "--eps", "100", "--width-factor", "2", "--no-empirical",
                 "-o", str(tmp_path / "c.json"), "--save-pruned", str(out)]) == 0
    assert out.stat().st_size > 0


def test_demo_figures(tmp_path, capsys):
    """The demo sentence of the README ('k = 23, G with 196,454 parameters, certified bound 0.0878 ≤ 0.1, attack
    0.0035, 96.67 % held-out accuracy for both F and G̃') from a demo run at that k, and k − 1 not certified (what
    --width-factor auto guarantees for the k it returns).  The time in that sentence is not checked."""
    from verify.certify import bound_of
    from verify.datasets import EMBEDDED_BIAS_MODEL
    from verify.engine.construct import build
    from verify.engine.model import load_target
    from verify.options import Options

    m = find(r"k = (\d+), G with ([\d,]+) parameters, certified bound ([\d.]+) ≤ ([\d.]+), attack ([\d.]+), "
             r"([\d.]+) % held-out accuracy for both F and G̃")
    k, eps = m.group(1), m.group(4)
    assert build_parser().parse_args(["demo"]).eps.text == eps     # the sentence is about the default demo
    code = main(["demo", "--eps", eps, "--width-factor", k, "--device", "cpu", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "VALID: sup over the box [0, 1]^64" in out and "never trained" in out
    assert (tmp_path / "digits_bias_mlp.cert.json").exists() and (tmp_path / "digits_bias_mlp.pruned.pt").exists()
    assert re.search(rf"random G\s+depth 6, {m.group(2)} parameters", out), out
    assert as_written(m.group(3), float(re.search(r"certified bound\s+([\d.]+)", out).group(1)))
    assert as_written(m.group(5), float(re.search(r"largest error found\s+([\d.e+-]+)", out).group(1)))
    acc = re.search(r"target F ([\d.]+)%, pruned random network G~ ([\d.]+)%", out)
    assert acc and acc.group(1) == acc.group(2) == m.group(6), out
    target = load_target(EMBEDDED_BIAS_MODEL)
    below = bound_of(build(target.weights, Options(method="subset-sum", seed=0, device="cpu", domain="box:0,1"),
                           k=int(k) - 1, biases=target.biases))
    assert below > Fraction(eps)
