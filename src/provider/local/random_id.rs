//! `random_id`: random bytes from the operating system's cryptographic generator, given as
//! base64 (URL-safe and standard), hex and decimal, each after an optional prefix.

use super::{at_least_one, count_of, Local, LocalType};
use crate::provider::{ProviderError, ProviderResult};
use crate::schema::Schema;
use crate::value::{Map, Value};
use base64::Engine;
use rand::RngCore;
use std::sync::LazyLock;

pub struct RandomId;
pub static RANDOM_ID: Local<RandomId> = Local(RandomId);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    crate::schema! {
        "Random bytes to build unique names from (hashicorp/random).";
        id          string     output              "The bytes in URL-safe base64, without padding or prefix.";
        byte_length number     required force_new check(at_least_one) "How many random bytes to produce.";
        prefix      string     force_new           "Text put before every encoding of the bytes (not before id).";
        keepers     string_map force_new           "Any values whose change generates new bytes.";
        b64_url     string     output              "prefix, then the bytes in URL-safe base64 without padding.";
        b64_std     string     output              "prefix, then the bytes in standard base64.";
        hex         string     output              "prefix, then the bytes in lower-case hex.";
        dec         string     output              "prefix, then the bytes as a big-endian decimal number.";
    }
});

impl LocalType for RandomId {
    fn type_name(&self) -> &'static str {
        "random_id"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
    }

    fn generate(&self, planned: &Map) -> ProviderResult<Map> {
        let mut bytes = vec![0u8; count_of(planned, "byte_length", 1)?];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Ok(encodings(planned_prefix(planned), &bytes))
    }

    /// `B64URL` or `PREFIX,B64URL`, as the provider imports.
    fn import(&self, id: &str) -> Option<ProviderResult<Map>> {
        let (prefix, encoded) = id.rsplit_once(',').unwrap_or(("", id));
        Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(encoded)
                .map_err(|e| {
                    ProviderError::new(format!(
                        "\"{encoded}\" is not URL-safe base64 without padding ({e}); import a random_id by its b64_url value, after PREFIX, when it has one"
                    ))
                })
                .map(|bytes| {
                    let mut m = encodings(prefix, &bytes);
                    m.insert("byte_length".into(), Value::from(bytes.len() as i64));
                    if !prefix.is_empty() {
                        m.insert("prefix".into(), Value::from(prefix));
                    }
                    m
                }),
        )
    }
}

fn planned_prefix(planned: &Map) -> &str {
    planned.get("prefix").and_then(Value::as_str).unwrap_or("")
}

fn encodings(prefix: &str, bytes: &[u8]) -> Map {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let id = URL_SAFE_NO_PAD.encode(bytes);
    let mut m = Map::new();
    m.insert("b64_url".into(), Value::String(format!("{prefix}{id}")));
    m.insert(
        "b64_std".into(),
        Value::String(format!("{prefix}{}", STANDARD.encode(bytes))),
    );
    m.insert(
        "hex".into(),
        Value::String(format!("{prefix}{}", hex::encode(bytes))),
    );
    m.insert(
        "dec".into(),
        Value::String(format!("{prefix}{}", big_endian_decimal(bytes))),
    );
    m.insert("id".into(), Value::String(id));
    m
}

/// The bytes as one big-endian unsigned number, in decimal (Go's `big.Int.SetBytes`).
fn big_endian_decimal(bytes: &[u8]) -> String {
    // Base 10^9 limbs, least significant first.
    let mut limbs: Vec<u32> = vec![0];
    for &b in bytes {
        let mut carry = b as u64;
        for limb in limbs.iter_mut() {
            let v = (*limb as u64) * 256 + carry;
            *limb = (v % 1_000_000_000) as u32;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push((carry % 1_000_000_000) as u32);
            carry /= 1_000_000_000;
        }
    }
    let mut out = limbs.last().map(u32::to_string).unwrap_or_default();
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_agree_with_each_other_and_the_prefix_leaves_id_alone() {
        let m = encodings("db-", &[0xa7, 0xef, 0x94, 0x85]);
        assert_eq!(m["id"], Value::from("p--UhQ"));
        assert_eq!(m["b64_url"], Value::from("db-p--UhQ"));
        assert_eq!(m["b64_std"], Value::from("db-p++UhQ=="));
        assert_eq!(m["hex"], Value::from("db-a7ef9485"));
        assert_eq!(m["dec"], Value::from(format!("db-{}", 0xa7ef9485u64)));
    }

    #[test]
    fn decimal_of_many_bytes_is_exact() {
        assert_eq!(big_endian_decimal(&[0; 3]), "0");
        assert_eq!(
            big_endian_decimal(&[0xff; 16]),
            u128::MAX.to_string(),
            "16 bytes of ones are 2^128 - 1"
        );
        assert_eq!(
            big_endian_decimal(&[1, 0, 0, 0, 0, 0, 0, 0, 0]),
            "18446744073709551616"
        );
    }

    #[test]
    fn an_import_id_with_a_prefix_restores_every_encoding() {
        let m = RandomId.import("my-prefix-,p-9hUg").unwrap().unwrap();
        assert_eq!(m["prefix"], Value::from("my-prefix-"));
        assert_eq!(m["id"], Value::from("p-9hUg"));
        assert_eq!(m["b64_url"], Value::from("my-prefix-p-9hUg"));
        assert_eq!(m["byte_length"], Value::from(4i64));
        assert!(RandomId.import("not base64!").unwrap().is_err());
    }
}
