"""benchmarks/mutate.py: the mutants it generates, how it applies them, and how it writes its report."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("slt_mutate_tool", ROOT / "benchmarks" / "mutate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


SAMPLE = '''"""Doc with 1 < 2 in it."""


def f(x: int | None, y: int) -> bool:
    """‖x‖ — unicode before the code."""
    if x is None:
        raise ValueError("x")
    if x < y and y >= 0:
        return True
    z = (x + y) * 3 - (x << 2)  # comment with + and <
    z ^= 0x7F
    return False
'''


def test_operators_and_byte_exact_application(mutate):
    ms = mutate.mutants_of("sample.py", SAMPLE)
    got = {(m.operator, m.mutated) for m in ms}
    for want in [("delete if-raise", "pass"), ("negate if", "if not (x is None):"),
                 ("is -> is not", "if x is not None:"), ("< -> <=", "if x <= y and y >= 0:"),
                 (">= -> >", "if x < y and y > 0:"),
                 ("and -> or", "if x < y or y >= 0:"), ("return True -> False", "return False"),
                 ("return False -> True", "return True"),
                 ("+ -> -", "z = (x - y) * 3 - (x << 2)  # comment with + and <"),
                 ("* -> //", "z = (x + y) // 3 - (x << 2)  # comment with + and <"),
                 ("<< -> >>", "z = (x + y) * 3 - (x >> 2)  # comment with + and <"),
                 ("remove term", "z = ((x + y) * 3)  # comment with + and <"),
                 ("remove term", "z = ((x)) * 3 - (x << 2)  # comment with + and <"),
                 ("constant +1", "z = (x + y) * 4 - (x << 2)  # comment with + and <"),
                 ("constant -1", "z ^= 0x7E"), ("^= -> |=", "z |= 0x7F")]:
        assert want in got, want
    assert not any("|" in m.mutated and "None" in m.mutated for m in ms), "annotations are not mutated"
    assert not any("Doc" in m.mutated for m in ms), "docstrings are not mutated"
    for m in ms:
        text = mutate.Source(SAMPLE).apply(m.edit)
        compile(text, "sample.py", "exec")
        lines_a, lines_b = SAMPLE.splitlines(), text.splitlines()
        changed = [i for i, (a, b) in enumerate(zip(lines_a, lines_b, strict=False)) if a != b]
        assert changed and changed[0] + 1 == m.line          # the change starts on the reported line
    assert len({m.ident for m in ms}) == len(ms)                 # ids are unique …
    shifted = mutate.mutants_of("sample.py", "\n\n# a new comment\n" + SAMPLE)
    assert {m.ident for m in shifted} == {m.ident for m in ms}   # … and survive edits elsewhere in the file


def test_report_sections_are_replaced_per_file(mutate, tmp_path):
    ms = mutate.mutants_of("sample.py", SAMPLE)
    outcomes = [mutate.Outcome(ms[0], "survived", 1.0), mutate.Outcome(ms[1], "killed", 1.0),
                mutate.Outcome(ms[2], "timeout", 9.0)]
    run = mutate.FileRun("sample.py", "python benchmarks/mutate.py --files sample.py", len(ms), outcomes, 2.0, 20.0,
                         60.0, "")
    report = tmp_path / "MUTATION.md"
    mutate.write_report(report, {"sample.py": mutate.section(run, {})})
    mutate.write_report(report, {"other.py": mutate.section(run, {}).replace("sample.py", "other.py")})
    first = report.read_text()
    assert "**not killed**" in first and "Timeouts" in first and first.count("mutate:begin") == 2
    mutate.write_report(report, {"sample.py": mutate.section(run, {("sample.py", ms[0].ident): "same value"})})
    text = report.read_text()
    assert text.count("mutate:begin sample.py") == 1 and "equivalent: same value" in text
    assert "mutate:begin other.py" in text and text.index("sample.py") < text.index("other.py")
    row = f"| {len(ms)} | 3 | 2 | 1 | 1 | 1 | 0 |"
    assert row in text


def test_equivalence_file_is_read(mutate, tmp_path):
    f = tmp_path / "eq.txt"
    f.write_text("# comment\n\nverify/x.py abcd1234 the branch is unreachable\n")
    assert mutate.read_equivalent(f) == {("verify/x.py", "abcd1234"): "the branch is unreachable"}


def test_every_argued_equivalent_names_a_current_mutant(mutate):
    """Arguments in benchmarks/mutation_equivalent.txt must match a mutant the tool still generates (an edit of
    the target file that changes a mutated line retires its argument, which must then be re-made)."""
    argued = mutate.read_equivalent(mutate.DEFAULT_EQUIVALENT)
    idents = {path: {m.ident for m in mutate.mutants_of(path, (ROOT / path).read_text(encoding="utf-8"))}
              for path in {p for p, _ in argued}}
    for (path, ident), argument in argued.items():
        assert ident in idents[path], (path, ident, argument)
        assert len(argument) > 10


def test_changed_and_lines_select_the_mutants_on_edited_lines(mutate, tmp_path):
    """--changed REF keeps the mutants whose edit touches a line `git diff REF` adds or changes (all lines of a
    file REF lacks); --lines keeps those touching the given lines; the section is labelled with the selection."""
    import subprocess
    from types import SimpleNamespace

    def git(*a):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *a], cwd=tmp_path, check=True,
                       capture_output=True)

    git("init", "-q")
    (tmp_path / "sample.py").write_text(SAMPLE, encoding="utf-8")
    git("add", "sample.py")
    git("commit", "-q", "-m", "base")
    edited = SAMPLE.replace("    z ^= 0x7F\n", "    z ^= 0x7F\n    z -= 1\n").replace(
        '        raise ValueError("x")', '        raise ValueError("y")')
    (tmp_path / "sample.py").write_text(edited, encoding="utf-8")
    lines = edited.splitlines()
    raise_line = lines.index('        raise ValueError("y")') + 1
    new_line = lines.index("    z -= 1") + 1
    assert mutate.changed_lines("sample.py", "HEAD", tmp_path) == {raise_line, new_line}
    (tmp_path / "new.py").write_text("a = 1\nb = 2\n", encoding="utf-8")     # not in HEAD: every line
    assert mutate.changed_lines("new.py", "HEAD", tmp_path) == {1, 2}
    with pytest.raises(SystemExit, match="not a commit"):
        mutate.changed_lines("sample.py", "no-such-ref", tmp_path)

    ms = mutate.mutants_of("sample.py", edited)
    real = mutate.changed_lines
    mutate.changed_lines = lambda path, ref, repo=tmp_path: real(path, ref, repo)
    try:
        kept, name = mutate.select_lines(ms, edited, "sample.py", SimpleNamespace(changed="HEAD", lines=None))
    finally:
        mutate.changed_lines = real
    assert name == "lines changed since HEAD"
    # the new line's mutants, and the two edits of `if x is None: raise …` that span the changed raise line
    assert {(m.operator, m.line) for m in kept} == {
        ("-= -> +=", new_line), ("constant +1", new_line), ("constant -1", new_line),
        ("delete if-raise", raise_line - 1)}
    assert all(m.line in {raise_line - 1, new_line} for m in kept)
    only, name = mutate.select_lines(ms, edited, "sample.py", SimpleNamespace(changed=None, lines=f"1-{raise_line}"))
    assert name == f"lines 1-{raise_line}" and {m.line for m in only} == {raise_line - 1}
    assert mutate.parse_lines("3-5,9") == {3, 4, 5, 9}
    with pytest.raises(SystemExit):
        mutate.parse_lines("x")
    run = mutate.FileRun("sample.py", "cmd", len(ms), [mutate.Outcome(kept[0], "killed", 1.0)], 1.0, 10.0, 5.0,
                         "Only the 4 mutants on lines changed since HEAD.", "sample.py (lines changed since HEAD)")
    text = mutate.section(run, {})
    assert text.startswith("<!-- mutate:begin sample.py (lines changed since HEAD) -->\n"
                           "## `sample.py` (lines changed since HEAD)\n")
    assert text.endswith("<!-- mutate:end sample.py (lines changed since HEAD) -->")
    report = tmp_path / "MUTATION.md"
    full = mutate.section(mutate.FileRun("sample.py", "cmd", len(ms), [], 1.0, 10.0, 5.0, ""), {})
    mutate.write_report(report, {"sample.py": full})
    mutate.write_report(report, {"sample.py (lines changed since HEAD)": text})
    assert report.read_text().count("mutate:begin sample.py") == 2     # next to the full section, not over it


def test_reargue_marks_survivors_argued_after_the_run(mutate, tmp_path):
    """--reargue: a section written before its survivors were argued reads as if they had been argued at the run
    (verdict cells and counts row, the summary too); survivors still without an argument stay **not killed**."""
    ms = mutate.mutants_of("sample.py", SAMPLE)
    outcomes = [mutate.Outcome(ms[0], "survived", 1.0), mutate.Outcome(ms[1], "survived", 1.0),
                mutate.Outcome(ms[2], "killed", 1.0)]
    run = mutate.FileRun("sample.py", "cmd", len(ms), outcomes, 2.0, 20.0, 60.0, "")
    report = tmp_path / "MUTATION.md"
    mutate.write_report(report, {"sample.py": mutate.section(run, {})})
    assert f"| {len(ms)} | 3 | 1 | 0 | 2 | 0 | 2 |" in report.read_text()
    argued = {("sample.py", ms[0].ident): "same value | really"}
    text = mutate.reargue(report.read_text(), argued)
    assert f"| {len(ms)} | 3 | 1 | 0 | 2 | 1 | 1 |" in text
    assert "equivalent: same value \\| really" in text
    assert text.count("**not killed**") == report.read_text().count("**not killed**") - 1   # the report's head too
    assert text == mutate.section(run, argued).join(report.read_text().split(mutate.section(run, {})))
