//! Password hashing: argon2id at OWASP's minimum (19 MiB, 2 iterations,
//! 1 lane), off the request threads, with at most `concurrency` hashes at
//! once. Verifying an unknown login costs the same as a known one.

use std::sync::Arc;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously (CLI and start-up).
pub fn hash_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("hashing failed: {e}")))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A random password for generated accounts: 20 characters, ~119 bits.
pub fn generate_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 20)
}

#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    /// Verified against when the login is unknown or has no password, so the
    /// answer takes as long as for a real account.
    dummy_hash: Arc<String>,
}

impl PasswordHasherPool {
    pub fn new(concurrency: usize) -> Result<Self, AppError> {
        Ok(PasswordHasherPool {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy_hash: Arc::new(hash_now(&generate_password())?),
        })
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal(e.to_string()))?;
        actix_web::web::block(f)
            .await
            .map_err(|e| AppError::internal(format!("hashing task failed: {e}")))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.blocking(move || hash_now(&password)).await?
    }

    /// True when `password` matches `hash`; a missing hash is verified against
    /// a dummy one and is always false.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, AppError> {
        let dummy = self.dummy_hash.clone();
        self.blocking(move || match hash {
            Some(h) => verify_now(&password, &h),
            None => {
                let _ = verify_now(&password, &dummy);
                false
            }
        })
        .await
    }
}
