//! What a plan shows, computed once for every renderer: which changes are listed, and for each
//! the attributes that change — lists, sets and maps compared element by element, so a
//! one-CIDR change to one rule of a group is one visible line, not a whole rule set printed
//! twice.
//!
//! The text plan (`render`) and the Markdown comment (`markdown`) print the same [`Line`]s; the
//! JSON plan (`json`) lists the same changes (`shown_changes`). Nothing here prints a sensitive
//! value: a sensitive value is compared, never descended into, and shows as
//! `(sensitive value)`.

use super::{Action, Drift, Plan, ResourceChange};
use crate::config::Mode;
use crate::schema::{AttrType, BlockType, Nesting, Schema};
use crate::value::{quote, Value};

/// How a line, attribute or element changes: Terraform's `+`, `-`, `~`, or unchanged context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Change,
    Same,
}

impl Op {
    pub fn marker(self) -> char {
        match self {
            Op::Add => '+',
            Op::Remove => '-',
            Op::Change => '~',
            Op::Same => ' ',
        }
    }
}

/// One changed attribute, map key or object field.
#[derive(Clone, Debug)]
pub struct AttrDiff {
    pub name: String,
    /// Written as a map key (quoted unless an identifier) rather than an attribute name.
    pub key: bool,
    pub op: Op,
    pub diff: Diff,
    /// The attribute's change forces a replacement (`replace_paths`).
    pub forces_replacement: bool,
}

/// How a value changed.
#[derive(Clone, Debug)]
pub enum Diff {
    /// Shown whole: added, removed, or `before -> after` (a scalar, an unknown, a sensitive
    /// value, or values of different kinds).
    Whole {
        before: Option<Value>,
        after: Option<Value>,
    },
    /// A list or set compared element by element.
    Elements {
        items: Vec<ElementDiff>,
        unchanged: usize,
    },
    /// A map or object compared key by key.
    Fields {
        items: Vec<AttrDiff>,
        unchanged: usize,
        /// A map (its keys are "elements") rather than an object ("attributes").
        map: bool,
    },
}

#[derive(Clone, Debug)]
pub struct ElementDiff {
    pub op: Op,
    pub diff: Diff,
}

/// A line of a resource's diff: its marker, nesting depth and text. Text and Markdown print
/// the same lines, each in its own layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub op: Op,
    pub depth: usize,
    pub text: String,
    /// Ends with `# forces replacement`.
    pub forces_replacement: bool,
}

/// A change as every renderer shows it.
pub struct ChangeView<'a> {
    pub change: &'a ResourceChange,
    /// The attributes that change, in the order shown: attributes, then nested blocks, each
    /// sorted by name.
    pub attributes: Vec<AttrDiff>,
    /// Unchanged attributes shown to say which object this is (`id`, `name`).
    pub context: Vec<(String, Value)>,
    /// Unchanged attributes left out.
    pub hidden: usize,
}

/// The changes a plan lists, in plan order: every change but no-ops and the data sources
/// read while planning (Terraform lists a data read only when it must happen during apply).
pub fn shown_changes(plan: &Plan) -> impl Iterator<Item = &ResourceChange> {
    plan.changes.iter().filter(|c| is_shown(c))
}

pub fn is_shown(c: &ResourceChange) -> bool {
    !c.is_noop() && !is_plan_time_read(c)
}

/// A data source read while planning: its result is part of the plan's starting point, not a
/// change (a deferred read carries a `read_because_*` reason).
pub fn is_plan_time_read(c: &ResourceChange) -> bool {
    c.action == Action::Read && c.reason.is_none()
}

/// The drift reported as an update of what the state had: `before` from state, `after` as the
/// report shows it (`Drift::shown_after`), or `None` when deleted outside strata.
pub fn drift_change(d: &Drift, refresh_only: bool) -> Option<ResourceChange> {
    let after = d.shown_after(refresh_only)?;
    Some(ResourceChange::new(
        d.addr.clone(),
        Action::Update,
        Some(d.before.clone()),
        Some(after),
    ))
}

