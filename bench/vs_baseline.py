"""This build against BASELINE_BIN, front door by front door, from one scripts/bench run.

Reads bench/runtime_api.py's runtime JSON (timed runs, at full CPU and at the 128 MB CPU
share) and, if there, its callgrind JSON (instructions per warm request), and prints for
each front door both builds served (`get-session` / `get-session@baseline` behind HTTP API,
`get-session@X` / `get-session@baseline-X` behind door X) the ratio this / baseline of the
cold answer (init + first request), CPU per warm request and warm p50, and of the
instructions per warm request: the figures a change promises to keep (within 1.02x).
Instructions are repeatable; times on a shared machine are not, so read those as a check.

usage: vs_baseline.py RUNTIME_JSON [CALLGRIND_JSON]
"""
import json
import os
import sys

GOAL = 1.02


def pairs(names):
    """(door, this build's name, the baseline's name) for every door both were run behind."""
    out = []
    for name in sorted(names):
        if name == "get-session@baseline":
            out.append(("HTTP API (payload 2.0)", "get-session", name))
        elif name.startswith("get-session@baseline-"):
            door = name[len("get-session@baseline-"):]
            out.append((door, f"get-session@{door}", name))
    return [p for p in out if p[1] in names]


def main():
    runtime = json.load(open(sys.argv[1]))["conditions"]
    cg = {}
    if len(sys.argv) > 2 and os.path.exists(sys.argv[2]):
        cg = json.load(open(sys.argv[2]))
    conditions = list(runtime)
    names = set(runtime[conditions[0]]["medians"])
    rows = pairs(names)
    if not rows:
        raise SystemExit("no baseline builds in the run (set BASELINE_BIN)")
    head = ["front door"]
    for c in conditions:
        head += [f"cold answer, {c}", f"CPU per warm request, {c}", f"warm p50, {c}"]
    head += ["instructions per warm request", "instructions, init + first request"]
    print("\nthis build / baseline (same run; goal: within %.2fx)\n" % GOAL)
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    worst = worst_cold = 0.0
    for door, new, base in rows:
        cells = [door]
        for c in conditions:
            med = runtime[c]["medians"]
            for key in ("cold_answer", "warm_cpu", "p50"):
                a, b = med[new].get(key), med[base].get(key)
                cells.append(f"{a / b:.3f}x" if a and b else "n/a")
        if new in cg and base in cg:
            r = cg[new]["warm_instructions"] / cg[base]["warm_instructions"]
            worst = max(worst, r)
            cells.append(f"{r:.4f}x ({cg[new]['warm_instructions']:,.0f} / {cg[base]['warm_instructions']:,.0f})")
            # The first run's 20 warm requests taken off: init and the first request.
            cold = {k: cg[k]["init_first_20"] - 20 * cg[k]["warm_instructions"] for k in (new, base)}
            worst_cold = max(worst_cold, cold[new] / cold[base])
            cells.append(f"{cold[new] / cold[base]:.4f}x")
        else:
            cells += ["n/a", "n/a"]
        print("| " + " | ".join(cells) + " |")
    if cg:
        for what, r in (("per warm request", worst), ("init + first request", worst_cold)):
            print(f"\ninstructions {what}, worst door: {r:.4f}x ({'within' if r <= GOAL else 'ABOVE'} {GOAL:.2f}x)")


if __name__ == "__main__":
    main()
