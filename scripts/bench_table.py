#!/usr/bin/env python3
"""Criterion's results as markdown tables: one row per group, one column per store,
and each peer's ratio to embedis (> 1: embedis is faster).

    python3 scripts/bench_table.py target/criterion > summary.md
"""
import json
import pathlib
import sys


def mean_ns(estimates: pathlib.Path) -> float:
    return json.loads(estimates.read_text())["mean"]["point_estimate"]


def fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    groups: dict[str, dict[str, float]] = {}
    for est in sorted(root.glob("**/new/estimates.json")):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        groups.setdefault(bench["group_id"], {})[bench["function_id"] or ""] = mean_ns(est)
    # Tables by the group's first path component (get, set, vs_redis, ...).
    areas: dict[str, list[str]] = {}
    for g in groups:
        areas.setdefault(g.split("/")[0], []).append(g)
    for area, names in areas.items():
        stores = sorted({s for g in names for s in groups[g]}, key=lambda s: (not s.startswith("embedis"), s))
        ours = stores[0]
        peers = stores[1:]
        print(f"## {area}\n")
        print("| " + " | ".join(["group", *stores, *(f"vs {p}" for p in peers)]) + " |")
        print("|---|" + "---:|" * (len(stores) + len(peers)))
        for g in sorted(names):
            row = groups[g]
            cells = [fmt(row[s]) if s in row else "" for s in stores]
            ratios = [f"{row[p] / row[ours]:.2f}×" if p in row and ours in row else "" for p in peers]
            print("| " + " | ".join([g, *cells, *ratios]) + " |")
        print()


if __name__ == "__main__":
    main()
