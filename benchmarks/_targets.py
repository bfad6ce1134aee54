"""Benchmark targets: the embedded digits MLP and seeded random MLPs with PyTorch's default init scale."""

from __future__ import annotations

import numpy as np

from verify.engine.model import Target, load_target, target_from_weights
from verify.engine.runtime import set_threads

set_threads(None)  # the same thread policy as the CLI (1 thread on machines with at most 2 cores)


def random_mlp(widths: list[int], seed: int = 0) -> Target:
    """Bias-free MLP with U[-1/sqrt(fan_in), 1/sqrt(fan_in)] weights (torch.nn.Linear's default scale)."""
    rs = np.random.RandomState(seed)
    return target_from_weights([rs.uniform(-1, 1, (b, a)).astype(np.float32).astype(np.float64) / np.sqrt(a)
                                for a, b in zip(widths[:-1], widths[1:], strict=True)])


def saved(target: Target, path) -> Target:
    """Write ``target`` as float32 safetensors at ``path`` and load it back (hash, format and keys set)."""
    import torch
    from safetensors.torch import save_file

    save_file({k: torch.from_numpy(w).float().contiguous() for k, w in zip(target.keys, target.weights, strict=True)},
              str(path))
    return load_target(path)


def digits() -> Target:
    from verify.datasets import embedded_model_path

    return load_target(embedded_model_path())


def table(header: list[str], rows: list[list[object]]) -> str:
    cells = [header] + [[str(c) for c in r] for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (x + 2) for x in w) + "|"] + [line(r) for r in cells[1:]])
