//! Plan modifiers: how an attribute's planned value is derived from the configuration and the
//! prior object, declared on the schema and applied by the differ (as terraform-plugin-
//! framework's plan modifiers), so a resource file does not hand-code name generation, case
//! folding or "keep what AWS chose".

use super::{Attribute, Nesting, Schema};
use crate::value::{Map, Value};
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Clone, Debug)]
pub enum Modifier {
    /// A change replaces the object only when this says so (prior, planned).
    RequiresReplaceIf(fn(&Value, &Value) -> bool),
    /// Left unset and unknown: the prior value stands (an output AWS keeps across updates).
    UseStateForUnknown,
    /// Read only when the object is created (`snapshot_identifier`: what a database was
    /// restored from): afterwards the prior value stands whatever the configuration says, so
    /// a changed value neither updates nor replaces the object (`Schema::create_only_changes`
    /// names it for a note); a new object takes the configured one.
    CreateOnly,
    /// AWS stores the value in lower case.
    Lowercase,
    /// Generated on create when unset: this prefix attribute's value (or the default prefix)
    /// followed by a unique suffix, as the provider's `name_prefix` does.
    NameFromPrefix {
        prefix: &'static str,
        default: &'static str,
    },
    /// A configured value that is a dotted prefix of the prior one (`8.0` of `8.0.36`) plans
    /// as the prior: AWS runs a more precise version of what was asked.
    PrefixOfPrior,
    /// A configured value the function says means the prior one (an id and an ARN of the same
    /// object) plans as the prior: no change.
    Equivalent(fn(&str, &str) -> bool),
    /// A configured version that `matches` says AWS runs (the prior value of the `actual`
    /// attribute, e.g. `engine_version_actual`) plans as the prior value: no change.
    SameVersion {
        actual: &'static str,
        matches: fn(&str, &str) -> bool,
    },
}

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

/// Whether `configured` names `actual` or a less precise version of it (`8.0` of `8.0.36`),
/// splitting on dots only.
pub fn version_prefix(configured: &str, actual: &str) -> bool {
    configured == actual
        || actual
            .strip_prefix(configured)
            .is_some_and(|rest| rest.starts_with('.'))
}

impl Attribute {
    fn apply_modifiers(&self, prior: Option<&Map>, config: &Value, planned: &mut Map) {
        let unset = config
            .get(self.name)
            .is_none_or(|v| v.is_null() || !v.is_known());
        let old = prior.and_then(|p| p.get(self.name));
        for m in &self.modifiers {
            let v = planned.get(self.name).cloned().unwrap_or(Value::Null);
            match m {
                Modifier::RequiresReplaceIf(_) => {}
                Modifier::CreateOnly => {
                    let kept = match prior {
                        Some(_) => old.cloned(),
                        None => config.get(self.name).cloned(),
                    };
                    planned.insert(self.name.to_string(), kept.unwrap_or(Value::Null));
                }
                Modifier::UseStateForUnknown => {
                    if !v.is_known() && unset {
                        if let Some(old) = old.filter(|o| !o.is_null()) {
                            planned.insert(self.name.to_string(), old.clone());
                        }
                    }
                }
                Modifier::Lowercase => {
                    if let Value::String(s) = v.unmarked() {
                        let lower = Value::String(s.to_lowercase());
                        planned.insert(self.name.to_string(), lower.mark_if(v.is_sensitive()));
                    }
                }
                Modifier::NameFromPrefix { prefix, default } => {
                    if prior.is_some() {
                        // Kept from the prior object unless the configuration names another.
                        continue;
                    }
                    if !unset {
                        if planned.get(*prefix).is_none_or(|p| !p.is_known()) {
                            let from = v.as_str().and_then(prefix_from_name).map(Value::from);
                            planned.insert(prefix.to_string(), from.unwrap_or(Value::Null));
                        }
                        continue;
                    }
                    let p = planned
                        .get(*prefix)
                        .and_then(Value::as_str)
                        .unwrap_or(default)
                        .to_string();
                    planned.insert(self.name.to_string(), Value::from(unique_name(&p)));
                    planned.insert(prefix.to_string(), Value::from(p));
                }
                Modifier::PrefixOfPrior => {
                    if let (Some(c), Some(o)) = (v.as_str(), old.and_then(Value::as_str)) {
                        if version_prefix(c, o) {
                            planned.insert(self.name.to_string(), Value::from(o));
                        }
                    }
                }
                Modifier::Equivalent(same) => {
                    if let (Some(c), Some(o)) = (v.as_str(), old.and_then(Value::as_str)) {
                        if same(c, o) {
                            planned.insert(self.name.to_string(), Value::from(o));
                        }
                    }
                }
                Modifier::SameVersion { actual, matches } => {
                    let running = prior.and_then(|p| p.get(*actual)).and_then(Value::as_str);
                    if let (Some(c), Some(a), Some(o)) = (v.as_str(), running, old) {
                        if matches(c, a) {
                            planned.insert(self.name.to_string(), o.clone());
                        }
                    }
                }
            }
        }
    }

