"""Train the embedded demo target: a bias-free ReLU MLP 64-h1-h2-10 on scikit-learn's digits.

    python scripts/train_digits.py            # writes verify/data/digits_mlp.{safetensors,json}

The target is F(x) = W_3 σ(W_2 σ(W_1 x)) (docs/overview.md §1) on ``verify.datasets.digits_split`` (rows on the
unit sphere, stratified 75/25 split).  Training is deterministic on CPU: fixed torch seed, full-batch
AdamW in float64 on one thread, ``torch.use_deterministic_algorithms(True)``.

Every weight is kept in the box |w| ≤ ``--weight-bound`` (projected gradient: clamp after each step).
This keeps each target weight well inside (−1, 1), the range the random products u·v with u, v ~ U[−1, 1]
of the pair gadget can reach (Malach et al. 2020, Thm 2.1 assumes weights in [−1, 1]); the subset-sum
gadget (Pensia et al. 2020) makes the same assumption.  Mild decoupled weight decay keeps the
rest of the weights moderate.  The spectral norms ω_i enter the certified error through docs/composition.md §1
(δ_i = η_i ρ_{i−1} + ω_i δ_{i−1}), so the JSON record lists them together with the logit scale and the
top-1/top-2 margins on the test set (ε is absolute on the output; a certified ‖G̃(x) − F(x)‖₂ ≤ ε
preserves the top-1 class wherever the margin exceeds √2·ε).

The weights are saved as float32 with the ``nn.Sequential`` keys ``0.weight``, ``2.weight``,
``4.weight``; the recorded accuracies are those of the saved float32 weights evaluated in float64.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(REPO_ROOT))

from verify.datasets import (  # noqa: E402
    EMBEDDED_KEYS,
    EMBEDDED_META,
    EMBEDDED_MODEL,
    accuracy,
    digits_split,
    mlp_forward,
)

MARGIN_PERCENTILES = (1, 5, 10, 25, 50)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained weights."""

    hidden1: int = 32
    hidden2: int = 16
    steps: int = 2000
    lr: float = 0.01
    weight_decay: float = 0.1
    weight_bound: float = 0.5
    seed: int = 0
    test_fraction: float = 0.25
    split_seed: int = 0


def build_net(cfg: TrainConfig) -> nn.Sequential:
    """``nn.Sequential(Linear(64,h1), ReLU, Linear(h1,h2), ReLU, Linear(h2,10))``, no biases, float64."""
    return nn.Sequential(
        nn.Linear(64, cfg.hidden1, bias=False),
        nn.ReLU(),
        nn.Linear(cfg.hidden1, cfg.hidden2, bias=False),
        nn.ReLU(),
        nn.Linear(cfg.hidden2, 10, bias=False),
    ).double()


def train(cfg: TrainConfig, X_train: np.ndarray, y_train: np.ndarray) -> tuple[list[np.ndarray], float]:
    """Full-batch AdamW on cross-entropy with a cosine learning-rate schedule, projected onto the box.

    Returns the float32 weight matrices (PyTorch ``(out, in)`` shapes) and the final training loss.
    """
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # fixed reduction order in the CPU matmuls
    torch.manual_seed(cfg.seed)
    net = build_net(cfg)
    with torch.no_grad():
        for p in net.parameters():
            p.clamp_(-cfg.weight_bound, cfg.weight_bound)
    X = torch.from_numpy(X_train)
    y = torch.from_numpy(y_train)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.steps)
    loss = torch.tensor(float("nan"))
    for _ in range(cfg.steps):
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(net(X), y)
        loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            for p in net.parameters():
                p.clamp_(-cfg.weight_bound, cfg.weight_bound)
    # float32 rounding of a value in [-b, b] stays in [-b, b] when b is a float32 (0.5 is).
    weights = [net[i].weight.detach().numpy().astype(np.float32) for i in (0, 2, 4)]
    return weights, float(loss.item())


def weight_report(weights: list[np.ndarray], bound: float) -> list[dict]:
    """Per layer: shape, max |w|, Frobenius and spectral norm (float64 SVD; informative, not rigorous)."""
    rows = []
    for key, W in zip(EMBEDDED_KEYS, weights, strict=True):
        W64 = W.astype(np.float64)
        rows.append(
            {
                "key": key,
                "shape": list(W.shape),
                "max_abs": float(np.max(np.abs(W64))),
                "fraction_at_bound": float(np.mean(np.abs(W64) >= np.float32(bound))),
                "frobenius_norm": float(np.linalg.norm(W64)),
                "spectral_norm": float(np.linalg.norm(W64, 2)),
            }
        )
    return rows


