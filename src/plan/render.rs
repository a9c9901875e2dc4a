//! Human plan output in Terraform's shape: `+`, `~`, `-/+`, `-`, `<=`, attribute-level diffs,
//! `(known after apply)`, `(sensitive value)`, `# forces replacement`.
//!
//! Renderers read the plan and nothing else. Sensitive values are replaced before any text is
//! produced, so no code path here can print one.

use super::view::{drift_change, shown_changes, ChangeView, Line, Op};
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
        Action::DeleteThenCreate | Action::CreateThenDelete
            if c.reason.as_deref() == Some("replace_by_request") =>
        {
            format!("# {addr} will be replaced, as requested")
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
            match drift_change(d, plan.refresh_only) {
                Some(change) => {
                    let _ = writeln!(out, "  # {} has changed", d.addr);
                    render_body(&mut out, &change, style);
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
    let visible: Vec<&ResourceChange> = shown_changes(plan).collect();
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
    for line in ChangeView::new(c).lines() {
        let _ = writeln!(out, "{}", text_line(&line, style));
    }
    out.push_str("    }\n");
}

/// A diff line in Terraform's layout: indented by depth, then the marker.
fn text_line(line: &Line, style: &Style) -> String {
    let marker = match line.op {
        Op::Same => " ".to_string(),
        Op::Add => style.paint("32", "+"),
        Op::Remove => style.paint("31", "-"),
        Op::Change => style.paint("33", "~"),
    };
    let forces = if line.forces_replacement {
        style.paint("31", " # forces replacement")
    } else {
        String::new()
    };
    format!(
        "      {}{marker} {}{forces}",
        "    ".repeat(line.depth),
        line.text
    )
}

fn pad_symbol(s: &str, action: Action) -> String {
    // Align the resource keyword whatever the width of the marker.
    let w = action.symbol().len();
    format!("{}{s}", " ".repeat(3usize.saturating_sub(w)))
}

/// One-line rendering; `Value`'s Display already hides sensitive values.
pub fn inline(v: &Value) -> String {
    v.to_string()
}
