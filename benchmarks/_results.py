"""One table for `make bench`: each benchmark records its headline figures here.

`record()` appends a line to the file named by BENCH_RESULTS (set by `make bench`); run alone, a
script just prints its own report. `python benchmarks/_results.py FILE` prints the table.
"""

from __future__ import annotations

import json
import os
import sys


def record(benchmark: str, figure: str, value: str, target: str = "") -> None:
    path = os.environ.get("BENCH_RESULTS")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(json.dumps([benchmark, figure, value, target]) + "\n")


def print_table(path: str) -> None:
    with open(path, encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream if line.strip()]
    header = ["benchmark", "figure", "measured", "target"]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * width for width in widths)
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))


if __name__ == "__main__":
    print_table(sys.argv[1])
