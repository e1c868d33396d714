"""Create the S3 bucket and the DynamoDB Orders table on the stand-in endpoint (idempotent).

docker-compose.yml runs this once against the moto server before the API starts; against real
AWS the bucket and table are provisioned by the operator instead. Reads S3_BUCKET, ORDERS_TABLE,
AWS_ENDPOINT_URL and the AWS_* credentials from the environment.
"""
from __future__ import annotations

import os
import sys
import time

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError


def wait_for_endpoint(client, attempts: int = 60) -> None:
    """The stand-in may still be starting: retry a cheap call for up to a minute."""
    for attempt in range(attempts):
        try:
            client.list_buckets()
            return
        except EndpointConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def ensure_bucket(s3, name: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=name)
        print(f"bucket {name} exists")
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs = {"Bucket": name}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)
    print(f"bucket {name} created")


def ensure_orders_table(dynamodb, name: str) -> None:
    try:
        dynamodb.describe_table(TableName=name)
        print(f"table {name} exists")
        return
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    print(f"table {name} created")


def main() -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        print("AWS_ENDPOINT_URL is not set: refusing to create resources on real AWS", file=sys.stderr)
        return 2
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    bucket = os.environ.get("S3_BUCKET")
    table = os.environ.get("ORDERS_TABLE")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region)
    wait_for_endpoint(s3)
    if bucket:
        ensure_bucket(s3, bucket, region)
    if table:
        ensure_orders_table(boto3.client("dynamodb", endpoint_url=endpoint, region_name=region), table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
