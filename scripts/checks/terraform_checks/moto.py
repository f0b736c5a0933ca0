"""Clients of the moto server the emulator check applies to (fixed emulator credentials)."""

from typing import Any

import boto3

REGION = "eu-west-1"


def client(service: str, endpoint: str) -> Any:
    """A boto3 client of `service` that talks to moto at `endpoint`."""
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )
