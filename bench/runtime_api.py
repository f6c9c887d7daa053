"""Drive Lambda binaries the way Lambda does, and measure them side by side.

A small Lambda Runtime API server on 127.0.0.1 (`/2018-06-01/runtime/invocation/next`,
`.../{id}/response`, `.../{id}/error`, `/init/error`) feeds each binary API Gateway v2
events; the binary reaches a local DynamoDB through AWS_ENDPOINT_URL_DYNAMODB (over TLS in
scripts/bench). Each process runs in its own cgroup (cpu + cpuacct), unlimited or at a
given CPU share (Lambda's 128 MB share: 7236 us per 100 ms), which also counts its exact
CPU time. Per build, as medians over repeated runs (builds interleaved, so drift on a
shared machine hits them alike):

  init           process start -> its first /invocation/next
  first request  the on-demand cold start's event (waiting before the process started):
                 handed out -> response received
  cold answer    process start -> that first response (what the waiting client sees)
  warm           p50 / p99 over the following invocations
  CPU            of init, of the first request, per warm request (cpuacct.usage)
  VmHWM          peak resident memory at the end of the run
  size           the stripped binary

and, for get-session, throughput with AWS_LAMBDA_MAX_CONCURRENCY = 1, 2, 4, 8 (several
/next in flight at once) against the store behind a small network delay, checking every
answer. This is our own Runtime API, not AWS's emulator: the figures need the moment of
each /next, the process's cgroup, and several invocations in flight, which the emulator
does not give.

Usage: runtime_api.py --build NAME=PATH [...] --env K=V [...] [--runs 5] [--warm 300]
       [--cpu-share LABEL=QUOTA_US] [--max-first-request-cpu-ms MS]
"""
import argparse
import asyncio
import json
import os
import queue
import statistics
import subprocess
import threading
import time
import sys
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import judge  # noqa: E402  (the one judge of an answer: testkit)
import procfs  # noqa: E402  (the scripts' /proc reader)

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """One server per process run: a poll still in flight from a killed process can then
    never take (and lose) the next process's events."""

    def __init__(self, sandbox=None):
        self.sandbox = sandbox
        self.cpu_at_next = []  # the process's CPU time (ns) at each /next, with a sandbox
        self.started_at = None
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.pending = queue.Queue()
        self.first_next = None
        self.sent = {}
        self.done = {}
        self.init_error = None
        self.closed = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status, body=b"", headers=None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404)
                api.on_next()
                while True:
                    try:
                        request_id, body = api.pending.get(timeout=0.5)
                        break
                    except queue.Empty:
                        if api.closed:
                            return
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 30000),
                    "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                    "Content-Type": "application/json",
                }
                with api.lock:
                    api.sent[request_id] = time.perf_counter()
                self._reply(200, body, headers)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                now = time.perf_counter()
                parts = self.path[len(PREFIX):].strip("/").split("/")
                if parts[:1] == ["init"]:
                    api.init_error = body
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    with api.lock:
                        api.done[parts[1]] = (now, parts[2], body)
                        api.cond_notify()
                else:
                    return self._reply(404)
                self._reply(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *args: None  # a killed process's broken connection
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.closed = True
        self.server.shutdown()
        self.server.server_close()

    def cond_notify(self):
        self.cond.notify_all()

    def on_next(self):
        now = time.perf_counter()
        cpu = self.sandbox.cpu_ns() if self.sandbox else None
        with self.lock:
            if self.first_next is None:
                self.first_next = now
            if cpu is not None:
                self.cpu_at_next.append(cpu)

    def submit(self, body):
        request_id = str(uuid.uuid4())
        self.pending.put((request_id, body))
        return request_id

    def wait(self, ids, timeout=30):
        deadline = time.time() + timeout
        with self.cond:
            while not all(i in self.done for i in ids):
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(f"{sum(i not in self.done for i in ids)} invocations unanswered")
                self.cond.wait(left)
        return [self.done[i] for i in ids]


class DelayProxy:
    """TCP proxy to the local DynamoDB that holds each response back `delay` seconds, as
    the network to a real DynamoDB would (a few ms): concurrency pays off by overlapping
    that wait, which a local store answering in microseconds would hide."""

    def __init__(self, upstream, delay):
        self.scheme, rest = upstream.split("://", 1)
        host, port = rest.rsplit(":", 1)
        self.upstream, self.delay = (host, int(port)), delay
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.handle, "127.0.0.1", 0), self.loop).result()
        # A TCP pipe: over TLS the handshake passes through it (the test certificate also
        # names 127.0.0.1).
        self.url = f"{self.scheme}://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    async def handle(self, reader, writer):
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)

        async def pipe(src, dst, delay):
            try:
                while data := await src.read(65536):
                    if delay:
                        await asyncio.sleep(delay)
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer, 0), pipe(up_reader, writer, self.delay))


