//! Password hashing with argon2id, off the async threads (a hash takes tens of milliseconds).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A real hash of a random password, verified against when the email is unknown, so that a
/// sign-in takes as long whether or not the account exists.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    hash_blocking(&hex(&random)).expect("argon2 hashes a fixed-size password")
});

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash does not parse");
            false
        }
    }
}

/// Hashes a password (argon2id, random salt) into a PHC string.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Checks a password against a stored hash; with `None` it checks a dummy hash and returns false.
pub async fn verify(password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
    let password = password.to_owned();
    let hash = hash.map(str::to_owned);
    Ok(tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await?)
}

/// A short fingerprint of a password hash, kept in the session so that a password change signs
/// out every other session of the user.
pub fn fingerprint(hash: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(hash.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_and_verify() {
        let h = hash("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", Some(&h)).await.unwrap());
        assert!(!verify("wrong horse", Some(&h)).await.unwrap());
        assert!(!verify("correct horse", None).await.unwrap());
        assert!(!verify("x", Some("not a hash")).await.unwrap());
        assert_ne!(
            fingerprint(&h),
            fingerprint(&hash("correct horse").await.unwrap())
        );
    }
}
