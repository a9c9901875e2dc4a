//! Which changes made outside strata matter to a plan, as Terraform ≥ 1.2 decides it: an
//! attribute of a drifted object is *relevant* when it may have contributed to a planned
//! change — the configuration of a resource with a planned change (or of a changed output)
//! refers to it, directly or through locals, module inputs and outputs, or through the
//! configuration of another resource it refers to. Only relevant attributes are reported as
//! "changed outside of strata" (a refresh-only plan reports everything; an object deleted
//! outside strata is always reported). A group gaining a rule from strata's own standalone
//! rule resource therefore is no news, nor is drift that the plan's own update undoes: the
//! planned change shows it.

use super::{Action, Drift, OutputChange, ResourceChange};
use crate::config::refs::{references, Reference, Subject};
use crate::config::{Config, Mode, Module};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A resource of the configuration: module call names from the root, mode, type, name.
type Key = (Vec<String>, Mode, String, String);

/// The attributes that may contribute to a plan's changes, by resource.
#[derive(Default, Debug)]
struct Relevant {
    /// Resources referred to as a whole (every attribute counts).
    whole: BTreeSet<Key>,
    attributes: BTreeMap<Key, BTreeSet<String>>,
}

/// Sets each drift's `relevant` attributes for `changes` and `outputs`.
pub fn annotate(
    config: &Config,
    drift: &mut [Drift],
    changes: &[ResourceChange],
    outputs: &BTreeMap<String, OutputChange>,
) {
    let relevant = relevant(config, changes, outputs);
    for d in drift.iter_mut() {
        let Some(after) = &d.after else { continue };
        let key = (
            d.addr.module.0.iter().map(|(n, _)| n.clone()).collect(),
            d.addr.resource.mode,
            d.addr.resource.type_.clone(),
            d.addr.resource.name.clone(),
        );
        let changed = match crate::provider::resource_type(&d.addr.resource.type_) {
            Some(rt) => super::diff::changed_attributes(rt.schema(), &d.before, after),
            None => continue,
        };
        d.relevant = if relevant.whole.contains(&key) {
            changed
        } else {
            let attrs = relevant.attributes.get(&key);
            changed
                .into_iter()
                .filter(|a| attrs.is_some_and(|s| s.contains(a)))
                .collect()
        };
    }
}

fn relevant(
    config: &Config,
    changes: &[ResourceChange],
    outputs: &BTreeMap<String, OutputChange>,
) -> Relevant {
    let mut walk = Walk {
        config,
        out: Relevant::default(),
        seen: BTreeSet::new(),
    };
    for c in changes {
        if matches!(c.action, Action::NoOp | Action::Delete) {
            continue;
        }
        let path: Vec<String> = c.addr.module.0.iter().map(|(n, _)| n.clone()).collect();
        let key = (
            path,
            c.addr.resource.mode,
            c.addr.resource.type_.clone(),
            c.addr.resource.name.clone(),
        );
        walk.resource_config(&key);
    }
    for (name, o) in outputs {
        if o.before.as_ref() == Some(&o.after) {
            continue;
        }
        if let Some(out) = config.root.outputs.get(name) {
            let refs = references(&out.value, &[]);
            walk.refs(&[], refs);
        }
    }
    walk.out
}

struct Walk<'a> {
    config: &'a Config,
    out: Relevant,
    /// Configuration already followed: (module path, what).
    seen: BTreeSet<(Vec<String>, String)>,
}

