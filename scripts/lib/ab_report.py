"""The table of an A/B benchmark run (scripts/lib/bench.sh, `ab_rounds`), in Markdown.

Reads the samples file: one tab-separated line per wrk run, with the row's index and name, the
round, the build (A or B), requests/s, p50 ms, p99 ms, non-2xx/3xx responses, CPU µs per request
of the app, of PostgreSQL and of wrk, and the kernel's share of the app's CPU. Each round ran
both builds back to back, so the ratio B/A is taken per round (both builds under the same
conditions), then summarised over the rounds by its median and its range.

    python3 scripts/lib/ab_report.py SAMPLES.tsv
"""

import statistics
import sys
from collections import defaultdict


def read(path):
    rows = {}
    samples = defaultdict(dict)
    with open(path, encoding="utf-8") as f:
        for line in f:
            i, name, rnd, build, rps, _p50, p99, bad, app, pg, _wrk, _sys = line.rstrip("\n").split(
                "\t"
            )
            rows[int(i)] = name
            samples[(int(i), int(rnd))][build] = {
                "rps": float(rps),
                "p99": float(p99),
                "bad": int(bad),
                "app": float(app),
                "pg": float(pg),
            }
    return rows, samples


def median(values):
    return statistics.median(values) if values else float("nan")


def report(rows, samples):
    print(
        "| request | A req/s | B req/s | **B/A** median (min-max) | B/A each round "
        "| p99 A / B (ms) | app CPU µs/req A / B | PostgreSQL CPU µs/req A / B | non-2xx/3xx |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|")
    for i, name in sorted(rows.items()):
        rounds = sorted(r for (j, r) in samples if j == i)
        pairs = [samples[(i, r)] for r in rounds if len(samples[(i, r)]) == 2]
        if not pairs:
            continue

        def col(build, key, pairs=pairs):
            return [p[build][key] for p in pairs]

        ratios = [p["B"]["rps"] / p["A"]["rps"] for p in pairs]
        bad = sum(col("A", "bad")) + sum(col("B", "bad"))
        print(
            f"| `{name}` | {median(col('A', 'rps')):,.0f} | {median(col('B', 'rps')):,.0f} "
            f"| **{median(ratios):.2f}x** ({min(ratios):.2f}-{max(ratios):.2f}) "
            f"| {' '.join(f'{r:.2f}' for r in ratios)} "
            f"| {median(col('A', 'p99')):.1f} / {median(col('B', 'p99')):.1f} "
            f"| {median(col('A', 'app')):.0f} / {median(col('B', 'app')):.0f} "
            f"| {median(col('A', 'pg')):.0f} / {median(col('B', 'pg')):.0f} | {bad} |"
        )
    n = max((r for (_, r) in samples), default=0)
    print()
    print(
        f"Medians over {n} rounds; each round ran every row on both builds back to back "
        "(A first in odd rounds, B first in even ones), and B/A is that round's pair."
    )


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    report(*read(sys.argv[1]))


if __name__ == "__main__":
    main()
