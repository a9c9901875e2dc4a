//! RDS: DB instances, Aurora clusters and their instances, subnet, parameter and option
//! groups, snapshots, and the RDS data sources. What the types share: identifier rules,
//! engine version matching, and the batched describes of instances and clusters.

mod db_subnet_group;
mod option_group;
mod parameter_group;
mod snapshot;

pub use db_subnet_group::{DbSubnetGroup, DB_SUBNET_GROUP};
pub use option_group::{DbOptionGroup, DB_OPTION_GROUP};
pub use parameter_group::{ParameterGroup, DB_PARAMETER_GROUP, RDS_CLUSTER_PARAMETER_GROUP};
pub use snapshot::{
    Snapshot, DB_CLUSTER_SNAPSHOT, DB_CLUSTER_SNAPSHOT_COPY, DB_SNAPSHOT, DB_SNAPSHOT_COPY,
};

/// The shape RDS wants of identifiers and group names once their characters are allowed: a
/// letter first, no `--`, no trailing `-` (a prefix may end in one).
pub fn identifier_shape(id: &str, prefix: bool) -> Option<String> {
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Some("must start with a letter".into());
    }
    if id.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if !prefix && id.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    None
}

/// Why `id` is not a valid RDS instance or cluster identifier (`[0-9a-z-]`, first a lowercase
/// letter, no `--`, no trailing `-` unless `prefix`), or `None`.
pub fn identifier_problem(id: &str, prefix: bool) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".into());
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if let Some(c) = id.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "only lowercase letters, digits and hyphens are allowed, found {c:?}"
        ));
    }
    identifier_shape(id, prefix)
}

/// A `check` for an identifier (`false`) or an identifier prefix (`true`).
pub fn identifier(v: &crate::value::Value) -> Option<String> {
    identifier_problem(v.as_str()?, false)
}

pub fn identifier_prefix(v: &crate::value::Value) -> Option<String> {
    identifier_problem(v.as_str()?, true)
}

/// A `check` for snapshot identifiers (a final snapshot's too): a letter first, then letters,
/// digits and single hyphens.
pub fn snapshot_identifier(v: &crate::value::Value) -> Option<String> {
    let id = v.as_str()?;
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Some("only letters, digits and hyphens are allowed".into());
    }
    identifier_shape(id, false)
}

#[cfg(test)]
mod tests {
    use super::*;

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