/// The schema a change's object follows, when its type is known.
fn schema_of(c: &ResourceChange) -> Option<&'static Schema> {
    let t = &c.addr.resource.type_;
    match c.addr.resource.mode {
        Mode::Managed => crate::provider::resource_type(t).map(|r| r.schema()),
        Mode::Data => crate::provider::data_source_type(t).map(|d| d.schema()),
    }
}

/// What a value is, as far as the diff is concerned.
#[derive(Clone, Copy)]
enum Shape<'a> {
    /// No schema: lists are compared in order, maps key by key.
    Any,
    Attr(&'a AttrType),
    Object(&'a Schema),
    Blocks(&'a BlockType),
}

impl<'a> Shape<'a> {
    fn field(schema: &'a Schema, name: &str) -> Shape<'a> {
        if let Some(a) = schema.attribute(name) {
            Shape::Attr(&a.ty)
        } else if let Some(b) = schema.block_type(name) {
            Shape::Blocks(b)
        } else {
            Shape::Any
        }
    }

    /// The shape of a field of an object (or a value of a map) of this shape.
    fn member(self, name: &str) -> Shape<'a> {
        match self {
            Shape::Object(s) => Shape::field(s, name),
            Shape::Attr(AttrType::Map(e)) => Shape::Attr(e),
            Shape::Blocks(b) if b.nesting == Nesting::Single => Shape::field(&b.schema, name),
            _ => Shape::Any,
        }
    }

    /// The shape of an element of a list or set of this shape.
    fn element(self) -> Shape<'a> {
        match self {
            Shape::Attr(AttrType::List(e) | AttrType::Set(e)) => Shape::Attr(e),
            Shape::Blocks(b) => Shape::Object(&b.schema),
            _ => Shape::Any,
        }
    }

    fn is_set(self) -> bool {
        match self {
            Shape::Attr(AttrType::Set(_)) => true,
            Shape::Blocks(b) => b.nesting == Nesting::Set,
            _ => false,
        }
    }

    fn is_map(self) -> bool {
        matches!(self, Shape::Attr(AttrType::Map(_)) | Shape::Any)
    }
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v.unmarked(), Value::List(l) if l.is_empty())
        || matches!(v.unmarked(), Value::Map(m) if m.is_empty())
}

/// Nothing to show: null, or an empty list or map (an unset argument and its zero value are
/// the same, as in terraform-provider-aws).
fn is_absent(v: &Value) -> bool {
    v.is_null() || is_empty_collection(v)
}

/// Equal as a plan judges it: both known, the same sensitivity, a secret matching the salted
/// hash state keeps of it, null and an empty collection the same.
pub fn same(a: &Value, b: &Value) -> bool {
    if !a.is_wholly_known() || !b.is_wholly_known() {
        return false;
    }
    if a.is_sensitive() != b.is_sensitive() {
        return false;
    }
    // A secret AWS never returns: state keeps its salted hash, the plan the configured value.
    if let (Value::String(stored), Value::String(plain)) = (a.unmarked(), b.unmarked()) {
        if stored == plain {
            return true;
        }
        if crate::state::secret::is_hashed(stored) {
            return crate::state::secret::secret_matches(stored, plain);
        }
    }
    crate::eval::expr::values_equal(&a.clone().deep_unmark().0, &b.clone().deep_unmark().0)
        || (is_absent(a) && is_absent(b))
}

