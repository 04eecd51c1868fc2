"""Run the benchmarks one after the other and gather their figures in bench/results.md:
the import of the 100,000-row workbook (bench/import_bench.py, with the peak memory of its
process), the analytics functions at 1 and 10 million household rows, and the pages in the
browser at 1 million (with the server's memory).

    .venv/bin/python bench/run_all.py [import] [analytics] [pages]      (default: all three)
"""

from __future__ import annotations

import subprocess
import sys
import time

import psutil

from _results import ROOT, write_section

BENCH = ROOT / "bench"


def run_measured(script: str, *args: str) -> tuple[int, str, float, float]:
    """Run a bench script; (exit code, its output, seconds, peak resident memory in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(BENCH / script), *args], cwd=BENCH,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ps, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            peak = max(peak, ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(True)))
        except psutil.Error:
            pass
        time.sleep(0.02)
    output = proc.stdout.read()
    print(output, flush=True)
    return proc.returncode, output, time.perf_counter() - start, peak / 2**20


def main(argv: list[str]) -> int:
    which = argv or ["import", "analytics", "pages"]
    failed = []
    if "import" in which and (BENCH / "import_bench.py").exists():
        code, output, seconds, peak = run_measured("import_bench.py")
        write_section("Import", "Output of `bench/import_bench.py` (the 100,000-row workbook; goal: 3 s and "
                      f"600 MB); the whole script ran in {seconds:.1f} s with a peak resident memory of "
                      f"{peak:.0f} MiB (process and children).\n\n```\n{output.strip()}\n```")
        if code:
            failed.append("import_bench.py")
    elif "import" in which:
        write_section("Import", "`bench/import_bench.py` is not there yet: no figures.")
    for script in [f"{name}_bench.py" for name in ("analytics", "pages") if name in which]:
        code, *_ = run_measured(script)
        if code:
            failed.append(script)
    print(f"results: {BENCH / 'results.md'}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
