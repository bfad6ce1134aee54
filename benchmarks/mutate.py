"""Mutation testing of slt-verify's own code: curated ``ast`` operators, one mutant at a time, in a private copy.

    python benchmarks/mutate.py --files verify/kernel/rng.py --tests tests/test_rng.py
    python benchmarks/mutate.py --files verify/kernel/spectral.py --tests tests/test_spectral.py --jobs 2
    python benchmarks/mutate.py --files verify/kernel/io.py --tests tests/test_check.py --sample 30   # a small form
    python benchmarks/mutate.py --files verify/kernel/rng.py --tests tests/test_rng.py --list          # mutants only

The repository is copied (without .git and caches) to a temporary directory per job; each mutant rewrites one
target file there, runs the given pytest selection with ``PYTHONPATH`` pointing at the copy (so the editable
install of the real checkout is never imported) and with bytecode caching off (a same-size mutant written in the
same second would otherwise reuse a stale .pyc), and restores the file.  Runs are forked from a per-job server
that has imported torch, numpy, hypothesis etc. but nothing of the repository (it checks), so each run pays only
for the code under test (``--no-fork``: a fresh interpreter per run).  A run that fails kills the mutant; a run
that exceeds the per-mutant timeout is killed (its process group) and counts as killed, listed as a timeout.
Hypothesis runs derandomised, without an example database and without shrinking (a small plugin loaded into
each run), so reports are reproducible and a failing property stops at its first counterexample; the same plugin
records each test's duration in the unmutated baseline run and then runs the cheapest tests first (with ``-x``).

Operators (each applied at one place, keeping the rest of the file byte-identical):
comparison flips (< ↔ <=, > ↔ >=, == ↔ !=, is ↔ is not, in ↔ not in), arithmetic and bit operator swaps
(+ ↔ −, * → //, // → *, / → *, ** → *, << ↔ >>, ^ → |, | → &, & → |, also in augmented assignments), and ↔ or,
integer constant ±1, deleting an ``if …: raise`` statement, negating an ``if`` condition, ``return True`` ↔
``return False``, and removing a term of a sum or difference.

``--changed REF`` keeps only the mutants whose edit touches a line that ``git diff REF -- FILE`` adds or changes
(every line of a file that REF does not hold), ``--lines 10-40,52`` only those touching the given lines; either
run writes its own section, labelled with the selection, next to the file's full one.

The Markdown report (default ``benchmarks/MUTATION.md``) keeps one section per target file (and selection),
replaced when that file is run again.  Survivors argued equivalent are read from
``benchmarks/mutation_equivalent.txt``: one line ``PATH ID ARGUMENT`` each; IDs are stable under edits elsewhere in
the file (a hash of the operator, the original and the mutated line and its occurrence), and the report marks every
other survivor as not killed.
Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REPORT = REPO / "benchmarks" / "MUTATION.md"
DEFAULT_EQUIVALENT = REPO / "benchmarks" / "mutation_equivalent.txt"
COPY_IGNORE = (".git", ".hypothesis", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache", "slt-demo",
               "slt-experiments", "build", "dist")

BINOP_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
    ast.Pow: ast.Mult, ast.LShift: ast.RShift, ast.RShift: ast.LShift, ast.BitXor: ast.BitOr,
    ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr,
}
BINOP_TEXT: dict[type, str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Div: "/", ast.Pow: "**", ast.LShift: "<<",
    ast.RShift: ">>", ast.BitXor: "^", ast.BitOr: "|", ast.BitAnd: "&", ast.Mod: "%", ast.MatMult: "@",
}
CMP_SWAPS: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
}
CMP_TEXT: dict[type, str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}
CMP_PATTERN: dict[type, str] = {ast.IsNot: r"is\s+not", ast.NotIn: r"not\s+in", ast.Is: r"is(?!\s+not)",
                                ast.In: r"(?<!not )in"}


# --------------------------------------------------------------------------------------------- mutants


@dataclass(frozen=True)
class Edit:
    """One textual change: replace bytes [start, end) of the file with ``text``."""

    start: int
    end: int
    text: str
    operator: str
    line: int


@dataclass(frozen=True)
class Mutant:
    """An applied edit with what the report shows: the original and the mutated source line, a stable id."""

    path: str
    edit: Edit
    original: str
    mutated: str
    ident: str

    @property
    def line(self) -> int:
        return self.edit.line

    @property
    def operator(self) -> str:
        return self.edit.operator


class Source:
    """A file's text with byte offsets for ast positions (``col_offset`` counts UTF-8 bytes)."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8")
        self.line_starts = [0]
        for i, b in enumerate(self.data):
            if b == 0x0A:
                self.line_starts.append(i + 1)

    def offset(self, line: int, col: int) -> int:
        """Byte offset of (1-based line, byte column)."""
        return self.line_starts[line - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        """[start, end) byte offsets of a node."""
        return (self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset))

    def text(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8")

    def apply(self, edit: Edit) -> str:
        """The whole file with one edit applied."""
        return (self.data[:edit.start] + edit.text.encode("utf-8") + self.data[edit.end:]).decode("utf-8")

    def line_of(self, offset: int) -> int:
        """1-based line containing a byte offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1


def _token_in_gap(src: Source, start: int, end: int, pattern: str) -> tuple[int, int] | None:
    """Byte span of the operator ``pattern`` between two operands, skipping comments (a gap holds only
    parentheses, whitespace, line continuations, comments and the operator itself)."""
    gap = src.text(start, end)
    cleaned = re.sub(r"#[^\n]*", lambda m: " " * len(m.group(0).encode("utf-8")), gap)
    # positions in ``cleaned`` are characters; map them back to bytes of the original gap
    for m in re.finditer(pattern, cleaned):
        before = len(gap[:m.start()].encode("utf-8"))
        return start + before, start + before + len(m.group(0).encode("utf-8"))
    return None


def _op_pattern(text: str) -> str:
    """A regex for an operator token that does not match a longer operator around it."""
    return r"(?<![<>=!*/])" + re.escape(text) + r"(?![<>=*/])"


class Collector(ast.NodeVisitor):
    """Walks a module and records every curated edit (module docstring: the operators)."""

    def __init__(self, src: Source):
        self.src = src
        self.edits: list[Edit] = []

    def add(self, start: int, end: int, text: str, operator: str) -> None:
        self.edits.append(Edit(start, end, text, operator, self.src.line_of(start)))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # f-strings: positions are unreliable, skip
        return

    def visit_arg(self, node: ast.arg) -> None:  # annotations are never evaluated (from __future__ import)
        return

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for child in (*node.decorator_list, node.args, *node.body):
            self.visit(child)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        self._swap_binop(node.left, node.right, node.op, "")
        start, end = self.src.span(node)
        if isinstance(node.op, ast.Add | ast.Sub):
            self.add(start, end, "(" + self.src.text(*self.src.span(node.left)) + ")", "remove term")
        if isinstance(node.op, ast.Add):
            self.add(start, end, "(" + self.src.text(*self.src.span(node.right)) + ")", "remove term")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._swap_binop(node.target, node.value, node.op, "=")
        self.generic_visit(node)

    def _swap_binop(self, left: ast.AST, right: ast.AST, op: ast.operator, suffix: str) -> None:
        new = BINOP_SWAPS.get(type(op))
        if new is None:
            return
        old_text, new_text = BINOP_TEXT[type(op)] + suffix, BINOP_TEXT[new] + suffix
        found = _token_in_gap(self.src, self.src.span(left)[1], self.src.span(right)[0], _op_pattern(old_text))
        if found:
            self.add(found[0], found[1], new_text, f"{old_text} -> {new_text}")

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            new = CMP_SWAPS[type(op)]
            pattern = CMP_PATTERN.get(type(op), _op_pattern(CMP_TEXT[type(op)]))
            found = _token_in_gap(self.src, self.src.span(operands[i])[1], self.src.span(operands[i + 1])[0],
                                  pattern)
            if found:
                self.add(found[0], found[1], CMP_TEXT[new], f"{CMP_TEXT[type(op)]} -> {CMP_TEXT[new]}")
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        old, new = ("and", "or") if isinstance(node.op, ast.And) else ("or", "and")
        for a, b in zip(node.values[:-1], node.values[1:], strict=True):
            found = _token_in_gap(self.src, self.src.span(a)[1], self.src.span(b)[0], rf"\b{old}\b")
            if found:
                self.add(found[0], found[1], new, f"{old} -> {new}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if type(node.value) is int:
            start, end = self.src.span(node)
            hex_form = self.src.text(start, end).lower().startswith("0x")
            for delta in (1, -1):
                v = node.value + delta
                text = (f"0x{v:X}" if hex_form else str(v)) if v >= 0 else f"({v})"
                self.add(start, end, text, f"constant {delta:+d}")

    def visit_If(self, node: ast.If) -> None:
        start, end = self.src.span(node.test)
        self.add(start, end, f"not ({self.src.text(start, end)})", "negate if")
        if len(node.body) == 1 and isinstance(node.body[0], ast.Raise) and not node.orelse:
            s0, _ = self.src.span(node)
            self.add(s0, self.src.span(node.body[0])[1], "pass", "delete if-raise")
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        if isinstance(node.value, ast.Constant) and type(node.value.value) is bool:
            start, end = self.src.span(node.value)
            self.add(start, end, str(not node.value.value), f"return {node.value.value} -> {not node.value.value}")
        self.generic_visit(node)


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _ident(path: str, operator: str, original: str, mutated: str, occurrence: int) -> str:
    key = f"{path}|{operator}|{original}|{mutated}|{occurrence}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]


def mutants_of(path: str, text: str) -> list[Mutant]:
    """Every curated mutant of one file that still compiles, in source order."""
    src = Source(text)
    col = Collector(src)
    col.visit(ast.parse(text))
    out: list[Mutant] = []
    seen: dict[tuple[str, str, str], int] = {}
    for edit in sorted(col.edits, key=lambda e: (e.start, e.end, e.operator, e.text)):
        new_text = src.apply(edit)
        try:
            compile(new_text, path, "exec")
        except SyntaxError:
            continue
        original, mutated = _line_text(text, edit.line), _line_text(new_text, edit.line)
        occurrence = seen.get((edit.operator, original, mutated), 0)
        seen[(edit.operator, original, mutated)] = occurrence + 1
        out.append(Mutant(path, edit, original, mutated, _ident(path, edit.operator, original, mutated, occurrence)))
    return out


# --------------------------------------------------------------------------------------------- running


@dataclass
class Outcome:
    """What one pytest run did with one mutant."""

    mutant: Mutant
    status: str  # "killed", "survived", "timeout"
    seconds: float
    failed: list[str] = field(default_factory=list)


def make_copy(repo: Path, base: Path, name: str) -> Path:
    """A private copy of the repository (no .git, caches or build outputs)."""
    dest = base / name
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(*COPY_IGNORE), symlinks=True)
    return dest


PLUGIN_NAME = "_slt_mutate_plugin"
PLUGIN = '''"""Loaded by benchmarks/mutate.py into every pytest run: fast, reproducible hypothesis settings, and the
baseline run's per-test durations (SLT_MUTATE_DURATIONS) either recorded or used to run the cheapest tests first."""
import json
import os
import sys

sys.modules["hypothesis.extra._patching"] = None  # no libcst patch files for failing examples (25 s each)
from hypothesis import Phase, settings  # noqa: E402

settings.register_profile("slt-mutate", database=None, derandomize=True, print_blob=False,
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("slt-mutate")
_PATH = os.environ.get("SLT_MUTATE_DURATIONS", "")
_RECORD = os.environ.get("SLT_MUTATE_RECORD") == "1"
_SEEN = {}


def pytest_collection_modifyitems(session, config, items):
    if _PATH and not _RECORD and os.path.exists(_PATH):
        with open(_PATH, encoding="utf-8") as f:
            durations = json.load(f)
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))


