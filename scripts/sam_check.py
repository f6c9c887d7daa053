"""What ships, run the way users run it (after `scripts/sam_check` has built it):

1. the arm64 artifacts `sam build` made from template.yaml (GetSessionFunction,
   DeleteSessionFunction and SessionAuthorizerFunction, one release build of the crate): each an aarch64 ELF, built with
   unwinding (so a panic is an invocation error, not a dead process), its size, and every
   file in events/ through AWS's emulator with its function's artifact under
   qemu-aarch64-static;
2. `sam local invoke` of every file in events/ in Docker, with the arm64 artifact (under
   qemu-user-static) and, when it was built (SAM_X86=1), the x86_64 one, each answer
   checked against events/expected.json,
   each error's op_id equal to SAM's RequestId; and the HTTP API events again with
   `ExistingTableName` set (the template's other table mode: no table of its own, the
   functions use the login service's table, named by the parameter alone). Each event goes
   to the function expected.json names; the sessions the events need are put before each
   run (a logout deletes its own).

   The arm64 containers run AWS's emulator natively: SAM's own image for them would run
   the emulator (a Go program) under qemu-user as well, and that pair sometimes never
   answers, more often the more load there is (shared/notes/arm64-emulation-hang.md: 17 of
   160 at 4 in parallel, 10 with Go's async preemption off; the artifact alone under qemu
   answered every time). `scripts/sam_check` builds the image SAM looks for
   (`provided:al2023-rapid-arm64`) with the x86_64 build of the same emulator, as on
   Graviton, where the Runtime API is not emulated either: only the function runs under
   qemu. Any invoke that does not answer in time prints what each part said (SAM, the
   container, the emulator and the function) so the part that hung can be named;
3. `sam local start-api`: the README's curl lines as real HTTP through SAM's API Gateway
   emulator, and a logout: DELETE answers 204, then GET answers `{}`, then DELETE 401.

The function reaches moto (a real local DynamoDB) on the Docker bridge's gateway address.
Exits non-zero on any failure; prints how long each step took.
"""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import browser_check  # noqa: E402  (the page, and a browser's calls from it)
import e2e  # noqa: E402  (process helpers)
import judge  # noqa: E402

ROOT = e2e.ROOT
TABLE = "sessions-sam"
DEMO = e2e.DEMO_TOKEN
FUNCTIONS = {"get-session": "GetSessionFunction", "delete-session": "DeleteSessionFunction",
             "session-authorizer": "SessionAuthorizerFunction"}
# Strings only Rust's unwinding panic runtime (std's panic_unwind) carries; a build with
# panic = "abort" links panic_abort instead and has none of them.
UNWIND_MARKERS = [b"Rust cannot catch foreign exceptions", b"Rust panics must be rethrown"]


def timed(label, t0):
    print(f"     ({label}: {time.time() - t0:.1f}s)")


def check_arm64(build_dir, rie, expected):
    t0 = time.time()
    for function, logical_id in FUNCTIONS.items():
        bootstrap = os.path.join(build_dir, logical_id, "bootstrap")
        if not os.path.exists(bootstrap):
            e2e.check(f"sam build: {logical_id}'s arm64 bootstrap exists", False, bootstrap)
            return
        kind = subprocess.run(["file", "-b", bootstrap], capture_output=True, text=True).stdout
        e2e.check(f"sam build: {function} is an aarch64 ELF", "ARM aarch64" in kind and "ELF 64-bit" in kind, kind)
        data = open(bootstrap, "rb").read()
        e2e.check(f"sam build: {function} built with unwinding (panic = \"unwind\")",
                  all(m in data for m in UNWIND_MARKERS))
        glibc = sorted({tuple(int(x) for x in v.split(b".")) for v in re.findall(rb"GLIBC_(\d+\.\d+(?:\.\d+)?)", data)})
        newest = ".".join(map(str, glibc[-1])) if glibc else "?"
        print(f"     {function} arm64 artifact: {len(data) / 1024 / 1024:.2f} MiB, {kind.split(',')[0]}, "
              f"needs glibc <= {newest}")
        e2e.check(f"sam build: {function} needs glibc <= 2.34 (Amazon Linux 2023 has 2.34)",
                  bool(glibc) and glibc[-1] <= (2, 34), newest)

    # AWS's emulator runs each arm64 binary through qemu-aarch64-static, as Lambda would on Graviton.
    urls, procs = {}, {}
    for function, logical_id in FUNCTIONS.items():
        port = e2e.free_port()
        procs[function] = e2e.start(f"rie-arm64-{function}", [
            rie, "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
            "--runtime-api-address", f"127.0.0.1:{e2e.free_port()}",
            "/usr/bin/qemu-aarch64-static", os.path.join(build_dir, logical_id, "bootstrap")], SAM_ENV)
        e2e.wait_port(port, procs[function], 30)
        urls[function] = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"

    def invoke(rel, function):
        with open(os.path.join(ROOT, "events", rel), "rb") as f:
            req = urllib.request.Request(urls[function], data=f.read(), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read()), None
        except OSError as e:
            print(f"     no answer for {rel} ({e}); AWS's emulator and the function said:")
            print(tail(proc_log(f"rie-arm64-{function}"), 40))
            raise

    e2e.seed_samples(SAM_ENV, TABLE)
    e2e.run_samples("arm64 under qemu, through AWS's emulator:", expected, invoke)
    for proc in procs.values():
        proc.terminate()
    timed(f"arm64 artifacts through AWS's emulator, {len(expected)} events", t0)


