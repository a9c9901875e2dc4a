//! State and plan encryption: `terraform { encryption { passphrase = var.x } }` or
//! `terraform { encryption { kms_key_id = "alias/state" } }`.
//!
//! The stored bytes become a JSON envelope:
//!
//! ```json
//! { "strata_encrypted": 1, "method": "passphrase", "cipher": "AES-256-GCM",
//!   "kdf": { "algorithm": "argon2id", "version": 19, "m_cost_kib": 19456, "t_cost": 2,
//!            "p_cost": 1, "salt": "<base64>" },
//!   "nonce": "<base64>", "ciphertext": "<base64>" }
//! { "strata_encrypted": 1, "method": "kms", "cipher": "AES-256-GCM", "kms_key_id": "alias/state",
//!   "encrypted_key": "<base64 CiphertextBlob of GenerateDataKey>",
//!   "nonce": "<base64>", "ciphertext": "<base64>" }
//! ```
//!
//! A key is derived (Argon2id) or generated (KMS GenerateDataKey) once per process and reused
//! with a fresh random 96-bit nonce for every write; keys met on reads are cached by salt or by
//! encrypted data key. Reading a plain (unencrypted) state while encryption is configured is
//! allowed: that is how a state is migrated, the next write encrypts it.

use super::blocking::Blocking;
use super::StateError;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Authenticated with every ciphertext, so an envelope cannot be passed off as another format.
const AAD: &[u8] = b"strata-encrypted-v1";
const CIPHER: &str = "AES-256-GCM";

/// Argon2id parameters for new envelopes (OWASP's recommendation: 19 MiB, 2 passes).
pub const M_COST_KIB: u32 = 19 * 1024;
pub const T_COST: u32 = 2;
pub const P_COST: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Kdf {
    pub algorithm: String,
    pub version: u32,
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
    pub salt: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Envelope {
    pub strata_encrypted: u32,
    pub method: String,
    pub cipher: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<Kdf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_key: Option<String>,
    pub nonce: String,
    pub ciphertext: String,
}

/// Where the key comes from.
pub enum KeySource {
    Passphrase(String),
    Kms {
        key_id: String,
        client: aws_sdk_kms::Client,
        runner: Arc<Blocking>,
    },
}

/// The key in use for writes, with the envelope fields that let a reader find it again.
#[derive(Clone)]
struct WriteKey {
    key: [u8; 32],
    kdf: Option<Kdf>,
    encrypted_key: Option<String>,
}

pub struct Encryption {
    source: KeySource,
    write_key: Mutex<Option<WriteKey>>,
    /// Salt+parameters or encrypted data key → key.
    read_keys: Mutex<HashMap<String, [u8; 32]>>,
    /// Argon2 memory cost for new envelopes (tests lower it).
    m_cost_kib: u32,
}

impl std::fmt::Debug for Encryption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Encryption({})", self.method())
    }
}

/// True when `bytes` is a strata encryption envelope.
pub fn is_envelope(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        strata_encrypted: Option<serde_json::Value>,
    }
    // Cheap check first: states are large, envelopes start with their marker.
    let head = &bytes[..bytes.len().min(64)];
    if !head.windows(16).any(|w| w == b"strata_encrypted") {
        return false;
    }
    serde_json::from_slice::<Probe>(bytes)
        .map(|p| p.strata_encrypted.is_some())
        .unwrap_or(false)
}

fn err(message: String) -> StateError {
    StateError::Encryption { message }
}

impl Encryption {
    pub fn passphrase(passphrase: &str) -> Encryption {
        Encryption::new(KeySource::Passphrase(passphrase.to_string()), M_COST_KIB)
    }

    /// A passphrase with a cheap KDF, for unit tests only.
    #[cfg(test)]
    pub fn passphrase_for_tests(passphrase: &str) -> Encryption {
        Encryption::new(KeySource::Passphrase(passphrase.to_string()), 64)
    }

