"""Measure the course's three-tier service over loopback and write shared/data/ep53_three_tier.csv.

Run on request only (about two minutes; `make measure-ep53`), never by the test suite:

    .venv/bin/python bench/measure_three_tier.py [--out shared/data/ep53_three_tier.csv]

One row per population N of closed-loop users (think time Z = 50 ms): throughput, response
times and per tier busy time, utilisation and service demand over a 10 s window after a 1 s
warm-up, all in seconds. After writing, update the file's sha256 in shared/data/registry.toml.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import platform
import sys
from pathlib import Path

from course.measurement.load import measure
from course.measurement.three_tier import ThreeTierService

POPULATIONS = (1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24, 32)
THINK_TIME = 0.050
DURATION = 10.0
WARMUP = 1.0
SEED = 53


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="shared/data/ep53_three_tier.csv")
    args = parser.parse_args(argv)
    rows = []
    with ThreeTierService(seed=SEED) as service:
        for users in POPULATIONS:
            row = measure(service, users=users, think_time=THINK_TIME, duration=DURATION,
                          warmup=WARMUP, seed=SEED + users)
            rows.append({k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()})
            print(f"N={users:3d}  X={row['throughput']:7.2f}/s  R={1000 * row['response_mean']:7.2f} ms",
                  file=sys.stderr)
    out = Path(args.out)
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out} on {platform.node()} ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}; sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
