//! Sensitive values at rest. Passwords are stored as salted hashes: the plaintext is not
//! recoverable from the state, but a changed password in the configuration is still detected.
//!
//! Format: `strata-hash:v1:<16-byte salt, hex>:<sha256(salt || plain), hex>`.

use sha2::{Digest, Sha256};

const PREFIX: &str = "strata-hash:v1:";
const SALT_LEN: usize = 16;

fn digest(salt: &[u8], plain: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(plain.as_bytes());
    h.finalize().into()
}

/// Hashes `plain` with a fresh random salt.
pub fn hash_secret(plain: &str) -> String {
    let salt: [u8; SALT_LEN] = rand::random();
    format!(
        "{PREFIX}{}:{}",
        hex::encode(salt),
        hex::encode(digest(&salt, plain))
    )
}

/// Salt and digest of a well-formed hash.
fn parse(s: &str) -> Option<([u8; SALT_LEN], [u8; 32])> {
    let (salt, sum) = s.strip_prefix(PREFIX)?.split_once(':')?;
    let mut salt_bytes = [0u8; SALT_LEN];
    let mut sum_bytes = [0u8; 32];
    hex::decode_to_slice(salt, &mut salt_bytes).ok()?;
    hex::decode_to_slice(sum, &mut sum_bytes).ok()?;
    Some((salt_bytes, sum_bytes))
}

/// Whether `s` is a hash made by `hash_secret` (as opposed to a plaintext value).
pub fn is_hashed(s: &str) -> bool {
    parse(s).is_some()
}

/// Whether `plain` is the secret `stored` was made from. A `stored` value that is not a hash
/// (an imported or legacy plaintext) is compared as is; a malformed hash matches nothing.
pub fn secret_matches(stored: &str, plain: &str) -> bool {
    if !stored.starts_with(PREFIX) {
        return constant_time_eq(stored.as_bytes(), plain.as_bytes());
    }
    match parse(stored) {
        Some((salt, sum)) => constant_time_eq(&digest(&salt, plain), &sum),
        None => false,
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_has_the_documented_shape_and_hides_the_plaintext() {
        let h = hash_secret("hunter2-password");
        let parts: Vec<&str> = h.split(':').collect();
        assert_eq!(parts.len(), 4, "{h}");
        assert_eq!(parts[0], "strata-hash");
        assert_eq!(parts[1], "v1");
        assert_eq!(parts[2].len(), 32);
        assert_eq!(parts[3].len(), 64);
        assert!(!h.contains("hunter2"));
        assert!(is_hashed(&h));
        // The digest is sha256(salt || plain).
        let salt = hex::decode(parts[2]).unwrap();
        let mut sha = Sha256::new();
        sha.update(&salt);
        sha.update(b"hunter2-password");
        assert_eq!(parts[3], hex::encode(sha.finalize()));
    }

    #[test]
    fn matching_detects_changes_and_salts_differ() {
        let a = hash_secret("s3cret");
        let b = hash_secret("s3cret");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(secret_matches(&a, "s3cret"));
        assert!(secret_matches(&b, "s3cret"));
        assert!(!secret_matches(&a, "s3cret2"));
        assert!(!secret_matches(&a, ""));
        assert!(secret_matches(&hash_secret(""), ""));
    }

    #[test]
    fn plaintext_and_malformed_values() {
        assert!(!is_hashed("s3cret"));
        assert!(!is_hashed("strata-hash:v1:zz:00"));
        assert!(!is_hashed(
            "strata-hash:v2:00000000000000000000000000000000:00"
        ));
        assert!(secret_matches("s3cret", "s3cret"));
        assert!(!secret_matches("s3cret", "other"));
        let h = hash_secret("x");
        let truncated = &h[..h.len() - 2];
        assert!(!is_hashed(truncated));
        assert!(!secret_matches(truncated, "x"));
        assert!(!secret_matches(truncated, truncated));
    }
}
