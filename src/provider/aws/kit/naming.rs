//! Names generated from prefixes, the way terraform-provider-aws builds them.

pub use crate::schema::{prefix_from_name, unique_name, DEFAULT_PREFIX};

/// terraform-provider-aws's `create.StringHashcode` (terraform-plugin-sdk's
/// `hashcode.String`): the CRC-32 (IEEE) of `s`, which some of its ids are made of (routes,
/// network ACL rules, security group rules, a policy document's `id`) and which orders set
/// elements.
pub fn hashcode(s: &str) -> u32 {
    let mut crc = u32::MAX;
    for &b in s.as_bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Gives a planned create the identifier a journaled attempt recorded (`natural`), when the
/// planned one was generated from the same prefix: a create whose outcome is unknown is sent
/// again under the name it was first sent with, so AWS's "already exists" can only mean that
/// attempt went through (or someone else holds the name: `ownership` tells). A name taken
/// from the configuration is never replaced, nor one generated from another prefix (the
/// configuration changed since). Returns whether `planned` now has `natural` as its natural id.
pub fn reuse_recorded_name(
    rt: &dyn crate::provider::ResourceType,
    planned: &mut crate::eval::Value,
    config: &crate::eval::Value,
    natural: &str,
) -> bool {
    use crate::value::Value;
    let Some(current) = rt.natural_id(planned) else {
        return false;
    };
    if current == natural {
        return true;
    }
    let Value::Map(m) = &*planned else {
        return false;
    };
    // The generated name: an attribute the configuration leaves unset whose value has a
    // generated suffix and ends the natural id (which may add a VPC: `vpc-…/name`).
    let unset = |k: &str| config.get(k).is_none_or(|v| v.is_null() || !v.is_known());
    let Some(generated) = m
        .iter()
        .filter(|(k, _)| unset(k))
        .filter_map(|(_, v)| v.as_str())
        .filter(|v| prefix_from_name(v).is_some() && current.ends_with(*v))
        .max_by_key(|v| v.len())
        .map(str::to_string)
    else {
        return false;
    };
    let head = &current[..current.len() - generated.len()];
    let Some(recorded) = natural.strip_prefix(head) else {
        return false;
    };
    if recorded.len() != generated.len()
        || prefix_from_name(recorded) != prefix_from_name(&generated)
    {
        return false;
    }
    let mut pinned = planned.clone();
    if let Value::Map(m) = &mut pinned {
        for v in m.values_mut() {
            if v.as_str() == Some(generated.as_str()) {
                *v = Value::from(recorded);
            }
        }
    }
    if rt.natural_id(&pinned).as_deref() != Some(natural) {
        return false;
    }
    *planned = pinned;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashcodes_are_crc32_ieee() {
        // The check value of the IEEE polynomial.
        assert_eq!(hashcode("123456789"), 0xCBF4_3926);
    }

    fn planned(pairs: &[(&str, &str)]) -> crate::eval::Value {
        crate::eval::Value::Map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), crate::eval::Value::from(*v)))
                .collect(),
        )
    }

    #[test]
    fn a_generated_name_is_replaced_by_the_recorded_one_of_the_same_prefix() {
        let sg = crate::provider::resource_type("aws_security_group").unwrap();
        let config = planned(&[("name_prefix", "web-"), ("vpc_id", "vpc-1")]);
        let fresh = unique_name("web-");
        let recorded = format!("vpc-1/{}", unique_name("web-"));
        let mut p = planned(&[
            ("name", &fresh),
            ("name_prefix", "web-"),
            ("vpc_id", "vpc-1"),
        ]);
        assert!(reuse_recorded_name(sg, &mut p, &config, &recorded));
        assert_eq!(sg.natural_id(&p).as_deref(), Some(recorded.as_str()));

        // Another prefix (the configuration changed), another VPC: the plan's name stays.
        for other in [
            format!("vpc-1/{}", unique_name("app-")),
            format!("vpc-2/{}", unique_name("web-")),
        ] {
            let mut p = planned(&[("name", &fresh), ("vpc_id", "vpc-1")]);
            assert!(!reuse_recorded_name(sg, &mut p, &config, &other), "{other}");
            assert_eq!(crate::provider::obj::str(&p, "name"), Some(fresh.as_str()));
        }

        // A configured name is never replaced, even one that looks generated.
        let configured = planned(&[("name", &fresh), ("vpc_id", "vpc-1")]);
        let mut p = configured.clone();
        assert!(!reuse_recorded_name(sg, &mut p, &configured, &recorded));

        // RDS identifiers: identifier and id both follow.
        let db = crate::provider::resource_type("aws_db_instance").unwrap();
        let generated = unique_name("db-");
        let recorded = unique_name("db-");
        let mut p = planned(&[
            ("identifier", &generated),
            ("id", &generated),
            ("identifier_prefix", "db-"),
        ]);
        let config = planned(&[("identifier_prefix", "db-")]);
        assert!(reuse_recorded_name(db, &mut p, &config, &recorded));
        assert_eq!(crate::provider::obj::str(&p, "id"), Some(recorded.as_str()));
    }
}