    pub fn kms(key_id: &str, client: aws_sdk_kms::Client, runner: Arc<Blocking>) -> Encryption {
        Encryption::new(
            KeySource::Kms {
                key_id: key_id.to_string(),
                client,
                runner,
            },
            M_COST_KIB,
        )
    }

    fn new(source: KeySource, m_cost_kib: u32) -> Encryption {
        Encryption {
            source,
            write_key: Mutex::new(None),
            read_keys: Mutex::new(HashMap::new()),
            m_cost_kib,
        }
    }

    /// `passphrase` or `kms`.
    pub fn method(&self) -> &'static str {
        match self.source {
            KeySource::Passphrase(_) => "passphrase",
            KeySource::Kms { .. } => "kms",
        }
    }

    fn derive(passphrase: &str, kdf: &Kdf) -> Result<[u8; 32], StateError> {
        if kdf.algorithm != "argon2id" || kdf.version != 0x13 {
            return Err(err(format!(
                "the envelope uses key derivation {} version {}, which this strata does not know",
                kdf.algorithm, kdf.version
            )));
        }
        let salt = B64
            .decode(&kdf.salt)
            .map_err(|e| err(format!("the envelope's salt is not base64: {e}")))?;
        let params = argon2::Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32))
            .map_err(|e| {
                err(format!(
                    "the envelope's key-derivation parameters are invalid: {e}"
                ))
            })?;
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut key = [0u8; 32];
        argon
            .hash_password_into(passphrase.as_bytes(), &salt, &mut key)
            .map_err(|e| err(format!("cannot derive the key from the passphrase: {e}")))?;
        Ok(key)
    }

    fn write_key(&self) -> Result<WriteKey, StateError> {
        let mut slot = self.write_key.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = &*slot {
            return Ok(k.clone());
        }
        let k = match &self.source {
            KeySource::Passphrase(p) => {
                let mut salt = [0u8; 16];
                rand::thread_rng().fill_bytes(&mut salt);
                let kdf = Kdf {
                    algorithm: "argon2id".into(),
                    version: 0x13,
                    m_cost_kib: self.m_cost_kib,
                    t_cost: T_COST,
                    p_cost: P_COST,
                    salt: B64.encode(salt),
                };
                let key = Encryption::derive(p, &kdf)?;
                self.read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(serde_json::to_string(&kdf).unwrap_or_default(), key);
                WriteKey {
                    key,
                    kdf: Some(kdf),
                    encrypted_key: None,
                }
            }
            KeySource::Kms {
                key_id,
                client,
                runner,
            } => {
                let (client, key_id) = (client.clone(), key_id.clone());
                let out = runner
                    .run(async move {
                        client
                            .generate_data_key()
                            .key_id(key_id)
                            .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
                            .send()
                            .await
                    })
                    .map_err(|e| {
                        err(format!(
                            "{}; nothing was written",
                            crate::sdk_error::describe("KMS GenerateDataKey for the state key", &e)
                        ))
                    })?;
                let plain = out
                    .plaintext()
                    .map(|b| b.as_ref().to_vec())
                    .unwrap_or_default();
                let blob = out
                    .ciphertext_blob()
                    .map(|b| b.as_ref().to_vec())
                    .unwrap_or_default();
                let key: [u8; 32] = plain.try_into().map_err(|_| {
                    err("KMS GenerateDataKey returned a key that is not 256 bits".to_string())
                })?;
                let encrypted_key = B64.encode(blob);
                self.read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(encrypted_key.clone(), key);
                WriteKey {
                    key,
                    kdf: None,
                    encrypted_key: Some(encrypted_key),
                }
            }
        };
        *slot = Some(k.clone());
        Ok(k)
    }

    /// Encrypts `plain` into an envelope.
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, StateError> {
        let k = self.write_key()?;
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let cipher = Aes256Gcm::new_from_slice(&k.key).map_err(|e| err(e.to_string()))?;
        let ciphertext = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain,
                    aad: AAD,
                },
            )
            .map_err(|_| err("encryption failed; nothing was written".to_string()))?;
        let env = Envelope {
            strata_encrypted: 1,
            method: self.method().to_string(),
            cipher: CIPHER.to_string(),
            kdf: k.kdf,
            kms_key_id: match &self.source {
                KeySource::Kms { key_id, .. } => Some(key_id.clone()),
                KeySource::Passphrase(_) => None,
            },
            encrypted_key: k.encrypted_key,
            nonce: B64.encode(nonce),
            ciphertext: B64.encode(ciphertext),
        };
        let mut out = serde_json::to_vec_pretty(&env).map_err(|e| err(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }

    fn read_key(&self, env: &Envelope, what: &str) -> Result<[u8; 32], StateError> {
        match (&self.source, env.method.as_str()) {
            (KeySource::Passphrase(p), "passphrase") => {
                let kdf = env.kdf.as_ref().ok_or_else(|| {
                    err(format!("{what} is a passphrase envelope without \"kdf\""))
                })?;
                let cache_key = serde_json::to_string(kdf).unwrap_or_default();
                if let Some(k) = self
                    .read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&cache_key)
                {
                    return Ok(*k);
                }
                let key = Encryption::derive(p, kdf)?;
                self.read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(cache_key, key);
                Ok(key)
            }
            (KeySource::Kms { client, runner, .. }, "kms") => {
                let blob = env.encrypted_key.clone().ok_or_else(|| {
                    err(format!(
                        "{what} is a KMS envelope without \"encrypted_key\""
                    ))
                })?;
                if let Some(k) = self
                    .read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&blob)
                {
                    return Ok(*k);
                }
                let raw = B64.decode(&blob).map_err(|e| {
                    err(format!("{what}: the encrypted data key is not base64: {e}"))
                })?;
                let client = client.clone();
                let out = runner
                    .run(async move {
                        client
                            .decrypt()
                            .ciphertext_blob(aws_sdk_kms::primitives::Blob::new(raw))
                            .send()
                            .await
                    })
                    .map_err(|e| {
                        err(format!(
                            "cannot decrypt {what}: {}. Check your access to that key; strata did not \
                             change anything",
                            crate::sdk_error::describe(
                                &format!(
                                    "KMS Decrypt of its data key (key {})",
                                    env.kms_key_id.as_deref().unwrap_or("?")
                                ),
                                &e
                            )
                        ))
                    })?;
                let plain = out
                    .plaintext()
                    .map(|b| b.as_ref().to_vec())
                    .unwrap_or_default();
                let key: [u8; 32] = plain
                    .try_into()
                    .map_err(|_| err("KMS returned a data key that is not 256 bits".to_string()))?;
                self.read_keys
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(blob, key);
                Ok(key)
            }
            (_, other) => Err(err(format!(
                "cannot decrypt {what}: it was encrypted with method \"{other}\" but the \
                 configuration's encryption block uses \"{}\". Configure the key it was written \
                 with; strata did not change anything",
                self.method()
            ))),
        }
    }

    /// Decrypts an envelope.
    pub fn open(&self, bytes: &[u8], what: &str) -> Result<Vec<u8>, StateError> {
        let env: Envelope = serde_json::from_slice(bytes)
            .map_err(|e| err(format!("{what} is a damaged encryption envelope: {e}")))?;
        if env.strata_encrypted != 1 || env.cipher != CIPHER {
            return Err(err(format!(
                "{what} uses envelope version {} with cipher {}, which this strata does not know",
                env.strata_encrypted, env.cipher
            )));
        }
        let key = self.read_key(&env, what)?;
        let nonce = B64
            .decode(&env.nonce)
            .ok()
            .filter(|n| n.len() == 12)
            .ok_or_else(|| err(format!("{what}: the envelope's nonce is invalid")))?;
        let ct = B64.decode(&env.ciphertext).map_err(|e| {
            err(format!(
                "{what}: the envelope's ciphertext is not base64: {e}"
            ))
        })?;
        let cipher = Aes256Gcm::new_from_slice(&key).map_err(|e| err(e.to_string()))?;
        cipher
            .decrypt(Nonce::from_slice(&nonce), Payload { msg: &ct, aad: AAD })
            .map_err(|_| {
                let why = match self.source {
                    KeySource::Passphrase(_) => "the passphrase is wrong",
                    KeySource::Kms { .. } => "the KMS data key does not match",
                };
                err(format!(
                    "cannot decrypt {what}: {why} (or the file was altered). strata did not \
                     change anything; configure the key it was written with"
                ))
            })
    }
}