CGROUP_ROOT = "/sys/fs/cgroup"
PERIOD_US = 100000


class Sandbox:
    """A cgroup v1 `cpu` + `cpuacct` group for one function process: its CPU share
    (cfs_quota_us per 100 ms; None: unlimited) and its exact CPU time, all threads
    included (cpuacct.usage, ns)."""

    def __init__(self, name, quota_us):
        self.dirs = {c: os.path.join(CGROUP_ROOT, c, "get-session-bench", name) for c in ("cpu", "cpuacct")}
        for d in self.dirs.values():
            os.makedirs(d, exist_ok=True)
        self._write("cpu", "cpu.cfs_period_us", PERIOD_US)
        self._write("cpu", "cpu.cfs_quota_us", quota_us if quota_us else -1)

    def _write(self, controller, name, value):
        with open(os.path.join(self.dirs[controller], name), "w") as f:
            f.write(str(value))

    def command(self, argv):
        """argv, run inside the group: a shell joins it, waits for a line on stdin, then
        execs the binary. Joining a cgroup v1 group can take milliseconds (an RCU grace
        period): the clock starts after it, at the line."""
        procs = " ".join(os.path.join(d, "cgroup.procs") for d in self.dirs.values())
        return ["/bin/sh", "-c", f'for f in {procs}; do echo $$ > "$f"; done; read _; exec "$@"', "sh", *argv]

    def holds(self, pid):
        return all(str(pid) in open(os.path.join(d, "cgroup.procs")).read().split() for d in self.dirs.values())

    def reset(self):
        self._write("cpuacct", "cpuacct.usage", 0)

    def cpu_ns(self):
        with open(os.path.join(self.dirs["cpuacct"], "cpuacct.usage")) as f:
            return int(f.read())


def start(path, env, extra_env=None, sandbox=None, first_event=None, wrapper=()):
    """Starts the binary; with `first_event`, that event is already waiting (an on-demand
    cold start: the request arrives before the sandbox exists)."""
    api = RuntimeApi(sandbox)
    full_env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address, **(extra_env or {}))
    argv = [*wrapper, path]
    if sandbox:
        argv = sandbox.command(argv)
    first_id = api.submit(first_event) if first_event is not None else None
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.PIPE if sandbox else subprocess.DEVNULL)
    if sandbox:
        deadline = time.time() + 10
        while not sandbox.holds(proc.pid):
            if time.time() > deadline:
                raise RuntimeError("the process did not join its cgroup")
            time.sleep(0.0005)
        sandbox.reset()
        t0 = time.perf_counter()
        proc.stdin.write(b"go\n")
        proc.stdin.close()
    api.started_at = t0
    deadline = time.time() + 120
    while api.first_next is None:
        if proc.poll() is not None or time.time() > deadline:
            api.close()
            raise RuntimeError(f"{path} did not reach /next (exit {proc.poll()}, init error {api.init_error})")
        time.sleep(0.0002)
    return api, proc, api.first_next - t0, first_id


def peak_kib(pid):
    return procfs.status_kib(pid, "VmHWM").get("VmHWM", 0)


def stop(api, proc):
    proc.kill()
    proc.wait()
    api.close()


