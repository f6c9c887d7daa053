"""The README's run command, as a new user runs it: start `scripts/dev`, wait until it is
ready, make the README's curl calls, stop it with Ctrl-C (SIGINT to its process group), and
check that nothing it started is left running or listening.
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMO = "demo-session-token-0123456789abcdef"
PORTS = (int(os.environ.get("MOTO_PORT", 8000)), int(os.environ.get("FUNCTION_PORT", 9000)),
         int(os.environ.get("LOGOUT_PORT", 9001)))
URL = f"http://127.0.0.1:{PORTS[1]}/session"


def get(headers):
    req = urllib.request.Request(URL, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def delete(url, token):
    req = urllib.request.Request(url, method="DELETE", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def as_in_a_terminal():
    """Ctrl-C's signal as a terminal leaves it. A runner that starts CI in the background of
    a non-interactive shell hands every child SIGINT ignored, and bash cannot trap a signal
    ignored on entry: scripts/dev would never see the Ctrl-C this check sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def main():
    for port in PORTS:
        if listening(port):
            sys.exit(f"port {port} is in use before scripts/dev starts")
    log = open(os.path.join(ROOT, ".local", "run", "dev-check.log"), "w")
    dev = subprocess.Popen(["bash", "scripts/dev"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, start_new_session=True,
                           preexec_fn=as_in_a_terminal)
    failures = []
    try:
        deadline = time.time() + 900
        while True:
            try:
                if get({"x-dr-session": DEMO})[0] == 200:
                    break
            except OSError:
                pass
            if dev.poll() is not None:
                sys.exit(f"scripts/dev exited early ({dev.returncode}); see .local/run/dev-check.log")
            if time.time() > deadline:
                sys.exit("scripts/dev never became ready")
            time.sleep(1)
        for headers, want in (({"x-dr-session": DEMO}, (200, '{"username":"demo"}')),
                              ({"Authorization": f"Bearer {DEMO}"}, (200, '{"username":"demo"}')),
                              ({"Cookie": f"session={DEMO}"}, (200, '{"username":"demo"}')),
                              ({}, (200, "{}"))):
            got = get(headers)
            print(("ok   " if got == want else "FAIL ") + f"README curl {headers}: {got}")
            if got != want:
                failures.append(headers)
        status, body = get({"x-dr-session": "not a token!"})
        ok = status == 400 and "invalid_session_token" in body
        print(("ok   " if ok else "FAIL ") + f"README curl malformed: {status}")
        if not ok:
            failures.append("malformed")
        # The logout line scripts/dev prints, with alice's token: 204, then 401, then GET {}.
        with open(os.path.join(ROOT, ".local", "run", "dev-check.log")) as f:
            printed = re.search(r"curl -i -X DELETE (\S+) -H 'Authorization: Bearer ([0-9a-f]{64})'", f.read())
        if not printed:
            print("FAIL scripts/dev prints the logout line")
            failures.append("logout line")
        else:
            logout_url, alice = printed.groups()
            deadline = time.time() + 600  # the logout's first build
            got = []
            while True:
                try:
                    got = [delete(logout_url, alice), delete(logout_url, alice)]
                    break
                except OSError:
                    if time.time() > deadline:
                        break
                    time.sleep(1)
            after = get({"Authorization": f"Bearer {alice}"})
            ok = got == [204, 401] and after == (200, "{}")
            print(("ok   " if ok else "FAIL ") + f"README logout: {got}, then GET {after}")
            if not ok:
                failures.append("logout")
    finally:
        os.killpg(dev.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
        try:
            dev.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print("FAIL scripts/dev did not stop within 30 s of SIGINT")
            failures.append("scripts/dev did not stop on SIGINT")
            os.killpg(dev.pid, signal.SIGKILL)
    time.sleep(1)
    left = [p for p in PORTS if listening(p)]
    alive = subprocess.run(["pgrep", "-f", "moto_server .*-p 8000|cargo-lambda lambda watch"],
                           capture_output=True, text=True).stdout.split()
    print(("ok   " if not left and not alive else "FAIL ") + f"Ctrl-C stops everything (listening {left}, left {alive})")
    if left or alive:
        failures.append("leftovers")
    print("scripts/dev: all passed" if not failures else f"scripts/dev: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