    /// Whether a change of this attribute from `prior` to `planned` replaces the object.
    pub fn replaces(&self, prior: &Value, planned: &Value) -> bool {
        self.force_new
            || self.modifiers.iter().any(|m| match m {
                Modifier::RequiresReplaceIf(f) => f(prior, planned),
                _ => false,
            })
    }
}

impl Schema {
    /// Applies every attribute's plan modifiers (in nested blocks too, item by item), then
    /// derives `id` from the attribute the schema names (`id_from`): unknown while that is.
    pub fn modify_plan(&self, prior: Option<&Value>, config: &Value, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        let prior = match prior {
            Some(Value::Map(p)) => Some(p),
            _ => None,
        };
        for a in &self.attributes {
            a.apply_modifiers(prior, config, m);
        }
        for b in self.blocks.iter().filter(|b| b.create_only) {
            let kept = match prior {
                Some(p) => p.get(b.name).cloned(),
                None => config.get(b.name).cloned(),
            };
            // Absent stays absent, as state keeps it.
            match kept {
                Some(v) => m.insert(b.name.to_string(), v),
                None => m.remove(b.name),
            };
        }
        for b in &self.blocks {
            let modified = b.schema.has_modifiers();
            if let (true, Some(Value::List(items))) = (modified, m.get_mut(b.name)) {
                for item in items.iter_mut() {
                    let config = item.clone();
                    b.schema.modify_plan(None, &config, item);
                }
                if b.nesting == Nesting::Set && items.iter().all(Value::is_wholly_known) {
                    crate::value::sort_dedup(items);
                }
            }
        }
        if let Some(from) = self.id_from {
            match m.get(from) {
                Some(v) if !v.is_known() => {
                    m.insert("id".into(), Value::Unknown);
                }
                Some(v) if !v.is_null() => {
                    let v = v.clone();
                    m.insert("id".into(), v);
                }
                _ => {}
            }
        }
    }

