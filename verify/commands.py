"""What each ``slt-verify`` sub-command does (the parser lives in cli.py)."""

from __future__ import annotations

import functools
import json
import sys
import time
from argparse import Namespace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from verify.errors import InputError, NotReachedError

if TYPE_CHECKING:  # the engine (torch) is imported only by the commands that run it
    from collections.abc import Callable

    from verify.certify import Bounded, Certified
    from verify.engine.construct import Construction
    from verify.engine.model import Target
    from verify.options import Eps, Options
    from verify.search import WidthSearch

__all__ = ["run_certify", "run_check", "run_report", "run_prove", "run_demo", "run_width", "run_experiment",
           "certify_flow", "write_json"]


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, leave=False, disable=None)


def _elapsed(desc: str, fn):
    """fn() under an elapsed-time line on stderr (a TTY only, shown after 2 s): the trusted checker reports no
    progress of its own, and a 784-1024-1024-10 certificate takes about 10 s to check."""
    import threading

    from tqdm import tqdm

    done = threading.Event()
    with tqdm(desc=desc, file=sys.stderr, leave=False, disable=None, delay=2, bar_format="{desc} {elapsed}") as bar:
        def tick() -> None:
            while not done.wait(0.5):
                bar.update(0)   # redraws once the delay has passed (refresh() would not)

        ticker = threading.Thread(target=tick, name="slt-verify-elapsed", daemon=True)
        ticker.start()
        try:
            return fn()
        finally:
            done.set()
            ticker.join()


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


def _search(target: Target, options: Options, eps: Fraction, known: Bounded | None = None) -> WidthSearch:
    """The width policy, with a progress bar: ``--width-factor smallest`` runs ``search.search_width``'s doubling and
    bisection (a k whose bound reaches eps while k − 1's does not, the smallest such k among those it tried; the
    bound is not monotone in k, so a smaller, untried k may certify too: README, "Options of certify"); ``auto``
    and a fixed k that missed (``known``) run ``search.predict_width``: build the k predicted from a sample of the
    gadgets (verify/predict.py), step up while it misses."""
    from verify.search import find_width

    bar = _progress(0, f"searching width factor ({options.method})")

    def on_try(k, bound):
        bar.set_postfix_str(f"built k={k} bound={_short(bound)}")
        bar.update(1)

    def on_predict(k, bound):
        bar.set_postfix_str(f"predicted k={k} bound={_short(bound)}")

    try:
        return find_width(target, options, eps, on_try=on_try, on_predict=on_predict, known=known)
    finally:
        bar.close()


def _save_pruned(construction: Construction, path: Path) -> None:
    """G̃ as a whole nn.Sequential of Linear (with biases) and ReLU (.pt/.pth; for a CNN of Conv2d pairs, ReLU,
    Flatten and Linear pairs), or its state_dict (.safetensors)."""
    if path.suffix == ".safetensors":
        from safetensors.torch import save_file
        save_file(construction.pruned_state_dict(), str(path))
    else:
        import torch
        torch.save(construction.pruned_module(), path)


