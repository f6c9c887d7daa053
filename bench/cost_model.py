"""What get-session costs per million requests, and what it needs at a given rate, from the
bench's own figures (scripts/bench writes them to .local/bench/runtime.json and runs this
after the runtime benchmark; run alone: `python3 bench/cost_model.py .local/bench/runtime.json`).

Inputs, all printed with the result:
  - measured (runtime.json, the "128 MB CPU share" condition, medians over the runs): per
    front door, warm p50 and p99 and the init time, each build answering that door's
    `session-header.json` event from events/;
  - assumed: DynamoDB's in-Region GetItem round trip (the bench's store is on loopback, so
    its figure holds almost none of it; `--store-ms`), and the share of invocations that
    are cold starts (`--cold-share`);
  - the price list below (PRICES, with the day it was written down).

Billed duration is the warm p50 plus the store's round trip, rounded up to Lambda's 1 ms
billing unit; a cold start adds its init (billed for OS-only runtimes such as
provided.al2023). The figures are measured on x86_64 at Lambda's 128 MB CPU share (a cgroup
quota), not on Graviton: arm64 is priced, x86_64 is measured.
"""
import argparse
import json
import math

# us-east-1 list prices in USD, as written down on 2026-12-01 from AWS's pricing pages
# (aws.amazon.com/lambda/pricing, /dynamodb/pricing/on-demand, /dynamodb/pricing/provisioned,
# /api-gateway/pricing, /elasticloadbalancing/pricing); this machine cannot fetch them, so
# check them before relying on a figure.
PRICES = {
    "as_of": "2026-12-01",
    "region": "us-east-1",
    "lambda_request": 0.20 / 1e6,            # per request
    "lambda_gb_second_arm64": 0.0000133334,  # first 7.5 billion GB-s a month
    "ddb_read_request_unit": 0.125 / 1e6,    # on-demand: one strongly consistent read <= 4 KB
    "ddb_write_request_unit": 0.625 / 1e6,   # on-demand: one write <= 1 KB
    "ddb_rcu_hour": 0.00013,                 # provisioned
    "http_api_request": 1.00 / 1e6,          # first 300 million a month
    "rest_api_request": 3.50 / 1e6,          # first 333 million a month
    "function_url_request": 0.0,             # no charge beyond Lambda's
    "alb_hour": 0.0225,
    "alb_lcu_hour": 0.008,
}
MEMORY_GB = 128 / 1024
HOURS_A_MONTH = 730
# An ALB's LCU for Lambda targets: 25 new connections/s, 3,000 active connections/min,
# 0.4 GB processed an hour, 1,000 rule evaluations/s; billed on the largest. Assumed here:
# one new connection per request (no keep-alive; the worst case).
ALB_NEW_CONNECTIONS_PER_LCU = 25

DOORS = [  # (the row's name, the build in runtime.json, the door's own charge per request)
    ("HTTP API (payload 2.0)", "get-session", "http_api_request"),
    ("REST API (payload 1.0)", "get-session@rest-api", "rest_api_request"),
    ("Function URL", "get-session@function-url", "function_url_request"),
    ("ALB", "get-session@alb", None),
]
RATES = [100, 1_000, 10_000]


def billed_ms(warm_s, store_ms):
    return math.ceil(warm_s * 1000 + store_ms)


