//! What the command line and the environment may say, and how a wrong value is named.

use std::time::Duration;

use clap::Parser;

use super::{Cli, Settings};

fn parse(args: &[&str]) -> Result<Settings, String> {
    let mut argv = vec!["notejam"];
    argv.extend_from_slice(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    cli.settings.validate().map_err(|e| e.to_string())
}

#[test]
fn sqlite_default_needs_no_secret() {
    let s = parse(&["--database-url", "sqlite://x.db"]).unwrap();
    assert!(s.database.is_sqlite());
    assert!(s.secret_key.is_none());
}

#[test]
fn postgres_requires_a_secret_key() {
    let err = parse(&["--database-url", "postgres://u:p@localhost/db"]).unwrap_err();
    assert!(err.contains("NOTEJAM_SECRET_KEY"), "{err}");
    assert!(!err.contains("u:p"), "the URL must not leak: {err}");
}

#[test]
fn the_database_secret_is_a_secrets_manager_arn_for_postgresql() {
    let pg = [
        "--database-url",
        "postgres://db.internal:5432/notejam",
        "--secret-key",
        "0123456789abcdef0123456789abcdef",
    ];
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1a2b-AbCdEf";
    let ok = parse(&[&pg[..], &["--database-secret-arn", arn]].concat()).unwrap();
    assert_eq!(ok.database.secret_arn.as_deref(), Some(arn));
    assert_eq!(ok.database.secret_refresh, Duration::from_secs(60));
    for bad in [
        "rds!db-1a2b",
        "arn:aws:s3:::bucket",
        "arn:aws:secretsmanager:eu-west-1:1234:secret:x",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:",
    ] {
        let err = parse(&[&pg[..], &["--database-secret-arn", bad]].concat()).unwrap_err();
        assert!(err.contains("NOTEJAM_DATABASE_SECRET_ARN"), "{bad}: {err}");
    }
    let err = parse(&["--database-secret-arn", arn]).unwrap_err();
    assert!(err.contains("is for PostgreSQL"), "{err}");
    for bad in ["5s", "2h"] {
        let err = parse(&[&pg[..], &["--database-secret-refresh", bad]].concat()).unwrap_err();
        assert!(
            err.contains("NOTEJAM_DATABASE_SECRET_REFRESH"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn short_secret_key_is_refused() {
    let err = parse(&["--secret-key", "short"]).unwrap_err();
    assert!(err.contains("at least 32 bytes"), "{err}");
}

#[test]
fn bad_values_are_named() {
    // Each bad value, and the environment variable its error names.
    for (flag, value, variable) in [
        ("--database-url", "mysql://x", "DATABASE_URL"),
        ("--db-max-connections", "0", "NOTEJAM_DB_MAX_CONNECTIONS"),
        ("--base-url", "ftp://x", "NOTEJAM_BASE_URL"),
        ("--smtp-url", "http://x", "NOTEJAM_SMTP_URL"),
        ("--mail-from", "not an address", "NOTEJAM_MAIL_FROM"),
        ("--api-token-ttl", "0s", "NOTEJAM_API_TOKEN_TTL"),
        ("--api-token-ttl", "400days", "NOTEJAM_API_TOKEN_TTL"),
    ] {
        let err = parse(&[flag, value]).unwrap_err();
        assert!(err.contains(variable), "{flag} {value}: {err}");
    }
    assert!(parse(&["--shutdown-grace", "soon"]).is_err());
    assert!(parse(&["--migrate", "maybe"]).is_err());
    assert!(parse(&["--api-token-ttl", "12h"]).is_ok());
}

#[test]
fn secrets_do_not_print() {
    let s = parse(&[
        "--secret-key",
        "0123456789abcdef0123456789abcdef-very-secret",
    ])
    .unwrap();
    let shown = format!("{s:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
}
