"""A real browser against the functions behind faithful front doors (README "Browser
clients"): headless Chromium (Debian's `chromium`, driven by Playwright) loads a page from
one origin and, from it, calls `GET /session` with `x-dr-session`, with the session cookie
(`credentials: "include"`), and `DELETE /session`, against the functions on another origin.

Each front door is a small local proxy that turns the browser's request into the event that
door sends (REST API payload 1.0 with `headers` and `multiValueHeaders`, an ALB with
multi-value headers, VPC Lattice event structure 2.0), invokes the function through AWS's
own Lambda Runtime Interface Emulator (`get-session` for every method but DELETE, which goes
to `delete-session`, as the template routes them), and turns its response back into HTTP,
adding nothing of its own: what the browser sees of CORS is the function's.

Two runs: with `SESSION_ALLOWED_ORIGINS` naming the page's origin, the page must read the
username, an error's op_id and the logout's 204; with a list that leaves it out, the browser
must refuse every one of those reads. Also recorded: what the browser does with the session
cookie when the page is on another site (SameSite).

Usage: browser_check.py (after `cargo build --bins`; SAM_RIE names AWS's emulator).
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402  (process helpers, checks)
import judge  # noqa: E402

ROOT = e2e.ROOT
TABLE = "sessions-browser"
DEMO = e2e.DEMO_TOKEN
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Chromium on this closed network: no background connections, no sandbox as root.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DOORS = ("apigw-rest-v1", "alb-multi-value", "vpc-lattice-v2")


def event_for(door, method, path, headers):
    """The event `door` sends for an HTTP request (`headers`: (name, value) pairs as
    received, repeats kept), from that door's sample event in events/."""
    with open(os.path.join(ROOT, "events", door, "no-token.json")) as f:
        event = json.load(f)
    multi = {}
    for name, value in headers:
        key = name if door == "apigw-rest-v1" else name.lower()  # ALB and Lattice lower-case names
        multi.setdefault(key, []).append(value)
    if door == "apigw-rest-v1":
        event.update(httpMethod=method, path=path, multiValueHeaders=multi,
                     headers={k: v[-1] for k, v in multi.items()})
        event["requestContext"]["httpMethod"] = method
    elif door == "alb-multi-value":
        event.update(httpMethod=method, path=path, multiValueHeaders=multi)
    else:
        event.update(method=method, path=path, headers=multi)
    return event


def response_headers(response):
    """Every (name, value) of a function's response, from `headers` and `multiValueHeaders`."""
    out = []
    for name, value in (response.get("headers") or {}).items():
        out += [(name, v) for v in (value if isinstance(value, list) else [value])]
    for name, values in (response.get("multiValueHeaders") or {}).items():
        out += [(name, v) for v in values if (name, v) not in out]
    return out


