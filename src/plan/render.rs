//! Human plan output in Terraform's shape: `+`, `~`, `-/+`, `-`, `<=`, attribute-level diffs,
//! `(known after apply)`, `(sensitive value)`, `# forces replacement`.
//!
//! Renderers read the plan and nothing else. Sensitive values are replaced before any text is
//! produced, so no code path here can print one.

use super::{Action, Plan, ResourceChange};
use crate::value::quote;
use crate::value::Value;
use std::fmt::Write as _;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn symbol(&self, action: Action) -> String {
        let code = match action {
            Action::Create => "32",
            Action::Delete => "31",
            Action::Update => "33",
            Action::DeleteThenCreate | Action::CreateThenDelete => "35",
            Action::Read => "36",
            Action::NoOp => "0",
        };
        self.paint(code, action.symbol())
    }
}

fn headline(c: &ResourceChange) -> String {
    let addr = &c.addr;
    let import = c
        .importing
        .as_ref()
        .map(|id| format!(" (imported from {})", quote(id)))
        .unwrap_or_default();
    match c.action {
        Action::Create => format!("# {addr} will be created"),
        Action::Read => format!("# {addr} will be read during apply"),
        Action::Update => format!("# {addr} will be updated in-place{import}"),
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.reason.as_deref() == Some("replace_because_tainted") =>
        {
            format!("# {addr} is tainted, so must be replaced")
        }
        Action::DeleteThenCreate | Action::CreateThenDelete => {
            format!("# {addr} must be replaced{import}")
        }
        Action::Delete => {
            let why = match c.reason.as_deref() {
                Some("delete_because_no_resource_config") => {
                    format!(" (because {} is not in configuration)", addr.abs_resource())
                }
                Some("delete_because_count_index") => {
                    format!(" (because index {} is out of range for count)", addr.key)
                }
                Some("delete_because_each_key") => {
                    format!(" (because key {} is not in for_each map)", addr.key)
                }
                Some("delete_because_no_module") => {
                    format!(" (because {} is not in configuration)", addr.module)
                }
                _ => String::new(),
            };
            format!("# {addr} will be destroyed{why}")
        }
        Action::NoOp if c.importing.is_some() => format!("# {addr} will be imported{import}"),
        Action::NoOp => format!("# {addr} is up to date"),
    }
}

/// Renders the whole plan like `terraform plan`.
pub fn render_plan(plan: &Plan, style: &Style) -> String {
    let mut out = String::new();
    let drift = plan.reported_drift();
    if !drift.is_empty() {
        out.push_str("Objects have changed outside of strata:\n\n");
        for d in drift {
            match d.shown_after(plan.refresh_only) {
                Some(after) => {
                    let _ = writeln!(out, "  # {} has changed", d.addr);
                    let fake = ResourceChange {
                        addr: d.addr.clone(),
                        action: Action::Update,
                        before: Some(d.before.clone()),
                        after: Some(after),
                        reason: None,
                        replace_paths: vec![],
                        provider: Default::default(),
                        depends_on: vec![],
                        prior_depends_on: vec![],
                        importing: None,
                        config: None,
                    };
                    render_body(&mut out, &fake, style);
                }
                None => {
                    let _ = writeln!(out, "  # {} has been deleted", d.addr);
                }
            }
            out.push('\n');
        }
        if plan.refresh_only {
            out.push_str("This is a refresh-only plan: applying it updates the state to match, without changing any real infrastructure.\n\n");
        }
    }
    let visible: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| {
            !c.is_noop()
                && (c.action != Action::Read
                    || !c.after.as_ref().is_some_and(Value::is_wholly_known))
        })
        .collect();
    if visible.is_empty() && !plan.has_changes() {
        if plan.refresh_only {
            out.push_str("No changes. Your infrastructure still matches the configuration.\n");
        } else {
            out.push_str("No changes. Your infrastructure matches the configuration.\n");
        }
        return out;
    }
    for (from, to) in &plan.moves {
        let _ = writeln!(out, "  # {from} has moved to {to}");
    }
    if !plan.moves.is_empty() {
        out.push('\n');
    }
    if !visible.is_empty() {
        out.push_str("strata will perform the following actions:\n\n");
        for c in visible {
            let _ = writeln!(out, "  {}", style.paint("1", &headline(c)));
            render_body(&mut out, c, style);
            out.push('\n');
        }
    }
    if !plan.refresh_only {
        let _ = writeln!(out, "{}", style.paint("1", &plan.summary().to_string()));
    }
    let outputs: Vec<_> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.before.as_ref() != Some(&o.after))
        .collect();
    if !outputs.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        let width = outputs.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
        for (name, o) in outputs {
            let after = if o.sensitive {
                Value::Unknown.sensitive()
            } else {
                o.after.clone()
            };
            match &o.before {
                None => {
                    let _ = writeln!(
                        out,
                        "  {} {name:width$} = {}",
                        style.symbol(Action::Create),
                        inline(&after)
                    );
                }
                Some(before) => {
                    let before = if o.sensitive {
                        Value::Unknown.sensitive()
                    } else {
                        before.clone()
                    };
                    let _ = writeln!(
                        out,
                        "  {} {name:width$} = {} -> {}",
                        style.symbol(Action::Update),
                        inline(&before),
                        inline(&after)
                    );
                }
            }
        }
    }
    out
}

