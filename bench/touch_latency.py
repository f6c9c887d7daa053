"""The latency a read's touch adds (SESSION_TOUCH): the release artifact under AWS's
emulator against moto on loopback, each round one request that writes `last_seen_at`
(it was set 2 minutes back just before) and one that does not (written a moment ago).
Prints the medians and p90s of both and their difference. (How often a polling client
writes is the rule's own unit test: 17 writes per 1,000 requests at one a second,
src/session.rs.)

Usage: touch_latency.py BINARY RIE [ROUNDS]   (needs .venv's moto and boto3)
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import judge  # noqa: E402  (the table key and item, as the test kit writes them)
TOKEN = "touch-latency-token-0123456789abcdef"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(url, secs=30):
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def main():
    binary, rie = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    env = dict(os.environ, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="local",
               AWS_SECRET_ACCESS_KEY="local", AWS_EC2_METADATA_DISABLED="true", SESSION_TABLE="touch-bench")
    env.pop("SSL_CERT_FILE", None)
    env.pop("SSL_CERT_DIR", None)
    moto_port, fn_port = free_port(), free_port()
    procs = [subprocess.Popen([os.path.join(ROOT, ".venv", "bin", "moto_server"), "-H", "127.0.0.1", "-p",
                               str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        endpoint = f"http://127.0.0.1:{moto_port}"
        wait(endpoint)
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "local_table.py"), "touch-bench"], env=env,
                       check=True, stderr=subprocess.DEVNULL)
        import boto3
        ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="local", aws_secret_access_key="local")
        key = judge.table_key(TOKEN)
        ddb.put_item(TableName="touch-bench", Item=judge.item(TOKEN, "bench", time.time() + 3600))
        fn_env = dict(env, SESSION_IDLE_TIMEOUT="1800", SESSION_TOUCH="true", AWS_LAMBDA_LOG_LEVEL="WARN")
        procs.append(subprocess.Popen([rie, "--runtime-interface-emulator-address", f"127.0.0.1:{fn_port}", binary],
                                      env=fn_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        url = f"http://127.0.0.1:{fn_port}/2015-03-31/functions/function/invocations"
        wait(f"http://127.0.0.1:{fn_port}/")
        event = open(os.path.join(ROOT, "events", "apigw-http-v2", "session-header.json")).read()
        event = event.replace("demo-session-token-0123456789abcdef", TOKEN).encode()

        def call():
            t0 = time.perf_counter()
            with urllib.request.urlopen(urllib.request.Request(url, data=event, method="POST"), timeout=30) as r:
                body = json.loads(json.loads(r.read())["body"])
            assert body == {"username": "bench"}, body
            return (time.perf_counter() - t0) * 1000

        for _ in range(20):  # warm up: connections, caches
            call()
        writes, reads = [], []
        for _ in range(rounds):
            ddb.update_item(TableName="touch-bench", Key=key, UpdateExpression="SET last_seen_at = :t",
                            ExpressionAttributeValues={":t": {"N": str(int(time.time()) - 120)}})
            writes.append(call())
            reads.append(call())
        q = lambda xs, p: sorted(xs)[int(len(xs) * p)]  # noqa: E731
        print(f"touch latency, {rounds} rounds (release artifact, AWS's emulator, moto on loopback):")
        print(f"  request that writes:   median {statistics.median(writes):.2f} ms, p90 {q(writes, 0.9):.2f} ms")
        print(f"  request that does not: median {statistics.median(reads):.2f} ms, p90 {q(reads, 0.9):.2f} ms")
        print(f"  added by the write:    {statistics.median(writes) - statistics.median(reads):.2f} ms median "
              f"({statistics.median(writes) / statistics.median(reads):.2f}x)")
    finally:
        for p in procs:
            p.terminate()


if __name__ == "__main__":
    main()