def pytest_runtest_logreport(report):
    _SEEN[report.nodeid] = _SEEN.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session, exitstatus):
    if _PATH and _RECORD:
        with open(_PATH, "w", encoding="utf-8") as f:
            json.dump(_SEEN, f)
'''


def write_plugin(base: Path) -> Path:
    """The pytest plugin above, in its own directory (never inside a copy of the repository)."""
    d = base / "plugin"
    d.mkdir(exist_ok=True)
    (d / f"{PLUGIN_NAME}.py").write_text(PLUGIN, encoding="utf-8")
    return d


def run_env(copy: Path) -> dict[str, str]:
    """Environment for runs in ``copy``: its sources first on the path, then the plugin; no bytecode cache."""
    env = dict(os.environ)
    paths = [str(copy), str(copy.parent / "plugin")] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["SLT_MUTATE_DURATIONS"] = str(copy.parent / "plugin" / "durations.json")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def pytest_args(tests: list[str], keyword: str | None) -> list[str]:
    """Stop at the first failure; hypothesis derandomised, without shrinking or an example database."""
    cmd = ["-x", "-q", "-p", "no:cacheprovider", "-p", PLUGIN_NAME, "-o", "addopts=", "-rf", "--no-header", *tests]
    return cmd + (["-k", keyword] if keyword else [])


RUNNING: set[subprocess.Popen] = set()


def _limit_memory() -> None:
    """In a fresh test process: cap its address space (MEMORY_LIMIT), so a runaway mutant fails instead of
    exhausting the machine."""
    import resource

    if MEMORY_LIMIT[0]:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT[0], MEMORY_LIMIT[0]))


def run_tests(copy: Path, cmd: list[str], timeout: float, record: bool = False) -> tuple[str, float, str]:
    """Run pytest in ``copy``; ('pass' | 'fail' | 'timeout', seconds, output).  On timeout the whole process
    group this call started is killed.  ``record``: the baseline run, which writes the per-test durations that
    later runs sort their tests by (cheapest first, so a mutant is usually killed early)."""
    env = run_env(copy) | ({"SLT_MUTATE_RECORD": "1"} if record else {})
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True, preexec_fn=_limit_memory)
    RUNNING.add(proc)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return "timeout", time.perf_counter() - t0, out
    finally:
        RUNNING.discard(proc)
    return ("pass" if proc.returncode == 0 else "fail"), time.perf_counter() - t0, out


def kill_running() -> None:
    """Stop the test runs and fork servers still going (on an interrupt of this script): SIGTERM first, so a fork
    server kills its current child's process group, then SIGKILL to each process group this script started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for proc in list(RUNNING):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while sig == signal.SIGTERM and time.monotonic() < deadline and any(p.poll() is None for p in RUNNING):
            time.sleep(0.1)


def check_isolation(copy: Path, path: str) -> None:
    """Fail loudly unless the copy's module (not the real checkout's) is what the tests import."""
    module = path[:-3].replace("/", ".")
    code = f"import importlib; print(importlib.import_module({module!r}).__file__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=copy, env=run_env(copy), capture_output=True,
                         text=True, check=True).stdout.strip()
    if Path(out).resolve() != (copy / path).resolve():
        raise SystemExit(f"isolation check failed: {module} imported from {out}, not from the copy {copy}")


def failed_tests(output: str) -> list[str]:
    return re.findall(r"^(?:FAILED|ERROR) (\S+)", output, flags=re.M)


SERVER = r'''
import json, os, signal, sys, time
for name in sys.argv[1].split(","):
    if name:
        try:
            __import__(name)
        except ImportError:
            pass