impl Walk<'_> {
    fn module(&self, path: &[String]) -> Option<Arc<Module>> {
        let mut m = self.config.root.clone();
        for name in path {
            let next = m.module_calls.get(name)?.module.clone();
            m = next;
        }
        Some(m)
    }

    /// Follows everything a resource's configuration refers to (once).
    fn resource_config(&mut self, key: &Key) {
        let (path, mode, type_, name) = key;
        if !self
            .seen
            .insert((path.clone(), format!("{mode:?}.{type_}.{name}")))
        {
            return;
        }
        let Some(module) = self.module(path) else {
            return;
        };
        let Some(r) = module.resource(*mode, type_, name) else {
            return;
        };
        let mut refs = crate::graph::references_in_body(&r.body);
        for e in r.count.iter().chain(&r.for_each).chain(&r.depends_on) {
            refs.extend(references(e, &[]));
        }
        self.refs(path, refs);
    }

    fn refs(&mut self, path: &[String], refs: Vec<Reference>) {
        for r in refs {
            self.reference(path, &r);
        }
    }

    fn reference(&mut self, path: &[String], r: &Reference) {
        let Some(module) = self.module(path) else {
            return;
        };
        match &r.subject {
            Subject::Resource(t, n) | Subject::Data(t, n) => {
                let mode = match r.subject {
                    Subject::Data(..) => Mode::Data,
                    _ => Mode::Managed,
                };
                let key = (path.to_vec(), mode, t.clone(), n.clone());
                match attribute_after(self.config, r) {
                    Some(a) => {
                        self.out
                            .attributes
                            .entry(key.clone())
                            .or_default()
                            .insert(a);
                    }
                    None => {
                        self.out.whole.insert(key.clone());
                    }
                }
                self.resource_config(&key);
            }
            Subject::Local(name) => {
                if self.seen.insert((path.to_vec(), format!("local.{name}"))) {
                    if let Some(l) = module.locals.get(name) {
                        self.refs(path, references(&l.expr, &[]));
                    }
                }
            }
            Subject::Var(name) => {
                // A module's input: what its caller passes.
                let Some((call, parent)) = path.split_last() else {
                    return;
                };
                if !self.seen.insert((path.to_vec(), format!("var.{name}"))) {
                    return;
                }
                let input = self
                    .module(parent)
                    .and_then(|m| m.module_calls.get(call)?.inputs.get(name).cloned());
                if let Some(input) = input {
                    self.refs(parent, references(&input.expr, &[]));
                }
            }
            Subject::Module(call, output) => {
                let Some(child) = module.module_calls.get(call).map(|c| c.module.clone()) else {
                    return;
                };
                let mut child_path = path.to_vec();
                child_path.push(call.clone());
                let names: Vec<String> = match output {
                    Some(o) => vec![o.clone()],
                    None => child.outputs.keys().cloned().collect(),
                };
                for o in names {
                    if !self
                        .seen
                        .insert((child_path.clone(), format!("output.{o}")))
                    {
                        continue;
                    }
                    if let Some(out) = child.outputs.get(&o) {
                        self.refs(&child_path, references(&out.value, &[]));
                    }
                }
            }
            Subject::Count
            | Subject::Each
            | Subject::Path
            | Subject::SelfRef
            | Subject::Terraform => {}
        }
    }
}

/// The attribute a resource reference reads (`aws_security_group.web.id`,
/// `aws_security_group.web[0].id`, `aws_security_group.web[*].id`,
/// `data.aws_vpc.x.id`): the name after the subject, past any index or splat; `None` for the
/// object as a whole.
fn attribute_after(config: &Config, r: &Reference) -> Option<String> {
    let file = config.sources.get(r.span.file)?;
    let text = file.text.get(r.span.start..)?;
    let segments = match r.subject {
        Subject::Data(..) => 3,
        _ => 2,
    };
    // Past `type.name` (or `data.type.name`), which the reference's span starts with.
    let mut skip = 0;
    for _ in 0..segments {
        let rest = text.get(skip..)?.trim_start_matches('.');
        skip = text.len() - rest.len();
        skip += rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
    }
    let rest = text.get(skip..)?;
    let mut chars = rest.char_indices().peekable();
    loop {
        match chars.peek().map(|(_, c)| *c) {
            Some('[') => {
                // An index or splat, possibly holding strings and nested brackets.
                let mut depth = 0;
                let mut in_string = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        '"' => in_string = !in_string,
                        '[' if !in_string => depth += 1,
                        ']' if !in_string => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some('.') => {
                chars.next();
                let (start, _) = *chars.peek()?;
                let name: String = rest[start..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                if name.is_empty() && rest[start..].starts_with('*') {
                    // `.*`: a splat; the attribute follows.
                    chars.next();
                    continue;
                }
                if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
                    // `.0`: a legacy index; the attribute follows.
                    for _ in 0..name.len() {
                        chars.next();
                    }
                    continue;
                }
                return (!name.is_empty()).then_some(name);
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_read_is_found_past_indexes_and_splats() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.tf"),
            r#"
resource "aws_security_group" "web" {
  count = 2
  name  = "web-${count.index}"
}

data "aws_vpc" "main" {
  default = true
}

resource "aws_security_group" "reader" {
  name        = "reader"
  vpc_id      = data.aws_vpc.main.id
  description = join(",", [aws_security_group.web[0].arn, aws_security_group.web[*].name[0]])
  tags = {
    Legacy = aws_security_group.web.0.owner_id
    Keyed  = aws_security_group.web["x"].vpc_id
    Whole  = length(aws_security_group.web)
  }
}
"#,
        )
        .unwrap();
        let sources = crate::diag::SourceMap::default();
        let (config, diags) = crate::config::load(dir.path(), &sources);
        assert!(!diags.has_errors(), "{}", diags.render(&sources, false));
        let config = config.unwrap();
        let reader = config
            .root
            .resource(Mode::Managed, "aws_security_group", "reader")
            .unwrap();
        let mut found: Vec<Option<String>> = crate::graph::references_in_body(&reader.body)
            .iter()
            .filter(|r| !matches!(r.subject, Subject::Count))
            .map(|r| attribute_after(&config, r))
            .collect();
        found.sort();
        let want = [
            None,
            Some("arn"),
            Some("id"),
            Some("name"),
            Some("owner_id"),
            Some("vpc_id"),
        ];
        assert_eq!(found, want.map(|w| w.map(str::to_string)));
    }
}
