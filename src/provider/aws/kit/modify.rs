//! Modify tables: which builder setter sends each attribute, so an update is "send what
//! changed" instead of one `if changed { set }` block per argument.
//!
//! ```text
//! const MODIFY: Table<ModifyDbClusterFluentBuilder> = setters! {
//!     "port" => set_port(i32),
//!     "preferred_maintenance_window" => set_preferred_maintenance_window(lower),
//! };
//! let (modify, needed) = modify::changed(MODIFY, prior, planned, builder);
//! ```

use crate::provider::obj;
use crate::value::Value;

/// Sets one attribute of `planned` on a builder.
pub type Setter<B> = fn(B, &Value) -> B;

/// Attribute → setter, for one API call.
pub type Table<B> = &'static [(&'static str, Setter<B>)];

/// Whether an attribute differs between two objects, marks aside (exact: a set in another
/// order, or null against `0`, is a change here; the differ has already judged those).
pub fn differs(prior: &Value, planned: &Value, key: &str) -> bool {
    let value = |v: &Value| {
        v.get(key)
            .map(Value::unmarked)
            .cloned()
            .unwrap_or(Value::Null)
    };
    value(prior) != value(planned)
}

/// A list that changed and still names something (a change to none is not sent: AWS keeps
/// at least one security group, say); `None` otherwise.
pub fn changed_list(prior: &Value, planned: &Value, key: &str) -> Option<Vec<String>> {
    some_strings(planned, key).filter(|_| differs(prior, planned, key))
}

/// Applies the setters of the attributes that differ between `prior` and `planned`; the
/// builder and whether any did.
pub fn changed<B>(
    table: &[(&str, Setter<B>)],
    prior: &Value,
    planned: &Value,
    builder: B,
) -> (B, bool) {
    table
        .iter()
        .filter(|(k, _)| differs(prior, planned, k))
        .fold((builder, false), |(b, _), (_, set)| (set(b, planned), true))
}

/// Applies every setter whose attribute `planned` sets (not null, not an empty string); the
/// builder and whether any did.
pub fn set<B>(table: &[(&str, Setter<B>)], planned: &Value, builder: B) -> (B, bool) {
    table
        .iter()
        .filter(|(k, _)| given(planned, k))
        .fold((builder, false), |(b, _), (_, set)| (set(b, planned), true))
}

/// Applies the setters of what `planned` sets and `found` (the new object as AWS made it)
/// does not have yet: the Modify that completes an object whose create call took less than
/// the plan asks (a restore, a replica).
pub fn set_missing<B>(
    table: &[(&str, Setter<B>)],
    found: &Value,
    planned: &Value,
    builder: B,
) -> (B, bool) {
    table
        .iter()
        .filter(|(k, _)| given(planned, k) && differs(found, planned, k))
        .fold((builder, false), |(b, _), (_, set)| (set(b, planned), true))
}

/// Whether `planned` sets `key` (known, not null, not an empty string).
fn given(planned: &Value, key: &str) -> bool {
    planned
        .get(key)
        .is_some_and(|v| v.is_known() && !v.is_null() && v.as_str() != Some(""))
}

// What a setter takes, read from the planned object.

pub fn string(v: &Value, k: &str) -> Option<String> {
    obj::string(v, k)
}

pub fn i32(v: &Value, k: &str) -> Option<i32> {
    obj::i32(v, k)
}

pub fn bool(v: &Value, k: &str) -> Option<bool> {
    obj::bool(v, k)
}

/// Lower-cased, as AWS stores windows and engines.
pub fn lower(v: &Value, k: &str) -> Option<String> {
    obj::str(v, k).map(str::to_lowercase)
}

/// A list, even an empty one (it removes what was there).
pub fn strings(v: &Value, k: &str) -> Option<Vec<String>> {
    Some(obj::strings(v, k))
}

/// A list, or nothing when it is empty.
pub fn some_strings(v: &Value, k: &str) -> Option<Vec<String>> {
    let items = obj::strings(v, k);
    (!items.is_empty()).then_some(items)
}

/// A modify table: `"attribute" => setter(kind)` where `kind` reads the planned value
/// (`string`, `i32`, `bool`, `lower`, `strings`, `some_strings`), or `"attribute" => |b, p|
/// expression` for anything else.
#[macro_export]
macro_rules! setters {
    ($($k:literal => $($set:ident($kind:ident))? $(|$b:ident, $p:ident| $e:expr)?),* $(,)?) => {
        &[$(($k, $crate::setters!(@one $k $($set $kind)? $(|$b, $p| $e)?))),*]
    };
    (@one $k:literal $set:ident $kind:ident) => {
        |b, p| b.$set($crate::provider::aws::kit::modify::$kind(p, $k))
    };
    (@one $k:literal |$b:ident, $p:ident| $e:expr) => { |$b, $p| $e };
}

/// A type's create table and modify table from one list: the settings both calls take (their
/// builders differ in type only; the list ends with a comma), then those only the create
/// takes.
#[macro_export]
macro_rules! create_and_modify_setters {
    (
        $create:ident: $c:ty, $modify:ident: $m:ty;
        both { $($both:tt)* }
        create_only { $($only:tt)* }
    ) => {
        const $create: $crate::provider::aws::kit::modify::Table<$c> =
            $crate::setters! { $($both)* $($only)* };
        const $modify: $crate::provider::aws::kit::modify::Table<$m> =
            $crate::setters! { $($both)* };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug, PartialEq)]
    struct Builder {
        port: Option<i32>,
        window: Option<String>,
    }

    impl Builder {
        fn set_port(mut self, p: Option<i32>) -> Builder {
            self.port = p;
            self
        }
        fn set_window(mut self, w: Option<String>) -> Builder {
            self.window = w;
            self
        }
    }

    const TABLE: Table<Builder> = setters! {
        "port" => set_port(i32),
        "window" => |b, p| b.set_window(lower(p, "window")),
    };

    #[test]
    fn only_what_changed_is_set() {
        let obj = |port: i64, window: &str| {
            Value::Map(
                [
                    ("port".to_string(), Value::from(port)),
                    ("window".to_string(), Value::from(window)),
                ]
                .into(),
            )
        };
        let (b, needed) = changed(TABLE, &obj(1, "a"), &obj(1, "a"), Builder::default());
        assert!(!needed);
        assert_eq!(b, Builder::default());
        let (b, needed) = changed(TABLE, &obj(1, "a"), &obj(1, "SUN"), Builder::default());
        assert!(needed);
        assert_eq!(b.port, None);
        assert_eq!(b.window.as_deref(), Some("sun"));
        let (b, any) = set(TABLE, &obj(2, "X"), Builder::default());
        assert_eq!(
            (b.port, b.window.as_deref(), any),
            (Some(2), Some("x"), true)
        );
    }
}
