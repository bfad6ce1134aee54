"""What each ``slt-verify`` sub-command does (the parser lives in cli.py)."""

from __future__ import annotations

import json
import sys
import time
from argparse import Namespace
from pathlib import Path

from verify.errors import InputError, NotReachedError

__all__ = ["run_certify", "run_check", "run_prove", "run_demo", "run_width", "run_experiment", "certify_flow",
           "write_json"]


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False, disable=None)


def write_json(path: Path, obj: dict) -> None:
    """Deterministic JSON (fixed key order and spacing), written atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def _check_writable(path: Path, what: str) -> None:
    if not path.parent.exists():
        raise InputError(f"{what} {path}: directory {path.parent} does not exist")
    if path.is_dir():
        raise InputError(f"{what} {path}: is a directory")


def _short(q) -> str:
    """A bound for messages: 3 significant digits, also beyond float64's range (weights near 1e308)."""
    try:
        return f"{float(q):.3g}"
    except OverflowError:
        digits = str(int(q))
        return f"{digits[0]}.{digits[1:3]}e+{len(digits) - 1}"


def _auto_width(target, eps, method: str, seed: int, device, norm: str, max_candidates: int, rescale: str):
    """``--width-factor auto``: ``search_width``'s doubling and bisection.  It returns a k whose bound reaches eps
    while k − 1 does not, the smallest such k among those it tried; the bound is not monotone in k, so a smaller,
    untried k may certify too (README, "Options of certify")."""
    from verify.certify import search_width

    bar = _progress(0, f"searching width factor ({method})")

    def on_try(k, bound):
        bar.set_postfix_str(f"k={k} bound={_short(bound)}")
        bar.update(1)

    try:
        k, bound, construction = search_width(target, eps=eps, method=method, seed=seed, device=device, norm=norm,
                                              max_candidates=max_candidates, rescale=rescale, on_try=on_try)
    finally:
        bar.close()
    if k is None:
        raise NotReachedError(f"no width factor up to the search limit reaches eps (best bound {_short(bound)})")
    return k, construction


def _save_pruned(construction, path: Path) -> None:
    sd = construction.pruned_state_dict()
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file
        save_file(sd, str(path))
    else:
        import torch
        torch.save(sd, path)


def set_threads(threads: int | None) -> None:
    """torch CPU threads: measured on a 2-core machine, the subset-sum construction of the digits target at k = 61
    took 1.2 s with 1 thread and 2.2 s with 2 (many mid-sized tensor operations), so 1 is the default there."""
    import os

    import torch

    if threads is not None and threads < 1:
        raise InputError("--threads must be at least 1")
    if threads is None and (os.cpu_count() or 1) <= 2:
        threads = 1
    if threads:
        torch.set_num_threads(threads)


def certify_flow(target, *, eps: str, method: str, width, seed: int, device_name: str, out: Path,
                 norm: str = "spectral", save_pruned: Path | None = None, record_timings: bool = False,
                 empirical: bool = True, threads: int | None = None, max_candidates: int = 22,
                 rescale: str = "auto", stream=None):
    """Shared by ``certify`` and ``demo``: width search, construction, certificate, summary table."""
    from verify import io
    from verify.certify import certify
    from verify.engine.construct import rescale_tries
    from verify.engine.rng_torch import device_of

    stream = stream or sys.stdout
    set_threads(threads)
    device = device_of(device_name)
    _check_writable(out, "certificate")
    if save_pruned is not None:
        _check_writable(save_pruned, "--save-pruned")
        if save_pruned.suffix not in (".pt", ".pth", ".safetensors"):
            raise InputError("--save-pruned must end in .pt, .pth or .safetensors")
    eps_q = io.parse_decimal(eps)
    t0 = time.perf_counter()
    built = None
    if width == "auto":
        k, built = _auto_width(target, eps_q, method, seed, device, norm, max_candidates, rescale)
    else:
        k = width
    bar = _progress(0 if built else len(target.weights) * rescale_tries(rescale, len(target.weights)),
                    f"pruning G (k={k})")
    try:
        res = certify(target, eps_text=eps, method=method, k=k, seed=seed, device=device, empirical=empirical,
                      record_timings=record_timings, norm=norm, max_candidates=max_candidates,
                      rescale=rescale, progress=bar.update, construction=built)
    finally:
        bar.close()
    write_json(out, res.cert)
    if save_pruned is not None:
        _save_pruned(res.construction, save_pruned)
    elapsed = time.perf_counter() - t0
    cert = res.cert
    emp = cert["info"].get("empirical", {})
    rows = [
        ("target F", f"{' -> '.join(map(str, target.widths))}  ({target.parameters:,} parameters)"),
        ("random G", f"depth {2 * len(target.weights)}, {cert['random_network']['parameters']:,} parameters, "
                     f"seed {seed}"),
        ("method / width factor", f"{method} / k = {k}" + ("  (auto: k-1 fails)" if width == "auto" else "")),
        ("kept weights of G", f"{res.construction.kept:,}"),
        ("rescaling", f"{res.construction.rescaling}: {_rescale_text(res.construction.exponents)}"),
        ("certified bound", f"{cert['claim']['bound']}  (eps = {eps})"),
        ("largest error found", f"{emp.get('max_error', 'not measured')}  (attack lower bound, not a certificate)"),
        ("tightness", f"bound / largest error = {emp.get('tightness')}"),
        ("time / device", f"{elapsed:.2f} s on {res.construction.device}"),
        ("certificate", f"{out}  (verify: slt-verify check {out} --model {target.path or '<model>'})"),
    ]
    if save_pruned is not None:
        rows.append(("pruned network", str(save_pruned)))
    width_col = max(len(a) for a, _ in rows)
    print("\n".join(f"  {a.ljust(width_col)}  {b}" for a, b in rows), file=stream)
    return res, k


