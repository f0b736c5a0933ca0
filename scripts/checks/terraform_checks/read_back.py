"""Reads back from moto what the emulator apply made and checks the seed's promises: the backup
bucket expires exports after 1095 days and blocks public access, the Lambda runs daily on
provided.al2023 with a 1095-day retention, the database is encrypted and private.

    read_back MOTO_ENDPOINT ENVIRONMENT
"""

import sys
from typing import Any

from .moto import client


def expect(ok: bool, what: str, got: Any) -> None:
    """Fails the check (not an assert: those vanish under python -O)."""
    if not ok:
        raise SystemExit(f"read back from moto: expected {what}, got {got!r}")


def main(args: list[str]) -> int:
    endpoint, env = args
    s3 = client("s3", endpoint)
    bucket = f"notejam-db-backup-{env}"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    expires = any(r.get("Expiration", {}).get("Days") == 1095 for r in rules)
    expect(expires, "exports expiring after 1095 days", rules)
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    expect(all(pab.values()), "public access blocked", pab)
    rule = client("events", endpoint).describe_rule(Name=f"notejam-{env}-db-backup-daily")
    expect(rule["ScheduleExpression"].startswith("cron("), "a cron schedule", rule)
    fn = client("lambda", endpoint).get_function(FunctionName=f"notejam-{env}-db-backup")
    fn = fn["Configuration"]
    expect(fn["Runtime"] == "provided.al2023", "runtime provided.al2023", fn)
    retention = fn["Environment"]["Variables"]["NOTEJAM_BACKUP_RETENTION_DAYS"]
    expect(retention == "1095", "NOTEJAM_BACKUP_RETENTION_DAYS = 1095", fn)
    rds = client("rds", endpoint)
    db = rds.describe_db_instances(DBInstanceIdentifier=f"notejam-{env}")["DBInstances"][0]
    expect(db["StorageEncrypted"] and not db["PubliclyAccessible"], "encrypted and private", db)
    print(
        f"read back from moto: {bucket} expires after 1095 days, public access blocked; "
        f"schedule {rule['ScheduleExpression']}; Lambda {fn['FunctionName']} on {fn['Runtime']}; "
        f"RDS {db['DBInstanceIdentifier']} encrypted, private"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
