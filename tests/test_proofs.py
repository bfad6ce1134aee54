"""Tests for verify/proofs/: the z3 lemmas, their false variants, the exported SMT-LIB files and `slt-verify prove`."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import z3

from verify import proofs
from verify.cli import build_parser, main

PROOFS_DIR = Path(__file__).resolve().parents[1] / "proofs"


@pytest.fixture(scope="module")
def results() -> dict[str, proofs.LemmaResult]:
    return {name: proofs.prove(lem) for name, lem in proofs.LEMMAS.items()}


def test_registry_pairs_every_lemma_with_a_false_variant() -> None:
    true = [lem for lem in proofs.LEMMAS.values() if lem.variant_of is None]
    false = [lem for lem in proofs.LEMMAS.values() if lem.variant_of is not None]
    assert len(true) == len(false) >= 30
    assert all(lem.expected == "unsat" for lem in true)
    assert all(lem.expected == "sat" for lem in false)
    assert {lem.variant_of for lem in false} == {lem.name for lem in true}
    # the families the certificate relies on are all there, at the sizes promised
    names = set(proofs.LEMMAS)
    for required in ("relu_pos_scale", "relu_neg_scale", "pair_gadget", "opnorm_psd_2x2", "composition_delta",
                     "composition_step_1d", *(f"subset_sum_gadget_{n}" for n in range(1, 5)),
                     *(f"single_neuron_{d}" for d in range(1, 4)), *(f"energy_identity_{n}" for n in range(1, 4))):
        assert required in names


AFFINE_LEMMAS = ("constant_neuron", "gadget_neuron_bias", "bias_gadget_1_1", "bias_gadget_2_2", "bias_gadget_3_3",
                 "rescaled_affine_frame", "box_reach_2", "box_reach_3", "nonneg_box_2x2", "affine_delta",
                 "affine_rho", "affine_step_delta_1d", "affine_step_rho_1d")


def test_affine_lemmas_are_registered_and_cite_their_sources() -> None:
    """The lemmas of docs/affine.md (biases and domains, certificate format 3): each true lemma and its false variant
    are registered, right before the convolution lemmas, and each statement names the section it proves and the fact
    it supports."""
    names = list(proofs.LEMMAS)
    affine = [n for lem in AFFINE_LEMMAS for n in (lem, f"{lem}.false")]
    after = 2 * len(CONV_LEMMAS) + 2 * len(REACH_LEMMAS)
    assert names[-after - len(affine):-after] == affine
    for name in affine:
        lem = proofs.LEMMAS[name]
        assert lem.expected == ("sat" if name.endswith(".false") else "unsat"), name
        if lem.variant_of is None:
            assert re.search(r"docs/affine\.md §\d", lem.statement), name
            assert re.search(r"certs/FORMAT\.md fact \d", lem.statement), name
            doc = " ".join(lem.build.func.__doc__.split())
            assert "docs/affine.md §" in doc and "certs/FORMAT.md fact" in doc, name
    assert len(names) == 124   # 70 before the affine lemmas, 26 affine, 14 conv, 14 reach; update with the registry


CONV_LEMMAS = ("conv_gadget_1d_c1_k3", "conv_gadget_1d_c2_k2", "conv_multiplicity_n4k3s1p1",
               "conv_multiplicity_n4k3s2p1", "conv_multiplicity_n3k3s2p1_n2k3s1p1", "conv_border_bias_1d",
               "conv_border_bias_2d")


def test_conv_lemmas_are_registered_last_and_cite_their_sources() -> None:
    """The lemmas of docs/conv.md §3–§5 (convolutions, certificate format 4), in the families that docs/conv.md §8
    names: each true lemma and its false variant are registered, right before the reach-box lemmas, and each
    statement names the section it proves and the fact it supports."""
    names = list(proofs.LEMMAS)
    conv = [n for lem in CONV_LEMMAS for n in (lem, f"{lem}.false")]
    reach = 2 * len(REACH_LEMMAS)
    assert names[-reach - len(conv):-reach] == conv
    for family in ("conv_gadget_", "conv_multiplicity_", "conv_border_bias_"):
        assert any(n.startswith(family) for n in CONV_LEMMAS), family
    for name in conv:
        lem = proofs.LEMMAS[name]
        assert lem.expected == ("sat" if name.endswith(".false") else "unsat"), name
        if lem.variant_of is None:
            assert re.search(r"docs/conv\.md §[345]", lem.statement), name
            assert re.search(r"certs/FORMAT\.md fact \d", lem.statement), name
            doc = " ".join(lem.build.func.__doc__.split())
            assert "docs/conv.md §" in doc and "certs/FORMAT.md fact" in doc, name


REACH_LEMMAS = ("ibp_row_2", "ibp_row_3", "relu_box", "row_error_corners_2", "row_error_corners_3", "telescope_3",
                "telescope_step_2")


def test_reach_lemmas_are_registered_last_and_cite_their_sources() -> None:
    """The lemmas of the telescoped reach-box composition (docs/tighter.md §2–§5): each true lemma and its false
    variant are registered, last in the registry, and each statement and builder names the section it proves."""
    names = list(proofs.LEMMAS)
    reach = [n for lem in REACH_LEMMAS for n in (lem, f"{lem}.false")]
    assert names[-len(reach):] == reach
    for name in reach:
        lem = proofs.LEMMAS[name]
        assert lem.expected == ("sat" if name.endswith(".false") else "unsat"), name
        if lem.variant_of is None:
            assert re.search(r"docs/tighter\.md §[2-5]", lem.statement), name
            doc = " ".join(lem.build.func.__doc__.split())
            assert re.search(r"docs/tighter\.md §[2-5]", doc), name


def test_conv_multiplicity_lemmas_state_the_checkers_multiplicity() -> None:
    """Each multiplicity lemma proves its bound for the M that verify/kernel/conv.py's ``multiplicity`` computes for
    that instance (the product over dimensions), and its false variant uses M − 1."""
    from verify.kernel.conv import multiplicity, out_size

    for name in CONV_LEMMAS:
        if not name.startswith("conv_multiplicity_"):
            continue
        lem = proofs.LEMMAS[name]
        dims, mult = lem.build.keywords["dims"], lem.build.keywords["mult"]
        want = 1
        for n, k, s, p in dims:
            want *= multiplicity(n, k, s, p, out_size(n, k, s, p))
        assert mult == want, name
        assert f"M = {want}." in lem.statement and f"≤ {want}·‖x‖²" in lem.statement, name
        assert proofs.LEMMAS[f"{name}.false"].build.keywords["mult"] == want, name
        assert f"≤ {want - 1}·‖x‖²" in proofs.LEMMAS[f"{name}.false"].statement, name


@pytest.mark.parametrize("name", AFFINE_LEMMAS + CONV_LEMMAS + REACH_LEMMAS)
def test_affine_conv_and_reach_lemmas_proved_and_false_variants_refuted(name: str,
                                                                        results: dict[str, proofs.LemmaResult]) -> None:
    proved, refuted = results[name], results[f"{name}.false"]
    assert proved.result == "unsat" and proved.ok and proved.model is None, name
    assert refuted.result == "sat" and refuted.ok and refuted.model and refuted.model_checked, name


def test_true_lemmas_proved_and_false_variants_refuted(results: dict[str, proofs.LemmaResult]) -> None:
    for name, res in results.items():
        lem = proofs.LEMMAS[name]
        assert res.result == lem.expected, name
        assert res.ok, name
        if lem.expected == "sat":
            assert res.model and res.model_checked, name
        else:
            assert res.model is None


def test_counterexamples_falsify_the_false_statements(results: dict[str, proofs.LemmaResult]) -> None:
    """Substitute each rational counterexample into its false variant: the hypotheses hold and the
    conclusion fails (checked by z3's simplifier on closed terms, independently of the solver)."""
    checked = 0
    for name, res in results.items():
        lem = proofs.LEMMAS[name]
        if lem.variant_of is None or any(v.startswith("(root-obj") for v in res.model.values()):
            continue
        ctx = z3.Context()
        hyps, concl = lem.build(ctx)
        subst = [(z3.Real(k, ctx), z3.RealVal(v, ctx)) for k, v in res.model.items()]
        assert z3.is_false(z3.simplify(z3.substitute(concl, *subst))), name
        assert all(z3.is_true(z3.simplify(z3.substitute(h, *subst))) for h in hyps), name
        checked += 1
    assert checked >= 35


def test_run_all_table_and_json() -> None:
    out = io.StringIO()
    assert proofs.run_all(stream=out, names=["pair_gadget", "pair_gadget.false"]) == 0
    text = out.getvalue()
    assert "pair_gadget.false" in text and "counterexample:" in text and "ALL AS EXPECTED: 2/2" in text
    out = io.StringIO()
    assert proofs.run_all(json_output=True, stream=out, names=["relu_neg_scale", "relu_neg_scale.false"]) == 0
    doc = json.loads(out.getvalue())
    assert doc["ok"] is True
    assert [r["result"] for r in doc["lemmas"]] == ["unsat", "sat"]
    assert all(isinstance(r["ms"], float) for r in doc["lemmas"])
    with pytest.raises(ValueError, match="unknown lemma"):
        proofs.run_all(stream=io.StringIO(), names=["no_such_lemma"])


def test_harness_fails_when_a_lemma_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    """A false statement registered as a lemma, or a true one registered as a false variant, must make
    run_all exit non-zero."""
    wrong = proofs.Lemma("wrong", "a false variant claimed as a lemma", proofs.PROVED,
                         proofs.LEMMAS["pair_gadget.false"].build)
    assert not proofs.prove(wrong).ok
    monkeypatch.setitem(proofs.LEMMAS, "wrong", wrong)
    out = io.StringIO()
    assert proofs.run_all(stream=out, names=["relu_pos_scale", "wrong"]) == 1
    assert "NOT AS EXPECTED" in out.getvalue() and "FAILED" in out.getvalue()
    backwards = proofs.Lemma("backwards", "a true lemma claimed false", proofs.REFUTED,
                             proofs.LEMMAS["energy_identity_2"].build)
    res = proofs.prove(backwards)
    assert res.result == "unsat" and not res.ok


def test_committed_smt2_files_match_the_code() -> None:
    """proofs/ is generated; regenerate with `slt-verify prove --write proofs` after a change."""
    on_disk = {p.name for p in PROOFS_DIR.glob("*.smt2")}
    assert on_disk == {f"{name}.smt2" for name in proofs.LEMMAS}
    for name, lem in proofs.LEMMAS.items():
        assert (PROOFS_DIR / f"{name}.smt2").read_text(encoding="utf-8") == proofs.smt2_text(lem), name
    assert (PROOFS_DIR / "README.md").read_text(encoding="utf-8") == proofs.index_text()


def test_smt2_files_reparse_with_the_same_answers() -> None:
    for name, lem in proofs.LEMMAS.items():
        path = PROOFS_DIR / f"{name}.smt2"
        text = path.read_text(encoding="utf-8")
        assert f"(set-info :status {lem.expected})" in text and lem.statement.split()[0] in text
        ctx = z3.Context()
        fs = list(z3.parse_smt2_file(str(path), ctx=ctx))
        res, model, checked = proofs.check_assertions(fs)
        assert res == lem.expected, name
        assert checked is (True if lem.expected == "sat" else None), name


def test_write_smt2_regenerates_identical_files(tmp_path: Path) -> None:
    written = proofs.write_smt2(tmp_path)
    assert len(written) == len(proofs.LEMMAS) + 1
    for path in written:
        assert path.read_bytes() == (PROOFS_DIR / path.name).read_bytes()


def test_smt2_is_deterministic_and_standard() -> None:
    lem = proofs.LEMMAS["subset_sum_gadget_3"]
    assert proofs.smt2_text(lem) == proofs.smt2_text(lem)
    one_term_sum = re.compile(r"\(\+ [^()\s]+\)")  # "(+ x)" is not SMT-LIB 2; cvc5 rejects it
    for lem in proofs.LEMMAS.values():
        text = proofs.smt2_text(lem)
        assert "(set-logic QF_NRA)" in text
        assert not one_term_sum.search(text), lem.name


@pytest.mark.skipif(not proofs.cvc5_available(), reason="optional cvc5 package not installed")
def test_cvc5_agrees_on_fast_lemmas() -> None:
    names = ["relu_pos_scale", "relu_neg_scale.false", "pair_gadget", "pair_gadget.false", "subset_sum_gadget_3",
             "single_neuron_3", "single_neuron_3.false", "energy_identity_4", "relu_lipschitz_2.false",
             "composition_delta", "composition_delta.false", "constant_neuron.false", "bias_gadget_2_2",
             "bias_gadget_2_2.false", "box_reach_2", "affine_delta", "affine_delta.false"]
    for name in names:
        lem = proofs.LEMMAS[name]
        assert proofs.cvc5_check(proofs.smt2_text(lem), timeout_s=30) == lem.expected, name


def test_prove_command_runs_the_lemmas_named(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "pair_gadget", "pair_gadget.false", "--timeout", "30"]) == 0
    out = capsys.readouterr().out
    assert "ALL AS EXPECTED: 2/2 queries" in out and "counterexample:" in out
    assert main(["prove", "--json", "relu_neg_scale.false", "relu_neg_scale"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and [r["name"] for r in doc["lemmas"]] == ["relu_neg_scale.false", "relu_neg_scale"]


def test_prove_command_lists_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(proofs.LEMMAS)
    assert main(["prove", "--list", "--json", "pair_gadget.false"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["variant_of"] == "pair_gadget"
    assert main(["prove", "--write", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == len(proofs.LEMMAS) + 1
    for name in printed:
        assert Path(name).read_bytes() == (PROOFS_DIR / Path(name).name).read_bytes()


@pytest.mark.parametrize("args", [["no_such_lemma"], ["--write", "x", "pair_gadget"], ["--timeout", "0"],
                                  ["--cvc5-timeout", "nan", "pair_gadget"]])
def test_prove_command_refuses_bad_input(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("slt-verify: error:") and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:   # --list and --write exclude each other
        main(["prove", "--list", "--write", "x"])
    assert exit_info.value.code == 2


@pytest.mark.skipif(proofs.cvc5_available(), reason="cvc5 is installed")
def test_prove_command_without_cvc5_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "--cvc5", "pair_gadget"]) == 2
    assert "pip install cvc5" in capsys.readouterr().err


def test_prove_help_states_the_library_defaults() -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command").choices["prove"]
    helps = {a.dest: a.help for a in sub._actions}
    assert helps["timeout"].endswith(f"(default {proofs.TIMEOUT_MS // 1000})")
    assert helps["cvc5_timeout"].endswith(f"(default {proofs.CVC5_TIMEOUT_S:g})")