/// A value shown whole when it appears (`+`) or goes (`-`): a collection lists its elements,
/// each marked the same way.
fn whole(v: &Value, op: Op, shape: Shape) -> Diff {
    match v {
        Value::List(items) if !items.is_empty() => Diff::Elements {
            items: items
                .iter()
                .map(|i| whole_element(i, op, shape.element()))
                .collect(),
            unchanged: 0,
        },
        Value::Map(m) if !m.is_empty() => Diff::Fields {
            items: m
                .iter()
                .filter(|(_, v)| !is_absent(v))
                .map(|(k, v)| AttrDiff {
                    name: k.clone(),
                    key: shape.is_map(),
                    op,
                    diff: whole(v, op, shape.member(k)),
                    forces_replacement: false,
                })
                .collect(),
            unchanged: 0,
            map: shape.is_map(),
        },
        other => match op {
            Op::Remove => Diff::Whole {
                before: Some(other.clone()),
                after: None,
            },
            _ => Diff::Whole {
                before: None,
                after: Some(other.clone()),
            },
        },
    }
}

/// How `before` became `after`, or `None` when they are the same.
fn diff_values(before: &Value, after: &Value, shape: Shape) -> Option<(Op, Diff)> {
    if same(before, after) {
        return None;
    }
    // An empty collection is a value: `[] -> (known after apply)`, or elements added to it.
    if before.is_null() {
        return Some((Op::Add, whole(after, Op::Add, shape)));
    }
    if after.is_null() {
        return Some((Op::Remove, whole(before, Op::Remove, shape)));
    }
    let diff = match (before, after) {
        (Value::List(b), Value::List(a)) => elements(b, a, shape),
        (Value::Map(b), Value::Map(a)) => fields(b, a, shape),
        _ => Diff::Whole {
            before: Some(before.clone()),
            after: Some(after.clone()),
        },
    };
    Some((Op::Change, diff))
}

/// Two objects compared field by field (a map's keys, an object's attributes).
fn fields(before: &crate::value::Map, after: &crate::value::Map, shape: Shape) -> Diff {
    let map = shape.is_map();
    let mut names: Vec<&String> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    let mut items = Vec::new();
    let mut unchanged = 0;
    for name in names {
        let b = before.get(name).unwrap_or(&Value::Null);
        let a = after.get(name).unwrap_or(&Value::Null);
        match diff_values(b, a, shape.member(name)) {
            Some((op, diff)) => items.push(AttrDiff {
                name: name.clone(),
                key: map,
                op,
                diff,
                forces_replacement: false,
            }),
            None if !is_absent(b) => unchanged += 1,
            None => {}
        }
    }
    Diff::Fields {
        items,
        unchanged,
        map,
    }
}

/// The text two elements are compared by: unknowns never equal anything.
fn element_key(v: &Value, i: usize, side: char) -> String {
    if v.is_wholly_known() {
        serde_json::to_string(&v.clone().deep_unmark().0.to_json()).unwrap_or_default()
    } else {
        format!("\u{0}unknown {side}{i}")
    }
}

/// How many fields two objects share: a removed and an added element of a set that share
/// most of them are one element changed (a rule whose CIDR changed), not two.
fn kinship(a: &Value, b: &Value) -> Option<(usize, usize)> {
    let (Value::Map(a), Value::Map(b)) = (a.unmarked(), b.unmarked()) else {
        return None;
    };
    let mut shared = 0;
    let mut total = 0;
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let x = a.get(k).unwrap_or(&Value::Null);
        let y = b.get(k).unwrap_or(&Value::Null);
        if is_absent(x) && is_absent(y) {
            continue;
        }
        total += 1;
        if same(x, y) {
            shared += 1;
        }
    }
    Some((shared, total))
}

/// A list or set compared element by element: sets by membership, with removed and added
/// objects that share most fields paired as one changed element; lists by their longest
/// common subsequence, with elements replaced in place paired.
/// An element of a collection shown whole (`whole`) as it appears or goes.
fn whole_element(v: &Value, op: Op, shape: Shape) -> ElementDiff {
    ElementDiff {
        op,
        diff: whole(v, op, shape),
    }
}