def alb_per_million(rate):
    """An ALB's charge for a million requests arriving at `rate` per second."""
    hours = 1e6 / rate / 3600
    lcus = max(1.0, rate / ALB_NEW_CONNECTIONS_PER_LCU)
    return hours * (PRICES["alb_hour"] + lcus * PRICES["alb_lcu_hour"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("runtime_json")
    ap.add_argument("--condition", default="128 MB CPU share")
    ap.add_argument("--store-ms", type=float, default=4.0,
                    help="assumed DynamoDB GetItem round trip in-Region, ms (single-digit ms is AWS's figure)")
    ap.add_argument("--cold-share", type=float, default=0.01, help="assumed share of invocations that are cold")
    ap.add_argument("--user-requests-per-minute", type=float, default=12,
                    help="assumed requests a signed-in user makes to guarded routes a minute (the authorizer's cache "
                    "hit rate follows from it)")
    ap.add_argument("--json", help="write the model's figures here too (the charts read them)")
    args = ap.parse_args()
    med = json.load(open(args.runtime_json))["conditions"][args.condition]["medians"]
    missing = [b for _, b, _ in DOORS if b not in med]
    if missing:
        raise SystemExit(f"{args.runtime_json} has no figures for {', '.join(missing)}: run scripts/bench")

    p = PRICES
    print(f"## What it costs (model: bench/cost_model.py; prices {p['region']}, as of {p['as_of']})\n")
    print(f"Measured: {args.condition}, medians (runtime.json). Assumed: DynamoDB round trip "
          f"{args.store_ms:g} ms, {args.cold_share:.0%} of invocations cold. 128 MB, arm64 prices.\n")
    print("Per million requests (USD). Reads: one GetItem a request, strongly consistent "
          "(`ConsistentRead=true`, 1 read unit) or eventually consistent (0.5). ALB at 100 requests/s.\n")
    print("| front door | warm p50 (measured) | billed ms | Lambda requests | Lambda duration | "
          "DynamoDB reads, strong / eventual | front door | total, strong / eventual |")
    print("|---|---|---|---|---|---|---|---|")
    model = {"prices": p, "store_ms": args.store_ms, "cold_share": args.cold_share, "doors": {}}
    for name, build, charge in DOORS:
        m = med[build]
        ms = billed_ms(m["p50"], args.store_ms)
        init_ms = math.ceil(m["init"] * 1000)
        gb_s = 1e6 * (ms + args.cold_share * init_ms) / 1000 * MEMORY_GB
        duration = gb_s * p["lambda_gb_second_arm64"]
        requests = 1e6 * p["lambda_request"]
        strong, eventual = 1e6 * p["ddb_read_request_unit"], 0.5e6 * p["ddb_read_request_unit"]
        door = 1e6 * p[charge] if charge else alb_per_million(100)
        total_s, total_e = requests + duration + strong + door, requests + duration + eventual + door
        model["doors"][name] = {"build": build, "p50_ms": m["p50"] * 1000, "p99_ms": m["p99"] * 1000,
                                "billed_ms": ms, "total_strong": total_s, "total_eventual": total_e}
        print(f"| {name} | {m['p50'] * 1000:.2f} ms | {ms} | {requests:.2f} | {duration:.3f} | "
              f"{strong:.3f} / {eventual:.4f} | {door:.2f} | {total_s:.2f} / {total_e:.2f} |")
    print("\nWrites: none, except with `TouchOnRead` (one conditional UpdateItem per session at most "
          f"once a minute, {p['ddb_write_request_unit'] * 1e6:.3f} USD per million) and what the "
          "login service writes.\n")

    print("What a steady rate needs (HTTP API build; Little's law: concurrency = rate x duration, "
          "with the store's round trip):\n")
    print("| requests/s | concurrency at p50 | at p99 | read units/s, strong / eventual | "
          "on-demand reads a month | provisioned reads a month (at 70% use) |")
    print("|---|---|---|---|---|---|")
    m = med["get-session"]
    model["rates"] = {}
    for rate in RATES:
        c50 = rate * (m["p50"] * 1000 + args.store_ms) / 1000
        c99 = rate * (m["p99"] * 1000 + args.store_ms) / 1000
        on_demand = rate * 3600 * HOURS_A_MONTH * p["ddb_read_request_unit"]
        provisioned = math.ceil(rate / 0.7) * p["ddb_rcu_hour"] * HOURS_A_MONTH
        model["rates"][rate] = {"concurrency_p50": c50, "concurrency_p99": c99}
        print(f"| {rate:,} | {c50:.1f} | {c99:.1f} | {rate:,} / {rate // 2:,} | {on_demand:,.0f} USD | "
              f"{provisioned:,.0f} USD |")
    print("\nAn account's default Lambda concurrency is 1,000 per Region (a quota to raise, with "
          "`ReservedConcurrency` to keep the function's share); a provisioned table needs auto "
          "scaling or headroom for bursts, on-demand absorbs them.")
    if "session-authorizer" in med:
        model["authorizer"] = authorizer_cost(med["session-authorizer"], args)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(model, f, indent=2)


def authorizer_cost(m, args):
    """What session-authorizer adds to each million requests of a guarded route, at a cache
    TTL of 0 (every request checked) and 60 s (one check per user per minute)."""
    p = PRICES
    ms = billed_ms(m["p50"], args.store_ms)
    init_ms = math.ceil(m["init"] * 1000)
    # One check: an invocation (billed duration, cold starts' init spread over all) and a read.
    lambda_per_check = (p["lambda_request"] + (ms + args.cold_share * init_ms) / 1000 * MEMORY_GB
                        * p["lambda_gb_second_arm64"])
    per_check = lambda_per_check + p["ddb_read_request_unit"]
    added = m["p50"] * 1000 + args.store_ms
    print("\n## What the session authorizer adds (per million requests to guarded routes)\n")
    print(f"Measured: session-authorizer's warm p50 {m['p50'] * 1000:.2f} ms (an HTTP API 2.0 event, allowed). "
          f"Each check is one invocation ({ms} ms billed, with the {args.store_ms:g} ms store round trip) and one "
          f"strongly consistent GetItem. With a TTL, API Gateway answers a user's requests from its cache for "
          f"that long: one check per user per TTL, assuming {args.user_requests_per_minute:g} requests a user "
          "a minute.\n")
    print("| AuthorizerCacheTtl | checks per million requests | Lambda | DynamoDB reads | total added (USD) | "
          "latency added, checked / cached | a logout or revoke reaches the routes |")
    print("|---|---|---|---|---|---|---|")
    out = {}
    for ttl in (0, 60):
        share = 1.0 if ttl == 0 else min(1.0, 1 / (args.user_requests_per_minute * ttl / 60))
        checks = 1e6 * share
        lam = checks * lambda_per_check
        reads = checks * p["ddb_read_request_unit"]
        out[ttl] = {"checks": checks, "lambda": lam, "reads": reads, "total": lam + reads, "latency_ms": added}
        print(f"| {ttl} s | {checks:,.0f} | {lam:.3f} | {reads:.3f} | {lam + reads:.3f} | "
              f"{added:.1f} ms / 0 ms | {'at the next request' if ttl == 0 else f'within {ttl} s'} |")
    print(f"\nOne check costs {per_check * 1e6:.3f} USD per million; the API's own request charge is unchanged.")
    return out


if __name__ == "__main__":
    main()
