"""Time ``init`` on a new database with the full national registry of units (about 14,000 units
and 11,000 mapping rows from vietnamadminunits): the command as a user runs it, and in one
process the first and a later database (the library is read once per process). Printed only.

    .venv/bin/python bench/init_bench.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics import registry  # noqa: E402
from analytics.db import Database  # noqa: E402


def line(label: str, start: float, extra: str = "") -> None:
    print(f"  {label:<40} {time.perf_counter() - start:6.2f} s   {extra}".rstrip(), flush=True)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "analytics", "init", "--db", f"{tmp}/cli.duckdb"],
                       cwd=Path(__file__).resolve().parent.parent, check=True, capture_output=True)
        line("init, command in a new process", start)
        for name, label in (("first", "first database in a process"),
                            ("second", "another database, same process")):
            start = time.perf_counter()
            with Database(f"{tmp}/{name}.duckdb") as db:
                units = db.scalar("SELECT count(*) FROM unit_registry")
            line(f"init, {label}", start, f"{units} units")
        real_load = registry.load
        registry.load = lambda cur: (cur.execute(registry.SCHEMA), (0, 0))[1]  # the same, registry empty
        try:
            start = time.perf_counter()
            Database(f"{tmp}/bare.duckdb").close()
            line("init, same process, registry empty", start)
        finally:
            registry.load = real_load
        with Database(f"{tmp}/first.duckdb") as db:
            start = time.perf_counter()
            with db.transaction() as cur:
                registry.load(cur)
            line("registry reload alone", start)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