fn elements(before: &[Value], after: &[Value], shape: Shape) -> Diff {
    let inner = shape.element();
    let mut items = Vec::new();
    let mut unchanged = 0;
    let changed = |b: &Value, a: &Value| -> ElementDiff {
        match diff_values(b, a, inner) {
            Some((op, diff)) => ElementDiff { op, diff },
            None => ElementDiff {
                op: Op::Same,
                diff: Diff::Whole {
                    before: Some(b.clone()),
                    after: Some(a.clone()),
                },
            },
        }
    };
    if shape.is_set() {
        let mut added: Vec<&Value> = Vec::new();
        let mut left: Vec<Option<&Value>> = before.iter().map(Some).collect();
        for a in after {
            match left.iter_mut().find(|b| b.is_some_and(|b| same(b, a))) {
                Some(slot) => {
                    *slot = None;
                    unchanged += 1;
                }
                None => added.push(a),
            }
        }
        let mut removed: Vec<&Value> = left.into_iter().flatten().collect();
        // Pair the closest removed/added objects first.
        let mut pairs: Vec<(usize, usize, usize, usize)> = Vec::new();
        for (i, b) in removed.iter().enumerate() {
            for (j, a) in added.iter().enumerate() {
                if let Some((shared, total)) = kinship(b, a) {
                    if shared > 0 && shared * 2 >= total {
                        pairs.push((shared, total, i, j));
                    }
                }
            }
        }
        pairs.sort_by(|x, y| (y.0 * x.1).cmp(&(x.0 * y.1)).then(x.2.cmp(&y.2)));
        let mut used_b = vec![false; removed.len()];
        let mut used_a = vec![false; added.len()];
        for (_, _, i, j) in pairs {
            if used_b[i] || used_a[j] {
                continue;
            }
            used_b[i] = true;
            used_a[j] = true;
            items.push(changed(removed[i], added[j]));
        }
        let mut i = 0;
        removed.retain(|_| {
            i += 1;
            !used_b[i - 1]
        });
        let mut j = 0;
        added.retain(|_| {
            j += 1;
            !used_a[j - 1]
        });
        items.extend(
            removed
                .into_iter()
                .map(|b| whole_element(b, Op::Remove, inner)),
        );
        items.extend(added.into_iter().map(|a| whole_element(a, Op::Add, inner)));
        return Diff::Elements { items, unchanged };
    }
    let old: Vec<String> = before
        .iter()
        .enumerate()
        .map(|(i, v)| element_key(v, i, 'b'))
        .collect();
    let new: Vec<String> = after
        .iter()
        .enumerate()
        .map(|(i, v)| element_key(v, i, 'a'))
        .collect();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        match op {
            similar::DiffOp::Equal { len, .. } => unchanged += len,
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => {
                let gone = &before[old_index..old_index + old_len];
                items.extend(gone.iter().map(|b| whole_element(b, Op::Remove, inner)));
            }
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => {
                let new = &after[new_index..new_index + new_len];
                items.extend(new.iter().map(|a| whole_element(a, Op::Add, inner)));
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let paired = old_len.min(new_len);
                for k in 0..paired {
                    items.push(changed(&before[old_index + k], &after[new_index + k]));
                }
                let gone = &before[old_index + paired..old_index + old_len];
                items.extend(gone.iter().map(|b| whole_element(b, Op::Remove, inner)));
                let new = &after[new_index + paired..new_index + new_len];
                items.extend(new.iter().map(|a| whole_element(a, Op::Add, inner)));
            }
        }
    }
    Diff::Elements { items, unchanged }
}

/// Attributes a reader needs to know which object an update is about, shown unchanged.
const IDENTIFYING: &[&str] = &["id", "name"];

