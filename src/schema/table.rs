//! `schema!`: a schema as a table, one line per attribute, so a type's schema reads like
//! terraform-provider-awscc's generated ones instead of five formatted lines per argument.
//!
//! ```text
//! schema! {
//!     "An RDS DB subnet group.";
//!     id          string     output                       "The group's name.";
//!     name        string     computed force_new lowercase "Name (lower-cased).";
//!     subnet_ids  string_set required                     "VPC subnet ids.";
//!     tags;
//!     id_from name;
//!     block BlockType::set("parameter", parameter_schema());
//! }
//! ```
//!
//! An attribute line is its name, its constructor (`string`, `number`, `bool`, `string_set`,
//! `string_list`, `string_map`, `map_list`), then `Attribute` builder calls without their dot
//! (`force_new`, `default(false)`, `conflicts_with(&["name_prefix"])`), then its description.
//! `tags;` adds `tags` and `tags_all`, `regional;` the per-resource `region` argument,
//! `id_from NAME;` derives the id, `block EXPR;` adds a nested block,
//! `timeouts create(40) delete(15);` the `timeouts` block with the provider's default minutes
//! per operation. `schema! { with SCHEMA; ... }` adds lines to a schema built before (the parts
//! a type family shares, then each kind's own).

#[macro_export]
macro_rules! schema {
    (with $s:expr; $($rest:tt)*) => { $crate::schema!(@ $s; $($rest)*) };
    ($desc:literal; $($rest:tt)*) => {
        $crate::schema!(@ $crate::schema::Schema::new().describe($desc); $($rest)*)
    };
    (@ $s:expr;) => { $s };
    (@ $s:expr; tags; $($rest:tt)*) => { $crate::schema!(@ $s.tags(); $($rest)*) };
    (@ $s:expr; regional; $($rest:tt)*) => { $crate::schema!(@ $s.regional(); $($rest)*) };
    (@ $s:expr; id_from $n:ident; $($rest:tt)*) => {
        $crate::schema!(@ $s.id_from(stringify!($n)); $($rest)*)
    };
    (@ $s:expr; timeouts $($op:ident($min:literal))+; $($rest:tt)*) => {
        $crate::schema!(@ $s.timeouts(&[$((stringify!($op), $min)),+]); $($rest)*)
    };
    (@ $s:expr; block $b:expr; $($rest:tt)*) => { $crate::schema!(@ $s.block($b); $($rest)*) };
    (@ $s:expr; $name:ident $ty:ident $($m:ident $(($($a:tt)*))?)* $($d:literal)?; $($rest:tt)*) => {
        $crate::schema!(@ $s.attr(
            $crate::schema::Attribute::$ty(stringify!($name)) $(.$m($($($a)*)?))* $(.describe($d))?
        ); $($rest)*)
    };
}

#[cfg(test)]
mod tests {
    use crate::schema::{AttrType, BlockType, Schema};

    #[test]
    fn a_table_builds_the_schema_its_lines_say() {
        let s: Schema = crate::schema! {
            "A thing.";
            id        string output                       "Its id.";
            name      string computed force_new conflicts_with(&["prefix"]) "Its name.";
            prefix    string computed;
            type      string required one_of(&["a", "b"]);
            self      bool   default(false)               "Itself.";
            ports     number range(0.0, 65535.0);
            tags;
            id_from name;
            block BlockType::set("inner", crate::schema! { ""; x string required; });
            timeouts create(40) delete(15);
        };
        assert_eq!(s.description, "A thing.");
        let names: Vec<&str> = s.attributes.iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            ["id", "name", "prefix", "type", "self", "ports", "tags", "tags_all"]
        );
        let name = s.attribute("name").unwrap();
        assert!(name.computed && name.force_new && name.optional);
        assert_eq!(name.conflicts(), ["prefix"]);
        assert_eq!(name.description, "Its name.");
        assert!(s.attribute("id").is_some_and(|a| !a.optional && a.computed));
        assert_eq!(s.attribute("self").unwrap().default, Some(false.into()));
        assert_eq!(s.attribute("ports").unwrap().ty, AttrType::Number);
        assert_eq!(s.id_from, Some("name"));
        assert_eq!(s.blocks[0].schema.attributes[0].name, "x");
        assert_eq!(
            s.timeout(&crate::value::Value::Null, "delete").as_secs(),
            15 * 60
        );
    }
}