def certify_flow(target: Target, options: Options, eps: Eps, out: Path, *, save_pruned: Path | None = None,
                 record_timings: bool = False, empirical: bool = True, stream: TextIO | None = None) -> Certified:
    """Shared by ``certify`` and ``demo``, one way: construct (``options.width``: a fixed k is built, ``auto`` is
    searched), bound, write the certificate (and G̃ with ``save_pruned``), print the summary table.  ``eps`` is the
    parsed ``options.Eps``.  Returns ``certify.Certified``; raises NotReachedError when the search reaches no k."""
    from verify.certify import bounded, certify
    from verify.engine.construct import build, rescale_tries
    from verify.engine.runtime import device_of
    from verify.options import WIDTH_POLICIES

    stream = stream or sys.stdout
    device_of(options.device)   # refuse an unavailable device before anything is written
    _check_writable(out, "certificate")
    if save_pruned is not None:
        _check_writable(save_pruned, "--save-pruned")
        if save_pruned.suffix not in (".pt", ".pth", ".safetensors"):
            raise InputError("--save-pruned must end in .pt, .pth or .safetensors")
    t0 = time.perf_counter()
    if options.width in WIDTH_POLICIES:
        search = _search(target, options, eps.value)
        if search.chosen is None:
            raise NotReachedError(f"no width factor up to the search limit reaches eps (best bound "
                                  f"{_short(search.bound)})")
        built = search.chosen
    else:
        bar = _progress(len(target.weights) * rescale_tries(options.rescale, len(target.weights)),
                        f"pruning G (k={options.width})")
        try:
            built = bounded(build(target.weights, options, k=options.width, biases=target.biases,
                                  progress=bar.update, layout=target.layout))
        finally:
            bar.close()
    res = certify(target, eps, built, empirical=empirical, record_timings=record_timings,
                  semantics=options.semantics)
    write_json(out, res.cert)
    if save_pruned is not None:
        _save_pruned(res.construction, save_pruned)
    elapsed = time.perf_counter() - t0
    cert = res.cert
    c = res.construction
    emp = cert["info"].get("empirical", {})
    shape = target.layout.describe() if target.layout.conv else " -> ".join(map(str, target.widths))
    rows = [
        ("target F", f"{shape}  ({target.parameters:,} parameters)"),
        ("random G", f"depth {2 * len(target.weights)}, {cert['random_network']['parameters']:,} parameters, "
                     f"seed {options.seed}"),
        ("method / width factor", f"{options.method} / k = {c.k}"
                                  + (f"  ({search.summary})" if isinstance(options.width, str) else "")),
        ("kept weights of G", f"{c.kept:,}"),
        ("rescaling", f"{c.rescaling}: {_rescale_text(c.exponents)}"),
        ("domain", _domain_text(c)),
        ("certified bound", f"{cert['claim']['bound']}  (eps = {eps.text})"),
        *_float32_rows(cert),
        ("largest error found", f"{emp.get('max_error', 'not measured')}  (attack lower bound, not a certificate)"),
        ("tightness", f"bound / largest error = {emp.get('tightness')}"),
        ("time / device", f"{elapsed:.2f} s on {c.device}"),
        ("certificate", f"{out}  (verify: slt-verify check {out} --model {target.path or '<model>'})"),
    ]
    if save_pruned is not None:
        rows.append(("pruned network", str(save_pruned)))
    width_col = max(len(a) for a, _ in rows)
    print("\n".join(f"  {a.ljust(width_col)}  {b}" for a, b in rows), file=stream)
    return res


def _float32_rows(cert: dict) -> list[tuple[str, str]]:
    """The summary row of the float32 bound (docs/float32.md), when the certificate has one."""
    block = cert["claim"].get("float32")
    if block is None:
        return []
    uses = "; the verdict uses it" if block["verdict_bound"] == "bound_float32" else ""
    covers = "G~ and F" if block["covers"] == "pruned-and-target" else "G~"
    return [("float32 bound", f"{block['bound_float32']}  (r = {block['r']}: {covers} run in float32, "
                              f"docs/float32.md{uses})")]


def _domain_text(c: Construction) -> str:
    from verify.certify import domain_of

    d = domain_of(c)
    return f"{d.describe()}  (reach {d.claim()['reach']})"


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


def _on_executor(run: Callable[[Namespace], int]) -> Callable[[Namespace], int]:
    """``run(args)`` with the executor of ``--jobs`` / ``--cluster`` (``args.parallel``, engine/parallel.py,
    docs/parallel.md §3) installed for its whole duration and stopped afterwards."""
    @functools.wraps(run)
    def wrapped(args: Namespace) -> int:
        from verify.engine.parallel import engine

        with engine(**getattr(args, "parallel", {})) as ex:
            asked = getattr(args, "jobs", None) is not None or getattr(args, "cluster", None) is not None
            if ex.workers > 1 and asked:   # the default (every core) goes without saying
                print(f"note: gadget search on {ex.describe()} (docs/parallel.md)", file=sys.stderr)
            return run(args)

    return wrapped


