//! Typed settings, read from the Lambda's environment (set by terraform's backup module).

use crate::BackupError;

/// What the backup run works on. Parsed once; every field is valid after `from_env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The RDS instance whose automated snapshots are kept and exported.
    pub db_instance_identifier: String,
    /// Prefix of the manual snapshots and export tasks this function owns, e.g. `notejam-prod-daily`.
    /// Only snapshots with this prefix are ever pruned.
    pub snapshot_prefix: String,
    /// How long a kept (restorable) manual snapshot lives: 1095 days = 3 years.
    pub retention_days: u32,
    /// Kept snapshots younger than this that have no export yet are exported (catch-up window).
    pub export_lookback_days: u32,
    /// Destination bucket of the Parquet exports (`notejam-db-backup...`).
    pub export_bucket: String,
    /// Key prefix inside the bucket.
    pub export_s3_prefix: String,
    /// Role that RDS assumes to write the export.
    pub export_role_arn: String,
    /// KMS key that encrypts the export.
    pub export_kms_key_id: String,
}

impl Config {
    /// Reads `NOTEJAM_BACKUP_*` variables through `lookup` (the process environment in `main`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, BackupError> {
        let required = |name: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| BackupError::Config(format!("{name} is not set")))
        };
        let days = |name: &str, default: u32| -> Result<u32, BackupError> {
            match lookup(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=36_500).contains(d))
                    .ok_or_else(|| {
                        BackupError::Config(format!("{name}={v:?} is not a day count in 1..=36500"))
                    }),
            }
        };
        let config = Self {
            db_instance_identifier: required("NOTEJAM_BACKUP_DB_INSTANCE")?,
            snapshot_prefix: required("NOTEJAM_BACKUP_SNAPSHOT_PREFIX")?,
            retention_days: days("NOTEJAM_BACKUP_RETENTION_DAYS", 1095)?,
            export_lookback_days: days("NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS", 7)?,
            export_bucket: required("NOTEJAM_BACKUP_BUCKET")?,
            export_s3_prefix: lookup("NOTEJAM_BACKUP_S3_PREFIX")
                .unwrap_or_else(|| "rds-exports".into()),
            export_role_arn: required("NOTEJAM_BACKUP_EXPORT_ROLE_ARN")?,
            export_kms_key_id: required("NOTEJAM_BACKUP_KMS_KEY_ID")?,
        };
        validate_prefix(&config.snapshot_prefix)?;
        Ok(config)
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, BackupError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// Snapshot and export-task identifiers: a letter first, then letters, digits and single
/// hyphens; export task ids are at most 60 characters, and we append `-YYYY-MM-DD` (11).
fn validate_prefix(prefix: &str) -> Result<(), BackupError> {
    let ok = prefix.len() <= 49
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !prefix.contains("--")
        && !prefix.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(BackupError::Config(format!(
            "NOTEJAM_BACKUP_SNAPSHOT_PREFIX={prefix:?} must be 1-49 lowercase letters, digits or single hyphens, starting with a letter"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    const FULL: &[(&str, &str)] = &[
        ("NOTEJAM_BACKUP_DB_INSTANCE", "notejam-prod"),
        ("NOTEJAM_BACKUP_SNAPSHOT_PREFIX", "notejam-prod-daily"),
        ("NOTEJAM_BACKUP_BUCKET", "notejam-db-backup-prod"),
        (
            "NOTEJAM_BACKUP_EXPORT_ROLE_ARN",
            "arn:aws:iam::000000000000:role/x",
        ),
        (
            "NOTEJAM_BACKUP_KMS_KEY_ID",
            "arn:aws:kms:eu-west-1:000000000000:key/x",
        ),
    ];

    #[test]
    fn defaults_to_three_years_of_retention() {
        let config = Config::from_lookup(env(FULL)).unwrap();
        assert_eq!(config.retention_days, 1095);
        assert_eq!(config.export_lookback_days, 7);
        assert_eq!(config.export_s3_prefix, "rds-exports");
    }

    #[test]
    fn names_the_missing_variable() {
        let err = Config::from_lookup(env(&FULL[1..])).unwrap_err();
        assert!(
            err.to_string().contains("NOTEJAM_BACKUP_DB_INSTANCE"),
            "{err}"
        );
    }

    #[test]
    fn rejects_prefixes_that_make_invalid_identifiers() {
        for bad in [
            "Notejam",
            "1notejam",
            "notejam--daily",
            "notejam-",
            "notejam_daily",
        ] {
            let mut pairs = FULL.to_vec();
            pairs[1] = ("NOTEJAM_BACKUP_SNAPSHOT_PREFIX", bad);
            assert!(Config::from_lookup(env(&pairs)).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn rejects_zero_retention() {
        let mut pairs = FULL.to_vec();
        pairs.push(("NOTEJAM_BACKUP_RETENTION_DAYS", "0"));
        assert!(Config::from_lookup(env(&pairs)).is_err());
    }
}
