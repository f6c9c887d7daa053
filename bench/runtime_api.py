"""Drive Lambda binaries the way Lambda does, and measure them side by side.

A small Lambda Runtime API server on 127.0.0.1 (`/2018-06-01/runtime/invocation/next`,
`.../{id}/response`, `.../{id}/error`, `/init/error`) feeds each built release binary
API Gateway v2 events; the binary reaches a local DynamoDB through
AWS_ENDPOINT_URL_DYNAMODB. Per build, as medians over repeated runs (builds interleaved,
so drift on a shared machine hits them alike):

  init      process start -> its first /invocation/next
  cold      first invocation: event handed out -> response received
  warm      p50 / p99 over the following invocations
  VmHWM     peak resident memory at the end of the run
  size      the stripped binary

and, for get-session, throughput with AWS_LAMBDA_MAX_CONCURRENCY = 1, 2, 4, 8 (several
/next in flight at once) against the store behind a small network delay, checking every
answer.

Usage: runtime_api.py --build NAME=PATH [...] --env K=V [...] [--runs 5] [--warm 300]
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
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class RuntimeApi:
    """One server per process run: a poll still in flight from a killed process can then
    never take (and lose) the next process's events."""

    def __init__(self):
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
        with self.lock:
            if self.first_next is None:
                self.first_next = time.perf_counter()

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
        host, port = upstream.split("//", 1)[1].rsplit(":", 1)
        self.upstream, self.delay = (host, int(port)), delay
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.handle, "127.0.0.1", 0), self.loop).result()
        self.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

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


def start(path, env, extra_env=None):
    api = RuntimeApi()
    full_env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address, **(extra_env or {}))
    t0 = time.perf_counter()
    proc = subprocess.Popen([path], env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while api.first_next is None:
        if proc.poll() is not None or time.time() > deadline:
            api.close()
            raise RuntimeError(f"{path} did not reach /next (exit {proc.poll()}, init error {api.init_error})")
        time.sleep(0.0002)
    return api, proc, api.first_next - t0


def peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM"):
                return int(line.split()[1])
    return 0


def stop(api, proc):
    proc.kill()
    proc.wait()
    api.close()


def one_run(path, env, event, warm, check, extra_env=None):
    api, proc, init = start(path, env, extra_env)
    try:
        rid = api.submit(event)
        (done_at, kind, body), = api.wait([rid])
        check(kind, body)
        cold = done_at - api.sent[rid]
        lat = []
        for _ in range(warm):
            rid = api.submit(event)
            (done_at, kind, body), = api.wait([rid])
            check(kind, body)
            lat.append(done_at - api.sent[rid])
        lat.sort()
        return {"init": init, "cold": cold, "p50": lat[len(lat) // 2],
                "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))], "hwm": peak_kib(proc.pid)}
    finally:
        stop(api, proc)


def throughput(path, env, event, concurrency, n, check):
    api, proc, _ = start(path, env, {"AWS_LAMBDA_MAX_CONCURRENCY": str(concurrency)})
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


def checker(name):
    def check(kind, body):
        assert kind == "response", f"{name}: {kind} {body[:200]!r}"
        if name.startswith("get-session"):
            resp = json.loads(body)
            assert resp["statusCode"] == 200 and json.loads(resp["body"]) == {"username": "bench"}, body
        elif name == "bare-getitem":
            assert json.loads(body)["body"] == "true", body
    return check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True, help="NAME=PATH")
    ap.add_argument("--env", action="append", default=[], help="K=V for every binary")
    ap.add_argument("--build-env", action="append", default=[],
                    help="NAME:K=V for one build only (the same binary can be two builds)")
    ap.add_argument("--event", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warm", type=int, default=300)
    ap.add_argument("--json", help="write the figures here too")
    ap.add_argument("--store-delay-ms", type=float, default=5.0,
                    help="network delay added to the store for the concurrency runs")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME")}
    env.update(AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/bench",
               AWS_LAMBDA_LOG_STREAM_NAME="bench", AWS_LAMBDA_LOG_FORMAT="JSON")
    env.update(dict(kv.split("=", 1) for kv in args.env))
    builds = dict(b.split("=", 1) for b in args.build)
    build_env = {name: {} for name in builds}
    for spec in args.build_env:
        name, kv = spec.split(":", 1)
        build_env[name].update([kv.split("=", 1)])
    event = open(args.event, "rb").read()
    runs = {name: [] for name in builds}
    for _ in range(args.runs):
        for name, path in builds.items():
            runs[name].append(one_run(path, env, event, args.warm, checker(name), build_env[name]))

    med = {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}
    for name, path in builds.items():
        med[name]["size"] = os.path.getsize(path)

    conc = {}
    if "get-session" in builds:
        proxy = DelayProxy(env["AWS_ENDPOINT_URL_DYNAMODB"], args.store_delay_ms / 1000)
        slow_env = dict(env, AWS_ENDPOINT_URL_DYNAMODB=proxy.url)
        for c in (1, 2, 4, 8):
            conc[c] = throughput(builds["get-session"], slow_env, event, c, 400, checker("get-session"))

    ms = lambda s: f"{s * 1000:.2f} ms"
    print(f"\nmedians of {args.runs} runs, {args.warm} warm invocations each\n")
    print("| build | init | cold | warm p50 | warm p99 | peak RSS (VmHWM) | stripped size |")
    print("|---|---|---|---|---|---|---|")
    for name, m in med.items():
        print(f"| {name} | {ms(m['init'])} | {ms(m['cold'])} | {ms(m['p50'])} | {ms(m['p99'])} "
              f"| {m['hwm'] / 1024:.1f} MiB | {m['size'] / 1024 / 1024:.2f} MiB |")
    for floor in ("bare-getitem", "echo"):
        if floor in med and "get-session" in med:
            g, f = med["get-session"], med[floor]
            print(f"\nget-session / {floor}: init {g['init'] / f['init']:.2f}x, cold {g['cold'] / f['cold']:.2f}x, "
                  f"warm p50 {g['p50'] / f['p50']:.2f}x, p99 {g['p99'] / f['p99']:.2f}x, "
                  f"peak RSS {g['hwm'] / f['hwm']:.2f}x, size {g['size'] / f['size']:.2f}x")
    for name in med:
        if name.startswith("get-session") and name != "get-session" and "get-session" in med:
            g, f = med[name], med["get-session"]
            print(f"\n{name} / get-session: init {g['init'] / f['init']:.2f}x, cold {g['cold'] / f['cold']:.2f}x, "
                  f"warm p50 {g['p50'] / f['p50']:.2f}x, p99 {g['p99'] / f['p99']:.2f}x, "
                  f"peak RSS {g['hwm'] / f['hwm']:.2f}x")
    if conc:
        base = conc[1][0]
        print(f"\nconcurrency: 400 invocations queued at once, store {args.store_delay_ms:g} ms away")
        print("\n| AWS_LAMBDA_MAX_CONCURRENCY | invocations/s | vs 1 | wrong answers |")
        print("|---|---|---|---|")
        for c, (rate, wrong) in conc.items():
            print(f"| {c} | {rate:.0f} | {rate / base:.2f}x | {wrong} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"medians": med, "runs": runs, "concurrency": conc}, f, indent=2)
    if any(w for _, w in conc.values()):
        raise SystemExit("wrong answers under concurrency")


if __name__ == "__main__":
    main()
