"""The house rules of issue 12 that the code's shape can state: no import cycle anywhere in verify/ (module-level and
function-level imports alike), no function with more than 8 parameters, and the option limits within what the
subset-sum kernel computes exactly."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "verify"
MAX_PARAMETERS = 8


def _modules() -> dict[str, Path]:
    """Every module of verify/, by dotted name (a package by the name of its __init__)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The verify modules one import statement loads: ``import a.b`` → a.b; ``from a.b import c`` → a.b.c when that
    is a module, else a.b (c is a name defined there); relative imports resolved against ``module``."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    out = set()
    for alias in node.names:
        sub = f"{source}.{alias.name}"
        if sub in known:
            out.add(sub)
        elif source in known:
            out.add(source)
    return out


def import_graph() -> dict[str, set[str]]:
    """module → the verify modules it imports anywhere in its body (functions included)."""
    modules = _modules()
    known = set(modules)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _imported(node, name, path.name == "__init__.py", known)
        graph[name] = edges - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first = last), or None: depth-first search with colours."""
    state: dict[str, int] = {}   # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_graph_sees_function_level_imports():
    """The graph is not empty and includes imports made inside functions (the kind that used to hide a cycle)."""
    graph = import_graph()
    assert "verify.engine.construct" in graph["verify.search"]
    assert "verify.commands" in graph["verify.cli"]            # imported only inside cli.main
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_verify():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> int:
    a = fn.args
    return (len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs) + (a.vararg is not None)
            + (a.kwarg is not None))


def test_no_function_has_more_than_eight_parameters():
    """Counting every parameter (self, keyword-only, *args and **kwargs included), in every function, method and
    lambda of verify/."""
    over = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                if (n := _parameters(node)) > MAX_PARAMETERS:
                    over.append(f"{name}.{getattr(node, 'name', '<lambda>')} (line {node.lineno}): {n}")
    assert not over, "functions with more than 8 parameters: " + "; ".join(over)


def test_option_limits_fit_the_subset_sum_kernel():
    """--max-candidates (verify/options.py) may not exceed what one instance of the kernel sums exactly in int64."""
    from verify import options
    from verify.engine.subset_sum import EXACT_INT64_CANDIDATES

    lo, hi = options.CANDIDATES_RANGE
    assert 1 <= lo <= options.CANDIDATES_DEFAULT <= hi <= EXACT_INT64_CANDIDATES


def test_options_do_not_import_torch():
    """The settings are read by the command line before torch is needed (``check --help`` stays torch-free)."""
    import subprocess
    import sys

    code = "import sys; import verify.options; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=ROOT)