def proc_log(name):
    path = os.path.join(e2e.RUN_DIR, f"e2e-{name}.log")
    return open(path, errors="replace").read() if os.path.exists(path) else ""


def tail(text, lines):
    return "\n".join("       | " + line[:300] for line in text.splitlines()[-lines:])


def answers(resp, rel, request_id=None):
    """Whether `resp` is the answer events/expected.json lists for the sample `rel` (the judge's
    rules: its door's format, the contract, and an error's op_id the invocation's id)."""
    return resp is not None and judge.sample(rel, resp, request_id)[0]


# A `sam local invoke` that has not answered by then has hung (an invoke takes seconds,
# BENCHMARKS.md; SAM's own function timeout is 60 s for arm64).
INVOKE_TIMEOUT = 90


def local_invoke(arch, template, env_file, expected, events, workers, overrides=(), env=None, table=TABLE):
    t0 = time.time()
    label = ", ".join([arch, *overrides])
    e2e.seed_samples(SAM_ENV, table)

    def invoke(rel):
        function = FUNCTIONS[judge.function(expected[rel])]
        cmd = [SAM_BIN, "local", "invoke", function, "-t", template, "-e", os.path.join("events", rel),
               "--skip-pull-image", "--env-vars", env_file]
        if overrides:
            cmd += ["--parameter-overrides", *overrides]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env or SAM_ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        try:
            stdout, stderr = proc.communicate(timeout=INVOKE_TIMEOUT)
        except subprocess.TimeoutExpired:
            report_hang(arch, rel, proc)
            return None, None, "", "(no answer)"
        m = re.search(r"START RequestId: ([0-9a-f-]{36})", stderr + stdout)
        try:
            resp = json.loads(stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            resp = None
        return resp, (m.group(1) if m else None), stdout, stderr

    def one(rel):
        # A second logout of the same token runs right after the first, in this task.
        return rel, [(again, *invoke(rel)) for again in judge.runs(expected[rel])]

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for rel, runs in pool.map(one, events):
            for again, resp, request_id, stdout, stderr in runs:
                ok = resp is not None and judge.sample(rel, resp, request_id, again=again)[0]
                status = (expected[rel]["again"] if again else expected[rel])["status"]
                e2e.check(f"sam local invoke ({label}) {rel}: {status}", ok, f"{stdout[-300:]} {stderr[-600:]}")
    timed(f"sam local invoke ({label}), {len(events)} events", t0)


EXISTING_TABLE = "login-sessions"


def existing_table(arch, template, workers, endpoint, expected):
    """The template's other table mode: no table of its own, SESSION_TABLE from the
    ExistingTableName parameter. The login service's table holds the demo session; the
    stack's own table (SESSION_TABLE in env.json) is not consulted."""
    subprocess.run([os.path.join(e2e.VENV_BIN, "python"), "scripts/local_table.py", EXISTING_TABLE],
                   env=SAM_ENV, cwd=ROOT, check=True)
    env_file = os.path.join(e2e.RUN_DIR, "sam-env-existing-table.json")
    function_env = {"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    with open(env_file, "w") as f:
        json.dump({logical_id: function_env for logical_id in FUNCTIONS.values()}, f)
    # SAM lets the shell's variables override the template's: none named SESSION_TABLE here.
    env = {k: v for k, v in SAM_ENV.items() if k != "SESSION_TABLE"}
    events = sorted(e for e in expected if e.startswith("apigw-http-v2/"))
    local_invoke(arch, template, env_file, expected, events, workers,
                 overrides=(f"ExistingTableName={EXISTING_TABLE}",), env=env, table=EXISTING_TABLE)


def report_hang(arch, rel, proc):
    """What each part said when an invoke did not answer: SAM's own output, then every
    running container's state and output (AWS's emulator and the function log there)."""
    print(f"     HANG: sam local invoke ({arch}) {rel} gave no answer in {INVOKE_TIMEOUT} s")
    containers = subprocess.run(["docker", "ps", "-q", "--no-trunc"], capture_output=True, text=True).stdout.split()
    for cid in containers:
        inspect = subprocess.run(["docker", "inspect", "-f", "{{.Config.Image}} {{.State.Status}} "
                                  "started {{.State.StartedAt}} pid {{.State.Pid}}", cid],
                                 capture_output=True, text=True).stdout.strip()
        print(f"     container {cid[:12]}: {inspect}")
        logs = subprocess.run(["docker", "logs", "--timestamps", cid], capture_output=True, text=True, timeout=30)
        print("     its output (AWS's emulator and the function):")
        print(tail(logs.stdout + logs.stderr, 40) or "       | (nothing)")
        top = subprocess.run(["docker", "top", cid], capture_output=True, text=True, timeout=30).stdout
        print("     its processes:")
        print(tail(top, 10))
    if not containers:
        print("     no container was running: SAM never started one, or it had exited")
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        pass
    try:
        stdout, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        stdout, stderr = proc.communicate()
    print("     SAM's output:")
    print(tail(stderr + stdout, 40) or "       | (nothing)")


def start_api(template, env_file):
    t0 = time.time()
    port = e2e.free_port()
    # A page's origin for the browser at the end (AllowedOrigins: the HTTP API's CORS).
    page_port = browser_check.serve(browser_check.Page)
    page_origin = f"http://127.0.0.1:{page_port}"
    proc = e2e.start("sam-start-api", [SAM_BIN, "local", "start-api", "-t", with_cors(template, page_origin),
                                       "--skip-pull-image", "--env-vars", env_file, "-p", str(port),
                                       "--host", "127.0.0.1", "--parameter-overrides",
                                       f"AllowedOrigins={page_origin}"], SAM_ENV)
    e2e.wait_port(port, proc, 120)
    url = f"http://127.0.0.1:{port}/session"
    cases = [({"x-dr-session": DEMO}, 200, {"username": "demo"}),
             ({"Authorization": f"Bearer {DEMO}"}, 200, {"username": "demo"}),
             ({"Cookie": f"session={DEMO}"}, 200, {"username": "demo"}),
             ({}, 200, {}),
             ({"x-dr-session": "not a token!"}, 400, "invalid_session_token")]
    for headers, want_status, want in cases:
        status, resp_headers, body = e2e.http(url, "GET", headers)
        e2e.check(f"sam local start-api GET /session {headers}: {want_status}",
                  judge.http(status, resp_headers, body, want_status, want) == "right", f"{status} {body}")
    status, resp_headers, body = e2e.http(url, "POST", {"x-dr-session": DEMO})
    e2e.check("sam local start-api POST /session: 405 method_not_allowed",
              judge.http(status, resp_headers, body, 405, "method_not_allowed") == "right", f"{status} {body}")
    # Logout, routed by SAM's emulator of the HTTP API to DeleteSessionFunction: then the
    # same token is refused at the next request, and a second logout has nothing to end.
    import boto3
    leaving = "start-api-logout-token-0123456789"
    boto3.client("dynamodb", endpoint_url=SAM_ENV["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local").put_item(
        TableName=TABLE, Item=judge.item(leaving, "leaving", time.time() + 3600))
    headers = {"x-dr-session": leaving}
    for method, want_status, want in (("GET", 200, {"username": "leaving"}), ("DELETE", 204, None),
                                      ("GET", 200, {}), ("DELETE", 401, None),
                                      ("DELETE", 400, "invalid_session_token")):
        if want == "invalid_session_token":
            headers = {"x-dr-session": "not a token!"}
        status, resp_headers, body = e2e.http(url, method, headers)
        function = "delete-session" if method == "DELETE" else "get-session"
        e2e.check(f"sam local start-api logout: {method} /session {want_status}",
                  judge.http(status, resp_headers, body, want_status, want, function) == "right",
                  f"{status} {resp_headers} {body}")
    start_api_cors(url, page_origin)
    proc.terminate()
    timed("sam local start-api", t0)


def with_cors(template, origin):
    """The built template as deployed with AllowedOrigins=`origin`: the HTTP API's
    CorsConfiguration with its condition resolved. SAM's emulator reads CorsConfiguration
    only as a plain mapping (an `Fn::If` around it reads as no CORS at all: its preflight
    answer then had no CORS headers), so the condition is resolved here, as CloudFormation
    would resolve it."""
    import yaml
    with open(template) as f:
        doc = yaml.safe_load(f)
    cors = doc["Resources"]["SessionApi"]["Properties"]["CorsConfiguration"]
    condition, when_set, _ = cors["Fn::If"]
    assert condition == "HasAllowedOrigins", cors
    resolved = dict(when_set, AllowOrigins=[origin])
    doc["Resources"]["SessionApi"]["Properties"]["CorsConfiguration"] = resolved
    out = os.path.join(os.path.dirname(template), "template.cors.yaml")
    with open(out, "w") as f:
        yaml.safe_dump(doc, f, sort_keys=False)
    return out


def start_api_cors(url, page_origin):
    """The HTTP API's CORS (CorsConfiguration from AllowedOrigins) as SAM's emulator serves it,
    to a real browser: a page on `page_origin` calls GET /session with x-dr-session and with
    the cookie, a malformed token, and the logout. What SAM's emulation did is printed."""
    import boto3
    status, headers, _ = e2e.http(url, "OPTIONS", {"Origin": page_origin, "Access-Control-Request-Method": "DELETE",
                                                  "Access-Control-Request-Headers": "x-dr-session"})
    print(f"     SAM's answer to a preflight: {status} {dict(headers)}")
    _, headers, _ = e2e.http(url, "GET", {"Origin": "https://not-listed.example.com", "x-dr-session": DEMO})
    e2e.check("sam local start-api CORS: an origin not on the list gets no Access-Control-Allow-Origin",
              not any(k.lower() == "access-control-allow-origin" for k in headers), str(headers))
    leaving = "start-api-browser-logout-0123456789"
    boto3.client("dynamodb", endpoint_url=SAM_ENV["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local").put_item(
        TableName=TABLE, Item=judge.item(leaving, "leaving", time.time() + 3600))
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_check.CHROMIUM, headless=True,
                                    args=browser_check.CHROMIUM_ARGS)
        cookie = {"name": "session", "value": DEMO, "url": url.rsplit("/", 1)[0], "httpOnly": True,
                  "sameSite": "Lax"}
        r = browser_check.run_page(browser, page_origin + "/", url, DEMO, leaving, cookie)
        browser.close()
    for what, result in r.items():
        print(f"     browser via sam local start-api, {what}: {json.dumps(result)[:200]}")
    e2e.check("browser via sam local start-api (HTTP API CORS): the page reads the username",
              r["header"] == {"ok": True, "status": 200, "body": {"username": "demo"}}, str(r["header"]))
    e2e.check("browser via sam local start-api: the page reads the username with the cookie",
              r["cookie"] == {"ok": True, "status": 200, "body": {"username": "demo"}}, str(r["cookie"]))
    e2e.check("browser via sam local start-api: the page reads an error's op_id",
              r["malformed"].get("ok") and r["malformed"]["status"] == 400
              and len(r["malformed"]["body"].get("op_id", "")) == 36, str(r["malformed"]))
    e2e.check("browser via sam local start-api: the page reads the logout's 204",
              r["logout"].get("ok") and r["logout"]["status"] == 204, str(r["logout"]))


def start_api_example(template, env_file):
    """examples/protected-routes: one route on an HTTP API and one on a REST API, each guarded
    by session-authorizer, served by `sam local start-api` (its emulation of Lambda
    authorizers): a live session reaches the route, which answers the username it was given;
    after a logout or a revoke the same token is refused at the next request; no header is
    refused before the authorizer runs."""
    t0 = time.time()
    import boto3
    ddb = boto3.client("dynamodb", endpoint_url=SAM_ENV["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                       aws_access_key_id="local", aws_secret_access_key="local")
    port = e2e.free_port()
    proc = e2e.start("sam-start-api-example", [SAM_BIN, "local", "start-api", "-t", template, "--skip-pull-image",
                                               "--env-vars", env_file, "-p", str(port), "--host", "127.0.0.1"],
                     SAM_ENV)
    e2e.wait_port(port, proc, 120)
    base = f"http://127.0.0.1:{port}"
    ctl = os.path.join(ROOT, "target", "debug", "sessionctl")
    tokens = []
    # SAM serves both APIs on one port: GET /replications is the HTTP API's route (simple
    # responses), GET /sites the REST API's (REQUEST authorizer).
    for api, path, refused in (("http", "/replications", (403,)), ("rest", "/sites", (401, 500, 502))):
        url = base + path
        user = f"route-user-{api}"
        token = f"start-api-route-{api}-token-0123456789"
        tokens.append(token)
        ddb.put_item(TableName=TABLE, Item=judge.item(token, user, time.time() + 3600))
        status, _, body = e2e.http(url, "GET", {"x-dr-session": token})
        try:
            answer = json.loads(body)
        except ValueError:
            answer = {}
        e2e.check(f"start-api example ({api} API): a live session reaches GET {path} with its username",
                  status == 200 and answer == {"username": user, "api": api}, f"{status} {body}")
        # Revoked (sessionctl, as an operator does; a logout's DeleteItem has the same effect):
        # refused at the next request, the route never reached.
        subprocess.run([ctl, "revoke", token], env=SAM_ENV, check=True, capture_output=True)
        status, _, body = e2e.http(url, "GET", {"x-dr-session": token})
        print(f"     {api} API after the revoke: {status} {body.strip()[:120]}")
        e2e.check(f"start-api example ({api} API): refused at the next request after a revoke",
                  status in refused and user not in body, f"{status} {body}")
        status, _, body = e2e.http(url, "GET", {"x-dr-session": "not a token!"})
        e2e.check(f"start-api example ({api} API): a malformed token is refused",
                  status in refused and "username" not in body, f"{status} {body}")
        status, _, body = e2e.http(url, "GET", {})
        e2e.check(f"start-api example ({api} API): no x-dr-session header is refused (401)",
                  status == 401 and "username" not in body, f"{status} {body}")
    time.sleep(0.5)
    log = proc_log("sam-start-api-example")
    e2e.check("start-api example: the authorizer refused the revoked sessions (its request line: unknown)",
              log.count('outcome="unknown"') + log.count('"outcome":"unknown"') >= 2, tail(log, 20))
    e2e.check("start-api example: no token in the log", not any(t in log for t in tokens))
    proc.terminate()
    timed("sam local start-api (example)", t0)


def cargo_lambda_deploy_settings():
    """`cargo lambda deploy --dry` reads [package.metadata.lambda.deploy] as the template's settings."""
    out = subprocess.run([os.path.join(e2e.VENV_BIN, "cargo-lambda"), "lambda", "deploy", "--dry", "--output-format",
                          "json", "--iam-role", "arn:aws:iam::123456789012:role/get-session",
                          "--env-var", f"SESSION_TABLE={TABLE}", "get-session"],
                         cwd=ROOT, env=SAM_ENV, capture_output=True, text=True, timeout=120)
    try:
        config = json.loads(out.stdout[out.stdout.index("{"):])["config"]
    except (ValueError, KeyError):
        e2e.check("cargo lambda deploy --dry", False, out.stdout[-300:] + out.stderr[-300:])
        return
    template = open(os.path.join(ROOT, "template.yaml")).read()
    memory = int(re.search(r"MemorySize: (\d+)", template).group(1))
    timeout = int(re.search(r"\n      Timeout: (\d+)", template).group(1))
    e2e.check("cargo lambda deploy --dry: the template's memory and timeout",
              config.get("memory") == memory and config.get("timeout") == timeout, json.dumps(config))


def main():
    global SAM_BIN, SAM_ENV
    ap = argparse.ArgumentParser()
    ap.add_argument("--sam", required=True)
    ap.add_argument("--rie-x86", required=True, help="AWS's emulator (x86_64) from the aws-sam-cli package")
    ap.add_argument("--arm64-build", required=True, help="sam build's output for the template as it is")
    ap.add_argument("--arm64-template", required=True, help="sam build's template for the arm64 build")
    ap.add_argument("--x86-template", help="sam build's template for an x86_64 build, if one was made "
                    "(scripts/sam_check with SAM_X86=1): every event through it too")
    ap.add_argument("--bridge-ip", required=True, help="the Docker bridge's gateway address")
    ap.add_argument("--example-template", help="sam build's template for examples/protected-routes (arm64)")
    # Native containers mostly wait on Docker; emulated ones keep a core busy each.
    ap.add_argument("--native-workers", type=int, default=4, help="x86_64 invokes in parallel")
    ap.add_argument("--workers", type=int, default=2, help="emulated arm64 invokes in parallel")
    ap.add_argument("--arm64-rounds", type=int, default=1,
                    help="how many times to invoke every event with the arm64 artifact (a soak of that path)")
    args = ap.parse_args()
    SAM_BIN = args.sam
    os.makedirs(e2e.RUN_DIR, exist_ok=True)
    SAM_ENV = dict(os.environ, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
                   AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local", AWS_EC2_METADATA_DISABLED="true",
                   SAM_CLI_TELEMETRY="0", AWS_MAX_ATTEMPTS="1", SESSION_TABLE=TABLE)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        SAM_ENV.pop(k, None)
    expected = json.load(open(os.path.join(ROOT, "events", "expected.json")))["events"]

    moto_port = e2e.free_port()
    moto = e2e.start("sam-moto", [os.path.join(e2e.VENV_BIN, "moto_server"), "-H", args.bridge_ip,
                                  "-p", str(moto_port)], SAM_ENV)
    deadline = time.time() + 30
    endpoint = f"http://{args.bridge_ip}:{moto_port}"
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if moto.poll() is not None or time.time() > deadline:
                raise SystemExit("moto did not start")
            time.sleep(0.2)
    SAM_ENV["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    subprocess.run([os.path.join(e2e.VENV_BIN, "python"), "scripts/local_table.py", TABLE], env=SAM_ENV,
                   cwd=ROOT, check=True)
    # What a user's env.json holds, pointed at this run's moto.
    env_file = os.path.join(e2e.RUN_DIR, "sam-env.json")
    function_env = {"SESSION_TABLE": TABLE, "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_REGION": "us-east-1",
                    "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
    with open(env_file, "w") as f:
        json.dump({logical_id: function_env for logical_id in FUNCTIONS.values()}, f)

    print("\nthe arm64 artifact")
    check_arm64(args.arm64_build, args.rie_x86, expected)
    # Emulated (qemu-user), arm64 runs 5-20x slower than native, more on a loaded machine:
    # its copy of the built template gives the function 60 s instead of 10 s.
    emulated = os.path.join(os.path.dirname(args.arm64_template), "template.emulated.yaml")
    with open(args.arm64_template) as f:
        built = f.read()
    with open(emulated, "w") as f:
        f.write(re.sub(r"(?m)^(\s+)Timeout: \d+$", r"\1Timeout: 60", built))
    if args.x86_template:
        print("\nsam local invoke, every event (x86_64 artifact, Docker)")
        local_invoke("x86_64", args.x86_template, env_file, expected, sorted(expected), args.native_workers)
    arm64_events = sorted(expected) * args.arm64_rounds
    print(f"\nsam local invoke, every event x {args.arm64_rounds} (arm64 artifact, Docker, emulated, "
          "AWS's emulator native)")
    local_invoke("arm64", emulated, env_file, expected, arm64_events, args.workers)
    # The other table mode and the HTTP path: with the x86_64 artifact where it was built
    # (native, faster), else with the one that ships.
    other = (("x86_64", args.x86_template, args.native_workers) if args.x86_template
             else ("arm64", emulated, args.workers))
    print(f"\nsam local invoke with ExistingTableName ({other[0]}; the login service's table, no "
          "SESSION_TABLE in the env file)")
    existing_table(*other, endpoint, expected)
    print("\ncargo lambda deploy settings")
    cargo_lambda_deploy_settings()
    print(f"\nsam local start-api ({other[0]})")
    start_api(other[1], env_file)
    if args.example_template:
        print("\nsam local start-api, examples/protected-routes (arm64, emulated)")
        example_env = os.path.join(e2e.RUN_DIR, "sam-env-example.json")
        with open(example_env, "w") as f:
            json.dump({"SessionAuthorizerFunction": function_env}, f)
        with open(args.example_template) as f:
            built = f.read()
        example = os.path.join(os.path.dirname(args.example_template), "template.emulated.yaml")
        with open(example, "w") as f:
            f.write(re.sub(r"(?m)^(\s+)Timeout: \d+$", r"\1Timeout: 60", built))
        start_api_example(example, example_env)
    print(f"\n{len(e2e.failures)} failure(s)" if e2e.failures else "\nsam: all passed")
    return 1 if e2e.failures else 0


if __name__ == "__main__":
    e2e.run(main)
