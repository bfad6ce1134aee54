"""Train the default demo target: a PyTorch-tutorial MLP with biases, Flatten and Dropout on scikit-learn's digits.

    python scripts/train_digits_bias.py       # writes verify/data/digits_bias_mlp.{pt,json}

The model is what a tutorial writes::

    nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1),
                  nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 10))

trained on ``load_digits`` images as (N, 1, 8, 8) float32 tensors with pixels / 16, so every input lies in the box
[0, 1]^64 (``verify.datasets.digits_pixels_split``: the same stratified 75/25 split as the bias-free target, so
their accuracies are comparable).  At inference (``model.eval()``) Dropout is the identity and Flatten turns the
image into the row-major vector x, so the model computes F(x) = W_3 σ(W_2 σ(W_1 x + b_1) + b_2) + b_3.

Training is deterministic on CPU: fixed torch seeds (initial weights, mini-batch order and dropout masks all come
from one seeded generator), one thread, ``torch.use_deterministic_algorithms(True)``; mini-batch AdamW with a cosine
learning-rate schedule, float32 as in a tutorial.  Decoupled weight decay (on the biases too) keeps the weights
and biases small: the spectral norms ω_i and bias norms enter the certified error (docs/composition.md).

The module is saved whole with ``torch.save(model.eval(), path)`` (CPU, float32, eval mode); it loads with
``torch.load(path, weights_only=True)`` once Sequential, Flatten, Linear, ReLU and Dropout are allow-listed
(``torch.serialization.safe_globals``), and with slt-verify's own closed-vocabulary reader.  The recorded
accuracies are those of the saved float32 weights evaluated in float64 (``verify.datasets.affine_mlp_forward``).
"""

from __future__ import annotations

import argparse
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

from train_digits import logit_report, sha256_file  # noqa: E402  (scripts/ is on sys.path when run as a script)

from verify.datasets import (  # noqa: E402
    EMBEDDED_BIAS_KEYS,
    EMBEDDED_BIAS_META_NAME,
    EMBEDDED_BIAS_MODEL_NAME,
    EMBEDDED_BIAS_MODULES,
    accuracy,
    affine_mlp_forward,
    digits_pixels_split,
)

LINEAR_INDICES = (1, 4, 6)  # nn.Sequential indices of the three Linear layers


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines the trained weights."""

    hidden1: int = 32
    hidden2: int = 16
    dropout: float = 0.1
    epochs: int = 100
    batch_size: int = 64
    lr: float = 0.003
    weight_decay: float = 0.3
    seed: int = 0
    test_fraction: float = 0.25
    split_seed: int = 0


def build_net(cfg: TrainConfig) -> nn.Sequential:
    """The tutorial MLP (float32): Flatten, Linear, ReLU, Dropout, Linear, ReLU, Linear."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(64, cfg.hidden1),
        nn.ReLU(),
        nn.Dropout(cfg.dropout),
        nn.Linear(cfg.hidden1, cfg.hidden2),
        nn.ReLU(),
        nn.Linear(cfg.hidden2, 10),
    )


def as_images(X: np.ndarray) -> torch.Tensor:
    """Rows of 64 pixels / 16 as a float32 (N, 1, 8, 8) tensor (exact: every value is k/16)."""
    return torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32).reshape(-1, 1, 8, 8))


