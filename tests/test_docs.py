"""The mathematics lives in docs/: every citation of it resolves to a page and a section heading there, and nothing in
the repository points outside it (issue 12)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# Written in pieces so that this file does not contain what it forbids.
FORBIDDEN = (".." + "/shared", "shared/" + "DESIGN.md")

# A Markdown path followed, optionally, by a Markdown link target and a section list: "docs/gadgets.md §3",
# "docs/gadgets.md §4–§5", "docs/composition.md §1, §4", "[`../docs/certificate.md`](../docs/certificate.md) §4".
_SEC = r"§\s?\d+(?:\.\d+)*"
CITATION = re.compile(
    r"(?P<path>[\w./-]*?[\w-]+\.md)"
    r"(?:`?\]\([^)\s]*\))?`?"
    rf"(?:\s*(?P<secs>{_SEC}(?:\s*(?:[–—-]|,|and|or)\s*(?:{_SEC}|\d+(?:\.\d+)*))*))?")
HEADING = re.compile(r"^#{1,6}\s+§(\d+(?:\.\d+)*)(?=[\s.:]|$)", re.MULTILINE)
_SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist", ".venv",
              "slt-demo", "slt-experiments"}


def repository_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files (git), else a walk that skips caches and build output."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, check=True, timeout=60).stdout
        files = [ROOT / p for p in out.decode("utf-8").split("\0") if p]
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        files = [p for p in ROOT.rglob("*") if not any(part in _SKIP_DIRS or part.endswith(".egg-info")
                                                        for part in p.relative_to(ROOT).parts)]
    return sorted(p for p in files if p.is_file())


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _sections(secs: str) -> list[str]:
    """'§2–§4' → ['2', '3', '4']; '§2, §4' → ['2', '4']; '§6.2' → ['6.2']."""
    out: list[str] = []
    parts = re.split(r"\s*([–—-]|,|and|or)\s*", secs)
    nums, seps = parts[0::2], [None, *parts[1::2]]
    for num, sep in zip(nums, seps, strict=True):
        num = num.replace("§", "").strip()
        if sep in ("–", "—", "-") and out and "." not in num and "." not in out[-1]:
            out += [str(n) for n in range(int(out[-1]) + 1, int(num) + 1)]
        else:
            out.append(num)
    return out


def headings(page: Path) -> set[str]:
    return set(HEADING.findall(page.read_text(encoding="utf-8")))


def _is_docs_reference(source: Path, path: str) -> bool:
    """Paths that must resolve inside docs/: anything naming docs/ or a design.md, and bare names inside docs/."""
    if "docs/" in path or path.lower().rsplit("/", 1)[-1] == "design.md":
        return True
    return source.parent == DOCS and "/" not in path and (DOCS / path).is_file()


def citation_problems(source: Path, text: str) -> list[str]:
    """Every docs citation in ``text`` (the contents of ``source``) that does not resolve to a page and heading."""
    problems = []
    for m in CITATION.finditer(text):
        path, secs = m["path"], m["secs"]
        if not _is_docs_reference(source, path):
            continue
        line = text.count("\n", 0, m.start()) + 1
        where = f"{source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}:{line}"
        targets = [(base / path).resolve() for base in (source.parent, ROOT)]
        page = next((t for t in targets if t.is_file() and t.is_relative_to(DOCS)), None)
        if page is None:
            problems.append(f"{where}: {path!r} is not a page in docs/")
            continue
        if secs:
            missing = [s for s in _sections(secs) if s not in headings(page)]
            if missing:
                problems.append(f"{where}: {path} has no section {', '.join('§' + s for s in missing)}")
    return problems


def test_nothing_points_outside_the_repository() -> None:
    hits = []
    for path in repository_files():
        text = _text(path)
        if text is None:
            continue
        for bad in FORBIDDEN:
            for m in re.finditer(re.escape(bad), text):
                hits.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {bad}")
    assert not hits, "references outside the repository:\n" + "\n".join(hits)


def test_every_docs_citation_resolves() -> None:
    problems = []
    for path in repository_files():
        if path == Path(__file__).resolve():   # its examples of bad citations are tested below
            continue
        text = _text(path)
        if text is not None:
            problems += citation_problems(path, text)
    assert not problems, "unresolved citations of docs/:\n" + "\n".join(problems)


def test_every_page_is_indexed_and_numbered() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"]({page.name})" in index, f"docs/README.md does not link {page.name}"
            assert headings(page), f"docs/{page.name} has no numbered (§N) section heading"
    for n in range(1, 7):   # the six sections of the former design notes each have a new home
        assert re.search(rf"^\| §{n} \|", index, re.MULTILINE), f"docs/README.md does not map the former §{n}"


def test_planned_work_is_labelled_as_planned() -> None:
    text = (DOCS / "planned.md").read_text(encoding="utf-8")
    assert "Status: planned" in text
    assert all("(planned" in h for h in re.findall(r"^## §\d+ .*$", text, re.MULTILINE))


@pytest.mark.parametrize(("text", "ok"), [
    ("see docs/gadgets.md §3 and docs/composition.md §1–§2", True),
    ("see docs/gadgets.md §6.2, §4", True),
    ("[`../docs/certificate.md`](../docs/certificate.md) §4", True),
    ("(docs/overview.md)", True),
    ("see DESIGN.md §2", False),                   # the old form
    ("see docs/design.md §2", False),              # no such page
    ("see docs/gadgets.md §99", False),            # no such section
    ("see docs/gadgets.md §2–§9", False),          # a range running past the last section
    ("see docs/gadgets.md §6.9", False),           # no such subsection
])
def test_the_citation_check_can_fail(text: str, ok: bool) -> None:
    source = ROOT / "verify" / "example.py"
    assert (citation_problems(source, text) == []) == ok, citation_problems(source, text)


def test_sections_expand_ranges_and_lists() -> None:
    assert _sections("§2–§4") == ["2", "3", "4"]
    assert _sections("§2-§3") == ["2", "3"]
    assert _sections("§2, §4") == ["2", "4"]
    assert _sections("§2 and §4") == ["2", "4"]
    assert _sections("§6.2") == ["6.2"]
