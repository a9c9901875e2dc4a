//! IAM policy documents as the IAM types hold them: sent as compact JSON, read back decoded
//! (IAM answers them URL-encoded), and compared by meaning, as terraform-provider-aws
//! suppresses a difference between equivalent policies: key order, whitespace, a single value
//! against a one-item list, and the order of a list's items (statements, actions, resources,
//! principals: sets, for IAM) are no change.

use crate::provider::obj;
use crate::value::Value;
use serde_json::Value as Json;

/// A `check` for a policy argument: it must be a JSON object.
pub fn problem(v: &Value) -> Option<String> {
    match serde_json::from_str::<Json>(v.as_str()?) {
        Ok(Json::Object(_)) => None,
        Ok(_) => Some("must be a JSON object (a policy document)".into()),
        Err(e) => Some(format!("is not valid JSON: {e}")),
    }
}

/// The document as sent: compact, keys in the order written.
pub fn compact(doc: &str) -> String {
    serde_json::from_str::<Json>(doc)
        .map(|j| j.to_string())
        .unwrap_or_else(|_| doc.to_string())
}

/// A document as IAM answers it (URL-encoded, RFC 3986), decoded.
pub fn decode(doc: &str) -> String {
    if doc.trim_start().starts_with('{') {
        return doc.to_string();
    }
    percent_encoding::percent_decode_str(doc)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether two documents mean the same policy (see the module comment); two strings that are
/// not JSON only when equal.
pub fn equivalent(a: &str, b: &str) -> bool {
    match (serde_json::from_str(a), serde_json::from_str(b)) {
        (Ok(a), Ok(b)) => canonical(a) == canonical(b),
        _ => a == b,
    }
}

/// Lists as sorted sets, a one-item list as its item; objects compare regardless of key order.
fn canonical(j: Json) -> Json {
    match j {
        Json::Object(m) => Json::Object(m.into_iter().map(|(k, v)| (k, canonical(v))).collect()),
        Json::Array(items) => {
            let mut items: Vec<Json> = items.into_iter().map(canonical).collect();
            items.sort_by_cached_key(Json::to_string);
            items.dedup();
            match items.len() {
                1 => items.remove(0),
                _ => Json::Array(items),
            }
        }
        other => other,
    }
}

/// After a write: the document of `key` as planned when AWS holds an equivalent one, so state
/// matches what was planned (as the provider keeps the configured spelling).
pub fn keep_planned(state: &mut Value, planned: &Value, key: &str) {
    let (Some(held), Some(wanted)) = (obj::str(state, key), obj::str(planned, key)) else {
        return;
    };
    if equivalent(held, wanted) {
        let wanted = Value::from(wanted);
        if let Value::Map(m) = state {
            m.insert(key.to_string(), wanted);
        }
    }
}

/// A `check` for IAM names (roles, policies, inline policies): `[\w+=,.@-]`, at most `max`.
pub fn name_problem(name: &str, max: usize) -> Option<String> {
    if name.len() > max {
        return Some(format!("must be at most {max} characters"));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    name.chars()
        .find(|c| !allowed(*c))
        .map(|c| format!("only letters, digits and _+=,.@- are allowed, found {c:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equivalent_policies_are_no_change() {
        let a = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Principal":{"Service":"rds.amazonaws.com"}}]}"#;
        let b = r#"{ "Statement": { "Principal": {"Service": ["rds.amazonaws.com"]},
                     "Action": ["s3:List*", "s3:Get*"], "Effect": "Allow" },
                     "Version": "2012-10-17" }"#;
        assert!(equivalent(a, b));
        assert!(!equivalent(a, &a.replace("Allow", "Deny")));
        assert!(!equivalent(a, &a.replace("\"s3:List*\"", "\"s3:Put*\"")));
        assert_eq!(
            decode(
                &percent_encoding::utf8_percent_encode(a, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            ),
            a
        );
        assert_eq!(decode(a), a);
        assert_eq!(
            compact(b).len(),
            b.split_whitespace().collect::<String>().len()
        );
    }

    #[test]
    fn problems() {
        assert!(problem(&Value::from("{\"Version\":\"2012-10-17\"}")).is_none());
        assert!(problem(&Value::from("[]")).is_some());
        assert!(problem(&Value::from("{")).is_some());
        assert!(name_problem("rds-monitoring_role+=,.@", 64).is_none());
        assert!(name_problem("a/b", 64).is_some());
        assert!(name_problem(&"a".repeat(65), 64).is_some());
    }
}
