//! Names generated from prefixes, the way terraform-provider-aws builds them, and the shared
//! RDS identifier rules.

use std::sync::atomic::{AtomicU32, Ordering};

/// Length of the suffix [`unique_name`] appends: a UTC timestamp with four fractional digits
/// (18) and an 8-hex-digit counter.
pub const UNIQUE_SUFFIX_LEN: usize = 26;

/// Prefix used when neither a name nor a prefix is configured.
pub const DEFAULT_PREFIX: &str = "terraform-";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `prefix` followed by a 26-character suffix; names generated later sort later.
pub fn unique_name(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    let t = time::OffsetDateTime::now_utc();
    format!(
        "{prefix}{:04}{:02}{:02}{:02}{:02}{:02}{:04}{n:08x}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond() / 100_000
    )
}

/// The prefix a generated name was built from: what precedes a trailing 26-hex-digit suffix.
pub fn prefix_from_name(name: &str) -> Option<&str> {
    if name.len() <= UNIQUE_SUFFIX_LEN || !name.is_ascii() {
        return None;
    }
    let (prefix, suffix) = name.split_at(name.len() - UNIQUE_SUFFIX_LEN);
    suffix
        .chars()
        .all(|c| c.is_ascii_hexdigit())
        .then_some(prefix)
}

/// Why `id` is not a valid RDS instance or cluster identifier (`[0-9a-z-]`, first a lowercase
/// letter, no `--`, no trailing `-` unless `prefix`), or `None`.
pub fn identifier_problem(id: &str, prefix: bool) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".into());
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "only lowercase letters, digits and hyphens are allowed, found {c:?}"
        ));
    }
    if !id.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lowercase letter".into());
    }
    if id.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if !prefix && id.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_names_have_a_26_character_suffix_and_sort_by_creation() {
        let a = unique_name("terraform-");
        let b = unique_name("terraform-");
        assert_eq!(a.len(), "terraform-".len() + UNIQUE_SUFFIX_LEN);
        assert!(a < b, "{a} < {b}");
        assert_eq!(prefix_from_name(&a), Some("terraform-"));
        assert_eq!(prefix_from_name("my-db"), None);
        assert_eq!(prefix_from_name("my-database-that-is-quite-long-x"), None);
    }

    #[test]
    fn identifier_rules() {
        assert_eq!(identifier_problem("db-1", false), None);
        assert!(identifier_problem("Db", false).is_some());
        assert!(identifier_problem("1db", false).is_some());
        assert!(identifier_problem("a--b", false).is_some());
        assert!(identifier_problem("ab-", false).is_some());
        assert_eq!(identifier_problem("ab-", true), None);
        assert!(identifier_problem("a_b", false).is_some());
    }
}
