"""The bench's main figures as SVG charts, for BENCHMARKS.md (scripts/bench runs this last):

  cold-answer.svg   process start -> first answer, per build, at full CPU and at Lambda's
                    128 MB CPU share (runtime.json);
  warm-latency.svg  warm p50 and p99 per build at the 128 MB share (runtime.json);
  event-size.svg    instructions per KB of event against the event's size, per way an
                    event grows (event-size.json, from scripts/bench_event_size).

Plain SVG written by hand (no plotting library to install): horizontal bars, and lines on a
log axis. Usage: charts.py OUT_DIR [--runtime runtime.json] [--event-size event-size.json]
"""
import argparse
import json
import math
import os
from html import escape

PALETTE = ["#3b6ea8", "#e08a2e", "#4d9a52", "#b6423f", "#7d5ba6", "#8c6d31"]
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def bars(title, unit, rows, series, out):
    """rows: [(label, [value per series])]; one horizontal bar per series in each row."""
    label_w, bar_w, bar_h, gap = 230, 420, 12, 10
    height = 60 + len(rows) * (len(series) * bar_h + gap) + 30
    top = max((v for _, vs in rows for v in vs if v is not None), default=1) or 1
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 90}" height="{height}" {FONT}>',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(series):
        svg.append(f'<rect x="{label_w + i * 160}" y="32" width="10" height="10" fill="{PALETTE[i]}"/>'
                   f'<text x="{label_w + i * 160 + 14}" y="41">{escape(name)}</text>')
    y = 56
    for label, values in rows:
        svg.append(f'<text x="{label_w - 8}" y="{y + len(series) * bar_h / 2 + 4}" text-anchor="end">'
                   f'{escape(label)}</text>')
        for i, v in enumerate(values):
            if v is not None:
                w = max(1, bar_w * v / top)
                svg.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{PALETTE[i]}"/>'
                           f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{v:.2f} {unit}</text>')
            y += bar_h
        y += gap
    svg.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(svg) + "\n")


def lines(title, x_label, y_label, series, out):
    """series: {name: [(x, y)]}; x on a log axis."""
    left, width, top, height = 70, 440, 50, 240
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    y1 = max(ys) * 1.1

    def px(x):
        return left + width * (math.log10(x) - x0) / ((x1 - x0) or 1)

    def py(y):
        return top + height * (1 - y / y1)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 230}" height="{top + height + 50}" {FONT}>',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="black"/>',
           f'<text x="{left + width / 2}" y="{top + height + 36}" text-anchor="middle">{escape(x_label)}</text>',
           f'<text x="14" y="{top + height / 2}" transform="rotate(-90 14 {top + height / 2})" '
           f'text-anchor="middle">{escape(y_label)}</text>']
    for x in sorted(set(xs)):
        svg.append(f'<text x="{px(x):.1f}" y="{top + height + 16}" text-anchor="middle">{x:,}</text>')
    for k in range(5):
        y = y1 * k / 4
        svg.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:,.0f}</text>'
                   f'<line x1="{left}" y1="{py(y):.1f}" x2="{left + width}" y2="{py(y):.1f}" stroke="#ddd"/>')
    for i, (name, pts) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in sorted(pts))
        svg.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        svg.append(f'<rect x="{left + width + 16}" y="{top + i * 18}" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{left + width + 30}" y="{top + i * 18 + 9}">{escape(name)}</text>')
    svg.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(svg) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--runtime")
    ap.add_argument("--event-size")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    written = []
    if args.runtime:
        cond = json.load(open(args.runtime))["conditions"]
        full, share = cond["full CPU"]["medians"], cond.get("128 MB CPU share", {}).get("medians", {})
        names = list(full)
        out = os.path.join(args.out_dir, "cold-answer.svg")
        bars("Cold answer: process start to first response (median)", "ms",
             [(n, [full[n]["cold_answer"] * 1000, share.get(n, {}).get("cold_answer", 0) * 1000 or None])
              for n in names], ["full CPU", "128 MB CPU share"], out)
        written.append(out)
        out = os.path.join(args.out_dir, "warm-latency.svg")
        src = share or full
        bars(f"Warm latency per request ({'128 MB CPU share' if share else 'full CPU'})", "ms",
             [(n, [src[n]["p50"] * 1000, src[n]["p99"] * 1000]) for n in names], ["p50", "p99"], out)
        written.append(out)
    if args.event_size:
        rows = json.load(open(args.event_size))
        series = {}
        for r in rows:
            series.setdefault(r["growth"], []).append((r["kib"], r["per_kb"]))
        out = os.path.join(args.out_dir, "event-size.svg")
        lines("Instructions per KB of event, by how the event grows (callgrind)", "event size, KiB (log)",
              "instructions per KB", series, out)
        written.append(out)
    for w in written:
        print(f"wrote {w}")


if __name__ == "__main__":
    main()
