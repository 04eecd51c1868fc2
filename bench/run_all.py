"""Run the benchmarks one after the other; each writes its own section of bench/results.md:
the import of the 100,000-row workbook (bench/import_bench.py), the analytics functions at 1
and 10 million household rows, and the pages in the browser at about 142,000 rows in the 13
communes and at 1 million (with the server's memory). bench/bench_scenarios.py and
bench/report_bench.py only print (see the Makefile).

    .venv/bin/python bench/run_all.py [import] [analytics] [pages]      (default: all three)
"""

from __future__ import annotations

import os
import subprocess
import sys

from _results import LOAD_AT_START, ROOT

BENCH = ROOT / "bench"
# The pages bench at the sizes in results.md: about 142,000 rows in the 13 real communes, and 1 million.
ARGS = {"pages": ["142000:13", "1000000"]}


def main(argv: list[str]) -> int:
    which = argv or ["import", "analytics", "pages"]
    # Each script's machine line gives the load when this run started, not after the one before.
    env = dict(os.environ, BENCH_LOAD_AT_START=",".join(repr(x) for x in LOAD_AT_START))
    failed = [name for name in which
              if subprocess.run([sys.executable, str(BENCH / f"{name}_bench.py"), *ARGS.get(name, [])],
                                cwd=BENCH, env=env).returncode]
    print(f"results: {BENCH / 'results.md'}")
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
