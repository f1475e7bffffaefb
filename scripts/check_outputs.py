#!/usr/bin/env python3
"""Read what `outsim run` wrote with readers outsim did not write, and check it agrees.

For every results folder (a folder holding `summary.csv`) below the folders given:

- `results.xlsx` opens in openpyxl; it has the sheets Summary, Pairs, Monthly and
  Assumptions; Summary, Pairs and Monthly equal `summary.csv`, `pairs.csv` and
  `monthly.csv` cell for cell (numbers to the bit, text exactly, empty for empty); the
  header rows are frozen and filtered; amounts carry a currency format and shares a
  percent format; Summary holds the two charts; no cell holds a formula.
- the Recommendation sheet holds `summary.json`'s `recommendation`: its paragraph, and
  one row per figure (dotted field path, value) equal to the JSON; each comparison's
  figures equal the row of `pairs.csv` for the recommendation against that strategy.
- `trials.parquet` opens in pandas (pyarrow): one row per trial and strategy, the
  strategies of the summary, and per strategy the mean NPV cost and the share of trials
  meeting the objectives equal the summary's (to 1e-9 relative: the sums are added in
  another order).

Usage: check_outputs.py FOLDER...   Exit status 0 when every check passes, 1 otherwise.
Needs openpyxl, pandas and pyarrow (`.ci/run` installs them).
"""

import csv
import json
import math
import sys
from pathlib import Path

import openpyxl
import pandas

SHEETS = ("Summary", "Recommendation", "Pairs", "Monthly", "Assumptions")
TABLES = (("Summary", "summary.csv"), ("Pairs", "pairs.csv"), ("Monthly", "monthly.csv"))
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Checks:
    """Counts passed checks and collects the failures, each with where it failed."""

    def __init__(self):
        self.passed = 0
        self.failures = []

    def check(self, ok, where, message):
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{where}: {message}")
        return ok


def same(cell, text):
    """Whether a workbook value holds what a CSV cell says."""
    if cell is None:
        return text == ""
    if isinstance(cell, bool):
        return text == ("true" if cell else "false")
    if isinstance(cell, (int, float)):
        try:
            return float(text) == float(cell)
        except ValueError:
            return False
    return cell == text


def neutralised(name):
    """A name as the CSVs write it (OWASP's leading quote on formula-like text)."""
    return "'" + name if name.startswith(FORMULA_START) else name


def check_table(checks, book, sheet, csv_path):
    where = f"{csv_path.parent.name}/results.xlsx[{sheet}]"
    with csv_path.open(newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    rows = [list(r) for r in book[sheet].iter_rows(values_only=True)]
    if not checks.check(len(rows) == len(records), where,
                        f"{len(rows)} rows, {csv_path.name} has {len(records)}"):
        return
    cells = 0
    for r, (row, record) in enumerate(zip(rows, records), start=1):
        # openpyxl pads a row to the sheet's width; a CSV row has its own.
        while len(row) > len(record) and row[-1] is None:
            row.pop()
        if not checks.check(len(row) == len(record), where, f"row {r}: {len(row)} cells"):
            continue
        for c, (cell, text) in enumerate(zip(row, record)):
            cells += 1
            if not same(cell, text):
                checks.check(False, where,
                             f"row {r} column {records[0][c]}: {cell!r} but CSV {text!r}")
    checks.check(cells > 0, where, "no cells compared")
    return records


def check_layout(checks, book, folder):
    where = f"{folder.name}/results.xlsx"
    for name in SHEETS:
        checks.check(name in book.sheetnames, where, f"no sheet {name} in {book.sheetnames}")
    for name in ("Summary", "Pairs", "Monthly"):
        if name not in book.sheetnames:
            continue
        ws = book[name]
        checks.check(ws.freeze_panes is not None and ws.freeze_panes[-1] == "2",
                     f"{where}[{name}]", f"header not frozen ({ws.freeze_panes})")
        checks.check(bool(ws.auto_filter.ref), f"{where}[{name}]", "no autofilter")
        header = [c.value for c in ws[1]]
        for col, title in enumerate(header, start=1):
            if ws.max_row < 2 or title is None:
                continue
            fmt = ws.cell(row=2, column=col).number_format
            if title in ("cost_mean", "mean_diff"):
                checks.check("#,##0" in fmt, f"{where}[{name}]",
                             f"{title} has no amount format ({fmt})")
            if title.startswith("p_"):
                checks.check("%" in fmt, f"{where}[{name}]",
                             f"{title} has no percent format ({fmt})")
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    checks.check(False, f"{where}[{name}]", f"{cell.coordinate} is a formula")
    if "Summary" in book.sheetnames:
        charts = len(getattr(book["Summary"], "_charts", []))
        checks.check(charts >= 2, f"{where}[Summary]", f"{charts} charts, expected 2")


def check_trials(checks, folder, summary):
    path = folder / "trials.parquet"
    where = f"{folder.name}/trials.parquet"
    if not path.exists():
        return
    trials = pandas.read_parquet(path)
    header, rows = summary[0], summary[1:]
    col = {name: i for i, name in enumerate(header)}
    expected_rows = sum(int(r[col["trials"]]) for r in rows)
    checks.check(len(trials) == expected_rows, where,
                 f"{len(trials)} rows, summary says {expected_rows}")
    by_name = {neutralised(name): group for name, group in trials.groupby("strategy", sort=False)}
    for r in rows:
        name = r[col["strategy"]]
        group = by_name.get(name)
        if not checks.check(group is not None, where, f"no trials of {name!r}"):
            continue
        for figure, column in (("cost_mean", "cost_npv"), ("p_objectives_met", "objectives_met")):
            if figure not in col or column not in group:
                continue
            want = float(r[col[figure]])
            got = float(group[column].astype(float).mean())
            checks.check(math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), where,
                         f"{name}: mean {column} {got!r}, summary {figure} {want!r}")