def train(cfg: TrainConfig, X_train: np.ndarray, y_train: np.ndarray) -> tuple[nn.Sequential, float]:
    """Mini-batch AdamW on cross-entropy, cosine schedule over all steps; returns the model in eval mode on CPU
    and the mean training loss of the last epoch."""
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # fixed reduction order in the CPU matmuls
    torch.manual_seed(cfg.seed)  # initial weights and dropout masks
    gen = torch.Generator().manual_seed(cfg.seed)  # mini-batch order
    net = build_net(cfg)
    X = as_images(X_train)
    y = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
    n = len(y)
    per_epoch = (n + cfg.batch_size - 1) // cfg.batch_size
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs * per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    epoch_loss = float("nan")
    net.train()
    for _ in range(cfg.epochs):
        order = torch.randperm(n, generator=gen)
        total = 0.0
        for start in range(0, n, cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(X[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.item()) * len(idx)
        epoch_loss = total / n
    return net.cpu().float().eval(), epoch_loss


def layers_of(net: nn.Sequential) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The float32 weights and biases of the three Linear layers, as numpy arrays."""
    weights = [net[i].weight.detach().numpy().copy() for i in LINEAR_INDICES]
    biases = [net[i].bias.detach().numpy().copy() for i in LINEAR_INDICES]
    return weights, biases


def weight_report(weights: list[np.ndarray], biases: list[np.ndarray]) -> list[dict]:
    """Per layer: shape, max |w|, Frobenius and spectral norm of W, ‖b‖₂ and max |b| (float64; informative only)."""
    rows = []
    for i, W, b in zip(LINEAR_INDICES, weights, biases, strict=True):
        W64, b64 = W.astype(np.float64), b.astype(np.float64)
        rows.append(
            {
                "key": f"{i}.weight",
                "bias_key": f"{i}.bias",
                "shape": list(W.shape),
                "max_abs": float(np.max(np.abs(W64))),
                "frobenius_norm": float(np.linalg.norm(W64)),
                "spectral_norm": float(np.linalg.norm(W64, 2)),
                "bias_l2_norm": float(np.linalg.norm(b64)),
                "bias_max_abs": float(np.max(np.abs(b64))),
            }
        )
    return rows


def output_report(forward, X_test: np.ndarray, y_test: np.ndarray) -> dict:
    """Logit scale and top-1 minus top-2 margins of F on the test images (pixels / 16)."""
    return logit_report(forward(X_test), y_test)


def parse_args(argv: list[str]) -> tuple[TrainConfig, Path]:
    d = TrainConfig()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden1", type=int, default=d.hidden1, help="width of the first hidden layer")
    ap.add_argument("--hidden2", type=int, default=d.hidden2, help="width of the second hidden layer")
    ap.add_argument("--dropout", type=float, default=d.dropout, help="dropout probability after the first ReLU")
    ap.add_argument("--epochs", type=int, default=d.epochs, help="passes over the training set")
    ap.add_argument("--batch-size", type=int, default=d.batch_size, help="mini-batch size")
    ap.add_argument("--lr", type=float, default=d.lr, help="initial AdamW learning rate (cosine decay)")
    ap.add_argument("--weight-decay", type=float, default=d.weight_decay, help="decoupled weight decay")
    ap.add_argument("--seed", type=int, default=d.seed, help="torch seed: initial weights, batch order, dropout")
    ap.add_argument("--test-fraction", type=float, default=d.test_fraction, help="held-out share")
    ap.add_argument("--split-seed", type=int, default=d.split_seed, help="seed of the stratified split")
    ap.add_argument(
        "--out-dir", type=Path, default=REPO_ROOT / "verify" / "data", help="where to write the two files"
    )
    a = ap.parse_args(argv)
    if not 0.0 <= a.dropout < 1.0:
        ap.error("--dropout must lie in [0, 1)")
    if a.epochs < 1 or a.batch_size < 1:
        ap.error("--epochs and --batch-size must be positive")
    cfg = TrainConfig(
        hidden1=a.hidden1,
        hidden2=a.hidden2,
        dropout=a.dropout,
        epochs=a.epochs,
        batch_size=a.batch_size,
        lr=a.lr,
        weight_decay=a.weight_decay,
        seed=a.seed,
        test_fraction=a.test_fraction,
        split_seed=a.split_seed,
    )
    return cfg, a.out_dir


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, out_dir = parse_args(argv)
    import sklearn

    t0 = time.perf_counter()
    X_tr, y_tr, X_te, y_te = digits_pixels_split(cfg.test_fraction, cfg.split_seed)
    net, loss = train(cfg, X_tr, y_tr)
    seconds = time.perf_counter() - t0

    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / EMBEDDED_BIAS_MODEL_NAME
    torch.save(net.eval(), model_path)

    weights, biases = layers_of(net)
    forward = affine_mlp_forward(weights, biases)
    record = {
        "description": (
            "PyTorch-tutorial ReLU MLP with biases (Flatten, Dropout) on sklearn load_digits, pixels / 16 in [0,1]^64"
        ),
        "architecture": {
            "widths": [64, cfg.hidden1, cfg.hidden2, 10],
            "modules": list(EMBEDDED_BIAS_MODULES),
            "layers": (
                f"Flatten, Linear(64,{cfg.hidden1}), ReLU, Dropout({cfg.dropout}), "
                f"Linear({cfg.hidden1},{cfg.hidden2}), ReLU, Linear({cfg.hidden2},10)"
            ),
            "keys": list(EMBEDDED_BIAS_KEYS),
            "dtype": "float32",
            "input_shape": [1, 8, 8],
            "num_weights": int(sum(W.size for W in weights)),
            "num_biases": int(sum(b.size for b in biases)),
            "saved_as": "torch.save(model.eval(), path): a whole nn.Sequential, CPU, float32, eval mode",
        },
        "data": {
            "source": "sklearn.datasets.load_digits",
            "scaling": "pixels / 16, box [0,1]^64",
            "split": "verify.datasets.digits_pixels_split (stratified; same rows as verify.datasets.digits_split)",
            "test_fraction": cfg.test_fraction,
            "split_seed": cfg.split_seed,
            "n_train": int(len(y_tr)),
            "n_test": int(len(y_te)),
        },
        "training": {
            **asdict(cfg),
            "optimizer": "AdamW (decoupled weight decay on weights and biases), mini-batch, cosine lr schedule",
            "loss": "cross-entropy",
            "train_dtype": "float32",
            "deterministic": "torch.manual_seed(seed), seeded batch order, 1 thread, use_deterministic_algorithms",
            "final_epoch_train_loss": loss,
        },
        "accuracy": {
            "evaluation": "float32 weights, float64 numpy forward (Dropout = identity), argmax (ties to lowest index)",
            "train": accuracy(forward, X_tr, y_tr),
            "test": accuracy(forward, X_te, y_te),
        },
        "weights": weight_report(weights, biases),
        "outputs_on_test": output_report(forward, X_te, y_te),
        "command": shlex.join(["python", "scripts/train_digits_bias.py", *argv]),
        "versions": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "weights_file": EMBEDDED_BIAS_MODEL_NAME,
        "sha256": sha256_file(model_path),
    }
    (out_dir / EMBEDDED_BIAS_META_NAME).write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"trained {record['architecture']['widths']} with biases in {seconds:.1f} s: "
        f"train acc {record['accuracy']['train']:.4f}, test acc {record['accuracy']['test']:.4f}; "
        f"wrote {model_path} and {EMBEDDED_BIAS_META_NAME}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
