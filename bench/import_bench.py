"""Import speed: build a 100,000-row household workbook, then time a full validated commit (read,
header, clean, validate, one-transaction write, derived status) beside pandas.read_excel with
openpyxl reading the same file, and print both, their ratio and the peak memory of each.

Each measurement runs in its own process so that its peak memory is its own; modules are loaded
and the registry's index of unit names built before the clock starts (the dashboard has them
loaded, and builds the index as it starts); each is taken RUNS (3) times, the median
time shown with the highest peak. Goals: the commit within 3 s and 600 MB (572 MiB), and at most
a quarter of the openpyxl read; beside the raw python-calamine read of the same sheet (the reader
the importer uses), the commit within 1.5 times its time and 2 times its peak memory.

A sheet full to Excel's last row (1,048,572 households under a title and the header, with the
total row on row 1,048,576; built once into bench/out/) is checked and committed as the Data page
does it (a dry run, then the import), in a process that then lets go of both reports and idles:
its peak resident memory, and what it still holds once the import has returned and garbage is
collected, against what it held before.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--province 70] [--no-full-sheet]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import OUT, ROOT, write_section

RUNS = 3  # this machine's timings wander by a third from run to run: the median of three
GOAL_SECONDS, GOAL_BYTES, GOAL_RATIO = 3, 600e6, 0.25
GOAL_MIB = GOAL_BYTES / 2**20  # the peaks are in MiB (ru_maxrss is in KiB on Linux)
GOAL_CALAMINE_TIME, GOAL_CALAMINE_MEMORY = 1.5, 2.0  # commit / raw calamine read, in one run
FULL_SHEET_ROWS = 1_048_572  # households: a title row, a blank row, the header, and the total row on row 1,048,576
STRAY_LIST_ROWS = 1_000  # the list under a stray cell on row 1,048,576
SETTLE_SECONDS = 2  # after the import: DuckDB's allocator gives memory back in a background thread


def _province_communes(province: str) -> tuple[str, list[tuple[str, str]]]:
    """(the province's name, [(district, commune)] of its communes before 2025) from the national
    registry: names as the registry writes them, the district beside each (names repeat inside a
    province: Bình Phước has two Xã Tân Hưng)."""
    from analytics import registry
    units, _ = registry.frames()
    old = units[units.vintage == 2024]
    name = old[old.code == province].name.iloc[0]
    districts = old[old.parent_code == province].set_index("code").name
    communes = old[old.parent_code.isin(districts.index)]
    return name, [(districts[p], n) for p, n in zip(communes.parent_code, communes.name)]


def build_workbook(path: Path, rows: int, seed: int = 1, province: str | None = None,
                   stray: bool = False) -> None:
    """A review list as a district would send it: a title, the header, one row per household;
    with ``province`` (a code before 2025), a province's list, its rows spread over every commune
    of the province, each with its district; with ``stray``, a lone cell on the sheet's last row
    (1,048,576) in its last column, which stretches the used range down to it."""
    import xlsxwriter

    from analytics.reference import read_csv
    if province:
        province_name, places = _province_communes(province)
    else:
        province_name, places = None, [(None, r["name"]) for r in read_csv("org_unit.csv")
                                       if r["vintage"] == "2024" and r["unit_type"] in ("xa", "thi_tran")]
    rng = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Danh sách")
    ws.write(0, 0, f"UBND {province_name.upper()}" if province_name else "DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024")
    if province_name:
        ws.write(1, 0, "DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024")
    header = ["STT", "Mã hộ", *(["Huyện"] if province else []), "Xã", "Thôn/Ấp", "Họ và tên chủ hộ", "Dân tộc", "Số nhân khẩu",
              "Thu nhập bình quân (đồng/người/tháng)", *[f"CS{i}" for i in range(1, 13)], "Phân loại hộ",
              "Hộ không có khả năng lao động", "Hộ có công"]
    ws.write_row(2, 0, header)
    surnames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Điểu", "Lâm", "Thạch"]
    given = ["Văn An", "Thị Bình", "Văn Cường", "Thị Hoa", "Minh Hùng", "Thị Lan", "Quốc Nam"]
    for i in range(rows):
        income = rng.randint(60, 400) * 10_000
        ticks = ["x" if rng.random() < 0.15 else "" for _ in range(12)]
        count = ticks.count("x")
        status = ("Hộ nghèo" if income <= 1_500_000 and count >= 3 else
                  "Hộ cận nghèo" if income <= 1_500_000 else "")
        district, commune = places[i % len(places)]
        ws.write_row(3 + i, 0, [i + 1, f"H{i:06d}", *([district] if province else []), commune,
                                f"Ấp {rng.randint(1, 6)}",
                                f"{rng.choice(surnames)} {rng.choice(given)}", "Kinh" if rng.random() < 0.8 else "S'tiêng",
                                rng.randint(1, 8), income, *ticks, status, "x" if rng.random() < 0.05 else "",
                                "x" if rng.random() < 0.02 else ""])
    ws.write(3 + rows, 1, "Tổng cộng")
    if stray:
        ws.write(1_048_575, len(header) - 1, "x")
    wb.close()


def timed_import(db, content: bytes, name: str, expect: str, **options):
    """(report, seconds) of one import (a check with ``dry_run=True``); the bench stops when its
    status is not ``expect``."""
    from analytics.importer import import_file
    started = time.perf_counter()
    report = import_file(db, content, name, user="bench", **options)
    seconds = time.perf_counter() - started
    if report.status != expect:
        raise SystemExit(f"import {report.status}: {[e.to_dict() for e in report.errors[:5]]}")
    return report, seconds


def measure(step: str, workbook: Path, db_path: Path) -> dict:
    # Modules are loaded before the clock starts, as in the running dashboard (the index below too).
    import pandas as pd

    from analytics import unit_names
    from analytics.db import Database
    from analytics.importer import import_file
    if step == "openpyxl":
        started = time.perf_counter()
        rows = len(pd.read_excel(workbook, engine="openpyxl", header=2))
        seconds = time.perf_counter() - started
    elif step == "calamine":
        import io

        from python_calamine import CalamineWorkbook
        content = workbook.read_bytes()
        started = time.perf_counter()
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
        rows = len(wb.get_sheet_by_name(wb.sheet_names[0]).to_python(skip_empty_area=False)) - 4
        seconds = time.perf_counter() - started
    elif step == "full_sheet":
        return measure_full_sheet(workbook, db_path)
    else:  # the import; also a short list with ("stray") or without ("no_stray") a stray cell far below
        with Database(db_path) as db:  # the dashboard keeps its connection: closing is not timed
            unit_names.warm_registry_names(db)  # as the dashboard does when it starts
            content = workbook.read_bytes()  # the upload is in memory already
            report, seconds = timed_import(db, content, workbook.name, "committed")
        rows = report.rows_imported
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"step": step, "seconds": round(seconds, 2), "peak_mib": round(peak_mib), "rows": rows}


def measure_full_sheet(workbook: Path, db_path: Path) -> dict:
    """Check, then commit, a file as the Data page does (its check's report kept until the commit,
    the upload's bytes kept as the upload widget keeps them); the resident memory while the
    check's report is held, and once the reports are dropped, each time garbage collected and
    after ``SETTLE_SECONDS`` of idling."""
    import gc

    import psutil

    from analytics import unit_names
    from analytics.db import Database
    from analytics.importer import import_file
    process = psutil.Process()
    with Database(db_path) as db:
        unit_names.warm_registry_names(db)  # as the dashboard does when it starts
        gc.collect()
        before = process.memory_info().rss / 2**20
        content = workbook.read_bytes()
        check, checked = timed_import(db, content, workbook.name, "valid", dry_run=True)
        gc.collect()  # the page holds the check's report while the officer reads it
        time.sleep(SETTLE_SECONDS)
        while_shown = process.memory_info().rss / 2**20
        done, committed = timed_import(db, content, workbook.name, "committed")
        rows = done.rows_imported
        del check, done
        gc.collect()
        time.sleep(SETTLE_SECONDS)
        after = process.memory_info().rss / 2**20
    return {"step": "full_sheet", "rows": rows, "seconds": round(checked + committed, 1), "check_seconds": round(checked, 1),
            "commit_seconds": round(committed, 1), "before_mib": round(before),
            "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "shown_mib": round(while_shown), "after_mib": round(after), "upload_mib": round(len(content) / 2**20)}


def full_sheet_workbook() -> Path:
    """The workbook full to Excel's last row, built once into bench/out/ (a few minutes)."""
    path = OUT / f"households_{FULL_SHEET_ROWS}.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        build_workbook(partial, FULL_SHEET_ROWS)
        partial.rename(path)
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def run_in_process(step: str, workbook: Path, db_path: Path, runs: int = RUNS) -> dict:
    """The run of median time among ``runs`` measurements, each in a fresh process on a fresh copy
    of the database, with every run's seconds and the highest peak of them all (the memory goal
    holds for every run, not for the median one)."""
    results = []
    for i in range(runs):
        fresh = db_path.with_name(f"{db_path.stem}-{step}-{i}.duckdb")
        shutil.copy(db_path, fresh)
        out = subprocess.run([sys.executable, __file__, "--measure", step, str(workbook), str(fresh)],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    results.sort(key=lambda r: r["seconds"])
    median = dict(results[len(results) // 2])
    median["all_seconds"] = [r["seconds"] for r in results]
    median["max_peak_mib"] = max(r["peak_mib"] for r in results)
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--province", default=None,
                        help="a province code before 2025 (e.g. 70): rows spread over all its communes, "
                             "named with their district, adopted from the national registry by the import")
    parser.add_argument("--no-full-sheet", action="store_true",
                        help="skip the import of a sheet full to Excel's last row (its memory)")
    parser.add_argument("--measure", nargs=3, metavar=("STEP", "WORKBOOK", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        step, workbook, db_path = args.measure
        print(json.dumps(measure(step, Path(workbook), Path(db_path))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        workbook = tmp / "households_100k.xlsx"
        t0 = time.perf_counter()
        build_workbook(workbook, args.rows, province=args.province)
        print(f"workbook: {args.rows:,} households{' of province ' + args.province if args.province else ''}, "
              f"{workbook.stat().st_size / 1e6:.1f} MB "
              f"(built in {time.perf_counter() - t0:.1f} s)")
        from analytics import levels
        from analytics.auth import Scope
        from analytics.db import Database
        from analytics.reference import read_csv
        with Database(tmp / "bench.duckdb") as db:  # schema and reference data, outside the timing
            if not args.province:
                # The district's office: its home area, inside which its lists name communes bare
                # ("Xã Thanh An", a name thirteen communes of the country share).
                district = next(r for r in read_csv("org_unit.csv") if r["vintage"] == "2024"
                                and r["unit_type"] == "district")
                levels.set_home_area(db, Scope.system("bench"), int(district["vintage"]), district["code"])
        commit = run_in_process("commit", workbook, tmp / "bench.duckdb")
        read = run_in_process("openpyxl", workbook, tmp / "bench.duckdb")
        raw = run_in_process("calamine", workbook, tmp / "bench.duckdb")
        for name, stray in (("stray", True), ("no_stray", False)):
            build_workbook(tmp / f"{name}.xlsx", STRAY_LIST_ROWS, stray=stray, province=args.province)
        strays = {name: run_in_process(name, tmp / f"{name}.xlsx", tmp / "bench.duckdb")
                  for name in ("stray", "no_stray")}
        full = (None if args.no_full_sheet
                else run_in_process("full_sheet", full_sheet_workbook(), tmp / "bench.duckdb", runs=1))
    ratio = commit["seconds"] / read["seconds"]
    time_ratio = commit["seconds"] / raw["seconds"]
    memory_ratio = commit["max_peak_mib"] / raw["max_peak_mib"]
    met = (commit["rows"] == args.rows and commit["seconds"] <= GOAL_SECONDS
           and commit["max_peak_mib"] <= GOAL_MIB and ratio <= GOAL_RATIO)
    goals = f"{GOAL_SECONDS} s and {GOAL_BYTES / 1e6:.0f} MB ({GOAL_MIB:.0f} MiB)"
    lines = [
        f"median time of {RUNS} runs and the highest peak of them, each run in a fresh process "
        "(modules loaded before the clock starts)",
        f"full validated commit:              {commit['seconds']:7.2f} s  peak {commit['max_peak_mib']:5d} MiB  "
        f"({commit['rows']:,} rows; runs {commit['all_seconds']})",
        f"pandas.read_excel(engine=openpyxl): {read['seconds']:7.2f} s  peak {read['max_peak_mib']:5d} MiB  "
        f"({read['rows']:,} rows; runs {read['all_seconds']})",
        f"python-calamine read of the sheet:   {raw['seconds']:7.2f} s  peak {raw['max_peak_mib']:5d} MiB  "
        f"(runs {raw['all_seconds']})",
        f"ratio commit / read: {ratio:.2f} (goal ≤ {GOAL_RATIO:g})",
        f"ratio commit / calamine: time {time_ratio:.2f} (goal ≤ {GOAL_CALAMINE_TIME:g}), "
        f"peak memory {memory_ratio:.2f} (goal ≤ {GOAL_CALAMINE_MEMORY:g})",
        f"every row committed, within {goals}, ratio within goal: {'yes' if met else 'no'}"]
    lines.append(
        f"a {STRAY_LIST_ROWS:,}-row list with one stray cell on row 1,048,576: committed in "
        f"{strays['stray']['seconds']:.2f} s, peak {strays['stray']['max_peak_mib']} MiB "
        f"({strays['stray']['rows']:,} rows; without the stray cell {strays['no_stray']['seconds']:.2f} s, "
        f"peak {strays['no_stray']['max_peak_mib']} MiB)")
    if full is not None:
        lines += [
            f"sheet full to Excel's last row ({full['rows']:,} households, {full['upload_mib']} MiB), "
            f"checked then committed as the Data page does, one run:",
            f"  check {full['check_seconds']} s, commit {full['commit_seconds']} s; resident memory "
            f"before {full['before_mib']} MiB, peak {full['peak_mib']} MiB",
            f"  while the check's report is shown: {full['shown_mib']} MiB "
            f"({full['shown_mib'] - full['before_mib']} MiB more than before)",
            f"  after the commit (the reports dropped, garbage collected, {SETTLE_SECONDS} s idle; the "
            f"upload's bytes still held): {full['after_mib']} MiB ({full['after_mib'] - full['before_mib']} MiB kept)"]
    print("\n".join(lines))
    section = f"Import, province {args.province}" if args.province else "Import"
    where = (f" spread over every commune of province {args.province} (names with their district, the "
             f"units adopted from the registry by the import)" if args.province else "")
    extra = "" if full is None else (f"; then a {STRAY_LIST_ROWS:,}-row list under a stray cell on row "
                                     f"1,048,576, and a sheet full to Excel's last row")
    write_section(section, f"`bench/import_bench.py` on a {args.rows:,}-row workbook{where}{extra} (goals: {goals}; "
                  "peak: the importing process's own, in MiB).\n\n```\n" + "\n".join(lines) + "\n```")


if __name__ == "__main__":
    main()
