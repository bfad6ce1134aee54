"""Untrusted lower bound on sup_{‖x‖≤1} ‖G̃(x) − F(x)‖₂: sampling plus projected gradient ascent.

Both networks are bias-free ReLU nets, hence positively homogeneous of degree 1, so the error at t·x is t times the
error at x and the sup over the ball is attained on the unit sphere: we search the sphere only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__ = ["Empirical", "empirical_sup"]


@dataclass(frozen=True)
class Empirical:
    max_error: float
    argmax: list[float]
    points: int
    method: str


def _sphere(n: int, d: int, gen: torch.Generator, device) -> torch.Tensor:
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    return (x / x.norm(dim=1, keepdim=True).clamp_min(1e-300)).to(device)


def empirical_sup(f: Callable[[torch.Tensor], torch.Tensor], g: Callable[[torch.Tensor], torch.Tensor], d: int, *,
                  samples: int = 4096, restarts: int = 16, steps: int = 60, seed: int = 0,
                  device: str | torch.device = "cpu") -> Empirical:
    """Largest ‖g(x) − f(x)‖₂ found on the unit sphere: ``samples`` random points, then ``steps`` of projected
    gradient ascent from the ``restarts`` best ones (deterministic for a fixed seed and device)."""
    gen = torch.Generator().manual_seed(seed)

    def err(x: torch.Tensor) -> torch.Tensor:
        return (g(x) - f(x).to(x.device)).norm(dim=1)

    with torch.no_grad():
        x = _sphere(samples, d, gen, device)
        e = err(x)
    top = e.topk(min(restarts, samples)).indices
    x = x[top].clone().requires_grad_(True)
    best_e, best_x = float(e.max()), x.detach()[0].clone()
    lr = 0.2
    for _ in range(steps):
        ex = err(x)
        exd = ex.detach()
        if float(exd.max()) > best_e:
            i = int(exd.argmax())
            best_e, best_x = float(exd[i]), x.detach()[i].clone()
        (grad,) = torch.autograd.grad(ex.sum(), x)
        with torch.no_grad():
            step = grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-300)
            x_new = x + lr * step
            x_new = x_new / x_new.norm(dim=1, keepdim=True).clamp_min(1e-300)
        x = x_new.requires_grad_(True)
        lr *= 0.95
    with torch.no_grad():
        ex = err(x)
        if float(ex.max()) > best_e:
            i = int(ex.argmax())
            best_e, best_x = float(ex[i]), x[i].clone()
    return Empirical(best_e, best_x.cpu().tolist(), samples + restarts * (steps + 1),
                     f"{samples} sphere samples + projected gradient ascent ({restarts}x{steps} steps)")
