"""The test kit's judge, for every script: one long-running `judge` process
(testkit/src/bin/judge.rs) answers whether a response is right (its front door's format,
the contract's promises, the answer wanted, the op_id rules), whether a request line is
valid EMF, a token's table key, a session item as the login service writes it, and the
list of front doors with their event directories. The rules are written once, in Rust;
this module only carries questions and answers, one JSON line each.
"""
import json
import os
import subprocess
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "judge")

_lock = threading.Lock()
_proc = None


def _ask(**request):
    """One question, one answer; the process is started on first use (built if missing)."""
    global _proc
    with _lock:
        if _proc is None or _proc.poll() is not None:
            subprocess.run(["cargo", "build", "--quiet", "-p", "get-session-testkit", "--bin", "judge"],
                           cwd=ROOT, check=True)
            _proc = subprocess.Popen([BINARY], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        _proc.stdin.write(json.dumps(request) + "\n")
        _proc.stdin.flush()
        line = _proc.stdout.readline()
    if not line:
        raise RuntimeError(f"the judge gave no answer to {request.get('op')}")
    answer = json.loads(line)
    if "error" in answer:
        raise ValueError(f"judge: {answer['error']}")
    return answer


def sample(rel, response, request_id=None, again=False):
    """(ok, why): whether `response` is the answer events/expected.json lists for events/`rel`
    (with `again`: its `again` entry, the answer to a second invocation)."""
    v = _ask(op="sample", event=rel, response=response, request_id=request_id, again=again)
    return v["verdict"] == "right", v.get("why", "")


def verdict(door_dir, response, want, request_id=None, store_failing=False, function="get-session"):
    """'right', the error code of a 500 store error (with store_failing), or 'wrong'."""
    v = _ask(op="judge", door=door_dir, response=response, want=want, request_id=request_id,
             store_failing=store_failing, function=function)
    return {"right": "right", "store_error": v.get("error_code"), "wrong": "wrong"}[v["verdict"]]


def key(token):
    """The table key of `token` (SHA-256, as the function derives it by default)."""
    return _ask(op="key", token=token)["key"]


def item(token, username, expires_at, issued_at=None, last_seen_at=None):
    """The session item (DynamoDB JSON, for boto3's put_item) as a login service writes it."""
    request = {"op": "item", "token": token, "username": username, "expires_at": int(expires_at)}
    if issued_at is not None:
        request["issued_at"] = int(issued_at)
    if last_seen_at is not None:
        request["last_seen_at"] = int(last_seen_at)
    return _ask(**request)["item"]


def sessions():
    """Every session item (DynamoDB JSON) the sample events need: the demo session and each
    sample's own (a logout sample deletes its own, so put them all before each run)."""
    return _ask(op="sessions")["items"]


def runs(want):
    """[False] or [False, True]: the invocations an expected.json entry asks for (`again`:
    the same event a second time, right after), as sample()'s `again` argument."""
    return [False, True] if "again" in want else [False]


def function(want):
    """The function an expected.json entry is for: get-session or delete-session."""
    return want.get("function", "get-session")


def emf(line, namespace):
    """(ok, why): whether the JSON request line `line` is valid EMF in `namespace`."""
    v = _ask(op="emf", line=line, namespace=namespace)
    return v["ok"], v.get("why", "")


def doors():
    """[(directory under events/, front door)] for every front door the function serves."""
    return [(d["dir"], d["door"]) for d in _ask(op="doors")["doors"]]


def close():
    global _proc
    with _lock:
        if _proc is not None:
            _proc.stdin.close()
            _proc.wait(timeout=10)
            _proc = None


def want(status, expected):
    """An expected.json entry from a test case's (status, {} / {"username": U} / error code /
    None: no body, a logout's 204 or 401)."""
    if expected is None:
        return {"status": status}
    if isinstance(expected, dict):
        return dict({"status": status}, **expected)
    return {"status": status, "error_code": expected}


def http(status, headers, body, expected_status, expected, function="get-session"):
    """verdict() of a plain HTTP answer of `function` (`cargo lambda watch`, `sam local
    start-api`: both serve it through an HTTP API payload 2.0 event), against a test case's
    (status, {} / {"username": U} / error code / None)."""
    headers = {k.lower(): v for k, v in headers.items()}
    if not body:
        # An answer without a body (the logout's 204 and 401) has no Content-Type from the
        # function; an HTTP API (and SAM's emulator of it) adds `application/json` on its way
        # out. The judge of the function's own response (event JSON) still refuses one.
        headers.pop("content-type", None)
    response = {"statusCode": status, "headers": headers, "body": body}
    return verdict("apigw-http-v2", response, want(expected_status, expected), function=function)


def table_key(token):
    """The table key of `token` as DynamoDB JSON (for boto3's get_item and delete_item)."""
    return _ask(op="key", token=token)["dynamodb_key"]