@_on_executor
def run_certify(args: Namespace) -> int:
    from verify.engine.model import load_target
    from verify.engine.runtime import set_threads
    target = load_target(args.model, args.options.input_shape)
    for note in target.notes:
        print(f"note: {note}", file=sys.stderr)
    set_threads(args.threads)
    model = Path(args.model)
    out = Path(args.output) if args.output else model.with_name(model.stem + ".cert.json")
    res = certify_flow(target, args.options, args.eps, out,
                       save_pruned=Path(args.save_pruned) if args.save_pruned else None,
                       record_timings=args.record_timings, empirical=not args.no_empirical)
    if res.certified:
        from verify.certify import domain_of

        print(f"CERTIFIED: sup over {domain_of(res.construction).describe()} of ||G~(x) - F(x)||_2 <= "
              f"{res.cert['claim']['bound']}" + (f", <= {res.bound_float32} run in float32" if res.bound_float32
                                                  is not None else "") + f" (eps {args.eps.text})")
        return 0
    named = f"float32 bound {res.bound_float32}" if args.options.semantics in ("float32", "float32-both") else \
        "bound " + res.cert["claim"]["bound"]
    raise NotReachedError(f"NOT CERTIFIED: {named} > eps {args.eps.text} at width factor "
                          f"{res.construction.k}; {_needed(target, res)}. The certificate (verdict not-certified) was "
                          f"written to {out}.")


def _needed(target: Target, res: Certified) -> str:
    """What a fixed width factor that missed eps would need.  Pair: the measured bound times k (its error falls
    like 1/k).  Subset-sum widths are small, so the answer is found instead of guessed: the search, which reuses
    the construction just bounded for its k."""
    k, options = res.construction.k, res.construction.options
    if options.method == "pair":
        return f"about k = {int(k * res.bound / res.eps.value) + 1} would be needed (pair error ~ 1/k)"
    search = _search(target, options, res.eps.value, known=res.bounded)
    if search.k is None:
        return (f"no width factor up to {search.k_max} reaches it; try a larger --max-candidates or another "
                "seed")
    return f"width factor {search.k} reaches it (--width-factor {search.k}, or auto)"


def run_check(args: Namespace) -> int:
    """``slt-verify check``: one verdict line (verify/kernel/check.py); with ``--summary``, after VALID, the summary of
    ``slt-verify report`` (verify/report.py); with ``--exact`` also the true sup, computed from what the checker
    decoded (the files are read once)."""
    from verify.kernel import check

    code, line, ok = _elapsed("checking certificate", lambda: check.run(args.cert, args.model))
    print(line)
    if code == 0 and args.summary:
        from verify import report

        print("\n" + report.summary(report.load(args.cert, args.model, verdict=(code, line))))
    if code != 0 or not args.exact:
        return code
    return _exact(ok)


def run_report(args: Namespace) -> int:
    """``slt-verify report``: the claim, the table, the re-check command and the per-layer figure (verify/report.py)."""
    from verify import report

    return report.run(args.cert, args.model, args.format, args.output, args.out)


def _exact(ok) -> int:
    """``check --exact``: the true sup by exact region enumeration (verify/exact/), for tiny networks."""
    from verify.exact import exact_check
    from verify.kernel import check

    target, pruned = check.exact_networks(ok)
    bound = ok.bound
    d = ok.domain
    domain = ("ball", d.radius) if d.kind == "ball" else ("box", list(d.lo), list(d.hi))
    try:
        res = exact_check(target, pruned, bound, domain=domain)
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


