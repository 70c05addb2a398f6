"""Run every benchmark in bench/ and print its table.

Each ``bench/bench_<topic>.py`` exposes ``run() -> list[dict]``: rows for one table, each
with the baseline it is compared to, measured in the same run. Results are also written to
``bench/results/<topic>.json`` (git-ignored).

Usage:
    python bench/run.py              # all benchmarks
    python bench/run.py widgets sim  # those whose topic contains a word given
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def format_table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)"
    columns = list(dict.fromkeys(key for row in rows for key in row))

    def cell(value):
        if isinstance(value, float):
            return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
        return str(value)

    table = [[cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in table)) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths)) for r in table]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    status = 0
    for path in sorted(HERE.glob("bench_*.py")):
        topic = path.stem.removeprefix("bench_")
        if argv and not any(word in topic for word in argv):
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n=== {topic} ===  ({(module.__doc__ or '').strip().splitlines()[0] if module.__doc__ else ''})")
        started = time.perf_counter()
        try:
            rows = module.run()
        except Exception as error:  # one broken benchmark must not hide the others' numbers
            print(f"FAILED: {type(error).__name__}: {error}")
            status = 1
            continue
        print(format_table(rows))
        print(f"({time.perf_counter() - started:.1f} s)")
        (results / f"{topic}.json").write_text(json.dumps(rows, indent=1, default=str))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