    /// The create-only arguments and blocks (`Modifier::CreateOnly`) whose configured value
    /// is not what the existing object was created with: they change nothing, and the plan
    /// says so.
    pub fn create_only_changes(&self, prior: &Value, config: &Value) -> Vec<&'static str> {
        let differs = |name: &str| {
            let configured = config
                .get(name)
                .filter(|v| !v.is_null() && v.is_wholly_known());
            configured.is_some_and(|c| {
                let c = c.clone().deep_unmark().0;
                let p = prior
                    .get(name)
                    .cloned()
                    .unwrap_or(Value::Null)
                    .deep_unmark()
                    .0;
                c != p
            })
        };
        let attributes = self
            .attributes
            .iter()
            .filter(|a| {
                a.modifiers
                    .iter()
                    .any(|m| matches!(m, Modifier::CreateOnly))
            })
            .map(|a| a.name);
        let blocks = self.blocks.iter().filter(|b| b.create_only).map(|b| b.name);
        attributes.chain(blocks).filter(|n| differs(n)).collect()
    }

    fn has_modifiers(&self) -> bool {
        self.attributes.iter().any(|a| !a.modifiers.is_empty())
            || self.blocks.iter().any(|b| b.schema.has_modifiers())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::obj;
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
    fn names_are_generated_on_create_and_id_follows() {
        let schema = Schema::new()
            .attr(Attribute::string("id").output())
            .attr(
                Attribute::string("name")
                    .computed()
                    .name_from_prefix("name_prefix", DEFAULT_PREFIX)
                    .lowercase(),
            )
            .attr(Attribute::string("name_prefix").computed())
            .id_from("name");
        let config = obj(&[("name", Value::Null), ("name_prefix", "App-".into())]);
        let mut planned = obj(&[("name", Value::Unknown), ("name_prefix", "App-".into())]);
        schema.modify_plan(None, &config, &mut planned);
        let name = planned.get("name").and_then(Value::as_str).unwrap();
        assert!(name.starts_with("app-"), "{name}");
        assert_eq!(planned.get("id"), planned.get("name"));
        // An update keeps the prior name: nothing is generated.
        let prior = planned.clone();
        let mut again = obj(&[("name", prior.get("name").unwrap().clone())]);
        schema.modify_plan(Some(&prior), &config, &mut again);
        assert_eq!(again.get("name"), prior.get("name"));
    }

    #[test]
    fn a_version_prefix_plans_as_the_running_version() {
        let schema = Schema::new().attr(Attribute::string("engine_version").prefix_of_prior());
        let prior = obj(&[("engine_version", "8.0.36".into())]);
        for (configured, planned) in [("8.0", "8.0.36"), ("8.4", "8.4"), ("8", "8.0.36")] {
            let config = obj(&[("engine_version", configured.into())]);
            let mut p = config.clone();
            schema.modify_plan(Some(&prior), &config, &mut p);
            assert_eq!(p.get("engine_version"), Some(&Value::from(planned)));
        }
        assert!(!version_prefix("8.0", "8.01"));
    }

    #[test]
    fn a_version_the_running_one_matches_plans_as_the_prior() {
        let schema = Schema::new()
            .attr(Attribute::string("engine_version").same_version("actual", version_prefix));
        let prior = obj(&[
            ("engine_version", "8.0".into()),
            ("actual", "8.0.36".into()),
        ]);
        for (configured, planned) in [("8.0.36", "8.0"), ("8.0", "8.0"), ("8.4", "8.4")] {
            let config = obj(&[("engine_version", configured.into())]);
            let mut p = config.clone();
            schema.modify_plan(Some(&prior), &config, &mut p);
            assert_eq!(p.get("engine_version"), Some(&Value::from(planned)));
        }
    }

    #[test]
    fn block_items_are_modified_and_an_unknown_source_makes_the_id_unknown() {
        let inner = Schema::new().attr(Attribute::string("name").lowercase());
        let schema = Schema::new()
            .attr(Attribute::string("name"))
            .block(crate::schema::BlockType::set("parameter", inner))
            .id_from("name");
        let item = |n: &str| obj(&[("name", n.into())]);
        let mut p = obj(&[
            ("name", Value::Unknown),
            ("id", "old".into()),
            ("parameter", Value::List(vec![item("B"), item("a")])),
        ]);
        schema.modify_plan(None, &p.clone(), &mut p);
        assert_eq!(p.get("id"), Some(&Value::Unknown));
        assert_eq!(
            p.get("parameter"),
            Some(&Value::List(vec![item("a"), item("b")]))
        );
    }

    #[test]
    fn an_equivalent_value_plans_as_the_prior() {
        let schema = Schema::new()
            .attr(Attribute::string("source").equivalent(|p, o| o.ends_with(&format!(":{p}"))));
        let prior = obj(&[("source", "arn:aws:rds:us-east-1:1:snapshot:snap".into())]);
        for (configured, planned) in [
            ("snap", "arn:aws:rds:us-east-1:1:snapshot:snap"),
            ("other", "other"),
        ] {
            let config = obj(&[("source", configured.into())]);
            let mut p = config.clone();
            schema.modify_plan(Some(&prior), &config, &mut p);
            assert_eq!(p.get("source"), Some(&Value::from(planned)));
        }
    }
}