@_on_executor
def run_demo(args: Namespace) -> int:
    """``slt-verify demo``: certify a shipped digits MLP (default: with biases, over box:0,1) or, with ``--cnn``, the
    digits CNN (over box:0,1, input 1 × 8 × 8, default ε 0.05), check the certificate independently, and compare
    held-out accuracy of F and G̃."""
    import numpy as np
    import torch

    from verify import datasets
    from verify.engine.model import load_target
    from verify.engine.runtime import set_threads
    from verify.kernel import check

    shape = None
    if args.cnn:
        model_path, (_, _, X_test, y_test) = _data_file(DEMO_CNN), datasets.digits_pixels_split()
        what, shape = "CNN (two Conv2d, Flatten, Linear) trained on scikit-learn digits (8x8, pixels / 16)", (1, 8, 8)
    elif args.target == "digits-bias":
        model_path, (_, _, X_test, y_test) = datasets.EMBEDDED_BIAS_MODEL, datasets.digits_pixels_split()
        what = "MLP with biases, Flatten and Dropout trained on scikit-learn digits (pixels / 16)"
    else:
        model_path, (_, _, X_test, y_test) = datasets.embedded_model_path(), datasets.digits_split()
        what = "bias-free MLP trained on scikit-learn digits (rows of unit norm)"
    model_path = Path(model_path)
    target = load_target(model_path, shape)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path = out_dir / f"{model_path.stem}.cert.json"
    print(f"slt-verify demo: target = {what} ({model_path.name}), domain {args.options.domain}, eps = {args.eps.text}")
    set_threads(args.threads)
    res = certify_flow(target, args.options, args.eps, cert_path, save_pruned=out_dir / f"{model_path.stem}.pruned.pt")
    print("\nindependent check:")
    code = check.main(str(cert_path), str(model_path))

    def f(x: np.ndarray) -> np.ndarray:
        return target.forward(torch.from_numpy(x)).numpy()

    def g(x: np.ndarray) -> np.ndarray:
        return res.construction.forward(torch.from_numpy(x)).cpu().numpy()

    gap = float(np.linalg.norm(g(X_test) - f(X_test), axis=1).max())
    print(f"\nheld-out accuracy ({len(y_test)} digits): target F {datasets.accuracy(f, X_test, y_test):.2%}, "
          f"pruned random network G~ {datasets.accuracy(g, X_test, y_test):.2%} (never trained)")
    print(f"largest output difference on those digits: {gap:.3g} (certified bound {res.cert['claim']['bound']})")
    return code if res.certified else 1


DEMO_CNN = "digits_cnn.pt"   # slt-demo --cnn's target, in verify/data (scripts/train_digits_cnn.py)


def _data_file(name: str) -> Path:
    """A file shipped in verify/data; InputError if the installation lacks it."""
    from importlib import resources

    path = Path(str(resources.files("verify").joinpath("data", name)))
    if not path.is_file():
        raise InputError(f"{path}: missing from the installation (scripts/train_digits_cnn.py writes it)")
    return path


def run_width(args: Namespace) -> int:
    import numpy as np

    from verify.engine.construct import g_parameters
    from verify.engine.model import load_target
    from verify.engine.runtime import device_of, set_threads
    from verify.options import METHODS, Options
    from verify.search import search_width
    from verify.theory import format_table, malach_width, pensia_width

    set_threads(None)
    target = load_target(args.model)
    shapes = target.shapes
    eps = float(args.eps.value)
    norms = [float(np.linalg.norm(w, 2)) for w in target.weights]  # the theorems assume ‖W_i‖₂ ≤ 1
    theory = [malach_width(shapes, eps, args.delta, norms), pensia_width(shapes, eps, args.delta, norms)]
    print(format_table(theory))
    device_of(args.device)
    print("\nwhat slt-verify needed (certified, this seed):")
    for method in sorted(METHODS):   # pair, then subset-sum
        found = search_width(target, Options(method=method, seed=args.seed, device=args.device), args.eps.value,
                             k_max=1 << 13)
        if found.k is None:
            print(f"  {method:10s}  not reached up to k = 8192 (best bound {float(found.bound):.3g})")
        else:
            print(f"  {method:10s}  k = {found.k:6d}   G parameters {g_parameters(target.layout, found.k):,}")
    return 0


def run_experiment(args: Namespace) -> int:
    from verify.experiments import random_features_experiment, separation_experiment

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.name == "separation":
        return separation_experiment(out, quick=args.quick, seed=args.seed)
    return random_features_experiment(out, quick=args.quick, seed=args.seed)