def _rescale_text(exponents) -> str:
    if not exponents:
        return "none (single layer)"
    per_layer = [sorted({int(e) for e in s}) for s in exponents]
    if all(len(p) == 1 for p in per_layer):
        steps, prev = [], 0
        for p in per_layer:
            steps.append(p[0] - prev)
            prev = p[0]
        steps.append(-prev)
        return "layer scales " + ", ".join(f"2^{e}" for e in steps) + " (exact, product 1: F unchanged)"
    return "per-neuron powers of two (exact: F unchanged)"


def run_certify(args: Namespace) -> int:
    from verify.engine.model import load_target

    target = load_target(args.model)
    model = Path(args.model)
    out = Path(args.output) if args.output else model.with_name(model.stem + ".cert.json")
    res, k = certify_flow(target, eps=args.eps, method=args.method, width=args.width_factor, seed=args.seed,
                          device_name=args.device, out=out, norm=args.norm, threads=args.threads,
                          max_candidates=args.max_candidates, rescale=args.rescale,
                          save_pruned=Path(args.save_pruned) if args.save_pruned else None,
                          record_timings=args.record_timings, empirical=not args.no_empirical)
    if res.certified:
        print(f"CERTIFIED: sup_(||x||<=1) ||G~(x) - F(x)||_2 <= {res.cert['claim']['bound']} <= eps {args.eps}")
        return 0
    if args.method == "pair":
        need = f"about k = {int(k * res.bound / res.eps) + 1} would be needed (pair error ~ 1/k)"
    else:  # subset-sum widths are small: find the answer instead of guessing it
        from verify.engine.rng_torch import device_of

        try:
            k_need, _ = _auto_width(target, res.eps, args.method, args.seed, device_of(args.device), args.norm,
                                    args.max_candidates, args.rescale)
            need = f"width factor {k_need} reaches it (--width-factor {k_need}, or auto)"
        except NotReachedError:
            need = (f"no width factor up to {4 * args.max_candidates} reaches it; try a larger --max-candidates "
                    "or another seed")
    raise NotReachedError(f"NOT CERTIFIED: bound {res.cert['claim']['bound']} > eps {args.eps} at width factor "
                          f"{k}; {need}. The certificate (verdict not-certified) was written to {out}.")


def run_check(args: Namespace) -> int:
    """``slt-verify check``: one verdict line (verify/check.py); with ``--exact`` also the true sup, computed from
    what the checker decoded (the files are read once)."""
    from verify import check

    code, line, ok = check.run(args.cert, args.model)
    print(line)
    if code != 0 or not args.exact:
        return code
    return _exact(ok)


def _exact(ok) -> int:
    """``check --exact``: the true sup by exact region enumeration (verify/exact/), for tiny networks."""
    from verify import check
    from verify.exact import exact_check

    target, pruned = check.exact_networks(ok)
    bound = ok.bound
    try:
        res = exact_check(target, pruned, bound)
    except ValueError as e:
        raise InputError(f"--exact: {e}") from None
    except TimeoutError:
        raise InputError("--exact: the exact search did not finish in its time limit (network too large)") from None
    if not res.sound:
        print(f"UNSOUND: the error at x = {[float(v) for v in res.witness or []]} exceeds the certified bound")
        return 1
    ratio = f"{res.tightness:.4g}" if res.tightness is not None else "n/a (true sup is 0)"
    print(f"EXACT: true sup in [{float(res.sup_lower):.6g}, {float(res.sup_upper):.6g}]; certified bound "
          f"{float(bound):.6g}; tightness (bound / true sup) = {ratio}; {res.seconds:.1f} s")
    return 0


