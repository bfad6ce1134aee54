"""Untrusted lower bound on sup_{x ∈ D} ‖G̃(x) − F(x)‖₂: sampling plus projected gradient ascent over the domain D.

D is a ball of radius R about 0 or a box [lo, hi] (verify/domain.py).  Ball: half the samples on the sphere of
radius R (where a bias-free error, positively homogeneous, attains its sup), half inside; ascent steps along the
normalised gradient, projected back onto the ball.  Box: half the samples at random corners (a piecewise-affine
error often peaks there), half uniform inside; ascent is a signed-gradient step scaled by the box's sides, clipped
back into the box.  Deterministic for a fixed seed and device.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from verify.domain import Domain

__all__ = ["Empirical", "empirical_sup"]


@dataclass(frozen=True)
class Empirical:
    max_error: float
    argmax: list[float]
    points: int
    method: str


class _Region:
    """Sampling and projection for one domain, in float64 on ``device``."""

    def __init__(self, domain: Domain, d: int, device) -> None:
        self.box = domain.kind == "box"
        self.d, self.device = d, device
        if self.box:
            lo, hi = domain.bounds()
            self.lo = torch.from_numpy(lo).to(device)
            self.hi = torch.from_numpy(hi).to(device)
        else:
            self.radius = float(domain.radius)

    def sample(self, n: int, gen: torch.Generator) -> torch.Tensor:
        half = n // 2
        if self.box:
            corners = (torch.rand(half, self.d, generator=gen, dtype=torch.float64) < 0.5).to(torch.float64)
            inside = torch.rand(n - half, self.d, generator=gen, dtype=torch.float64)
            t = torch.cat([corners, inside]).to(self.device)
            return self.lo + t * (self.hi - self.lo)
        x = torch.randn(n, self.d, generator=gen, dtype=torch.float64)
        x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-300)
        scale = torch.ones(n, 1, dtype=torch.float64)
        scale[half:] = torch.rand(n - half, 1, generator=gen, dtype=torch.float64) ** (1.0 / self.d)
        return (x * scale * self.radius).to(self.device)

    def step(self, x: torch.Tensor, grad: torch.Tensor, lr: float) -> torch.Tensor:
        if self.box:
            return torch.minimum(torch.maximum(x + lr * torch.sign(grad) * (self.hi - self.lo), self.lo), self.hi)
        x = x + lr * self.radius * grad / grad.norm(dim=1, keepdim=True).clamp_min(1e-300)
        return x * (self.radius / x.norm(dim=1, keepdim=True).clamp_min(1e-300)).clamp(max=1.0)


def empirical_sup(f: Callable[[torch.Tensor], torch.Tensor], g: Callable[[torch.Tensor], torch.Tensor], d: int, *,
                  domain: Domain | None = None, samples: int = 4096, steps: int = 60, seed: int = 0,
                  device: str | torch.device = "cpu") -> Empirical:
    """Largest ‖g(x) − f(x)‖₂ found over ``domain`` (default: the unit ball) in R^d: ``samples`` random points, then
    ``steps`` of projected gradient ascent from the best samples/256 of them (at least 4)."""
    restarts = max(4, samples // 256)
    gen = torch.Generator().manual_seed(seed)
    region = _Region(domain.for_inputs(d) if domain is not None else Domain("ball"), d, device)

    def err(x: torch.Tensor) -> torch.Tensor:
        return (g(x) - f(x).to(x.device)).norm(dim=1)

    with torch.no_grad():
        x = region.sample(samples, gen)
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
            x_new = region.step(x, grad, lr)
        x = x_new.requires_grad_(True)
        lr *= 0.95
    with torch.no_grad():
        ex = err(x)
        if float(ex.max()) > best_e:
            i = int(ex.argmax())
            best_e, best_x = float(ex[i]), x[i].clone()
    where = "box corners and interior" if region.box else "sphere and ball"
    return Empirical(best_e, best_x.cpu().tolist(), samples + restarts * (steps + 1),
                     f"{samples} samples ({where}) + projected gradient ascent ({restarts}x{steps} steps)")

