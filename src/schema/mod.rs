//! Resource schemas: what each argument is, what values it accepts (validators) and how its
//! planned value is derived (plan modifiers), so validation and the differ stay generic and
//! resource files stay small. A low layer: it imports nothing of the crate but `value`.

mod check;
mod modify;
mod table;
pub mod timeouts;

pub use check::{ConfigProblem, Validator};
pub use modify::{prefix_from_name, unique_name, version_prefix, Modifier, DEFAULT_PREFIX};
pub use timeouts::{parse_duration, Timeouts};

use crate::value::Value;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AttrType {
    String,
    Number,
    Bool,
    List(Box<AttrType>),
    /// Order does not matter: stored sorted, compared as sets.
    Set(Box<AttrType>),
    Map(Box<AttrType>),
    /// Any value at all (`terraform_data`'s input): kept as given, never converted.
    Dynamic,
}

impl std::fmt::Display for AttrType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrType::String => f.write_str("string"),
            AttrType::Number => f.write_str("number"),
            AttrType::Bool => f.write_str("bool"),
            AttrType::List(e) => write!(f, "list({e})"),
            AttrType::Set(e) => write!(f, "set({e})"),
            AttrType::Map(e) => write!(f, "map({e})"),
            AttrType::Dynamic => f.write_str("dynamic"),
        }
    }
}

impl AttrType {
    /// Converts a value to this type the way Terraform does (numbers and bools to strings and
    /// back), keeping marks and unknowns.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        let (value, marked) = value.unmark();
        // An error about a sensitive value must not quote it.
        let out = self.convert_unmarked(value).map_err(|e| {
            if marked {
                format!("the sensitive value is not {}", article(self))
            } else {
                e
            }
        })?;
        Ok(out.mark_if(marked))
    }

    fn convert_unmarked(&self, value: Value) -> Result<Value, String> {
        let out = match (self, value) {
            (_, v @ (Value::Null | Value::Unknown)) | (AttrType::Dynamic, v) => v,
            (AttrType::String, v @ Value::String(_)) => v,
            (AttrType::String, v @ (Value::Number(_) | Value::Bool(_))) => {
                Value::String(v.to_template_string().unwrap_or_default())
            }
            (AttrType::Number, v @ Value::Number(_)) => v,
            (AttrType::Number, Value::String(s)) => Value::Number(
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("a number is required, got \"{s}\""))?,
            ),
            (AttrType::Bool, v @ Value::Bool(_)) => v,
            (AttrType::Bool, Value::String(s)) if s == "true" || s == "false" => {
                Value::Bool(s == "true")
            }
            (AttrType::List(e) | AttrType::Set(e), Value::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    out.push(e.convert(item).map_err(|m| format!("element {i}: {m}"))?);
                }
                if matches!(self, AttrType::Set(_)) {
                    crate::value::sort_dedup(&mut out);
                }
                Value::List(out)
            }
            (AttrType::Map(e), Value::Map(map)) => {
                let mut out = crate::value::Map::new();
                for (k, v) in map {
                    let v = e.convert(v).map_err(|m| format!("element \"{k}\": {m}"))?;
                    out.insert(k, v);
                }
                Value::Map(out)
            }
            (want, got) => {
                return Err(format!(
                    "{} is required, got {}",
                    article(want),
                    got.type_name()
                ))
            }
        };
        Ok(out)
    }
}

