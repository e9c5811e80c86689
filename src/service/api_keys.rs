//! API keys: 32 random characters shown once; stored as a SHA-256 digest
//! (keys are high-entropy, so a fast digest is enough and allows lookup).

use rand::distributions::{Alphanumeric, DistString};
use sha2::{Digest, Sha256};

pub fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

pub fn digest(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
