#!/usr/bin/env python3
"""A chart of criterion's results: for each benchmark group with peers, how many times
faster embedis is than each peer (peer time / embedis time, log scale; right of the line
at 1x means embedis is faster). Needs matplotlib (`pip install matplotlib`).

    python3 scripts/bench_chart.py target/criterion BENCHMARKS.png
"""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# The areas shown, in order, with a title each (groups are named area/…).
AREAS = [
    ("get", "GET beside dashmap / sharded map"),
    ("set", "SET beside dashmap / sharded map"),
    ("mix90-10", "90/10 GET/SET mix"),
    ("incr", "INCR"),
    ("vs_redis", "beside Redis 7 on loopback"),
    ("vs_kevy", "beside kevy-embedded"),
    ("cache", "cache workload beside moka"),
    ("zset", "sorted sets beside BTreeSet + HashMap"),
    ("hget", "hashes beside hashbrown maps"),
    ("hset", "hashes beside hashbrown maps"),
    ("sadd", "sets beside hashbrown sets"),
    ("sismember", "sets beside hashbrown sets"),
    ("sinter", "sets beside hashbrown sets"),
    ("pubsub", "pub/sub fan-out beside channels"),
]


def load(root: pathlib.Path) -> dict[str, dict[str, float]]:
    groups: dict[str, dict[str, float]] = {}
    for est in sorted(root.glob("**/new/estimates.json")):
        bench = json.loads((est.parent / "benchmark.json").read_text())
        mean = json.loads(est.read_text())["mean"]["point_estimate"]
        groups.setdefault(bench["group_id"], {})[bench["function_id"] or ""] = mean
    return groups


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    out = sys.argv[2] if len(sys.argv) > 2 else "BENCHMARKS.png"
    groups = load(root)
    rows = []  # (area title, group, peer, ratio)
    for area, title in AREAS:
        # 100-byte values repeat the 16-byte story: left to the tables.
        for g in sorted(n for n in groups if n.split("/")[0] == area and "100B" not in n):
            times = groups[g]
            ours = [s for s in times if s.startswith("embedis")]
            if not ours:
                continue
            # The typed embedis call is the reference; other embedis variants are peers too.
            ref = "embedis" if "embedis" in times else ours[0]
            for peer, t in sorted(times.items()):
                if peer != ref and not peer.startswith("embedis"):
                    rows.append((title, g, peer, t / times[ref]))
    if not rows:
        sys.exit(f"no criterion results with peers under {root}")
    peers = sorted({r[2] for r in rows})
    colours = {p: plt.cm.tab10(i % 10) for i, p in enumerate(peers)}
    fig, ax = plt.subplots(figsize=(10, 0.22 * len(rows) + 1.5))
    labels, y, last_title = [], 0, None
    for title, group, peer, ratio in rows:
        if title != last_title:
            ax.text(0.99, y - 0.3, title, transform=ax.get_yaxis_transform(), ha="right",
                    va="bottom", fontsize=8, fontweight="bold")
            y += 0.8
            last_title = title
        ax.barh(y, ratio, color=colours[peer], height=0.8)
        labels.append((y, f"{group} · {peer}"))
        y += 1
    ax.set_yticks([p for p, _ in labels], [l for _, l in labels], fontsize=6)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlabel("peer time / embedis time (> 1: embedis faster)")
    ax.set_title("embedis beside each peer (criterion means; ratios from one run)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[p]) for p in peers]
    fig.legend(handles, peers, fontsize=7, loc="lower center", ncol=4, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    fig.savefig(out, dpi=110)
    print(f"{len(rows)} bars written to {out}")


if __name__ == "__main__":
    main()