fn render_body(out: &mut String, c: &ResourceChange, style: &Style) {
    let r = &c.addr.resource;
    let kind = if r.mode == crate::config::Mode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "{} {kind} {} {} {{",
        pad_symbol(&style.symbol(c.action), c.action),
        quote(&r.type_),
        quote(&r.name)
    );
    let empty = Value::Map(Default::default());
    let before = c.before.as_ref().unwrap_or(&empty);
    let after = c.after.as_ref().unwrap_or(&empty);
    let mut keys: Vec<&String> = before
        .as_map()
        .into_iter()
        .flat_map(|m| m.keys())
        .chain(after.as_map().into_iter().flat_map(|m| m.keys()))
        .collect();
    keys.sort();
    keys.dedup();
    let width = keys
        .iter()
        .filter(|k| {
            let b = before.get(k).unwrap_or(&Value::Null);
            let a = after.get(k).unwrap_or(&Value::Null);
            shown(c.action, b, a)
        })
        .map(|k| k.len())
        .max()
        .unwrap_or(0);
    let mut hidden = 0;
    for k in keys {
        let b = before.get(k).unwrap_or(&Value::Null);
        let a = after.get(k).unwrap_or(&Value::Null);
        if !shown(c.action, b, a) {
            if !b.is_null() {
                hidden += 1;
            }
            continue;
        }
        let forces = if c.replace_paths.iter().any(|p| p == k) {
            style.paint("31", " # forces replacement")
        } else {
            String::new()
        };
        let line = match c.action {
            Action::Create | Action::Read => format!(
                "{} {k:width$} = {}",
                style.symbol(Action::Create),
                value_text(a, 6)
            ),
            Action::Delete => format!(
                "{} {k:width$} = {} -> null",
                style.symbol(Action::Delete),
                value_text(b, 6)
            ),
            _ => {
                if b.is_null() {
                    format!(
                        "{} {k:width$} = {}",
                        style.symbol(Action::Create),
                        value_text(a, 6)
                    )
                } else if a.is_null() {
                    format!(
                        "{} {k:width$} = {} -> null",
                        style.symbol(Action::Delete),
                        value_text(b, 6)
                    )
                } else {
                    format!(
                        "{} {k:width$} = {} -> {}",
                        style.symbol(Action::Update),
                        value_text(b, 6),
                        value_text(a, 6)
                    )
                }
            }
        };
        let _ = writeln!(out, "      {line}{forces}");
    }
    if hidden > 0 && !matches!(c.action, Action::Create | Action::Delete) {
        let _ = writeln!(
            out,
            "        # ({hidden} unchanged attribute{} hidden)",
            if hidden == 1 { "" } else { "s" }
        );
    }
    out.push_str("    }\n");
}

fn pad_symbol(s: &str, action: Action) -> String {
    // Align the resource keyword whatever the width of the marker.
    let w = action.symbol().len();
    format!("{}{s}", " ".repeat(3usize.saturating_sub(w)))
}

fn shown(action: Action, before: &Value, after: &Value) -> bool {
    match action {
        Action::Create | Action::Read => !after.is_null() && !is_empty_collection(after),
        Action::Delete => !before.is_null() && !is_empty_collection(before),
        _ => !same(before, after),
    }
}

fn is_empty_collection(v: &Value) -> bool {
    matches!(v.unmarked(), Value::List(l) if l.is_empty())
        || matches!(v.unmarked(), Value::Map(m) if m.is_empty())
}

fn same(a: &Value, b: &Value) -> bool {
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
        || (is_empty_collection(a) && b.is_null())
        || (is_empty_collection(b) && a.is_null())
}

/// A value for a diff line: short values inline, collections over several lines.
fn value_text(v: &Value, indent: usize) -> String {
    match v {
        Value::Sensitive(_) => "(sensitive value)".into(),
        Value::Unknown => "(known after apply)".into(),
        Value::List(items) if !items.is_empty() && inline(v).len() > 60 => {
            let pad = " ".repeat(indent + 4);
            let mut s = String::from("[\n");
            for item in items {
                let _ = writeln!(s, "{pad}{},", value_text(item, indent + 4));
            }
            let _ = write!(s, "{}]", " ".repeat(indent + 2));
            s
        }
        Value::Map(map) if !map.is_empty() && (inline(v).len() > 60 || map.len() > 1) => {
            let pad = " ".repeat(indent + 4);
            let width = map.keys().map(|k| key_text(k).len()).max().unwrap_or(0);
            let mut s = String::from("{\n");
            for (k, item) in map {
                let _ = writeln!(
                    s,
                    "{pad}{:width$} = {}",
                    key_text(k),
                    value_text(item, indent + 4)
                );
            }
            let _ = write!(s, "{}}}", " ".repeat(indent + 2));
            s
        }
        other => inline(other),
    }
}

fn key_text(k: &str) -> String {
    let ident = k
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ident {
        k.to_string()
    } else {
        quote(k)
    }
}

/// One-line rendering; `Value`'s Display already hides sensitive values.
pub fn inline(v: &Value) -> String {
    v.to_string()
}
