"""Create the session table in the local DynamoDB, shaped as template.yaml shapes it.

Usage: local_table.py TABLE   (endpoint from AWS_ENDPOINT_URL_DYNAMODB)
"""
import os
import sys

import boto3

table = sys.argv[1]
ddb = boto3.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
if table not in ddb.list_tables()["TableNames"]:
    ddb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"},
                              {"AttributeName": "username", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "username-index",
            "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE",
                           "NonKeyAttributes": ["expires_at", "last_seen_at", "issued_at"]},
        }],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=table)
    ddb.update_time_to_live(
        TableName=table,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
print(f"table {table} ready (TTL on expires_at, username-index)", file=sys.stderr)