def run_prove(args: Namespace) -> int:
    """``slt-verify prove``: run the z3 lemmas (all, or the LEMMA names given) and print a table or JSON; or, with
    ``--list``, list them; or, with ``--write DIR``, write their SMT-LIB 2 exports and the index (verify/proofs/)."""
    from verify import proofs

    if args.write is not None:
        if args.lemmas:
            raise InputError("--write exports every lemma (and the index of all of them); name no LEMMA with it")
        try:
            written = proofs.write_smt2(args.write)
        except OSError as e:
            raise InputError(f"--write {args.write}: {e.strerror or e}") from None
        print("\n".join(str(path) for path in written))
        return 0
    try:
        lemmas = proofs.select(args.lemmas or None)
    except ValueError as e:
        raise InputError(f"{e} (`slt-verify prove --list` names them all)") from None
    if args.list:
        _list_lemmas(lemmas, args.json)
        return 0
    if args.cvc5 and not proofs.cvc5_available():
        raise InputError("--cvc5 needs the optional 'cvc5' package (pip install cvc5)")
    limits = {}
    for option, value in (("--timeout", args.timeout), ("--cvc5-timeout", args.cvc5_timeout)):
        if value is not None and not 0 < value < float("inf"):
            raise InputError(f"{option} must be a positive number of seconds, got {value}")
    if args.timeout is not None:
        limits["timeout_ms"] = max(1, round(args.timeout * 1000))
    if args.cvc5_timeout is not None:
        limits["cvc5_timeout_s"] = args.cvc5_timeout
    return proofs.run_all(args.json, sys.stdout, names=[lem.name for lem in lemmas], cross_check=args.cvc5,
                          **limits)


def _list_lemmas(lemmas, as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"name": lem.name, "expected": lem.expected, "statement": lem.statement,
                           "variant_of": lem.variant_of} for lem in lemmas], indent=1, ensure_ascii=False))
        return
    width = max(len(lem.name) for lem in lemmas)
    for lem in lemmas:
        print(f"{lem.name:<{width}}  {lem.expected:<5}  {lem.statement}")


def run_demo(args: Namespace) -> int:
    import numpy as np
    import torch

    from verify import check
    from verify.datasets import accuracy, digits_split, embedded_model_path
    from verify.engine.model import load_target

    model_path = embedded_model_path()
    target = load_target(model_path)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path = out_dir / "digits_mlp.cert.json"
    print(f"slt-verify demo: target = MLP trained on scikit-learn digits ({model_path.name}), eps = {args.eps}")
    res, _ = certify_flow(target, eps=args.eps, method=args.method, width=args.width_factor, seed=args.seed,
                          device_name=args.device, out=cert_path, norm=args.norm, threads=args.threads,
                          max_candidates=args.max_candidates, rescale=args.rescale,
                          save_pruned=out_dir / "digits_pruned.safetensors")
    print("\nindependent check:")
    code = check.main(str(cert_path), str(model_path))
    _, _, X_test, y_test = digits_split()

    def f(x: np.ndarray) -> np.ndarray:
        return target.forward(torch.from_numpy(x)).numpy()

    def g(x: np.ndarray) -> np.ndarray:
        return res.construction.forward(torch.from_numpy(x)).cpu().numpy()

    gap = float(np.abs(g(X_test) - f(X_test)).max())
    print(f"\nheld-out accuracy ({len(y_test)} digits): target F {accuracy(f, X_test, y_test):.2%}, "
          f"pruned random network G~ {accuracy(g, X_test, y_test):.2%} (never trained)")
    print(f"largest output difference on those digits: {gap:.3g} (certified bound {res.cert['claim']['bound']})")
    return code if res.certified else 1


def run_width(args: Namespace) -> int:
    from verify import io
    from verify.certify import search_width
    from verify.engine.construct import g_parameters
    from verify.engine.model import load_target
    from verify.engine.rng_torch import device_of
    from verify.theory import format_table, malach_width, pensia_width

    set_threads(None)
    target = load_target(args.model)
    shapes = target.shapes
    eps = float(io.parse_decimal(args.eps))
    import numpy as np

    norms = [float(np.linalg.norm(w, 2)) for w in target.weights]  # the theorems assume ‖W_i‖₂ ≤ 1
    theory = [malach_width(shapes, eps, args.delta, norms), pensia_width(shapes, eps, args.delta, norms)]
    print(format_table(theory))
    device = device_of(args.device)
    print("\nwhat slt-verify needed (certified, this seed):")
    for method in ("pair", "subset-sum"):
        k, bound, _ = search_width(target, eps=io.parse_decimal(args.eps), method=method, seed=args.seed,
                                   device=device, k_max=1 << 13)
        if k is None:
            print(f"  {method:10s}  not reached up to k = 8192 (best bound {float(bound):.3g})")
        else:
            print(f"  {method:10s}  k = {k:6d}   G parameters {g_parameters(target.widths, k):,}")
    return 0


def run_experiment(args: Namespace) -> int:
    from verify.experiments import random_features_experiment, separation_experiment

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.name == "separation":
        return separation_experiment(out, quick=args.quick, seed=args.seed)
    return random_features_experiment(out, quick=args.quick, seed=args.seed)