class FrontDoor(BaseHTTPRequestHandler):
    """One door: request -> its event -> the function (through AWS's emulator) -> HTTP."""
    door = None
    functions = {}  # method -> invocation URL ("*": every other method)
    locks = {}
    protocol_version = "HTTP/1.1"

    def _serve(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        event = event_for(self.door, self.command, self.path.split("?")[0], list(self.headers.items()))
        if body:
            event["body"] = body.decode()
        url = self.functions.get(self.command, self.functions["*"])
        with self.locks[url]:
            req = urllib.request.Request(url, data=json.dumps(event).encode(), method="POST")
            with urllib.request.urlopen(req, timeout=60) as r:
                response = json.loads(r.read())
        data = (response.get("body") or "").encode()
        self.send_response(int(response["statusCode"]))
        for name, value in response_headers(response):
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_DELETE = do_OPTIONS = do_POST = _serve

    def log_message(self, *args):
        pass


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>who is logged in?</title></head>
<body><script>
// Each call answers {ok, status, body} or {ok: false, error} when the browser refused to let
// the page read the answer (CORS): what a page on another origin can and cannot do.
async function call(url, init) {
  try {
    const r = await fetch(url, init);
    const text = await r.text();
    return {ok: true, status: r.status, body: text ? JSON.parse(text) : null};
  } catch (e) {
    return {ok: false, error: String(e)};
  }
}
</script></body></html>"""


class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        data = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def serve(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def start_functions(env, allowed):
    """get-session and delete-session, each in AWS's emulator, with `allowed` as
    SESSION_ALLOWED_ORIGINS: {"*": get URL, "DELETE": delete URL}."""
    urls = {}
    for method, function in (("*", "get-session"), ("DELETE", "delete-session")):
        port = e2e.free_port()
        proc = e2e.start(f"browser-{function}", [
            os.environ["SAM_RIE"], "--runtime-interface-emulator-address", f"127.0.0.1:{port}",
            "--runtime-api-address", f"127.0.0.1:{e2e.free_port()}",
            os.path.join(ROOT, "target", "debug", function)], dict(env, SESSION_ALLOWED_ORIGINS=allowed))
        e2e.wait_port(port, proc, 30)
        urls[method] = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
    return urls


def put(env, token, user):
    import boto3
    boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                 aws_access_key_id="local", aws_secret_access_key="local").put_item(
        TableName=TABLE, Item=judge.item(token, user, time.time() + 3600))


def session_exists(env, token):
    import boto3
    return "Item" in boto3.client("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                                  aws_access_key_id="local", aws_secret_access_key="local").get_item(
        TableName=TABLE, Key=judge.table_key(token), ConsistentRead=True)


def run_page(browser, page_url, api, token, leaving, cookie=None):
    """From a page at `page_url`: GET with the header, GET with the cookie only (credentials
    included), GET with a malformed token, DELETE with the header. Returns each result."""
    context = browser.new_context()
    if cookie:
        context.add_cookies([cookie])
    page = context.new_page()
    page.goto(page_url)
    results = {
        "header": page.evaluate("([u, t]) => call(u, {headers: {'x-dr-session': t}})", [api, token]),
        "cookie": page.evaluate("(u) => call(u, {credentials: 'include'})", api),
        "malformed": page.evaluate("(u) => call(u, {headers: {'x-dr-session': 'not a token!'}})", api),
        "logout": page.evaluate("([u, t]) => call(u, {method: 'DELETE', headers: {'x-dr-session': t}})",
                                [api, leaving]),
    }
    context.close()
    return results


# The whole check takes seconds; past this it has hung somewhere.
DEADLINE_S = 300


def watchdog():
    """Past DEADLINE_S: print what each part said last (the emulators and functions, moto),
    then stop everything and fail."""
    def fire():
        print(f"\nHANG: browser_check did not finish in {DEADLINE_S} s; the last words of each part:")
        for name in ("browser-get-session", "browser-delete-session", "browser-moto"):
            path = os.path.join(e2e.RUN_DIR, f"e2e-{name}.log")
            if os.path.exists(path):
                print(f"--- {name} ---")
                print("".join(open(path, errors="replace").readlines()[-20:]))
        sys.stdout.flush()
        e2e.stop_all()
        os._exit(1)
    timer = threading.Timer(DEADLINE_S, fire)
    timer.daemon = True
    timer.start()


def main():
    from playwright.sync_api import sync_playwright

    watchdog()
    os.makedirs(e2e.RUN_DIR, exist_ok=True)
    if not os.path.exists(os.environ.get("SAM_RIE", "")):
        raise SystemExit("SAM_RIE must name AWS's emulator (scripts/lib.sh bootstrap_sam installs it)")
    env = dict(os.environ, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
               AWS_EC2_METADATA_DISABLED="true", SESSION_TABLE=TABLE, SESSION_METHODS="GET, DELETE")
    moto_port = e2e.free_port()
    moto = e2e.start("browser-moto", [os.path.join(e2e.VENV_BIN, "moto_server"), "-H", "127.0.0.1",
                                      "-p", str(moto_port)], env)
    e2e.wait_port(moto_port, moto, 30)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://127.0.0.1:{moto_port}"
    subprocess.run([os.path.join(e2e.VENV_BIN, "python"), "scripts/local_table.py", TABLE], env=env, cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    put(env, DEMO, "demo")

    # The page's origin, and a second site's (another host name for the same machine).
    page_port = serve(Page)
    page_origin = f"http://127.0.0.1:{page_port}"
    other_site = f"http://localhost:{page_port}"
    doors = {}
    for door in DOORS:
        handler = type(f"Door_{door}", (FrontDoor,), {"door": door, "functions": {}, "locks": {}})
        doors[door] = (handler, serve(handler))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        print(f"browser: {browser.version}; page origin {page_origin}")
        for allowed, listed in ((f"{page_origin},{other_site}", True), ("https://app.example.com", False)):
            print(f"\nSESSION_ALLOWED_ORIGINS={allowed} (the page's origin {'listed' if listed else 'left out'})")
            urls = start_functions(env, allowed)
            for door, (handler, port) in doors.items():
                handler.functions.update(urls)
                handler.locks.update({u: threading.Lock() for u in urls.values()})
                api = f"http://127.0.0.1:{port}/session"
                leaving = f"browser-logout-{door}-{'listed' if listed else 'unlisted'}-0123456789"
                put(env, leaving, "leaving")
                # The session cookie of the API's host (a login service's: HttpOnly, Lax).
                cookie = {"name": "session", "value": DEMO, "url": f"http://127.0.0.1:{port}",
                          "httpOnly": True, "sameSite": "Lax"}
                r = run_page(browser, page_origin + "/", api, DEMO, leaving, cookie)
                if listed:
                    e2e.check(f"browser, {door}: the page reads the username (x-dr-session)",
                              r["header"] == {"ok": True, "status": 200, "body": {"username": "demo"}}, str(r["header"]))
                    e2e.check(f"browser, {door}: the page reads the username (the session cookie, credentials: include)",
                              r["cookie"] == {"ok": True, "status": 200, "body": {"username": "demo"}}, str(r["cookie"]))
                    bad = r["malformed"]
                    e2e.check(f"browser, {door}: the page reads an error's op_id (400 invalid_session_token)",
                              bad.get("ok") and bad["status"] == 400
                              and bad["body"]["error_code"] == "invalid_session_token"
                              and len(bad["body"].get("op_id", "")) == 36, str(bad))
                    e2e.check(f"browser, {door}: the page reads the logout's 204",
                              r["logout"] == {"ok": True, "status": 204, "body": None}, str(r["logout"]))
                    # The same cookie, from a page on another site (localhost vs 127.0.0.1).
                    r2 = run_page(browser, other_site + "/", api, DEMO, leaving, cookie)
                    sent = r2["cookie"].get("body") == {"username": "demo"}
                    print(f"     {door}: from another site, the SameSite=Lax session cookie was "
                          f"{'SENT' if sent else 'not sent'} ({r2['cookie']})")
                    e2e.check(f"browser, {door}: a Lax session cookie is not sent from another site's page",
                              r2["cookie"] == {"ok": True, "status": 200, "body": {}}, str(r2["cookie"]))
                else:
                    for what, result in r.items():
                        e2e.check(f"browser, {door}: an origin not on the list cannot read the answer ({what})",
                                  result.get("ok") is False and "Failed to fetch" in result.get("error", ""),
                                  str(result))
                    # Its preflight refused, the browser never sent the DELETE: still logged in.
                    e2e.check(f"browser, {door}: the refused page's logout was never sent (the session lives)",
                              session_exists(env, leaving))
                for what, result in r.items():
                    print(f"     {door} {what}: {json.dumps(result)[:160]}")
            if listed:
                with open(os.path.join(e2e.RUN_DIR, "e2e-browser-get-session.log"), errors="replace") as f:
                    log = f.read()
                e2e.check("browser: the preflights reached get-session and were answered there (outcome preflight)",
                          log.count('outcome="preflight"') >= len(DOORS), log[-600:])
            stop_functions()
        browser.close()
    print(f"\n{len(e2e.failures)} failure(s)" if e2e.failures else "\nbrowser: all passed")
    return 1 if e2e.failures else 0


def stop_functions():
    """Stops the two emulators started last (the next run starts its own)."""
    for proc in [p for p in e2e.started if p.poll() is None and "aws-lambda-rie" in str(p.args[0])]:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    e2e.run(main)
