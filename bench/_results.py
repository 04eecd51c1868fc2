"""Shared by the bench scripts: the synthetic databases they measure on, the description of the
machine, the peak-memory sampler, and ``bench/results.md`` (one section per script, replaced when the script runs again).
Running this file on its own does nothing."""

from __future__ import annotations

import os
import platform
import re
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"          # cached databases (not committed)
RESULTS = ROOT / "bench" / "results.md"
YEARS = 5                              # 2022–2026: two unit vintages, transitions every year
SEED = 20260101
# The load average when the bench started (every bench script imports this module first; the
# scripts run_all.py starts inherit its reading): read later, when the results are written, it
# would count the bench's own work.
LOAD_AT_START = (tuple(float(x) for x in os.environ["BENCH_LOAD_AT_START"].split(","))
                 if os.environ.get("BENCH_LOAD_AT_START") else os.getloadavg())


class PeakMemory:
    """Samples the resident memory of a process and its children every 50 ms; the peak in MiB."""

    def __init__(self, pid: int):
        self.proc, self.peak, self._stop = psutil.Process(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self._rss())
            except psutil.Error:
                pass
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _rss(self) -> int:
        return self.proc.memory_info().rss + sum(c.memory_info().rss for c in self.proc.children(True))

    def now_mib(self) -> float:
        """The resident memory of the process and its children at this moment."""
        return self._rss() / 2**20

    def mib(self) -> float:
        return self.peak / 2**20


def machine() -> str:
    """Cores, memory, CPU model and the load when the bench started: the figures mean little
    without them."""
    import duckdb
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in LOAD_AT_START)
    # Say so when other work competed for the cores: the figures are then upper bounds.
    busy = (" — the machine was busy with other work, so the figures are pessimistic"
            if LOAD_AT_START[0] > (os.cpu_count() or 1) else "")
    return (f"{os.cpu_count()} cores ({model}), {psutil.virtual_memory().total / 2**30:.1f} GiB memory, "
            f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}; load average (1, 5, 15 min) when the bench started: "
            f"{load}{busy}")


def synthetic_db(rows: int, communes: int | None = None) -> Path:
    """A database with about ``rows`` household rows over 5 years (built once, then reused); in
    ``communes`` communes (default: one per 2,500 households; up to 13: the real ones)."""
    from analytics.db import Database
    from analytics.synth import parameters, synthesize

    households = round(rows / YEARS / (1 - parameters()["churn_out"] / 2 - parameters()["churn_in"] / 2))
    path = OUT / (f"synth-{rows}.duckdb" if communes is None else f"synth-{rows}-{communes}c.duckdb")
    if path.exists():
        with Database(path) as db:
            if db.scalar("SELECT count(*) FROM household") and db.scalar(
                    "SELECT count(*) FROM import_batch WHERE user_name = 'synth'"):
                return path
        path.unlink()
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with Database(path) as db:
        result = synthesize(db, households, YEARS, communes=communes, seed=SEED)
    print(f"built {path.name}: {result.household_rows:,} household rows in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    return path


def write_section(title: str, body: str) -> None:
    """Replace (or add) the section ``## title`` of bench/results.md; the machine line on top."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M))
    sections[title] = body.strip() + "\n\n"
    order = ["Machine", "Import", "Analytics", "Pages", "Memory"]
    sections["Machine"] = machine() + "\n\n" if title != "Machine" else sections["Machine"]
    names = [n for n in order if n in sections] + [n for n in sections if n not in order]
    out = "# Benchmarks\n\nWritten by the scripts in `bench/` (`make bench`); figures in seconds " \
          "unless stated.\n\n" + "".join(f"## {n}\n{sections[n]}" for n in names)
    RESULTS.write_text(out, encoding="utf-8")


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)
