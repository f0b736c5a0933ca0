//! Typed settings, read from the Lambda's environment (set by terraform's backup module).

use crate::BackupError;

/// What the backup run works on. Parsed once; every field is valid after `from_env`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The RDS instance whose automated snapshots are kept and exported.
    pub db_instance_identifier: String,
    /// Prefix of the manual snapshots and export tasks this function owns, e.g. `notejam-prod-daily`.
    /// Only snapshots named `<prefix>-YYYY-MM-DD` are ever pruned.
    pub snapshot_prefix: String,
    /// Every kept copy younger than this many days is kept (the daily window, default 35).
    /// `NOTEJAM_BACKUP_DAILY_RETENTION_DAYS`, 1..=1095.
    pub daily_retention_days: u32,
    /// The first kept copy of each calendar month lives this many days: 1095 = 3 years.
    /// `NOTEJAM_BACKUP_RETENTION_DAYS`, at least the daily window.
    pub monthly_retention_days: u32,
    /// Kept snapshots younger than this that have no export yet are exported (catch-up window);
    /// at most the daily window, so no copy is pruned before its export was started.
    pub export_lookback_days: u32,
    /// Export tasks per kept copy: the first, then a retry after each FAILED or CANCELED one
    /// (`<copy>-r1`, `<copy>-r2`, ...). 1..=9, default 3.
    pub export_max_attempts: u32,
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
        let number = |name: &str, default: u32, max: u32, what: &str| -> Result<u32, BackupError> {
            match lookup(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|d| (1..=max).contains(d))
                    .ok_or_else(|| {
                        BackupError::Config(format!("{name}={v:?} is not {what} in 1..={max}"))
                    }),
            }
        };
        let config = Self {
            db_instance_identifier: required("NOTEJAM_BACKUP_DB_INSTANCE")?,
            snapshot_prefix: required("NOTEJAM_BACKUP_SNAPSHOT_PREFIX")?,
            daily_retention_days: number(
                "NOTEJAM_BACKUP_DAILY_RETENTION_DAYS",
                35,
                1095,
                "a day count",
            )?,
            monthly_retention_days: number(
                "NOTEJAM_BACKUP_RETENTION_DAYS",
                1095,
                36_500,
                "a day count",
            )?,
            export_lookback_days: number(
                "NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS",
                7,
                1095,
                "a day count",
            )?,
            export_max_attempts: number(
                "NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS",
                3,
                9,
                "a number of attempts",
            )?,
            export_bucket: required("NOTEJAM_BACKUP_BUCKET")?,
            export_s3_prefix: lookup("NOTEJAM_BACKUP_S3_PREFIX")
                .unwrap_or_else(|| "rds-exports".into()),
            export_role_arn: required("NOTEJAM_BACKUP_EXPORT_ROLE_ARN")?,
            export_kms_key_id: required("NOTEJAM_BACKUP_KMS_KEY_ID")?,
        };
        validate_prefix(&config.snapshot_prefix)?;
        config.validate_windows()?;
        Ok(config)
    }

    /// The relations between the windows (each is in range already).
    pub fn validate_windows(&self) -> Result<(), BackupError> {
        if self.monthly_retention_days < self.daily_retention_days {
            return Err(BackupError::Config(format!(
                "NOTEJAM_BACKUP_RETENTION_DAYS={} (monthly copies) must be at least NOTEJAM_BACKUP_DAILY_RETENTION_DAYS={} (daily copies)",
                self.monthly_retention_days, self.daily_retention_days
            )));
        }
        if self.export_lookback_days > self.daily_retention_days {
            return Err(BackupError::Config(format!(
                "NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS={} must be at most NOTEJAM_BACKUP_DAILY_RETENTION_DAYS={}: a copy must not be pruned before its export was started",
                self.export_lookback_days, self.daily_retention_days
            )));
        }
        Ok(())
    }

    /// The retention windows as the pruning takes them.
    pub fn retention_policy(&self) -> crate::retention::Policy {
        crate::retention::Policy {
            daily_days: self.daily_retention_days,
            monthly_days: self.monthly_retention_days,
        }
    }

    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, BackupError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// Snapshot and export-task identifiers: a letter first, then letters, digits and single
/// hyphens; export task ids are at most 60 characters, and we append `-YYYY-MM-DD` (11) and,
/// for a retried export, `-rN` (3).
fn validate_prefix(prefix: &str) -> Result<(), BackupError> {
    let ok = prefix.len() <= 46
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
            "NOTEJAM_BACKUP_SNAPSHOT_PREFIX={prefix:?} must be 1-46 lowercase letters, digits or single hyphens, starting with a letter"
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
    fn defaults_to_35_daily_days_and_three_years_of_monthly_copies() {
        let config = Config::from_lookup(env(FULL)).unwrap();
        assert_eq!(config.daily_retention_days, 35);
        assert_eq!(config.monthly_retention_days, 1095);
        assert_eq!(config.export_lookback_days, 7);
        assert_eq!(config.export_max_attempts, 3);
        assert_eq!(config.export_s3_prefix, "rds-exports");
    }

    fn with(extra: &[(&'static str, &'static str)]) -> Result<Config, BackupError> {
        let mut pairs = FULL.to_vec();
        pairs.extend_from_slice(extra);
        Config::from_lookup(env(&pairs))
    }

    #[test]
    fn reads_the_windows() {
        let config = with(&[
            ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "14"),
            ("NOTEJAM_BACKUP_RETENTION_DAYS", "1200"),
            ("NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS", "5"),
        ])
        .unwrap();
        assert_eq!(config.daily_retention_days, 14);
        assert_eq!(config.monthly_retention_days, 1200);
        assert_eq!(config.export_max_attempts, 5);
    }

    #[test]
    fn refuses_windows_out_of_range_with_the_variable_named() {
        for (name, value) in [
            ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "0"),
            ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "1096"),
            ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "35d"),
            ("NOTEJAM_BACKUP_RETENTION_DAYS", "0"),
            ("NOTEJAM_BACKUP_RETENTION_DAYS", "-1"),
            ("NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS", "0"),
            ("NOTEJAM_BACKUP_EXPORT_MAX_ATTEMPTS", "10"),
        ] {
            let err = with(&[(name, value)]).unwrap_err();
            assert!(err.to_string().contains(name), "{name}={value}: {err}");
        }
    }

    #[test]
    fn monthly_copies_must_outlive_daily_ones() {
        let err = with(&[
            ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "60"),
            ("NOTEJAM_BACKUP_RETENTION_DAYS", "30"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration: NOTEJAM_BACKUP_RETENTION_DAYS=30 (monthly copies) must be at least NOTEJAM_BACKUP_DAILY_RETENTION_DAYS=60 (daily copies)"
        );
    }

    #[test]
    fn copies_must_outlive_the_export_lookback() {
        let err = with(&[("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "3")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS=7 must be at most"),
            "{err}"
        );
        assert!(
            with(&[
                ("NOTEJAM_BACKUP_DAILY_RETENTION_DAYS", "3"),
                ("NOTEJAM_BACKUP_EXPORT_LOOKBACK_DAYS", "3"),
            ])
            .is_ok()
        );
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
            "notejam-a-prefix-long-enough-to-overflow-ids-xy",
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