def leaf(value, path):
    """The value at a dotted path of a JSON object, or None."""
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check_recommendation(checks, book, folder):
    where = f"{folder.name}/results.xlsx[Recommendation]"
    json_path = folder / "summary.json"
    if "Recommendation" not in book.sheetnames or not json_path.exists():
        return
    rec = json.loads(json_path.read_text(encoding="utf-8")).get("recommendation")
    if not checks.check(isinstance(rec, dict), str(json_path), "no recommendation"):
        return
    rows = list(book["Recommendation"].iter_rows(values_only=True))
    checks.check(len(rows) > 1 and rows[1][0] == neutralised(rec["text"]), where,
                 "the paragraph differs from summary.json's text")
    header = next((i for i, r in enumerate(rows) if r and r[0] == "field"), None)
    if not checks.check(header is not None, where, "no field/value table"):
        return
    seen = 0
    for row in rows[header + 1:]:
        if not row or row[0] is None:
            continue
        key, value = row[0], row[1]
        want = leaf(rec, key)
        if isinstance(want, str):
            ok = value == neutralised(want)
        elif want is None:
            ok = value is None
        else:
            ok = isinstance(value, (int, float)) and float(value) == float(want)
        checks.check(ok, where, f"{key}: {value!r}, summary.json {want!r}")
        seen += 1
    checks.check(seen >= 10, where, f"only {seen} figures")
    with (folder / "pairs.csv").open(newline="", encoding="utf-8") as f:
        pairs = list(csv.reader(f))
    col = {name: i for i, name in enumerate(pairs[0])}
    for role in ("versus_lowest_rate_card", "versus_runner_up"):
        c = rec.get(role)
        if not c:
            continue
        row = next((r for r in pairs[1:]
                    if r[col["strategy_a"]] == neutralised(rec["strategy"])
                    and r[col["strategy_b"]] == neutralised(c["strategy"])), None)
        if not checks.check(row is not None, where, f"{role}: no row in pairs.csv"):
            continue
        for figure, column in (("p_cheaper", "p_a_cheaper"), ("mean_diff", "mean_diff"),
                               ("diff_ci_low", "diff_ci_low"), ("diff_ci_high", "diff_ci_high")):
            checks.check(float(row[col[column]]) == float(c[figure]), where,
                         f"{role}.{figure} {c[figure]!r}, pairs.csv {row[col[column]]!r}")


def check_folder(checks, folder):
    book_path = folder / "results.xlsx"
    if not checks.check(book_path.exists(), str(folder), "no results.xlsx"):
        return
    book = openpyxl.load_workbook(book_path)
    check_layout(checks, book, folder)
    check_recommendation(checks, book, folder)
    summary = None
    for sheet, csv_name in TABLES:
        if sheet in book.sheetnames:
            records = check_table(checks, book, sheet, folder / csv_name)
            if sheet == "Summary":
                summary = records
    if summary:
        check_trials(checks, folder, summary)


def main(args):
    if not args:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: check_outputs.py FOLDER...", file=sys.stderr)
        return 2
    folders = sorted({p.parent for arg in args for p in Path(arg).rglob("summary.csv")})
    checks = Checks()
    checks.check(bool(folders), " ".join(args), "no results folder found")
    for folder in folders:
        check_folder(checks, folder)
    for failure in checks.failures:
        print(f"FAILED {failure}")
    print(f"check_outputs: {len(folders)} results folder(s)")
    print(f"{checks.passed} passed, {len(checks.failures)} failed")
    return 0 if not checks.failures else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
