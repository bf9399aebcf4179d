"""bench/figures.py: the rows issue 16's benches save and bench/build.py prints in one table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_figures", Path(__file__).parents[1] / "bench" / "figures.py"
)
assert _spec and _spec.loader
figures = sys.modules["bench_figures"] = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(figures)


def test_saved_figures_load_back_equal(tmp_path: Path) -> None:
    rows = [
        figures.Figure("issue 1 into 10,000", "0.50 s", "0.37 s", "1.38x", "<= 1.5x", True, "0.8"),
        figures.Figure("peak memory", "416 MB", target="< 500 MB", met=True),
        figures.Figure("empty site", "0.57 s"),
    ]
    path = tmp_path / "issue.json"
    figures.save(path, rows)
    assert figures.load(path) == rows
    assert [p.name for p in tmp_path.iterdir()] == ["issue.json"]  # no temp file left


def test_the_table_counts_the_targets_met_and_names_the_missed() -> None:
    text = figures.table(
        [
            figures.Figure("warm, per credential", "0.13 ms", "2.5 ms", "19x", ">= 4x", True),
            figures.Figure("page + credential.json", "12.82 KB", target="<= 10 KB", met=False),
            figures.Figure("empty site", "0.57 s", "0.33 s", "1.7x"),  # no target: not counted
        ]
    )
    lines = text.splitlines()
    assert lines[0].startswith("| figure | credpages | baseline | ratio | target |")
    assert lines[2] == "| warm, per credential | 0.13 ms | 2.5 ms | 19x | >= 4x | met |  |"
    assert "| 12.82 KB |" in lines[3] and "**missed**" in lines[3]
    assert lines[4] == "| empty site | 0.57 s | 0.33 s | 1.7x |  |  |  |"
    assert lines[-1] == "1 of 2 targets met; missed: page + credential.json"


def test_a_bar_in_a_figure_does_not_add_a_column() -> None:
    (row,) = figures.table([figures.Figure("a | b", "1 | 2")]).splitlines()[2:3]
    assert row.count("|") == 8
    assert "a / b" in row and "1 / 2" in row