def output_report(weights: list[np.ndarray], X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Logit scale and top-1 minus top-2 margins of F on the test rows (‖x‖₂ = 1)."""
    return logit_report(mlp_forward(weights)(X_test), y_test)


def logit_report(out: np.ndarray, y_test: np.ndarray) -> dict:
    """Logit scale and top-1 minus top-2 margins of outputs ``out`` on test labels ``y_test`` (shared with
    scripts/train_digits_bias.py)."""
    top2 = -np.sort(-out, axis=1)[:, :2]
    margin = top2[:, 0] - top2[:, 1]
    correct = np.argmax(out, axis=1) == y_test
    return {
        "max_output_l2_norm": float(np.max(np.linalg.norm(out, axis=1))),
        "max_abs_logit": float(np.max(np.abs(out))),
        "margin_top1_top2_percentiles": {
            f"p{q}": float(np.percentile(margin, q)) for q in MARGIN_PERCENTILES
        },
        "margin_top1_top2_min": float(np.min(margin)),
        "margin_top1_top2_percentiles_correct_only": {
            f"p{q}": float(np.percentile(margin[correct], q)) for q in MARGIN_PERCENTILES
        },
        "note": "top-1 is unchanged wherever margin > sqrt(2) * eps for a certified ||G~(x) - F(x)||_2 <= eps",
    }


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def parse_args(argv: list[str]) -> tuple[TrainConfig, Path]:
    d = TrainConfig()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden1", type=int, default=d.hidden1, help="width of the first hidden layer")
    ap.add_argument("--hidden2", type=int, default=d.hidden2, help="width of the second hidden layer")
    ap.add_argument("--steps", type=int, default=d.steps, help="full-batch optimisation steps")
    ap.add_argument("--lr", type=float, default=d.lr, help="initial AdamW learning rate (cosine decay)")
    ap.add_argument("--weight-decay", type=float, default=d.weight_decay, help="decoupled weight decay")
    ap.add_argument("--weight-bound", type=float, default=d.weight_bound, help="box |w| <= bound (< 1)")
    ap.add_argument("--seed", type=int, default=d.seed, help="torch seed for the initial weights")
    ap.add_argument("--test-fraction", type=float, default=d.test_fraction, help="held-out share")
    ap.add_argument("--split-seed", type=int, default=d.split_seed, help="seed of the stratified split")
    ap.add_argument(
        "--out-dir", type=Path, default=REPO_ROOT / "verify" / "data", help="where to write the two files"
    )
    a = ap.parse_args(argv)
    if not 0.0 < a.weight_bound < 1.0 or float(np.float32(a.weight_bound)) != a.weight_bound:
        ap.error("--weight-bound must be a float32 number in (0, 1)")
    cfg = TrainConfig(
        hidden1=a.hidden1,
        hidden2=a.hidden2,
        steps=a.steps,
        lr=a.lr,
        weight_decay=a.weight_decay,
        weight_bound=a.weight_bound,
        seed=a.seed,
        test_fraction=a.test_fraction,
        split_seed=a.split_seed,
    )
    return cfg, a.out_dir


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, out_dir = parse_args(argv)
    import sklearn
    from safetensors.torch import save_file

    t0 = time.perf_counter()
    X_tr, y_tr, X_te, y_te = digits_split(cfg.test_fraction, cfg.split_seed)
    weights, loss = train(cfg, X_tr, y_tr)
    seconds = time.perf_counter() - t0

    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / EMBEDDED_MODEL
    tensors = {
        k: torch.from_numpy(np.ascontiguousarray(W)) for k, W in zip(EMBEDDED_KEYS, weights, strict=True)
    }
    save_file(tensors, str(model_path), metadata={"format": "pt"})

    forward = mlp_forward(weights)
    record = {
        "description": "bias-free ReLU MLP on sklearn load_digits, rows scaled to unit l2 norm",
        "architecture": {
            "widths": [64, cfg.hidden1, cfg.hidden2, 10],
            "layers": "Linear(bias=False), ReLU, Linear(bias=False), ReLU, Linear(bias=False)",
            "keys": list(EMBEDDED_KEYS),
            "dtype": "float32",
            "num_weights": int(sum(W.size for W in weights)),
        },
        "data": {
            "source": "sklearn.datasets.load_digits",
            "split": "verify.datasets.digits_split (stratified)",
            "test_fraction": cfg.test_fraction,
            "split_seed": cfg.split_seed,
            "n_train": int(len(y_tr)),
            "n_test": int(len(y_te)),
        },
        "training": {
            **asdict(cfg),
            "optimizer": "AdamW, full batch, cosine lr schedule, clamp to [-bound, bound] after each step",
            "loss": "cross-entropy",
            "train_dtype": "float64",
            "final_train_loss": loss,
        },
        "accuracy": {
            "evaluation": "float32 weights, float64 numpy forward, argmax (ties to lowest index)",
            "train": accuracy(forward, X_tr, y_tr),
            "test": accuracy(forward, X_te, y_te),
        },
        "weights": weight_report(weights, cfg.weight_bound),
        "outputs_on_test": output_report(weights, X_te, y_te),
        "command": shlex.join(["python", "scripts/train_digits.py", *argv]),
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "weights_file": EMBEDDED_MODEL,
        "sha256": sha256_file(model_path),
    }
    (out_dir / EMBEDDED_META).write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"trained {record['architecture']['widths']} in {seconds:.1f} s: "
        f"train acc {record['accuracy']['train']:.4f}, test acc {record['accuracy']['test']:.4f}; "
        f"wrote {model_path} and {EMBEDDED_META}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
