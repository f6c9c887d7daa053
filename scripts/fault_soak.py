"""Fault soak: never a wrong answer, whatever the store does, at any concurrency.

The real function binary runs under a Lambda Runtime API and reaches moto (a real local
DynamoDB server) only through a fault proxy, which a schedule switches between passing
traffic and one fault at a time:

  refuse     the proxy stops listening (connection refused)
  hang       reads the request, never answers (the SDK's timeouts end it)
  reset      forwards, then sends half of moto's answer and resets the connection
  truncated  forwards, then sends half of moto's answer and closes cleanly
  garbage    200 with DynamoDB's content type and a body that is not JSON
  html       200 with an unexpected content type (text/html) and an HTML body
  error500   500 InternalServerError
  throttle   400 ProvisionedThroughputExceededException

Every switch also drops every open connection, so the SDK's pooled connections meet the
new mode too. Invocations mix live sessions of several users, unknown, expired, malformed
and absent tokens, over every token source in every front door (the templates in events/).
Every answer must be the right one, or a 500 ResponseError with a store error code and the
invocation's own request id as op_id: anything else is a wrong answer. Reports 500s by
code, the recovery after each fault (time from the switch back to passing until the first
right answer for a live session, and how many answers in between were 500s), memory and
open fds of the function process before and after.

The logout (`--logout BINARY`, delete-session) is soaked the same way, one fresh live session
per invocation, every token source in every door: every answer must be `204` (and the item
must then be gone, read from moto past the proxy) or a 500 store error. A 500 may leave the
item or not (the delete may have landed before its answer was lost); a 204 for a delete that
did not happen, or a 401 for a live session, is a wrong answer.

Our own Runtime API (bench/runtime_api.py) drives the function here, not AWS's emulator:
the emulator runs one invocation at a time, and this soak needs up to
AWS_LAMBDA_MAX_CONCURRENCY invocations in flight.

Usage: fault_soak.py BINARY [--invocations 10000] [--concurrency 1] [--batch 32]
                     [--logout DELETE_BINARY] [--logout-invocations 420]
Exits non-zero on any wrong answer, a restart, or growth in memory or fds.
"""
import argparse
import asyncio
import collections
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench"))
import e2e  # noqa: E402  (process helpers: start, stop_all, free_port, wait_port, check)
import judge  # noqa: E402  (the one judge of an answer: testkit)
import procfs  # noqa: E402
from runtime_api import RuntimeApi  # noqa: E402

TABLE = "sessions-soak"
DEMO = e2e.DEMO_TOKEN
SOURCES = ["session-header", "session-bearer", "session-cookie"]
FAULTS = ["refuse", "hang", "reset", "truncated", "garbage", "html", "error500", "throttle"]
# The store errors the proxy's faults can cause (a misconfigured store or an invalid record
# is never one of them).
STORE_CODES = {"session_store_unavailable", "session_store_throttled"}