impl<'a> ChangeView<'a> {
    pub fn new(change: &'a ResourceChange) -> ChangeView<'a> {
        let schema = schema_of(change);
        let empty = Value::Map(Default::default());
        let before = change.before.as_ref().unwrap_or(&empty);
        let after = change.after.as_ref().unwrap_or(&empty);
        // Attributes first, then nested blocks (as Terraform lists them), each sorted.
        let mut names: Vec<&String> = before
            .as_map()
            .into_iter()
            .flat_map(|m| m.keys())
            .chain(after.as_map().into_iter().flat_map(|m| m.keys()))
            .collect();
        let is_block = |n: &str| schema.is_some_and(|s| s.block_type(n).is_some());
        names.sort_by(|a, b| (is_block(a), *a).cmp(&(is_block(b), *b)));
        names.dedup();
        let mut attributes = Vec::new();
        let mut context = Vec::new();
        let mut hidden = 0;
        for name in names {
            let shape = schema.map_or(Shape::Any, |s| Shape::field(s, name));
            let b = before.get(name).unwrap_or(&Value::Null);
            let a = after.get(name).unwrap_or(&Value::Null);
            let forces_replacement = change.replace_paths.iter().any(|p| p == name);
            let diff = match change.action {
                Action::Create | Action::Read => {
                    (!is_absent(a)).then(|| (Op::Add, whole(a, Op::Add, shape)))
                }
                Action::Delete => {
                    (!is_absent(b)).then(|| (Op::Remove, whole(b, Op::Remove, shape)))
                }
                _ => diff_values(b, a, shape),
            };
            match diff {
                Some((op, diff)) => attributes.push(AttrDiff {
                    name: name.clone(),
                    key: false,
                    op,
                    diff,
                    forces_replacement,
                }),
                None if matches!(
                    change.action,
                    Action::Create | Action::Read | Action::Delete
                ) => {}
                None if IDENTIFYING.contains(&name.as_str()) && !b.is_null() => {
                    context.push((name.clone(), b.clone()))
                }
                None if !is_absent(b) => hidden += 1,
                None => {}
            }
        }
        ChangeView {
            change,
            attributes,
            context,
            hidden,
        }
    }

    /// The body's lines, at depth 0 for the resource's own attributes.
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        let width = self
            .attributes
            .iter()
            .map(|a| a.name.len())
            .chain(self.context.iter().map(|(k, _)| k.len()))
            .max()
            .unwrap_or(0);
        for (k, v) in &self.context {
            out.push(Line {
                op: Op::Same,
                depth: 0,
                text: format!("{k:width$} = {v}"),
                forces_replacement: false,
            });
        }
        for a in &self.attributes {
            attr_lines(a, 0, width, &mut out);
        }
        if self.hidden > 0 {
            out.push(hidden_line(0, self.hidden, "attribute"));
        }
        out
    }
}

fn hidden_line(depth: usize, n: usize, what: &str) -> Line {
    Line {
        op: Op::Same,
        depth,
        text: format!(
            "# ({n} unchanged {what}{} hidden)",
            if n == 1 { "" } else { "s" }
        ),
        forces_replacement: false,
    }
}

/// `name` as written before ` = `: a map key is quoted unless it is an identifier.
fn label(a: &AttrDiff) -> String {
    let ident = a
        .name
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && a.name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if a.key && !ident {
        quote(&a.name)
    } else {
        a.name.clone()
    }
}

/// The text of a value shown whole after `=`, or of a `before -> after` pair. An attribute
/// removed goes `-> null`; an element removed just goes.
fn whole_text(op: Op, before: Option<&Value>, after: Option<&Value>, element: bool) -> String {
    match (op, before, after) {
        (Op::Remove, Some(b), _) if element => b.to_string(),
        (Op::Remove, Some(b), _) => format!("{b} -> null"),
        (_, Some(b), Some(a)) if op == Op::Change => format!("{b} -> {a}"),
        (_, _, Some(a)) => a.to_string(),
        (_, Some(b), None) => b.to_string(),
        _ => "null".into(),
    }
}

fn attr_lines(a: &AttrDiff, depth: usize, width: usize, out: &mut Vec<Line>) {
    let name = label(a);
    let prefix = format!("{name:width$} = ");
    value_lines(a.op, &a.diff, depth, prefix, "", a.forces_replacement, out);
}