import pytest
leaked = sorted(m for m in sys.modules if m == "verify" or m.startswith("verify."))
if leaked:
    sys.exit(f"preloading imported the code under test: {leaked}")


CURRENT = []


def stop(*_):
    for pid in CURRENT:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os._exit(143)


signal.signal(signal.SIGTERM, stop)


def run(req):
    out = os.open(req["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setpgid(0, 0)
        if req["memory"]:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (req["memory"], req["memory"]))
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0), os.dup2(out, 1), os.dup2(out, 2)
        os.environ.update(req["env"])
        try:
            code = pytest.main(req["args"])
        except BaseException:
            code = 3
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(int(code))
    os.close(out)
    CURRENT[:] = [pid]
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return {"code": os.waitstatus_to_exitcode(status), "timeout": False, "seconds": time.monotonic() - t0}
        if time.monotonic() - t0 > req["timeout"]:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)
            return {"code": -9, "timeout": True, "seconds": time.monotonic() - t0}
        time.sleep(0.02)


for line in sys.stdin:
    print(json.dumps(run(json.loads(line))), flush=True)
'''
MEMORY_LIMIT = [6 << 30]   # bytes of address space per run (a mutant may ask for 2^40 subset sums); --memory-gb
PRELOAD = "torch,numpy,scipy,hypothesis,mpmath,safetensors,z3,_pytest.python,_hypothesis_pytestplugin"


class Worker:
    """One private copy of the repository and a way to run the tests in it: a fork server (an interpreter that
    has imported the heavy third-party modules, never the code under test, and forks one child per run, so a run
    does not pay torch's import again) or, with ``preload=None``, a fresh ``python -m pytest`` per run."""

    def __init__(self, copy: Path, preload: str | None):
        self.copy = copy
        self.out = copy.parent / f"{copy.name}.out"
        self.server: subprocess.Popen | None = None
        if preload is not None:
            self.server = subprocess.Popen([sys.executable, "-c", SERVER, preload], cwd=copy, env=run_env(copy),
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                           start_new_session=True)
            RUNNING.add(self.server)

    def run(self, args: list[str], timeout: float, record: bool = False) -> tuple[str, float, str]:
        """('pass' | 'fail' | 'timeout', seconds, output) of one pytest run in this copy."""
        shutil.rmtree(self.copy / ".hypothesis", ignore_errors=True)
        if self.server is None:
            return run_tests(self.copy, [sys.executable, "-m", "pytest", *args], timeout, record)
        req = {"args": args, "out": str(self.out), "timeout": timeout, "memory": MEMORY_LIMIT[0],
               "env": {"SLT_MUTATE_RECORD": "1" if record else "0"}}
        self.server.stdin.write(json.dumps(req) + "\n")
        self.server.stdin.flush()
        line = self.server.stdout.readline()
        if not line:
            raise SystemExit("the fork server died (run with --no-fork to see why)")
        res = json.loads(line)
        out = self.out.read_text(encoding="utf-8", errors="replace")
        result = "timeout" if res["timeout"] else ("pass" if res["code"] == 0 else "fail")
        return result, res["seconds"], out

    def close(self) -> None:
        if self.server is not None:
            self.server.stdin.close()
            self.server.wait(timeout=60)
            RUNNING.discard(self.server)


def run_mutant(workers: queue.Queue, mutant: Mutant, original: str, args: list[str], timeout: float) -> Outcome:
    """Apply one mutant in a free copy, run the tests, restore the file."""
    worker = workers.get()
    target = worker.copy / mutant.path
    try:
        target.write_text(Source(original).apply(mutant.edit), encoding="utf-8")
        result, seconds, out = worker.run(args, timeout)
    finally:
        target.write_text(original, encoding="utf-8")
        workers.put(worker)
    status = {"pass": "survived", "fail": "killed", "timeout": "timeout"}[result]
    return Outcome(mutant, status, seconds, failed_tests(out))


# --------------------------------------------------------------------------------------------- report


def read_equivalent(path: Path) -> dict[tuple[str, str], str]:
    """(target path, mutant id) -> one-line argument, from ``PATH ID ARGUMENT`` lines."""
    out: dict[tuple[str, str], str] = {}
    if not path.exists():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        target, ident, argument = line.split(maxsplit=2)
        out[(target, ident)] = argument
    return out


def _cell(text: str) -> str:
    """A source line as a table cell: without a trailing comment, pipes escaped."""
    code = re.sub(r"\s+#[^'\"]*$", "", text)
    return "`" + code.replace("|", "\\|").replace("`", "'") + "`"


@dataclass
class FileRun:
    """Everything one target file's report section says (``label``: the section's name when it is not the path,
    e.g. a run restricted to changed lines)."""

    path: str
    command: str
    generated: int
    outcomes: list[Outcome]
    baseline_s: float
    timeout_s: float
    wall_s: float
    partial: str
    label: str = ""


def section(run: FileRun, equivalent: dict[tuple[str, str], str]) -> str:
    """The Markdown section of one target file."""
    survived = [o for o in run.outcomes if o.status == "survived"]
    timeouts = [o for o in run.outcomes if o.status == "timeout"]
    argued = [o for o in survived if (run.path, o.mutant.ident) in equivalent]
    killed = len(run.outcomes) - len(survived)
    label = run.label or run.path
    title = f"`{run.path}`" + (label[len(run.path):] if label.startswith(run.path) else f" ({label})")
    lines = [f"<!-- mutate:begin {label} -->", f"## {title}", "",
             f"Command: `{run.command}`", "",
             "| mutants | run | killed | of which timeouts | survived | argued equivalent | not killed |",
             "|---|---|---|---|---|---|---|",
             f"| {run.generated} | {len(run.outcomes)} | {killed} | {len(timeouts)} | {len(survived)} | "
             f"{len(argued)} | {len(survived) - len(argued)} |", "",
             f"Baseline test run {run.baseline_s:.1f} s, per-mutant timeout {run.timeout_s:.0f} s, "
             f"total {run.wall_s / 60:.1f} min.{(' ' + run.partial) if run.partial else ''}", ""]
    if survived:
        lines += ["Survivors:", "", "| id | line | operator | original | mutant | verdict |",
                  "|---|---|---|---|---|---|"]
        for o in survived:
            m = o.mutant
            why = equivalent.get((run.path, m.ident))
            verdict = f"equivalent: {why.replace('|', chr(92) + '|')}" if why else "**not killed**"
            lines.append(f"| {m.ident} | {m.line} | {m.operator} | {_cell(m.original)} | {_cell(m.mutated)} | "
                         f"{verdict} |")
        lines.append("")
    if timeouts:
        lines += ["Timeouts (counted as killed):", "", "| id | line | operator | mutant |", "|---|---|---|---|"]
        lines += [f"| {o.mutant.ident} | {o.mutant.line} | {o.mutant.operator} | {_cell(o.mutant.mutated)} |"
                  for o in timeouts]
        lines.append("")
    lines.append(f"<!-- mutate:end {label} -->")
    return "\n".join(lines)


REPORT_HEAD = """# Mutation testing

Written by `benchmarks/mutate.py` (see its docstring for the operators); one section per target file, replaced
whenever that file is run again. A mutant is *killed* when the listed tests fail (or time out) with it applied in
a private copy of the repository; every survivor is either argued equivalent in one line
(`benchmarks/mutation_equivalent.txt`, `PATH ID ARGUMENT`) or marked **not killed**.

Re-run one target (the commands below are the ones that produced each section):

    python benchmarks/mutate.py --jobs 2 --files verify/kernel/rng.py --tests tests/test_rng.py
    python benchmarks/mutate.py --jobs 2 --files verify/kernel/spectral.py --tests tests/test_spectral.py
    python benchmarks/mutate.py --jobs 2 --files verify/engine/subset_sum.py --tests tests/test_subset_sum.py

and for the checker's other trusted modules (not run yet; one command per file, any selection of tests):

    python benchmarks/mutate.py --jobs 2 --files verify/kernel/check.py --tests tests/test_check*.py tests/test_cert*.py
    python benchmarks/mutate.py --jobs 2 --files verify/kernel/io.py --tests tests/test_check*.py tests/test_cert*.py
    python benchmarks/mutate.py --jobs 2 --files verify/kernel/modelfile.py \
        --tests tests/test_check*.py tests/test_model.py

`--list` prints the mutants without running anything, `--sample N` / `--max-mutants N` run a small form (such a
section says so), `--only ID …` reruns chosen mutants without touching the report, `--report PATH` writes
elsewhere. Each run forks from a preloaded interpreter (`--no-fork` to start fresh ones) with its address space
capped (`--memory-gb`, default 6).
"""


def write_report(path: Path, sections: dict[str, str]) -> None:
    """Replace (or append) each file's section, keeping the sections of other files and the report's head (the text
    before the first section, maintained by hand: the commands that produced each section); a new report starts
    with REPORT_HEAD."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    first = text.find("<!-- mutate:begin ")
    head = text if first < 0 else text[:first]
    text = (head.rstrip("\n") + "\n" if head.strip() else REPORT_HEAD) + ("\n" + text[first:] if first >= 0 else "")
    for target, body in sections.items():
        pattern = re.compile(rf"<!-- mutate:begin {re.escape(target)} -->.*?<!-- mutate:end {re.escape(target)} -->",
                             flags=re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _m, b=body: b, text)
        else:
            text = text.rstrip("\n") + "\n\n" + body + "\n"
    path.write_text(refresh_summary(text).rstrip("\n") + "\n", encoding="utf-8")


SUMMARY_HEADER = "| file | mutants | run | killed | argued equivalent | not killed |\n|---|---|---|---|---|---|\n"


def reargue(text: str, equivalent: dict[tuple[str, str], str]) -> str:
    """Every section's ``**not killed**`` survivors that now have an argument in the equivalence file marked
    equivalent, and the section's counts row recomputed (``--reargue``: arguments written while a run was going; no
    outcome changes)."""
    def one(m: re.Match) -> str:
        label, body = m.group(1), m.group(2)
        path = label.split(" ")[0]

        def verdict(row: re.Match) -> str:
            why = equivalent.get((path, row.group(1)))
            return row.group(0) if why is None else (
                row.group(0)[:-len("**not killed** |")] + f"equivalent: {why.replace('|', chr(92) + '|')} |")

        body = re.sub(r"^\| ([0-9a-f]{8}) \|.*\| \*\*not killed\*\* \|$", verdict, body, flags=re.M)
        table = body[body.index("Survivors:"):].split("Timeouts")[0] if "Survivors:" in body else ""
        argued = len(re.findall(r"\| equivalent: .*\|$", table, flags=re.M))
        open_ = len(re.findall(r"\| \*\*not killed\*\* \|$", table, flags=re.M))
        body = re.sub(r"^(\| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|) \d+ \| \d+ \|$",
                      lambda c: f"{c.group(1)} {argued} | {open_} |", body, count=1, flags=re.M)
        return f"<!-- mutate:begin {label} -->{body}<!-- mutate:end {label} -->"

    return refresh_summary(re.sub(r"<!-- mutate:begin (.*?) -->(.*?)<!-- mutate:end \1 -->", one, text,
                                  flags=re.S))


def refresh_summary(text: str) -> str:
    """The report's summary table (the lines after ``SUMMARY_HEADER`` in its head, if it has one) rewritten from
    the count row of every section, so that it cannot drift from them (tests/test_mutation_report.py)."""
    at = text.find(SUMMARY_HEADER)
    if at < 0:
        return text
    rows = []
    counts = r"^\| (\d+) \| (\d+) \| (\d+) \| \d+ \| \d+ \| (\d+) \| (\d+) \|$"
    for m in re.finditer(r"<!-- mutate:begin (.*?) -->.*?" + counts, text, flags=re.S | re.M):
        rows.append(f"| `{m.group(1)}` | " + " | ".join(m.group(i) for i in range(2, 7)) + " |\n")
    start = at + len(SUMMARY_HEADER)
    end = text.find("\n\n", start)
    return text[:start] + "".join(rows).rstrip("\n") + text[end:]


# --------------------------------------------------------------------------------------------- main


def parse_lines(spec: str) -> set[int]:
    """``10-40,52`` -> {10, …, 40, 52} (1-based, inclusive)."""
    out: set[int] = set()
    for part in spec.split(","):
        lo, _, hi = part.strip().partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()):
            raise SystemExit(f"--lines: {part!r} is not N or N-M")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def changed_lines(path: str, ref: str, repo: Path = REPO) -> set[int]:
    """Lines of the working-tree ``path`` that ``git diff REF`` adds or changes (new-side line numbers of its
    hunks); every line when REF does not hold the file."""
    def git(*a: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *a], cwd=repo, capture_output=True, text=True)

    if git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode:
        raise SystemExit(f"--changed: {ref!r} is not a commit of {repo}")
    if git("cat-file", "-e", f"{ref}:{path}").returncode:
        return set(range(1, len((repo / path).read_text(encoding="utf-8").splitlines()) + 1))
    diff = git("diff", "-U0", "--no-color", "--no-ext-diff", ref, "--", path)
    if diff.returncode:
        raise SystemExit(f"git diff {ref} -- {path} failed: {diff.stderr.strip()}")
    out: set[int] = set()
    for m in re.finditer(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", diff.stdout, flags=re.M):
        start, count = int(m.group(1)), int(m.group(2) or 1)
        out.update(range(start, start + count))
    return out


def mutant_lines(text: str, mutant: Mutant) -> range:
    """The lines of the original file that a mutant's edit replaces (its first to its last)."""
    src = Source(text)
    return range(mutant.edit.line, src.line_of(max(mutant.edit.start, mutant.edit.end - 1)) + 1)


def select_lines(mutants: list[Mutant], text: str, path: str, args: argparse.Namespace) -> tuple[list[Mutant], str]:
    """Apply --changed and --lines: keep the mutants whose edit touches a selected line; the second value names
    the selection ('' when neither is given)."""
    keep, names = None, []
    if getattr(args, "changed", None):
        keep = changed_lines(path, args.changed)
        names.append(f"lines changed since {args.changed}")
    if getattr(args, "lines", None):
        given = parse_lines(args.lines)
        keep = given if keep is None else keep & given
        names.append(f"lines {args.lines}")
    if keep is None:
        return mutants, ""
    return [m for m in mutants if any(n in keep for n in mutant_lines(text, m))], ", ".join(names)


def choose(mutants: list[Mutant], args: argparse.Namespace, selection: str = "") -> tuple[list[Mutant], str]:
    """Apply --only, --sample and --max-mutants; the second value describes a partial run ('' if full).
    ``selection`` names a restriction already applied to ``mutants`` (--changed, --lines)."""
    if args.only:
        return [m for m in mutants if m.ident in set(args.only)], "Only the mutants named with --only."
    chosen, note = mutants, (f"Only the {len(mutants)} mutants on {selection}." if selection else "")
    if args.sample is not None and args.sample < len(chosen):
        chosen = sorted(random.Random(args.seed).sample(chosen, args.sample), key=lambda m: m.edit.start)
        note = f"Small form: a random sample of {args.sample} mutants (seed {args.seed})."
    if args.max_mutants is not None and args.max_mutants < len(chosen):
        chosen = chosen[:args.max_mutants]
        note = (note + " " if note else "Small form: ") + f"the first {args.max_mutants} of them."
    return chosen, note


def command_line(argv: list[str]) -> str:
    return "python benchmarks/mutate.py " + " ".join(a if re.fullmatch(r"[\w./:=,+-]+", a) else repr(a)
                                                     for a in argv)


def run_file(path: str, args: argparse.Namespace, workers: list[Worker]) -> FileRun | None:
    """Generate, choose and run the mutants of one target file."""
    original = (REPO / path).read_text(encoding="utf-8")
    mutants = mutants_of(path, original)
    selected, selection = select_lines(mutants, original, path, args)
    chosen, partial = choose(selected, args, selection)
    if args.list:
        for m in chosen:
            print(f"{m.ident}  {path}:{m.line}  {m.operator:18s}  {m.mutated}")
        print(f"{len(chosen)} of {len(mutants)} mutants of {path}{f' ({selection})' if selection else ''}")
        return None
    for w in workers:
        check_isolation(w.copy, path)
    cmd = pytest_args(args.tests, args.keyword)
    result, baseline, out = workers[0].run(cmd, timeout=3600, record=True)
    if result != "pass":
        raise SystemExit(f"the tests fail without any mutant:\n{out[-3000:]}")
    timeout = args.timeout if args.timeout else 3 * baseline + 15
    print(f"{path}: {len(chosen)} of {len(mutants)} mutants; baseline {baseline:.1f} s, timeout {timeout:.3g} s",
          flush=True)
    pool: queue.Queue = queue.Queue()
    for w in workers:
        pool.put(w)
    t0 = time.perf_counter()
    outcomes: list[Outcome] = []
    ex = ThreadPoolExecutor(max_workers=len(workers))
    try:
        futures = [ex.submit(run_mutant, pool, m, original, cmd, timeout) for m in chosen]
        for i, fut in enumerate(futures, 1):
            o = fut.result()
            outcomes.append(o)
            print(f"  [{i}/{len(chosen)}] {o.status:8s} {o.seconds:5.1f}s {o.mutant.ident} line {o.mutant.line:4d} "
                  f"{o.mutant.operator:18s} {o.mutant.mutated[:70]}  {' '.join(o.failed[:1])}", flush=True)
    finally:
        ex.shutdown(wait=False, cancel_futures=True)
    return FileRun(path, command_line(args.argv), len(mutants), outcomes, baseline, timeout,
                   time.perf_counter() - t0, partial, f"{path} ({selection})" if selection else "")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--files", nargs="+", default=[], help="target files, relative to the repository root")
    p.add_argument("--tests", nargs="+", default=["tests"], help="pytest paths or node ids to run per mutant")
    p.add_argument("-k", "--keyword", help="a pytest -k expression narrowing the selection")
    p.add_argument("--max-mutants", type=int, help="run only the first N mutants (source order)")
    p.add_argument("--sample", type=int, help="run a random sample of N mutants (with --seed)")
    p.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    p.add_argument("--only", nargs="+", help="run only these mutant ids; the report is not written")
    p.add_argument("--changed", metavar="REF",
                   help="only mutants on lines that `git diff REF -- FILE` adds or changes (all lines of a file REF "
                        "lacks); the report gets a section of its own for this selection")
    p.add_argument("--lines", metavar="SPEC", help="only mutants on these lines, e.g. 10-40,52 (with one file)")
    p.add_argument("--timeout", type=float, help="per-mutant timeout in seconds (default 3x baseline + 15 s)")
    p.add_argument("--jobs", type=int, default=1, help="parallel copies (default 1)")
    p.add_argument("--report", type=Path, default=DEFAULT_REPORT, help="Markdown report to update")
    p.add_argument("--equivalent", type=Path, default=DEFAULT_EQUIVALENT, help="equivalence arguments")
    p.add_argument("--list", action="store_true", help="list the mutants and exit")
    p.add_argument("--reargue", action="store_true",
                   help="only re-read the equivalence file into the report's survivor verdicts and counts, and exit")
    p.add_argument("--memory-gb", type=float, default=6.0,
                   help="address-space limit per test run in GiB, 0 for none (default 6; a mutant that asks for "
                        "more fails, i.e. is killed)")
    p.add_argument("--no-fork", action="store_true",
                   help="start a fresh interpreter per run instead of forking a preloaded one (slower)")
    args = p.parse_args(argv)
    args.argv = argv
    if not args.files and not args.reargue:
        p.error("--files is required (unless --reargue)")
    for f in args.files:
        if not (REPO / f).is_file() or not f.endswith(".py"):
            p.error(f"--files: {f} is not a Python file of the repository")
    if args.lines and len(args.files) != 1:
        p.error("--lines names lines of one file: give exactly one --files")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.reargue:
        args.report.write_text(reargue(args.report.read_text(encoding="utf-8"), read_equivalent(args.equivalent)),
                               encoding="utf-8")
        return 0
    MEMORY_LIMIT[0] = int(args.memory_gb * (1 << 30))
    sections: dict[str, str] = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="slt-mutate-") as tmp:
        write_plugin(Path(tmp))
        preload = None if args.no_fork else PRELOAD
        workers = [] if args.list else [Worker(make_copy(REPO, Path(tmp), f"job{i}"), preload)
                                        for i in range(max(1, args.jobs))]
        try:
            runs = [run_file(path, args, workers) for path in args.files]
            for w in workers:
                w.close()
        finally:
            kill_running()
        for path, run in zip(args.files, runs, strict=True):
            if run is None:
                continue
            equivalent = read_equivalent(args.equivalent)   # read last: arguments written during the run count
            survivors = [o for o in run.outcomes if o.status == "survived"]
            open_ones = [o for o in survivors if (path, o.mutant.ident) not in equivalent]
            print(f"{path}: {len(run.outcomes)} run, {len(run.outcomes) - len(survivors)} killed, "
                  f"{len(survivors)} survived ({len(open_ones)} not argued equivalent)")
            sections[run.label or path] = section(run, equivalent)
    if sections and not args.only:
        write_report(args.report, sections)
        print(f"report: {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