def http_message(status, content_type, body):
    head = (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nx-amzn-RequestId: soak\r\n\r\n")
    return head.encode() + body


CANNED = {
    "garbage": http_message("200 OK", "application/x-amz-json-1.0", b"\x00\x01not json at all{{"),
    "html": http_message("200 OK", "text/html", b"<html><body>Service Temporarily Unavailable</body></html>"),
    "error500": http_message("500 Internal Server Error", "application/x-amz-json-1.0",
                             b'{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError",'
                             b'"message":"injected"}'),
    "throttle": http_message("400 Bad Request", "application/x-amz-json-1.0",
                             b'{"__type":"com.amazonaws.dynamodb.v20120810#'
                             b'ProvisionedThroughputExceededException","message":"injected"}'),
}


async def read_message(reader):
    """One HTTP/1.1 message with a Content-Length body, as bytes (b'' at end of stream)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + (await reader.readexactly(length) if length else b"")


class FaultProxy:
    """A TCP proxy in front of moto whose behaviour a schedule switches."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.port = e2e.free_port()
        self.mode = "pass"
        self.requests = collections.Counter()
        self.conns = set()
        self.server = None
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self._call(self._listen())

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    async def _listen(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    async def _switch(self, mode):
        if mode == "refuse" and self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.conns):
            writer.transport.abort()
        self.conns.clear()
        self.mode = mode
        if mode != "refuse" and self.server is None:
            await self._listen()

    def set_mode(self, mode):
        self._call(self._switch(mode))

    async def _serve(self, reader, writer):
        self.conns.add(writer)
        try:
            while True:
                try:
                    request = await read_message(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                mode = self.mode
                self.requests[mode] += 1
                if mode == "hang":
                    await reader.read()  # until the client gives up or the switch aborts it
                    return
                if mode in CANNED:
                    writer.write(CANNED[mode])
                    await writer.drain()
                    continue
                up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                try:
                    up_writer.write(request)
                    await up_writer.drain()
                    answer = await read_message(up_reader)
                finally:
                    up_writer.close()
                if mode == "pass":
                    writer.write(answer)
                    await writer.drain()
                    continue
                writer.write(answer[: len(answer) - max(1, (len(answer) - answer.index(b"\r\n\r\n")) // 2)])
                await writer.drain()
                if mode == "reset":
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                else:  # truncated: a clean close after too few bytes
                    writer.close()
                return
        except (ConnectionError, OSError):
            return
        finally:
            self.conns.discard(writer)
            writer.close()


def seed(env, users):
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}])
    now = int(time.time())
    rows = [(token, name, now + 86400) for name, token in users.items()]
    rows.append((expired_token(), "old", now - 60))
    for token, name, expires_at in rows:
        ddb.put_item(TableName=TABLE, Item=judge.item(token, name, expires_at))


def expired_token():
    return "soak-expired-token-" + "e" * 24


def cases(users):
    """(event bytes, (door directory, expected answer), is_live) for every mix: each front
    door the judge lists, each token source, each kind of session."""
    out = []
    for door, _ in judge.doors():
        for source in SOURCES:
            template = open(os.path.join(e2e.ROOT, "events", door, f"{source}.json")).read()
            for name, token in users.items():
                out.append((template.replace(DEMO, token).encode(), (door, {"status": 200, "username": name}), True))
            out.append((template.replace(DEMO, "soak-unknown-token-" + "u" * 24).encode(), (door, {"status": 200}),
                        False))
            out.append((template.replace(DEMO, expired_token()).encode(), (door, {"status": 200}), False))
        for other in ("malformed-token", "no-token"):
            rel = f"{door}/{other}.json"
            want = json.load(open(os.path.join(e2e.ROOT, "events", "expected.json")))["events"][rel]
            out.append((open(os.path.join(e2e.ROOT, "events", rel), "rb").read(), (door, want), False))
    return out


def judged(request_id, kind, body, want):
    """'right', or the store error code of a 500 that carries this invocation's op_id, or 'wrong'."""
    if kind != "response":
        return "wrong"
    try:
        resp = json.loads(body)
    except ValueError:
        return "wrong"
    door, expected = want
    got = judge.verdict(door, resp, expected, request_id=request_id, store_failing=True)
    return got if got == "right" or got in STORE_CODES else "wrong"


def schedule(n, batch):
    """Phases of (mode, invocations): a passing stretch before each fault, every fault in turn.
    A phase is whole batches; hanging costs the SDK's whole 3 s budget per invocation, so
    its phases are the shortest."""
    passing = 200 if batch == 1 else 10 * batch
    fault_size = {"hang": 2} if batch == 1 else {"hang": batch}
    phases, i, total = [], 0, 0
    while total < n:
        fault = FAULTS[i % len(FAULTS)]
        for mode, k in (("pass", passing), (fault, fault_size.get(fault, 12 if batch == 1 else 2 * batch))):
            k = min(k, n - total)
            if k > 0:
                phases.append((mode, k))
                total += k
        i += 1
    return phases


def figures(pid):
    return procfs.status_kib(pid, "VmRSS")["VmRSS"], procfs.open_fds(pid)


def run(binary, env, mix, proxy, n, concurrency, batch):
    api = RuntimeApi()
    fn_env = dict(env, AWS_LAMBDA_RUNTIME_API=api.address, AWS_LAMBDA_MAX_CONCURRENCY=str(concurrency))
    fn = e2e.start(f"soak-c{concurrency}", [binary], fn_env)
    answers = collections.Counter()
    by_fault = collections.defaultdict(collections.Counter)
    recoveries, wrong_examples = [], []
    k = 0

    def invoke(count, mode):
        nonlocal k
        ids = []
        for _ in range(count):
            event, want, live = mix[k % len(mix)]
            k += 1
            ids.append((api.submit(event), want, live))
        results = api.wait([i for i, _, _ in ids], timeout=120)
        out = []
        for (rid, want, live), (done_at, kind, body) in zip(ids, results):
            verdict = judged(rid, kind, body, want)
            answers[verdict] += 1
            by_fault[mode][verdict] += 1
            if verdict == "wrong" and len(wrong_examples) < 5:
                wrong_examples.append((mode, want, kind, body[:300]))
            out.append((done_at, verdict, live))
        return out

    try:
        invoke(max(batch, 1) * 20, "warm-up")  # allocator and connection pool settle first
        answers.clear()
        by_fault.clear()
        start = figures(fn.pid)
        t0 = time.time()
        for mode, count in schedule(n, batch):
            proxy.set_mode(mode)
            switched = time.perf_counter()
            recovered, failed = None, 0
            done = 0
            while done < count:
                step = min(batch, count - done)
                for done_at, verdict, live in invoke(step, mode):
                    if mode == "pass" and recovered is None:
                        if verdict in STORE_CODES:
                            failed += 1
                        elif live and verdict == "right":
                            recovered = done_at - switched
                done += step
            if mode == "pass" and recovered is not None:
                recoveries.append((recovered, failed))
        elapsed = time.time() - t0
        end = figures(fn.pid)
        alive = fn.poll() is None
    finally:
        proxy.set_mode("pass")
        fn.terminate()
        fn.wait(timeout=10)
        api.close()
    return answers, by_fault, recoveries[1:], wrong_examples, start, end, alive, elapsed


def logout_soak(binary, env, moto_env, proxy, n):
    """The logout under the same faults: a fresh live session per invocation; a 204 must
    have deleted it, a 500 is a store error with this invocation's op_id."""
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=moto_env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    templates = []
    for door, _ in judge.doors():
        for source in SOURCES:
            templates.append((door, open(os.path.join(e2e.ROOT, "events", door, f"{source}.json")).read()
                              .replace('"GET /session"', '"DELETE /session"').replace('"GET"', '"DELETE"')))
    api = RuntimeApi()
    fn = e2e.start("soak-logout", [binary], dict(env, AWS_LAMBDA_RUNTIME_API=api.address))
    answers = collections.Counter()
    by_fault = collections.defaultdict(collections.Counter)
    not_deleted, wrong_examples = 0, []
    phases = [p for _ in range(2) for fault in FAULTS
              for p in (("pass", 40), (fault, 2 if fault == "hang" else 12))]
    k = 0
    try:
        for mode, count in phases:
            if k >= n:
                break
            proxy.set_mode(mode)
            for _ in range(min(count, n - k)):
                door, template = templates[k % len(templates)]
                token = f"soak-logout-{k}-" + os.urandom(12).hex()
                k += 1
                ddb.put_item(TableName=TABLE, Item=judge.item(token, "leaving", int(time.time()) + 3600))
                rid = api.submit(template.replace(DEMO, token).encode())
                done_at, kind, body = api.wait([rid], timeout=120)[0]
                verdict = "wrong"
                if kind == "response":
                    try:
                        resp = json.loads(body)
                        got = judge.verdict(door, resp, {"status": 204}, request_id=rid, store_failing=True,
                                            function="delete-session")
                        verdict = got if got == "right" or got in STORE_CODES else "wrong"
                    except ValueError:
                        pass
                if verdict == "right" and "Item" in ddb.get_item(TableName=TABLE, Key=judge.table_key(token),
                                                                  ConsistentRead=True):
                    verdict = "wrong"
                    not_deleted += 1
                answers[verdict] += 1
                by_fault[mode][verdict] += 1
                if verdict == "wrong" and len(wrong_examples) < 5:
                    wrong_examples.append((mode, door, kind, body[:300]))
        alive = fn.poll() is None
    finally:
        proxy.set_mode("pass")
        fn.terminate()
        fn.wait(timeout=10)
        api.close()
    label = "fault soak, logout (delete-session)"
    print(f"\n{label}: {sum(answers.values())} invocations, each a fresh live session")
    print(f"  answers: {dict(answers)}")
    for mode in ["pass"] + FAULTS:
        if mode in by_fault:
            print(f"  during {mode:9}: {dict(by_fault[mode])}")
    for example in wrong_examples:
        print(f"  WRONG: {example}")
    e2e.check(f"{label}: zero wrong answers", answers["wrong"] == 0, f"{answers['wrong']} wrong")
    e2e.check(f"{label}: no 204 for a session left in the table", not_deleted == 0, str(not_deleted))
    e2e.check(f"{label}: faults were met (500s)", sum(answers[c] for c in STORE_CODES) > 0)
    e2e.check(f"{label}: logouts while the store passed (204s)", answers["right"] > 0)
    e2e.check(f"{label}: the function process never exited", alive)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--invocations", type=int, default=10000)
    ap.add_argument("--concurrency", type=int, action="append", help="AWS_LAMBDA_MAX_CONCURRENCY (repeatable)")
    ap.add_argument("--concurrent-invocations", type=int, default=4000)
    ap.add_argument("--logout", help="delete-session's binary: soaked too")
    ap.add_argument("--logout-invocations", type=int, default=420)
    args = ap.parse_args()
    os.makedirs(e2e.RUN_DIR, exist_ok=True)

    env = dict(os.environ, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
               AWS_EC2_METADATA_DISABLED="true", SESSION_TABLE=TABLE, AWS_LAMBDA_FUNCTION_NAME="soak",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               AWS_LAMBDA_LOG_FORMAT="JSON")
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_LAMBDA_LOG_LEVEL", "RUST_LOG"):
        env.pop(k, None)
    moto_port = e2e.free_port()
    moto = e2e.start("soak-moto", [os.path.join(e2e.VENV_BIN, "moto_server"), "-H", "127.0.0.1",
                                   "-p", str(moto_port)], env)
    e2e.wait_port(moto_port, moto, 30)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{moto_port}"
    moto_env = dict(env)
    users = {f"user{i}": f"soak-live-token-{i}-" + os.urandom(12).hex() for i in range(8)}
    seed(env, users)
    proxy = FaultProxy(moto_port)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{proxy.port}"
    mix = cases(users)

    for concurrency in args.concurrency or [1, 8]:
        n = args.invocations if concurrency == 1 else args.concurrent_invocations
        batch = 1 if concurrency == 1 else concurrency * 4
        answers, by_fault, recoveries, wrong, start, end, alive, elapsed = run(
            args.binary, env, mix, proxy, n, concurrency, batch)
        label = f"fault soak, AWS_LAMBDA_MAX_CONCURRENCY={concurrency}"
        total = sum(answers.values())
        print(f"\n{label}: {total} invocations in {elapsed:.1f}s, {batch} in flight at most")
        print(f"  answers: {dict(answers)}")
        print(f"  store requests seen by the proxy, by mode: {dict(proxy.requests)}")
        for mode in ["pass"] + FAULTS:
            if mode in by_fault:
                print(f"  during {mode:9}: {dict(by_fault[mode])}")
        if recoveries:
            times = sorted(r for r, _ in recoveries)
            print(f"  recovery after {len(recoveries)} faults: median {statistics.median(times) * 1000:.1f} ms, "
                  f"max {times[-1] * 1000:.1f} ms; 500s after a fault ended: {sum(f for _, f in recoveries)}")
        print(f"  function RSS {start[0]} -> {end[0]} KiB, open fds {start[1]} -> {end[1]}")
        for example in wrong:
            print(f"  WRONG: {example}")
        proxy.requests.clear()
        e2e.check(f"{label}: zero wrong answers", answers["wrong"] == 0, f"{answers['wrong']} wrong")
        e2e.check(f"{label}: every invocation answered", total == n, f"{total} of {n}")
        e2e.check(f"{label}: faults were met (500s)", sum(answers[c] for c in STORE_CODES) > 0)
        e2e.check(f"{label}: the function process never exited", alive)
        e2e.check(f"{label}: no fd growth", end[1] <= start[1] + 4, f"{start[1]} -> {end[1]}")
        e2e.check(f"{label}: resident memory stable", end[0] <= start[0] + 6144, f"{start[0]} -> {end[0]} KiB")
        e2e.check(f"{label}: every fault recovered from", len(recoveries) > 0 and
                  all(f == 0 for _, f in recoveries), str(recoveries[:10]))
    if args.logout:
        logout_soak(args.logout, env, moto_env, proxy, args.logout_invocations)
    return 1 if e2e.failures else 0


if __name__ == "__main__":
    e2e.run(main)
