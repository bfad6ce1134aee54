"""Issue #15: ``--width-factor auto`` (predict k from a sample, build once, step up if it misses) against the search it
replaces (``smallest``: doubling and bisection, a full construction at every k tried).

    python benchmarks/bench_predict.py                # digits targets at eps 0.1 and 0.01, 256-128-128-10 at 0.1
    python benchmarks/bench_predict.py --big          # also 784-256-256-10 at 0.1, new policy only (minutes)
    python benchmarks/bench_predict.py --big-old      # and the old search on it (about half an hour on 2 cores)
    python benchmarks/bench_predict.py --predict 784-256-256-10 36,40,44 [--certify layer]
        # predicted bound per k (and with --certify the bound of a full build with that --rescale; minutes per k)

Every (target, eps, policy) runs in its own process (peak RSS is per process), the two policies alternating, old
first.  Per run: the k returned, the full constructions built, wall and CPU seconds (the machine may be shared:
compare the two policies of one target, not across targets), the seconds the predictions took, the bound
certified at the k returned and the bound predicted for it, and the peak RSS.  For the old search, the prediction is
also evaluated afterwards (not timed) at every k it built, and ``calibration`` lists certified / predicted there:
how far the sampled extrapolation of verify/predict.py lands from the full construction.  It also lists which
rescaling ``build`` kept at every k (``--rescale auto`` prunes with both).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _target(name: str):
    from _targets import random_mlp

    from verify import datasets
    from verify.engine.model import load_target

    if name == "digits-bias":
        return load_target(datasets.EMBEDDED_BIAS_MODEL), "box:0,1"
    if name == "digits":
        return load_target(datasets.embedded_model_path()), "ball"
    return random_mlp([int(x) for x in name.split("-")]), "ball"


def one(name: str, eps: str, policy: str, calibrate: bool) -> dict:
    """One policy on one target, in this process: what the table needs, as a dict."""
    import verify.search as vs
    from verify.options import Options
    from verify.predict import Predictor

    target, domain = _target(name)
    options = Options(device="cpu", domain=domain)
    kept: dict[int, str] = {}
    real = vs.build

    def logging_build(weights, opts, *, k, **kw):
        c = real(weights, opts, k=k, **kw)
        kept[k] = c.rescaling
        return c

    vs.build = logging_build
    w0, c0 = time.perf_counter(), time.process_time()
    found = vs.find_width(target, options, Fraction(eps), policy=policy)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    out = {"target": name, "eps": eps, "policy": policy, "k": found.k, "built": found.built,
           "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "predict_s": round(found.predict_seconds, 1),
           "certified": float(found.bound), "predicted_k": found.predicted_k,
           "predicted": found.predicted.get(found.k) if found.k is not None else None,
           "tried": {k: float(b) for k, b in found.tried.items()}, "rescaling": kept,
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    if calibrate:
        pred = Predictor(target, options)
        out["calibration"] = {k: round(float(b) / pred(k).bound, 3) for k, b in found.tried.items()
                              if pred(k).bound > 0}
        out["sampled"] = pred.samples
    return out


def calibration(name: str, ks: list[int], rescale: str | None) -> None:
    """One line per k: the prediction (bound, rescaling, η̂_i, rows pruned, seconds), and with ``rescale`` the
    certified bound of ``build`` with that rescaling and its seconds."""
    from verify.certify import bounded
    from verify.engine.construct import build
    from verify.options import Options
    from verify.predict import Predictor

    target, domain = _target(name)
    pred = Predictor(target, Options(device="cpu", domain=domain))
    for k in ks:
        p = pred(k)
        out = {"target": name, "k": k, "predicted": p.bound, "rescaling": p.rescaling,
               "etas": [round(e, 6) for e in p.etas], "rows": p.rows, "predict_s": round(p.seconds, 1)}
        if rescale:
            t0 = time.perf_counter()
            b = bounded(build(target.weights, Options(device="cpu", domain=domain, rescale=rescale), k=k,
                              biases=target.biases))
            out.update(certified=float(b.bound), kept=b.construction.rescaling,
                       ratio=round(float(b.bound) / p.bound, 3), build_s=round(time.perf_counter() - t0, 1))
        print(json.dumps(out), flush=True)


def run(name: str, eps: str, policy: str, calibrate: bool) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", name, eps, policy] + (["--calibrate"] if calibrate
                                                                                          else [])
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def table(rows: list[dict]) -> str:
    from _targets import table as md

    body = []
    for r in rows:
        pred = f"{r['predicted']:.4g}" if r.get("predicted") is not None else "-"
        body.append([r["target"], r["eps"], "old (smallest)" if r["policy"] == "smallest" else "new (auto)",
                     r["k"], r["built"], r["wall_s"], r["cpu_s"], r["predict_s"] if r["policy"] == "auto" else "-",
                     f"{r['certified']:.4g}", pred, r["peak_rss_mb"]])
    return md(["target", "eps", "policy", "k", "constructions", "wall s", "CPU s", "of which predicting s",
               "certified bound", "predicted bound", "peak RSS MB"], body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", action="store_true", help="also 784-256-256-10 at eps 0.1 with the new policy")
    ap.add_argument("--big-old", action="store_true", help="and the old search on 784-256-256-10 (slow)")
    ap.add_argument("--one", nargs=3, metavar=("TARGET", "EPS", "POLICY"), help=argparse.SUPPRESS)
    ap.add_argument("--calibrate", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write every run's record to this file")
    ap.add_argument("--predict", nargs=2, metavar=("TARGET", "KS"), help="predicted bound at each k of KS (1,2,..)")
    ap.add_argument("--certify", metavar="RESCALE", help="with --predict: also build and bound each k (auto, layer)")
    args = ap.parse_args()
    if args.predict:
        calibration(args.predict[0], [int(k) for k in args.predict[1].split(",")], args.certify)
        return
    if args.one:
        print(json.dumps(one(*args.one, args.calibrate)))
        return
    cases = [("digits-bias", "0.1"), ("digits-bias", "0.01"), ("digits", "0.1"), ("digits", "0.01"),
             ("256-128-128-10", "0.1")]
    rows = []
    for name, eps in cases:
        for policy in ("smallest", "auto"):
            rows.append(run(name, eps, policy, calibrate=policy == "smallest"))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.big or args.big_old:
        for policy in (("smallest", "auto") if args.big_old else ("auto",)):
            rows.append(run("784-256-256-10", "0.1", policy, calibrate=policy == "smallest"))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(table(rows))
    print()
    for r in rows:
        if r["policy"] == "smallest":
            print(f"{r['target']} eps {r['eps']}: certified / predicted at every k built: {r['calibration']}; "
                  f"rescaling kept: {r['rescaling']}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
