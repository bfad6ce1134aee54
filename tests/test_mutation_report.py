"""benchmarks/MUTATION.md tells the truth about itself (issue 18): its summary table repeats each section's own counts,
no section has a survivor marked not killed, every section's survivors carry an argument that is also in
benchmarks/mutation_equivalent.txt, and every file of the trusted kernel has a section."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = (ROOT / "benchmarks" / "MUTATION.md").read_text()
SECTION = re.compile(r"<!-- mutate:begin (\S+) -->(.*?)<!-- mutate:end \1 -->", re.S)
COUNTS = re.compile(r"^\| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", re.M)


def _sections() -> dict[str, str]:
    found = {m.group(1): m.group(2) for m in SECTION.finditer(REPORT)}
    assert found, "no sections found"
    return found


def test_every_kernel_file_has_a_section_of_a_full_run() -> None:
    kernel = {f"verify/kernel/{p.name}" for p in (ROOT / "verify" / "kernel").glob("*.py") if p.name != "__init__.py"}
    sections = _sections()
    assert kernel <= set(sections), sorted(kernel - set(sections))
    for name, body in sections.items():
        mutants, run = COUNTS.search(body).groups()[:2]
        assert mutants == run, f"{name}: {run} of {mutants} mutants run (a sample is not a full run)"


def test_no_section_has_a_mutant_left_not_killed() -> None:
    for name, body in _sections().items():
        counts = [int(x) for x in COUNTS.search(body).groups()]
        mutants, run, killed, _timeouts, survived, argued, not_killed = counts
        assert not_killed == 0 and "**not killed**" not in body, name
        assert killed + survived == run and argued == survived, name


def test_the_summary_repeats_the_sections_counts() -> None:
    summary = REPORT[REPORT.index("## Where it stands"):REPORT.index("## Earlier runs")]
    rows = dict(re.findall(r"^\| `(\S+)` \| (\d+ \| \d+ \| \d+ \| \d+ \| \d+) \|$", summary, re.M))
    sections = _sections()
    assert set(rows) == set(sections)
    for name, body in sections.items():
        mutants, run, killed, _t, _s, argued, not_killed = COUNTS.search(body).groups()
        assert rows[name] == f"{mutants} | {run} | {killed} | {argued} | {not_killed}", name


def test_every_survivor_is_argued_in_the_equivalence_file() -> None:
    argued: dict[tuple[str, str], str] = {}
    for line in (ROOT / "benchmarks" / "mutation_equivalent.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            path, mid, argument = line.split(None, 2)
            argued[(path, mid)] = argument
    for name, body in _sections().items():
        if "Survivors:" not in body:
            continue
        table = body[body.index("Survivors:"):].split("Timeouts")[0]
        for mid in re.findall(r"^\| ([0-9a-f]{8}) \|", table, re.M):
            assert (name, mid) in argued, (name, mid)