/// The bytes to store for `plain`: an envelope when encryption is configured.
pub fn seal(enc: Option<&Encryption>, plain: Vec<u8>) -> Result<Vec<u8>, StateError> {
    match enc {
        Some(e) => e.seal(&plain),
        None => Ok(plain),
    }
}

/// The plain bytes of what was stored. A plain input passes through (a state written before
/// encryption was configured is read, and encrypted by the next write); an envelope without a
/// configured key is an error.
pub fn open(enc: Option<&Encryption>, bytes: Vec<u8>, what: &str) -> Result<Vec<u8>, StateError> {
    if !is_envelope(&bytes) {
        return Ok(bytes);
    }
    match enc {
        Some(e) => e.open(&bytes, what),
        None => {
            let method = serde_json::from_slice::<Envelope>(&bytes)
                .map(|e| e.method)
                .unwrap_or_else(|_| "unknown".into());
            Err(err(format!(
                "{what} is encrypted (method \"{method}\") but the configuration has no \
                 `terraform {{ encryption {{ ... }} }}` block to decrypt it. Add the block with \
                 the key it was written with; strata did not change anything"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passphrase_round_trip_and_envelope_fields() {
        let e = Encryption::passphrase_for_tests("correct horse");
        let sealed = e.seal(b"{\"version\": 1}").unwrap();
        assert!(is_envelope(&sealed));
        let env: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        assert_eq!(env["strata_encrypted"], 1);
        assert_eq!(env["method"], "passphrase");
        assert_eq!(env["kdf"]["algorithm"], "argon2id");
        assert_eq!(env["kdf"]["m_cost_kib"], 64);
        assert!(!String::from_utf8_lossy(&sealed).contains("version\\\": 1"));
        // Another process with the same passphrase reads it.
        let other = Encryption::passphrase_for_tests("correct horse");
        assert_eq!(other.open(&sealed, "x").unwrap(), b"{\"version\": 1}");
        // Each write has a fresh nonce.
        assert_ne!(e.seal(b"a").unwrap(), e.seal(b"a").unwrap());
    }

    #[test]
    fn wrong_or_missing_key_and_tampering_are_errors() {
        let sealed = Encryption::passphrase_for_tests("right")
            .seal(b"secret")
            .unwrap();
        let msg = Encryption::passphrase_for_tests("wrong")
            .open(&sealed, "the state")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("passphrase is wrong"), "{msg}");
        let msg = open(None, sealed.clone(), "the state")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("no `terraform { encryption"), "{msg}");
        let mut env: serde_json::Value = serde_json::from_slice(&sealed).unwrap();
        let mut ct = B64.decode(env["ciphertext"].as_str().unwrap()).unwrap();
        ct[0] ^= 1;
        env["ciphertext"] = B64.encode(ct).into();
        let tampered = serde_json::to_vec(&env).unwrap();
        assert!(Encryption::passphrase_for_tests("right")
            .open(&tampered, "x")
            .is_err());
    }

    #[test]
    fn plain_input_passes_through_for_migration() {
        let e = Encryption::passphrase_for_tests("p");
        let plain = b"{\"version\": 1, \"serial\": 2}".to_vec();
        assert_eq!(open(Some(&e), plain.clone(), "x").unwrap(), plain);
        assert!(!is_envelope(&plain));
    }
}
