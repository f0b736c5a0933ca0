//! Password hashing with argon2id, off the async threads (a hash takes tens of milliseconds).
//!
//! Each hash holds argon2's memory cost (19 MiB by default) while it runs, so at most as many
//! run at once as the process has CPUs: a storm of sign-ups queues for a slot instead of taking
//! one blocking thread and 19 MiB each. Found by the platform loop: 64 users signing up at once
//! took a 512 MiB pod out of memory (killed by the kernel), where the extra hashes could not run
//! any faster anyway.

use std::num::NonZero;
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

/// Slots for hashes running now: one per CPU the process may use (cgroup quotas included).
static HASH_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, NonZero::get))
});

/// Runs one hash or verification on the blocking pool once a slot is free, inside the caller's
/// span (so its time belongs to the request's trace).
async fn in_slot<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _slot = HASH_SLOTS.acquire().await?;
    let span = tracing::info_span!("password hash");
    Ok(tokio::task::spawn_blocking(move || span.in_scope(work)).await?)
}

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
    in_slot(move || hash_blocking(&password)).await?
}

/// Checks a password against a stored hash; with `None` it checks a dummy hash and returns false.
pub async fn verify(password: &str, hash: Option<&str>) -> anyhow::Result<bool> {
    let password = password.to_owned();
    let hash = hash.map(str::to_owned);
    in_slot(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            verify_blocking(&password, &DUMMY_HASH);
            false
        }
    })
    .await
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cpus() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let cpus = std::thread::available_parallelism().map_or(1, NonZero::get);
        let tasks: Vec<_> = (0..4 * cpus + 4)
            .map(|i| {
                tokio::spawn(in_slot(move || {
                    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                    PEAK.fetch_max(now, Ordering::SeqCst);
                    let hashed = hash_blocking(&format!("password {i}"));
                    RUNNING.fetch_sub(1, Ordering::SeqCst);
                    hashed
                }))
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().unwrap().unwrap().starts_with("$argon2id$"));
        }
        let peak = PEAK.load(Ordering::SeqCst);
        assert!(peak <= cpus, "{peak} hashes ran at once on {cpus} CPUs");
        assert!(peak >= 1);
    }

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
