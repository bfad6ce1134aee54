"""benchmarks/mutate.py keeps the hand-maintained head of an existing report (the commands behind each section)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tool():
    spec = importlib.util.spec_from_file_location("slt_mutate_tool_head", ROOT / "benchmarks" / "mutate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def test_an_existing_head_is_kept_and_a_new_report_gets_the_default(tmp_path):
    mutate = _tool()
    report = tmp_path / "MUTATION.md"
    body = "<!-- mutate:begin a.py -->\nA\n<!-- mutate:end a.py -->"
    mutate.write_report(report, {"a.py": body})
    assert report.read_text().startswith(mutate.REPORT_HEAD)
    report.write_text("# My head\n\nhand-written commands\n\n" + body + "\n")
    mutate.write_report(report, {"b.py": body.replace("a.py", "b.py")})
    mutate.write_report(report, {"a.py": body.replace("A\n", "A2\n")})
    text = report.read_text()
    assert text.startswith("# My head\n\nhand-written commands\n\n<!-- mutate:begin a.py -->\nA2\n")
    assert mutate.REPORT_HEAD not in text and text.count("mutate:begin") == 2