/// The lines of one diff: `prefix` opens the first line (`name = `, or nothing for an
/// element), `suffix` closes the last (`,` for an element).
fn value_lines(
    op: Op,
    diff: &Diff,
    depth: usize,
    prefix: String,
    suffix: &str,
    forces_replacement: bool,
    out: &mut Vec<Line>,
) {
    match diff {
        Diff::Whole { before, after } => out.push(Line {
            op,
            depth,
            text: format!(
                "{prefix}{}{suffix}",
                whole_text(op, before.as_ref(), after.as_ref(), !suffix.is_empty())
            ),
            forces_replacement,
        }),
        Diff::Elements { items, unchanged } => {
            out.push(Line {
                op,
                depth,
                text: format!("{prefix}["),
                forces_replacement,
            });
            for e in items {
                value_lines(e.op, &e.diff, depth + 1, String::new(), ",", false, out);
            }
            if *unchanged > 0 {
                out.push(hidden_line(depth + 1, *unchanged, "element"));
            }
            out.push(Line {
                op: Op::Same,
                depth,
                text: format!("]{}", close_suffix(op, suffix)),
                forces_replacement: false,
            });
        }
        Diff::Fields {
            items,
            unchanged,
            map,
        } => {
            out.push(Line {
                op,
                depth,
                text: format!("{prefix}{{"),
                forces_replacement,
            });
            let width = items.iter().map(|i| label(i).len()).max().unwrap_or(0);
            for i in items {
                attr_lines(i, depth + 1, width, out);
            }
            if *unchanged > 0 {
                let what = if *map { "element" } else { "attribute" };
                out.push(hidden_line(depth + 1, *unchanged, what));
            }
            out.push(Line {
                op: Op::Same,
                depth,
                text: format!("}}{}", close_suffix(op, suffix)),
                forces_replacement: false,
            });
        }
    }
}