fn article(t: &AttrType) -> String {
    match t {
        AttrType::String => "a string".into(),
        AttrType::Number => "a number".into(),
        AttrType::Bool => "a bool".into(),
        AttrType::List(e) => format!("a list of {e}"),
        AttrType::Set(e) => format!("a set of {e}"),
        AttrType::Map(e) => format!("a map of {e}"),
        AttrType::Dynamic => "any value".into(),
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Attribute {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub ty: AttrType,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    /// A change replaces the resource.
    pub force_new: bool,
    pub sensitive: bool,
    /// The value AWS or the provider uses when the argument is not set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    pub description: &'static str,
    /// Arguments that only steer an operation (apply_immediately, skip_final_snapshot): they
    /// are kept in state but never read back from AWS and never force an AWS call by themselves.
    pub virtual_: bool,
    /// Terraform 1.11's write-only argument (`password_wo`): sent to AWS on create and when
    /// its companion `*_version` changes, never planned, never in state or in any output —
    /// not even hashed. Apply takes it from the configuration, evaluated again.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub write_only: bool,
    /// The `*_version` of a write-only argument: virtual (AWS knows nothing of it), yet its
    /// change is what sends the write-only value again, so it is a reason for an AWS call.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub write_only_version: bool,
    /// What values it accepts, judged generically (`Schema::problems`).
    #[serde(skip)]
    pub validators: Vec<Validator>,
    /// How its planned value is derived (`Schema::modify_plan`).
    #[serde(skip)]
    pub modifiers: Vec<Modifier>,
}

impl Attribute {
    fn new(name: &'static str, ty: AttrType) -> Attribute {
        Attribute {
            name,
            ty,
            required: false,
            optional: true,
            computed: false,
            force_new: false,
            sensitive: false,
            default: None,
            description: "",
            virtual_: false,
            write_only: false,
            write_only_version: false,
            validators: Vec::new(),
            modifiers: Vec::new(),
        }
    }

    pub fn string(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::String)
    }

    pub fn number(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::Number)
    }

    pub fn bool(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::Bool)
    }

    pub fn string_set(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::Set(Box::new(AttrType::String)))
    }

    pub fn string_list(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::List(Box::new(AttrType::String)))
    }

    pub fn string_map(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::Map(Box::new(AttrType::String)))
    }

    /// Any value (Terraform's `dynamic`).
    pub fn dynamic(name: &'static str) -> Attribute {
        Attribute::new(name, AttrType::Dynamic)
    }

    /// A list of string maps (an output listing parts of an object, such as cache nodes).
    pub fn map_list(name: &'static str) -> Attribute {
        let map = AttrType::Map(Box::new(AttrType::String));
        Attribute::new(name, AttrType::List(Box::new(map)))
    }

    pub fn required(mut self) -> Attribute {
        self.required = true;
        self.optional = false;
        self
    }

    /// Set by AWS when not configured (Optional + Computed in Terraform's words).
    pub fn computed(mut self) -> Attribute {
        self.computed = true;
        self
    }

    /// Only ever set by AWS.
    pub fn output(mut self) -> Attribute {
        self.computed = true;
        self.optional = false;
        self.required = false;
        self
    }

    pub fn force_new(mut self) -> Attribute {
        self.force_new = true;
        self
    }

    pub fn sensitive(mut self) -> Attribute {
        self.sensitive = true;
        self
    }

    pub fn default(mut self, v: impl Into<Value>) -> Attribute {
        self.default = Some(v.into());
        self
    }

    pub fn describe(mut self, d: &'static str) -> Attribute {
        self.description = d;
        self
    }

    pub fn virtual_(mut self) -> Attribute {
        self.virtual_ = true;
        self
    }

    /// A secret AWS never returns: kept in state as a salted hash (never in clear), compared
    /// by hash, and never read back.
    pub fn hashed_secret(self) -> Attribute {
        self.sensitive().virtual_()
    }

    /// A write-only argument (see `write_only`); sensitive too, so every path that hides a
    /// sensitive value (source excerpts, the JSON configuration) hides its literal.
    pub fn write_only(mut self) -> Attribute {
        self.write_only = true;
        self.sensitive()
    }

    /// The version of a write-only argument (see `write_only_version`).
    pub fn write_only_version(mut self) -> Attribute {
        self.write_only_version = true;
        self.virtual_()
    }

    pub fn is_hashed_secret(&self) -> bool {
        self.sensitive && self.virtual_
    }

    pub fn validate(mut self, v: Validator) -> Attribute {
        self.validators.push(v);
        self
    }

    pub fn conflicts_with(self, names: &'static [&'static str]) -> Attribute {
        self.validate(Validator::ConflictsWith(names))
    }

    pub fn exactly_one_of(self, names: &'static [&'static str]) -> Attribute {
        self.validate(Validator::ExactlyOneOf(names))
    }

    pub fn at_least_one_of(self, names: &'static [&'static str]) -> Attribute {
        self.validate(Validator::AtLeastOneOf(names))
    }

    pub fn required_with(self, names: &'static [&'static str]) -> Attribute {
        self.validate(Validator::RequiredWith(names))
    }

    /// `what` says what a matching value is ("a group id (sg-…)").
    pub fn regex(self, pattern: &str, what: &'static str) -> Attribute {
        let re = regex::Regex::new(pattern).expect("schema regexes are valid");
        self.validate(Validator::Regex(re, what))
    }

    pub fn range(self, min: f64, max: f64) -> Attribute {
        self.validate(Validator::Range(min, max))
    }

    pub fn one_of(self, allowed: &'static [&'static str]) -> Attribute {
        self.validate(Validator::OneOf(allowed))
    }

    pub fn check(self, f: fn(&Value) -> Option<String>) -> Attribute {
        self.validate(Validator::Custom(f))
    }

    /// Names of the arguments this one may not be set with.
    pub fn conflicts(&self) -> Vec<&'static str> {
        self.validators
            .iter()
            .flat_map(|v| match v {
                Validator::ConflictsWith(names) => names.to_vec(),
                _ => Vec::new(),
            })
            .collect()
    }

    pub fn modify(mut self, m: Modifier) -> Attribute {
        self.modifiers.push(m);
        self
    }

    pub fn requires_replace_if(self, f: fn(&Value, &Value) -> bool) -> Attribute {
        self.modify(Modifier::RequiresReplaceIf(f))
    }

    pub fn use_state_for_unknown(self) -> Attribute {
        self.modify(Modifier::UseStateForUnknown)
    }

    /// See [`Modifier::CreateOnly`]. Virtual too: what an object was created from is not
    /// something AWS answers about it.
    pub fn create_only(self) -> Attribute {
        self.virtual_().modify(Modifier::CreateOnly)
    }

    pub fn lowercase(self) -> Attribute {
        self.modify(Modifier::Lowercase)
    }

    pub fn name_from_prefix(self, prefix: &'static str, default: &'static str) -> Attribute {
        self.modify(Modifier::NameFromPrefix { prefix, default })
    }

    pub fn prefix_of_prior(self) -> Attribute {
        self.modify(Modifier::PrefixOfPrior)
    }

    /// A configured value `same` says means the prior one plans as the prior.
    pub fn equivalent(self, same: fn(&str, &str) -> bool) -> Attribute {
        self.modify(Modifier::Equivalent(same))
    }

    /// A configured version `matches` says the running one (`actual`'s prior value) is,
    /// plans as the prior value.
    pub fn same_version(self, actual: &'static str, matches: fn(&str, &str) -> bool) -> Attribute {
        self.modify(Modifier::SameVersion { actual, matches })
    }

    pub fn is_settable(&self) -> bool {
        self.required || self.optional
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Nesting {
    /// Order matters.
    List,
    /// Order does not matter.
    Set,
    /// At most one block, represented as an object (or null).
    Single,
}

#[derive(Clone, Debug, Serialize)]
pub struct BlockType {
    pub name: &'static str,
    pub nesting: Nesting,
    pub min_items: usize,
    pub max_items: Option<usize>,
    pub force_new: bool,
    /// Optional+Computed in "attributes as blocks" mode (an inline rule set): writing no
    /// block leaves the value to what exists (rules managed by standalone rule resources
    /// stay), `name = []` asks for none.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub computed: bool,
    /// Kept in state from the configuration, never read from AWS, never a reason for an AWS
    /// call by itself (`timeouts`), as a virtual attribute.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub virtual_: bool,
    /// Read only when the object is created, as an attribute's `Modifier::CreateOnly`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub create_only: bool,
    pub description: &'static str,
    pub schema: Schema,
}

impl BlockType {
    pub fn list(name: &'static str, schema: Schema) -> BlockType {
        BlockType {
            name,
            nesting: Nesting::List,
            min_items: 0,
            max_items: None,
            force_new: false,
            computed: false,
            virtual_: false,
            create_only: false,
            description: "",
            schema,
        }
    }

    pub fn set(name: &'static str, schema: Schema) -> BlockType {
        BlockType {
            nesting: Nesting::Set,
            ..BlockType::list(name, schema)
        }
    }

    pub fn single(name: &'static str, schema: Schema) -> BlockType {
        BlockType {
            nesting: Nesting::Single,
            max_items: Some(1),
            ..BlockType::list(name, schema)
        }
    }

    /// At least one block (`min_items = 1`: Terraform's "Missing required block").
    pub fn required(mut self) -> BlockType {
        self.min_items = 1;
        self
    }

    /// At most one block (`max_items = 1`, a list as the provider declares it).
    pub fn max_one(mut self) -> BlockType {
        self.max_items = Some(1);
        self
    }

    pub fn force_new(mut self) -> BlockType {
        self.force_new = true;
        self
    }

    pub fn computed(mut self) -> BlockType {
        self.computed = true;
        self
    }

    /// Read only at create (see `create_only`); kept in state from the configuration.
    pub fn create_only(mut self) -> BlockType {
        self.create_only = true;
        self.virtual_ = true;
        self
    }

    pub fn virtual_(mut self) -> BlockType {
        self.virtual_ = true;
        self
    }

    pub fn describe(mut self, d: &'static str) -> BlockType {
        self.description = d;
        self
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Schema {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<BlockType>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub description: &'static str,
    /// The attribute whose planned value is the object's `id`.
    #[serde(skip)]
    pub id_from: Option<&'static str>,
    /// The type lives in one AWS region (AWS provider 6's per-resource `region`): its objects
    /// are managed in the region the `region` argument names, else the provider's.
    #[serde(skip)]
    pub regional: bool,
    /// The provider's default limit of each operation with a `timeouts` argument.
    #[serde(skip)]
    pub timeouts: Timeouts,
}

impl Schema {
    pub fn new() -> Schema {
        Schema::default()
    }

    pub fn describe(mut self, d: &'static str) -> Schema {
        self.description = d;
        self
    }

    pub fn attr(mut self, a: Attribute) -> Schema {
        self.attributes.push(a);
        self
    }

    pub fn block(mut self, b: BlockType) -> Schema {
        self.blocks.push(b);
        self
    }

    pub fn id_from(mut self, attribute: &'static str) -> Schema {
        self.id_from = Some(attribute);
        self
    }

    /// The `region` argument of AWS provider 6: optional, the provider configuration's region
    /// when unset, a change replaces the object (it cannot move between regions).
    pub fn regional(mut self) -> Schema {
        self.regional = true;
        self.attr(
            Attribute::string("region")
                .computed()
                .force_new()
                .describe("Region where this resource is managed. Defaults to the Region set in the provider configuration."),
        )
    }

    /// `tags` and the computed `tags_all` every taggable AWS resource has.
    pub fn tags(self) -> Schema {
        self.attr(Attribute::string_map("tags").describe("Tags for the resource."))
            .attr(
                Attribute::string_map("tags_all")
                    .output()
                    .describe("Tags including the provider's default_tags."),
            )
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// `object` with what AWS never returns (virtual arguments and blocks, hashed secrets)
    /// taken from `from` (the planned object after a write, the prior one after a read).
    pub fn with_virtual_from(&self, mut object: Value, from: &Value) -> Value {
        if let (Value::Map(o), Some(f)) = (&mut object, from.as_map()) {
            for a in self.attributes.iter().filter(|a| a.virtual_) {
                if let Some(v) = f.get(a.name) {
                    o.insert(a.name.to_string(), v.clone());
                }
            }
            // A block not written is absent, as in an object read from AWS.
            for name in self.virtual_blocks() {
                match f.get(name).filter(|v| !v.is_null()) {
                    Some(v) => o.insert(name.to_string(), v.clone()),
                    None => o.remove(name),
                };
            }
        }
        object
    }

    /// `object` (as read) keeping `prior`'s text of every attribute its `equivalent` says
    /// means the same (a policy document AWS reformatted): what the provider's read keeps, so
    /// a refresh reports no drift in it.
    pub fn with_equivalent_from(&self, mut object: Value, prior: &Value) -> Value {
        let Value::Map(o) = &mut object else {
            return object;
        };
        for a in &self.attributes {
            for m in &a.modifiers {
                let modify::Modifier::Equivalent(same) = m else {
                    continue;
                };
                let read = o.get(a.name).and_then(Value::as_str);
                let old = prior.get(a.name).and_then(Value::as_str);
                if let (Some(read), Some(old)) = (read, old) {
                    if read != old && same(read, old) {
                        o.insert(a.name.to_string(), Value::from(old));
                    }
                }
            }
        }
        object
    }

    /// Names of the write-only arguments (never planned, never stored).
    pub fn write_only_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.attributes
            .iter()
            .filter(|a| a.write_only)
            .map(|a| a.name)
    }

    /// `object` with every write-only argument null: what a plan, a state or a reference
    /// to the object may hold.
    pub fn without_write_only(&self, mut object: Value) -> Value {
        if let Value::Map(m) = &mut object {
            for name in self.write_only_names() {
                if let Some(v) = m.get_mut(name) {
                    *v = Value::Null;
                }
            }
        }
        object
    }

    /// `planned` with the write-only arguments the configuration sets: what is sent to AWS,
    /// and nowhere else.
    pub fn with_write_only_from(&self, mut planned: Value, config: &Value) -> Value {
        if let Value::Map(m) = &mut planned {
            for name in self.write_only_names() {
                if let Some(v) = config.get(name).filter(|v| !v.is_null()) {
                    m.insert(name.to_string(), v.clone());
                }
            }
        }
        planned
    }

    /// Names of the blocks kept from the configuration, never read from AWS (`timeouts`).
    pub fn virtual_blocks(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.blocks.iter().filter(|b| b.virtual_).map(|b| b.name)
    }

    pub fn block_type(&self, name: &str) -> Option<&BlockType> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Names a user may write in a body (for "did you mean" and error messages).
    pub fn settable_names(&self) -> Vec<&'static str> {
        self.attributes
            .iter()
            .filter(|a| a.is_settable())
            .map(|a| a.name)
            .chain(self.blocks.iter().map(|b| b.name))
            .collect()
    }

    /// An object value with every attribute and block of this schema: the value that
    /// references to a not-yet-created resource see. Computed attributes not set are unknown.
    pub fn unknown_object(&self) -> Value {
        let mut map = crate::value::Map::new();
        for a in &self.attributes {
            map.insert(a.name.to_string(), Value::Unknown);
        }
        for b in &self.blocks {
            map.insert(b.name.to_string(), Value::Unknown);
        }
        Value::Map(map)
    }
}

/// The reference page for a type (also written to docs/resources/TYPE.md).
pub fn render_text(type_name: &str, schema: &Schema) -> String {
    let mut out = format!("# {type_name}\n\n");
    if !schema.description.is_empty() {
        out.push_str(schema.description);
        out.push_str("\n\n");
    }
    render_attrs(&mut out, schema, 0);
    out
}

fn render_attrs(out: &mut String, schema: &Schema, depth: usize) {
    let pad = "  ".repeat(depth);
    for a in &schema.attributes {
        let mut flags = Vec::new();
        if a.required {
            flags.push("required");
        } else if a.optional {
            flags.push("optional");
        }
        if a.computed {
            flags.push(if a.optional { "computed" } else { "read-only" });
        }
        if a.force_new {
            flags.push("forces replacement");
        }
        if a.write_only {
            flags.push("write-only: never in plan or state");
        } else if a.sensitive {
            flags.push("sensitive");
        }
        let default = a
            .default
            .as_ref()
            .map(|d| d.to_string())
            .or_else(|| schema.timeouts.default_of(a.name))
            .map(|d| format!(", default {d}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{pad}- `{}` ({}; {}{default})",
            a.name,
            a.ty,
            flags.join(", ")
        ));
        if !a.description.is_empty() {
            out.push_str(&format!(" — {}", a.description));
        }
        out.push('\n');
    }
    for b in &schema.blocks {
        let max = b
            .max_items
            .map(|m| format!(", at most {m}"))
            .unwrap_or_default();
        let fnew = if b.force_new {
            ", forces replacement"
        } else {
            ""
        };
        let computed = if b.computed {
            ", no block keeps what exists; `= []` for none"
        } else {
            ""
        };
        out.push_str(&format!(
            "{pad}- block `{}` ({:?}{max}{fnew}{computed})",
            b.name, b.nesting
        ));
        if !b.description.is_empty() {
            out.push_str(&format!(" — {}", b.description));
        }
        out.push('\n');
        render_attrs(out, &b.schema, depth + 1);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An object of these attributes, for the schema's tests.
    pub fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs)
    }

    #[test]
    fn numbers_convert_to_strings_like_terraform() {
        assert_eq!(
            AttrType::String.convert(Value::Number(3306.0)).unwrap(),
            Value::from("3306")
        );
        assert!(AttrType::Number.convert(Value::from("abc")).is_err());
    }

    /// Regression: a conversion error quoted the value, even a sensitive one.
    #[test]
    fn a_sensitive_value_is_not_quoted_in_a_conversion_error() {
        let err = AttrType::Number
            .convert(Value::from("hunter2").sensitive())
            .unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn sets_are_normalised_on_conversion() {
        let t = AttrType::Set(Box::new(AttrType::String));
        let v = t
            .convert(Value::List(vec!["b".into(), "a".into()]))
            .unwrap();
        assert_eq!(v, Value::List(vec!["a".into(), "b".into()]));
    }
}
