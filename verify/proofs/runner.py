"""Running lemmas: z3 on each query in a fresh context, the optional cvc5 cross-check on its SMT-LIB export,
and the table or JSON that ``slt-verify prove`` prints."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import TextIO

import z3

from verify.proofs.registry import select
from verify.proofs.smtlib import smt2_text
from verify.proofs.terms import REFUTED, Lemma

__all__ = ["CVC5_TIMEOUT_S", "LemmaResult", "TIMEOUT_MS", "check_assertions", "cvc5_available", "cvc5_check",
           "prove", "run_all"]

TIMEOUT_MS = 60_000      # z3's limit per query
CVC5_TIMEOUT_S = 10.0    # cvc5's limit per query (the child process is killed after it)


@dataclass(frozen=True)
class LemmaResult:
    """Outcome of one query. ``ok`` means z3 answered as expected, a counterexample (if any) evaluates
    to true in z3, and cvc5 (if run) did not contradict it; ``model`` maps names to exact values."""

    name: str
    expected: str
    result: str
    ok: bool
    ms: float
    model: dict[str, str] | None = None
    model_checked: bool | None = None
    cvc5: str | None = None


def _value(v: z3.ExprRef) -> str:
    if z3.is_rational_value(v):
        return str(Fraction(v.as_fraction()))
    return v.sexpr()  # an algebraic number, written exactly as (root-obj p k)


def check_assertions(fs: Sequence[z3.BoolRef], timeout_ms: int = TIMEOUT_MS
                     ) -> tuple[str, dict[str, str] | None, bool | None]:
    """Check a query with z3: (result, model as exact strings, whether the model satisfies every assertion)."""
    solver = z3.Solver(ctx=fs[0].ctx)
    solver.set("timeout", timeout_ms)
    solver.add(*fs)
    res = str(solver.check())
    if res != REFUTED:
        return res, None, None
    m = solver.model()
    model = {d.name(): _value(m[d]) for d in sorted(m.decls(), key=lambda d: d.name())}
    checked = all(z3.is_true(m.eval(f, model_completion=True)) for f in fs)
    return res, model, checked


def cvc5_available() -> bool:
    """True when the optional cvc5 Python package can be imported (it is not a dependency)."""
    try:
        import cvc5  # noqa: F401
    except ImportError:
        return False
    return True


# cvc5 does not honour its time limits on some nonlinear queries (benchmarks/proofs.md), so it runs in a child
# process that can be killed. The child reads SMT-LIB on stdin.
_CVC5_CHILD = """
import sys, cvc5
tm = cvc5.TermManager()
solver = cvc5.Solver(tm)
symbols = cvc5.SymbolManager(tm)
parser = cvc5.InputParser(solver, symbols)
parser.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, sys.stdin.read(), "query")
while True:
    cmd = parser.nextCommand()
    if cmd.isNull():
        break
    out = cmd.invoke(solver, symbols).strip()
    if out:
        print(out)
"""


def cvc5_check(text: str, timeout_s: float = CVC5_TIMEOUT_S) -> str:
    """Re-check an SMT-LIB 2 query with cvc5 (independent of z3) in a child process:
    "sat", "unsat", "unknown", "timeout" or "error"."""
    try:
        done = subprocess.run([sys.executable, "-c", _CVC5_CHILD], input=text, capture_output=True,
                              text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    answers = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    return answers[-1] if answers and answers[-1] in ("sat", "unsat", "unknown") else "error"


def prove(lemma: Lemma, timeout_ms: int = TIMEOUT_MS, cross_check: bool = False,
          cvc5_timeout_s: float = CVC5_TIMEOUT_S) -> LemmaResult:
    """Run one lemma in a fresh z3 context (and optionally cvc5 on its SMT-LIB export). A cvc5 answer
    that contradicts the expected one makes the result not ok; "unknown"/"timeout" do not."""
    ctx = z3.Context()
    fs = lemma.assertions(ctx)
    t0 = time.perf_counter()
    res, model, checked = check_assertions(fs, timeout_ms)
    ms = (time.perf_counter() - t0) * 1000
    other = cvc5_check(smt2_text(lemma), cvc5_timeout_s) if cross_check else None
    ok = res == lemma.expected and checked is not False and other in (None, "unknown", "timeout", lemma.expected)
    return LemmaResult(lemma.name, lemma.expected, res, ok, round(ms, 1), model, checked, other)


def run_all(json_output: bool = False, stream: TextIO | None = None, *, names: Sequence[str] | None = None,
            cross_check: bool = False, timeout_ms: int = TIMEOUT_MS, cvc5_timeout_s: float = CVC5_TIMEOUT_S) -> int:
    """Run every lemma (or ``names``); print a table or JSON to ``stream`` (default: standard output); return 0
    iff every true lemma is proved (unsat) and every false variant refuted (sat, with a model that checks).

    ``cross_check=True`` also re-checks every exported query with cvc5 (optional package; ValueError if it is
    missing): an answer contradicting z3 fails the run, "unknown" or "timeout" does not. ValueError also for a
    name that is not in the registry."""
    if cross_check and not cvc5_available():
        raise ValueError("cross_check needs the optional 'cvc5' package (pip install cvc5)")
    lemmas = select(names)
    out = sys.stdout if stream is None else stream
    results = [prove(lem, timeout_ms, cross_check, cvc5_timeout_s) for lem in lemmas]
    ok = all(r.ok for r in results)
    if json_output:
        doc = {"ok": ok, "z3": z3.get_version_string(), "cvc5": cross_check,
               "lemmas": [asdict(r) for r in results]}
        out.write(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    else:
        _print_table(results, cross_check, out)
        good = sum(r.ok for r in results)
        verdict = "ALL AS EXPECTED" if ok else "FAILED"
        out.write(f"{verdict}: {good}/{len(results)} queries as expected (z3 {z3.get_version_string()}"
                  f"{', cross-checked with cvc5' if cross_check else ''})\n")
    return 0 if ok else 1


def _print_table(results: Sequence[LemmaResult], use_cvc5: bool, stream: TextIO) -> None:
    width = max((len(r.name) for r in results), default=len("lemma"))
    head = f"{'lemma':<{width}}  {'expected':<8}  {'result':<7}  " + ("cvc5     " if use_cvc5 else "") + "      ms"
    stream.write(head + "\n" + "-" * len(head) + "\n")
    for r in results:
        mark = "" if r.ok else "   <-- NOT AS EXPECTED"
        other = f"{r.cvc5 or '-':<7}  " if use_cvc5 else ""
        stream.write(f"{r.name:<{width}}  {r.expected:<8}  {r.result:<7}  {other}{r.ms:8.1f}{mark}\n")
        if r.model is not None:
            shown = ", ".join(f"{k}={v}" for k, v in r.model.items())
            stream.write(f"{'':<{width}}    counterexample: {shown}"
                         f"{'' if r.model_checked else '  (DOES NOT CHECK)'}\n")