def one_run(path, env, event, warm, check, extra_env=None, sandbox=None):
    """One process: an on-demand cold start (the first event waiting before the process
    starts), then `warm` invocations one after another."""
    api, proc, init, first_id = start(path, env, extra_env, sandbox, first_event=event)
    try:
        (done_at, kind, body), = api.wait([first_id], timeout=120)
        check(kind, body)
        cold = done_at - api.sent[first_id]
        cold_answer = done_at - api.started_at
        lat = []
        for _ in range(warm):
            rid = api.submit(event)
            (done_at, kind, body), = api.wait([rid])
            check(kind, body)
            lat.append(done_at - api.sent[rid])
        time.sleep(0.01)  # the last /next
        lat.sort()
        out = {"init": init, "cold": cold, "cold_answer": cold_answer, "p50": lat[len(lat) // 2],
               "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "hwm": peak_kib(proc.pid)}
        cpu = api.cpu_at_next
        if len(cpu) >= warm + 2:
            out["init_cpu"] = cpu[0] / 1e9
            out["first_cpu"] = (cpu[1] - cpu[0]) / 1e9
            out["warm_cpu"] = (cpu[warm + 1] - cpu[1]) / 1e9 / warm
        return out
    finally:
        stop(api, proc)


def throughput(path, env, event, concurrency, n, check):
    api, proc, _, _ = start(path, env, {"AWS_LAMBDA_MAX_CONCURRENCY": str(concurrency)})
    try:
        time.sleep(0.2)  # let every worker reach /next
        api.wait([api.submit(event)])  # warm
        t0 = time.perf_counter()
        ids = [api.submit(event) for _ in range(n)]
        results = api.wait(ids, timeout=120)
        elapsed = max(r[0] for r in results) - t0
        wrong = 0
        for kind, body in ((r[1], r[2]) for r in results):
            try:
                check(kind, body)
            except AssertionError:
                wrong += 1
        return n / elapsed, wrong
    finally:
        stop(api, proc)


# Each build's event file (set by main): a get-session build's answers are judged in the
# format of that event's front door.
EVENT_PATHS = {}


def checker(name):
    door = os.path.basename(os.path.dirname(EVENT_PATHS.get(name, "")))

    def check(kind, body):
        assert kind == "response", f"{name}: {kind} {body[:200]!r}"
        if name.startswith("delete-session"):
            verdict = judge.verdict(door, json.loads(body), {"status": 401}, function="delete-session")
            assert verdict == "right", f"{name}: {verdict}: {body[:300]}"
        elif name.startswith("session-authorizer"):
            answer = json.loads(body)
            assert answer == {"isAuthorized": True, "context": {"username": "bench"}}, f"{name}: {body[:300]}"
        elif name.startswith("get-session"):
            verdict = judge.verdict(door, json.loads(body), {"status": 200, "username": "bench"})
            assert verdict == "right", f"{name}: {verdict}: {body[:300]}"
        elif name.startswith("boto3"):
            resp = json.loads(body)
            assert resp["statusCode"] == 200 and json.loads(resp["body"]) == {"username": "bench"}, body
        elif name.startswith("bare-getitem"):
            assert json.loads(body)["body"] == "true", body
    return check


def instructions(path, env, extra_env, out_file, event=None, warm=0, check=None):
    """Instructions the process executed (valgrind callgrind) through init and, given an
    `event`, the first request and `warm` more; without one, init alone (to its first
    `/next`)."""
    wrapper = ("valgrind", "-q", "--tool=callgrind", f"--callgrind-out-file={out_file}")
    api, proc, _, first_id = start(path, env, extra_env, first_event=event, wrapper=wrapper)
    try:
        if event is not None:
            (_, kind, body), = api.wait([first_id], timeout=300)
            check(kind, body)
            for _ in range(warm):
                rid = api.submit(event)
                (_, kind, body), = api.wait([rid], timeout=120)
                check(kind, body)
        time.sleep(0.2)
    finally:
        proc.terminate()  # callgrind writes its profile on SIGTERM
        proc.wait(timeout=120)
        api.close()
    with open(out_file) as f:
        return next(int(line.split()[1]) for line in f if line.startswith("totals:"))


def callgrind(builds, build_env, env, events, out_dir, init_only):
    """Instructions per warm request (each build with its own event): the difference of two
    runs (20 and 220 warm requests) over 200, so init and the first request cancel out.
    Deterministic up to the store's and the clock's answers: repeat runs agree to well
    under 1%."""
    per = {}
    for name, path in builds.items():
        event = events[name]
        a = instructions(path, env, build_env[name], f"{out_dir}/{name}.20.cg", event, 20, checker(name))
        b = instructions(path, env, build_env[name], f"{out_dir}/{name}.220.cg", event, 220, checker(name))
        per[name] = ((b - a) / 200, a)
    print("\n| build | instructions per warm request | vs bare GetItem | init | init vs echo "
          "| init + first request | vs echo |")
    print("|---|---|---|---|---|---|---|")
    base = next((v[0] for k, v in per.items() if k.startswith("bare-getitem")), None)
    init = {name: instructions(path, env, build_env[name], f"{out_dir}/{name}.init.cg")
            for name, path in builds.items()}
    cold = {name: a - 20 * n for name, (n, a) in per.items()}
    ratio = lambda v, b: f"{v / b:.2f}x" if b else ""
    for name, (n, a) in per.items():
        print(f"| {name} | {n:,.0f} | {ratio(n, base)} | {init[name]:,} | {ratio(init[name], init.get('echo'))} "
              f"| {cold[name]:,.0f} | {ratio(cold[name], cold.get('echo'))} |")
    for name, path in init_only.items():
        n = instructions(path, env, build_env[name], f"{out_dir}/{name}.init.cg")
        print(f"| {name} (init only) | | | {n:,} | {ratio(n, init.get('echo'))} | | |")
    return per


GOALS = [  # (label, numerator build, figure, denominator build, figure, goal)
    ("init vs echo", "get-session", "init", "echo", "init", 1.5),
    ("cold answer vs bare GetItem (default build)", "get-session", "cold_answer", "bare-getitem", "cold_answer", 0.25),
    ("first request vs warm p50", "get-session", "cold", "get-session", "p50", 1.5),
    ("cold answer vs echo", "get-session", "cold_answer", "echo", "cold_answer", 2.0),
    ("warm p50 vs bare GetItem", "get-session", "p50", "bare-getitem", "p50", 0.9),
    ("CPU per warm request vs bare GetItem", "get-session", "warm_cpu", "bare-getitem", "warm_cpu", 0.9),
    ("peak RSS vs bare GetItem", "get-session", "hwm", "bare-getitem", "hwm", 1.0),
]


def table(title, med, args):
    ms = lambda s: f"{s * 1000:.2f} ms"
    print(f"\n### {title}\n\nmedians of {args.runs} runs, {args.warm} warm invocations each\n")
    print("| build | init | first request | cold answer | warm p50 | warm p99 | CPU: init | CPU: first request "
          "| CPU: warm request | peak RSS | stripped size |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, m in med.items():
        cpu = lambda k: ms(m[k]) if k in m else "n/a"
        print(f"| {name} | {ms(m['init'])} | {ms(m['cold'])} | {ms(m['cold_answer'])} | {ms(m['p50'])} "
              f"| {ms(m['p99'])} | {cpu('init_cpu')} | {cpu('first_cpu')} | {cpu('warm_cpu')} "
              f"| {m['hwm'] / 1024:.1f} MiB | "
              + ("(a script)" if name.startswith("boto3") else f"{m['size'] / 1024 / 1024:.2f} MiB") + " |")
    rows = []
    for label, a, fa, b, fb, goal in GOALS:
        if a in med and b in med and fa in med[a] and fb in med[b] and med[b][fb]:
            ratio = med[a][fa] / med[b][fb]
            rows.append((label, ratio, goal))
    if rows:
        print("\n| ratio | figure | goal | met |\n|---|---|---|---|")
        for label, ratio, goal in rows:
            print(f"| {label} | {ratio:.2f}x | <= {goal}x | {'yes' if ratio <= goal else 'no'} |")
    for name in med:
        if name.startswith("get-session") and name != "get-session" and "get-session" in med:
            g, f = med[name], med["get-session"]
            print(f"\n{name} / get-session: init {g['init'] / f['init']:.2f}x, "
                  f"first request {g['cold'] / f['cold']:.2f}x, cold answer {g['cold_answer'] / f['cold_answer']:.2f}x, "
                  f"warm p50 {g['p50'] / f['p50']:.2f}x, "
                  f"p99 {g['p99'] / f['p99']:.2f}x, peak RSS {g['hwm'] / f['hwm']:.2f}x"
                  + (f", CPU per warm request {g['warm_cpu'] / f['warm_cpu']:.2f}x" if "warm_cpu" in g else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True, help="NAME=PATH")
    ap.add_argument("--env", action="append", default=[], help="K=V for every binary")
    ap.add_argument("--build-env", action="append", default=[],
                    help="NAME:K=V for one build only (the same binary can be two builds)")
    ap.add_argument("--event", required=True)
    ap.add_argument("--build-event", action="append", default=[],
                    help="NAME=PATH: this build's event instead of --event (a front door of its own)")
    ap.add_argument("--init-build", action="append", default=[],
                    help="NAME=PATH: with --callgrind, count only its init (it need not answer)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--cpu-share", action="append", default=[],
                    help="LABEL=QUOTA_US: also run every build at this CPU share (cfs_quota_us per 100 ms)")
    ap.add_argument("--store-delay-ms", type=float, default=5.0,
                    help="network delay added to the store for the concurrency runs")
    ap.add_argument("--callgrind", action="store_true",
                    help="only count instructions per warm request under valgrind (callgrind)")
    ap.add_argument("--max-first-request-cpu-ms", type=float,
                    help="fail if get-session's first request (full CPU) uses more CPU than this")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "SSL_CERT_FILE", "SSL_CERT_DIR")}
    env.update(AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench",
               AWS_LAMBDA_LOG_STREAM_NAME="bench", AWS_LAMBDA_LOG_FORMAT="JSON")
    env.update(dict(kv.split("=", 1) for kv in args.env))
    builds = dict(b.split("=", 1) for b in args.build)
    init_only = dict(b.split("=", 1) for b in args.init_build)
    build_env = {name: {} for name in [*builds, *init_only]}
    for spec in args.build_env:
        name, kv = spec.split(":", 1)
        build_env[name].update([kv.split("=", 1)])
    event = open(args.event, "rb").read()
    events = {name: event for name in builds}
    EVENT_PATHS.update({name: args.event for name in builds})
    for spec in args.build_event:
        name, path = spec.split("=", 1)
        events[name] = open(path, "rb").read()
        EVENT_PATHS[name] = path
    if args.callgrind:
        out_dir = os.path.dirname(os.path.abspath(args.json)) if args.json else "/tmp"
        per = callgrind(builds, build_env, env, events, out_dir, init_only)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({name: {"warm_instructions": n, "init_first_20": a} for name, (n, a) in per.items()},
                          f, indent=2)
        return
    conditions = [("full CPU", None)] + [(c.split("=")[0], int(c.split("=")[1])) for c in args.cpu_share]
    results = {}
    for label, quota in conditions:
        runs = {name: [] for name in builds}
        sandboxes = {name: Sandbox(f"{name}-{quota or 'full'}", quota) for name in builds}
        order = list(builds.items())
        # Builds interleaved, so drift hits them alike, in reverse order every other run, so
        # no build always runs first (measured: a fixed order favoured the later builds by
        # up to 15% at full CPU).
        for run in range(args.runs):
            for name, path in order if run % 2 == 0 else order[::-1]:
                runs[name].append(one_run(path, env, events[name], args.warm, checker(name), build_env[name],
                                          sandboxes[name]))
        # A figure some runs lack (the CPU at a /next that came after the run ended) is the
        # median of the runs that have it.
        med = {name: {k: statistics.median(r[k] for r in rs if k in r) for k in set().union(*rs)}
               for name, rs in runs.items()}
        for name, path in builds.items():
            med[name]["size"] = os.path.getsize(path)
        results[label] = {"medians": med, "runs": runs}
        table(f"{label}" + (f" ({quota} us per {PERIOD_US} us)" if quota else ""), med, args)

    conc = {}
    if "get-session" in builds:
        proxy = DelayProxy(env["AWS_ENDPOINT_URL_DYNAMODB"], args.store_delay_ms / 1000)
        slow_env = dict(env, AWS_ENDPOINT_URL_DYNAMODB=proxy.url)
        for c in (1, 2, 4, 8):
            conc[c] = throughput(builds["get-session"], slow_env, event, c, 400, checker("get-session"))
        base = conc[1][0]
        print(f"\nconcurrency (full CPU): 400 invocations queued at once, store {args.store_delay_ms:g} ms away")
        print("\n| AWS_LAMBDA_MAX_CONCURRENCY | invocations/s | vs 1 | wrong answers |")
        print("|---|---|---|---|")
        for c, (rate, wrong) in conc.items():
            print(f"| {c} | {rate:.0f} | {rate / base:.2f}x | {wrong} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"conditions": results, "concurrency": conc}, f, indent=2)
    failed = []
    if any(w for _, w in conc.values()):
        failed.append("wrong answers under concurrency")
    first_cpu = results["full CPU"]["medians"].get("get-session", {}).get("first_cpu")
    if args.max_first_request_cpu_ms is not None and first_cpu is not None \
            and first_cpu * 1000 > args.max_first_request_cpu_ms:
        failed.append(f"get-session's first request used {first_cpu * 1000:.1f} ms of CPU "
                      f"(limit {args.max_first_request_cpu_ms:g} ms): did the build regain the entropy stall?")
    if failed:
        raise SystemExit("; ".join(failed))


if __name__ == "__main__":
    main()
