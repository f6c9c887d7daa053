#!/usr/bin/env python3
"""The peer a user might write instead: GET /session as a Python Lambda function with
boto3, for the benchmark only (API Gateway v2 events, x-dr-session header, the same
table and answers). It runs the Lambda Runtime API loop itself, as the Python runtime's
bootstrap does: the client is made once at init, each event is one GetItem.
"""
import hashlib
import json
import os
import time
import urllib.request

import boto3

API = f"http://{os.environ['AWS_LAMBDA_RUNTIME_API']}/2018-06-01/runtime/invocation"
TABLE = os.environ["SESSION_TABLE"]
# boto3 reads AWS_ENDPOINT_URL_DYNAMODB itself; a private CA comes from SSL_CERT_FILE.
DDB = boto3.client("dynamodb", verify=os.environ.get("SSL_CERT_FILE") or None)
HEADERS = {"content-type": "application/json", "cache-control": "no-store"}


def handle(event):
    token = (event.get("headers") or {}).get("x-dr-session")
    body = {}
    if token:
        item = DDB.get_item(
            TableName=TABLE, ConsistentRead=True,
            Key={"session_id": {"S": hashlib.sha256(token.encode()).hexdigest()}},
            ProjectionExpression="#u, #e", ExpressionAttributeNames={"#u": "username", "#e": "expires_at"},
        ).get("Item")
        if item and int(float(item["expires_at"]["N"])) > time.time():
            body = {"username": item["username"]["S"]}
    return {"statusCode": 200, "headers": HEADERS, "body": json.dumps(body, separators=(",", ":"))}


while True:
    with urllib.request.urlopen(f"{API}/next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    answer = json.dumps(handle(event)).encode()
    urllib.request.urlopen(urllib.request.Request(f"{API}/{request_id}/response", data=answer, method="POST")).read()