/// What follows a collection's closing bracket: ` -> null` when it was removed, then the
/// element separator.
fn close_suffix(op: Op, suffix: &str) -> String {
    if op == Op::Remove && suffix.is_empty() {
        " -> null".into()
    } else {
        suffix.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::InstanceAddr;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs)
    }

    fn strings(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::from(*s)).collect())
    }

    fn rule(port: i64, cidr: &str) -> Value {
        obj(&[
            ("from_port", Value::from(port)),
            ("to_port", Value::from(port)),
            ("protocol", Value::from("tcp")),
            ("cidr_blocks", strings(&[cidr])),
            ("description", Value::from("")),
            ("self", Value::from(false)),
        ])
    }

    fn update(type_: &str, before: Value, after: Value) -> ResourceChange {
        ResourceChange::new(
            format!("{type_}.x").parse::<InstanceAddr>().unwrap(),
            Action::Update,
            Some(before),
            Some(after),
        )
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| format!("{}{} {}", "    ".repeat(l.depth), l.op.marker(), l.text))
            .collect()
    }

    #[test]
    fn a_one_cidr_change_to_one_rule_of_three_is_one_changed_line() {
        let before = obj(&[
            ("id", Value::from("sg-1")),
            (
                "ingress",
                Value::List(vec![
                    rule(22, "203.0.113.0/24"),
                    rule(80, "0.0.0.0/0"),
                    rule(443, "0.0.0.0/0"),
                ]),
            ),
        ]);
        let after = obj(&[
            ("id", Value::from("sg-1")),
            (
                "ingress",
                Value::List(vec![
                    rule(22, "0.0.0.0/0"),
                    rule(80, "0.0.0.0/0"),
                    rule(443, "0.0.0.0/0"),
                ]),
            ),
        ]);
        let c = update("aws_security_group", before, after);
        let lines = texts(&ChangeView::new(&c).lines());
        assert_eq!(
            lines,
            [
                "  id      = \"sg-1\"",
                "~ ingress = [",
                "    ~ {",
                "        ~ cidr_blocks = [",
                "            ~ \"203.0.113.0/24\" -> \"0.0.0.0/0\",",
                "          ]",
                "          # (5 unchanged attributes hidden)",
                "      },",
                "      # (2 unchanged elements hidden)",
                "  ]",
            ]
        );
    }

    #[test]
    fn sets_of_strings_show_only_what_was_added_and_removed() {
        let c = update(
            "aws_db_instance",
            obj(&[("vpc_security_group_ids", strings(&["sg-a", "sg-b", "sg-c"]))]),
            obj(&[("vpc_security_group_ids", strings(&["sg-c", "sg-a", "sg-d"]))]),
        );
        assert_eq!(
            texts(&ChangeView::new(&c).lines()),
            [
                "~ vpc_security_group_ids = [",
                "    - \"sg-b\",",
                "    + \"sg-d\",",
                "      # (2 unchanged elements hidden)",
                "  ]",
            ]
        );
    }

    #[test]
    fn maps_show_changed_keys_and_hide_the_rest() {
        let tags = |env: &str| {
            obj(&[
                ("Environment", Value::from(env)),
                ("Stack", Value::from("web")),
                ("cost-center", Value::from("42")),
            ])
        };
        let c = update(
            "aws_security_group",
            obj(&[("tags", tags("default"))]),
            obj(&[("tags", tags("staging"))]),
        );
        assert_eq!(
            texts(&ChangeView::new(&c).lines()),
            [
                "~ tags = {",
                "    ~ Environment = \"default\" -> \"staging\"",
                "      # (2 unchanged elements hidden)",
                "  }",
            ]
        );
    }

    #[test]
    fn sensitive_and_unknown_values_are_shown_whole_never_descended_into() {
        let stored = crate::state::secret::hash_secret("same-password");
        let c = update(
            "aws_db_instance",
            obj(&[
                ("password", Value::from(stored.as_str()).sensitive()),
                ("tags_all", obj(&[("a", Value::from("b"))])),
                ("port", Value::from(3306)),
            ]),
            obj(&[
                ("password", Value::from("same-password").sensitive()),
                ("tags_all", Value::Unknown),
                ("port", Value::from(3306)),
            ]),
        );
        let lines = texts(&ChangeView::new(&c).lines());
        assert_eq!(
            lines,
            [
                "~ tags_all = {a = \"b\"} -> (known after apply)",
                "  # (2 unchanged attributes hidden)"
            ],
            "a secret matching its stored hash is unchanged"
        );
        let c = update(
            "aws_db_instance",
            obj(&[("password", Value::from(stored.as_str()).sensitive())]),
            obj(&[("password", Value::from("another-one").sensitive())]),
        );
        let lines = texts(&ChangeView::new(&c).lines());
        assert_eq!(
            lines,
            ["~ password = (sensitive value) -> (sensitive value)"]
        );
        assert!(!format!("{lines:?}").contains("another-one"));
    }

    #[test]
    fn an_empty_collection_and_null_are_the_same() {
        let c = update(
            "aws_security_group",
            obj(&[("tags", obj(&[])), ("name", Value::from("a"))]),
            obj(&[("tags", Value::Null), ("name", Value::from("b"))]),
        );
        assert_eq!(
            texts(&ChangeView::new(&c).lines()),
            ["~ name = \"a\" -> \"b\""]
        );
    }

    #[test]
    fn lists_pair_elements_replaced_in_place_and_keep_order() {
        let c = update(
            "x_untyped",
            obj(&[("l", strings(&["a", "b", "c", "d"]))]),
            obj(&[("l", strings(&["a", "B", "c", "d", "e"]))]),
        );
        assert_eq!(
            texts(&ChangeView::new(&c).lines()),
            [
                "~ l = [",
                "    ~ \"b\" -> \"B\",",
                "    + \"e\",",
                "      # (3 unchanged elements hidden)",
                "  ]",
            ]
        );
    }
}
