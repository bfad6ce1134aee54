"""Regenerate certs/examples/: a tiny target, its certificate, and deliberately broken variants.

    python scripts/make_cert_examples.py

Each broken certificate changes one thing and names it in its file name; `slt-verify check` must reject all of them
(tests/test_cert_examples.py)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from verify.certify import certify  # noqa: E402
from verify.commands import write_json  # noqa: E402
from verify.engine.construct import build  # noqa: E402
from verify.engine.model import load_target  # noqa: E402
from verify.kernel import io  # noqa: E402
from verify.options import Eps, Options  # noqa: E402

OUT = ROOT / "certs" / "examples"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(2020)
    weights = {"0.weight": (torch.rand(3, 2, generator=gen) - 0.5), "2.weight": (torch.rand(2, 3, generator=gen) - 0.5)}
    model = OUT / "tiny.safetensors"
    save_file(weights, str(model))
    target = load_target(model)
    res = certify(target, Eps.parse("0.01"), build(target.weights, Options(method="subset-sum", seed=7, device="cpu"),
                                                   k=28), semantics="exact+float32")
    cert = res.cert
    write_json(OUT / "tiny.cert.json", cert)

    def broken(name: str, edit) -> None:
        c = copy.deepcopy(cert)
        edit(c)
        write_json(OUT / f"broken-{name}.cert.json", c)

    lower = io.decimal_up(io.parse_decimal(cert["layers"][0]["eta"]) / 2, 12)
    broken("eta-halved", lambda c: c["layers"][0].update(eta=lower))
    broken("bound-below-delta", lambda c: c["claim"].update(bound=io.decimal_up(res.bound / 2, 12)))
    broken("seed-changed", lambda c: c["random_network"].update(seed=8))
    broken("model-hash", lambda c: c["model"].update(sha256="0" * 64))
    m = cert["mask"][1]
    rows, cols = m["shape"]
    bits = [r * cols + col for r, col in io.decode_mask(m["data"], rows, cols)]
    broken("mask-edge-dropped", lambda c: c["mask"][1].update(data=io.encode_mask(rows, cols, bits[1:]),
                                                             kept=len(bits) - 1))
    broken("verdict-flipped", lambda c: c.update(verdict="not-certified"))
    error = io.parse_decimal(cert["claim"]["float32"]["layers"][1]["error"])   # docs/float32.md §5
    broken("float32-error-halved", lambda c: c["claim"]["float32"]["layers"][1].update(
        error=io.decimal_up(error / 2, 12)))
    cnn_example(gen, bias_example(gen))
    print(f"wrote {OUT}: bound {cert['claim']['bound']}, {len(list(OUT.glob('broken-*')))} broken variants")


def bias_example(gen: torch.Generator) -> dict:
    """A 2-3-2 target with biases over the box [0, 1]^2 (format 3's new fields), and broken variants of them; returns
    its telescope block."""
    weights = {"0.weight": torch.rand(3, 2, generator=gen) - 0.5, "0.bias": torch.rand(3, generator=gen) - 0.5,
               "2.weight": torch.rand(2, 3, generator=gen) - 0.5, "2.bias": torch.rand(2, generator=gen) - 0.5}
    model = OUT / "tiny-bias.safetensors"
    save_file(weights, str(model))
    target = load_target(model)
    options = Options(method="subset-sum", seed=7, device="cpu", domain="box:0,1")
    res = certify(target, Eps.parse("0.01"), build(target.weights, options, k=28, biases=target.biases),
                  semantics="float32-both")
    cert = res.cert
    write_json(OUT / "tiny-bias.cert.json", cert)

    def broken(name: str, edit) -> None:
        c = copy.deepcopy(cert)
        edit(c)
        write_json(OUT / f"broken-bias-{name}.cert.json", c)

    beta = io.parse_decimal(cert["layers"][1]["beta"])
    broken("beta-halved", lambda c: c["layers"][1].update(beta=io.decimal_up(beta / 2, 12)))
    broken("box-widened", lambda c: c["claim"]["domain"].update(lo=["-1", "0"]))
    broken("reach-lowered", lambda c: c["claim"]["domain"].update(reach="1.4142"))
    broken("bias-key-dropped", lambda c: c["model"]["layers"][1].update(bias_key=None))
    m = cert["mask"][0]
    rows = m["shape"][0]
    kept = [r for r, _ in io.decode_mask(m["bias_data"], rows, 1)]
    broken("constant-dropped", lambda c: c["mask"][0].update(bias_data=io.encode_mask(rows, 1, kept[1:]),
                                                            bias_kept=len(kept) - 1))
    q = io.parse_decimal(cert["claim"]["float32"]["target_layers"][0]["q"])   # F run in float32: ‖|W_1|‖ (§6)
    broken("float32-target-q-halved", lambda c: c["claim"]["float32"]["target_layers"][0].update(
        q=io.decimal_up(q / 2, 12)))
    # the telescope block (fact 9, docs/tighter.md §5): layer 1's error over the reach box, and the sum, understated
    sup = io.parse_decimal(cert["telescope"]["err_sup"][0])
    broken("telescope-err-sup-halved", lambda c: c["telescope"]["err_sup"].__setitem__(0, io.decimal_up(sup / 2, 12)))
    tele = io.parse_decimal(cert["telescope"]["bound"])
    broken("telescope-bound-lowered", lambda c: c["telescope"].update(bound=io.decimal_up(tele * 9 / 10, 12)))
    return cert["telescope"]


def cnn_example(gen: torch.Generator, telescope: dict) -> None:
    """A tiny CNN (1×4×4 input, padding 1, stride 2, biases) over the box [0, 1]^16 (format 4's convolutions), and
    broken variants: a row read without its multiplicity √M, a stride changed, the border's bias error ignored, a
    telescope block (Linear layers only) added."""
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.Conv2d(2, 2, 3, stride=2, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(8, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.rand(p.shape, generator=gen) - 0.5)
    path = OUT / "tiny-cnn.pt"
    torch.save(model.eval(), path)
    target = load_target(path, input_shape=(1, 4, 4))
    options = Options(method="subset-sum", seed=7, device="cpu", domain="box:0,1")
    res = certify(target, Eps.parse("0.01"), build(target.weights, options, k=28, biases=target.biases,
                                                   layout=target.layout), semantics="exact+float32")
    cert = res.cert
    write_json(OUT / "tiny-cnn.cert.json", cert)

    def broken(name: str, edit) -> None:
        c = copy.deepcopy(cert)
        edit(c)
        write_json(OUT / f"broken-cnn-{name}.cert.json", c)

    # layer 1's row read as a kernel-matrix ("spectral") row: its eta, the unrolled operator's norm, is then below
    # √M·‖[E⁺ E⁻]‖₂ with M = 9
    broken("multiplicity-dropped", lambda c: c["layers"][0].update(norm="spectral"))
    broken("stride-changed", lambda c: c["model"]["layers"][1].update(stride=[1, 1]))
    beta = io.parse_decimal(cert["layers"][0]["beta"])
    broken("beta-one-position", lambda c: c["layers"][0].update(beta=io.decimal_up(beta / 4, 12)))   # 16 positions
    # the constants' absolute values counted at one output position, not at all 16 (docs/float32.md §4)
    kappa = io.parse_decimal(cert["claim"]["float32"]["layers"][0]["kappa"])
    broken("float32-kappa-one-position", lambda c: c["claim"]["float32"]["layers"][0].update(
        kappa=io.decimal_up(kappa / 4, 12)))
    broken("telescope-added", lambda c: c.update(telescope={**telescope, "err_sup": telescope["err_sup"] + ["0"]}))


if __name__ == "__main__":
    main()
