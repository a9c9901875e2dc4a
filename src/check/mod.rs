//! `strata check`: security and safety guardrails for the data tier.
//!
//! The configuration is evaluated with the same walk as `validate` (no AWS access, no state),
//! and every resource instance's evaluated arguments are run through the rules in
//! [`rules`], which also look at the expressions themselves (a password written as a literal)
//! and across resources (a database behind a group that admits another group open to the
//! world). Findings can be waived in the configuration, with a reason:
//!
//! - `check_ignore = ["RULE_ID"]` in the resource, with a comment on the same line or the line
//!   above saying why;
//! - a `# strata:ignore RULE_ID reason` comment on the offending line or the line above it.
//!
//! Waived findings are still reported (marked waived, with the reason) but never fail the run.

pub mod rules;
pub mod sarif;

use crate::addr::{InstanceAddr, ModuleInstance};
use crate::config::{Config, Module, Resource};
use crate::diag::{Diagnostic, Diagnostics, Location, SourceMap, Span};
use crate::eval::walk::{self, Hooks, InstanceConfig, WalkOptions};
use crate::plan::build::ConfigOnly;
use crate::plan::Plan;
use crate::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use crate::diag::Severity;
pub use rules::{rule_info, RuleInfo, RULES};

/// One problem found by a rule.
#[derive(Clone, Debug)]
pub struct Finding {
    /// A stable rule id, e.g. `SG_DB_PORT_OPEN` (see [`RULES`]).
    pub rule: &'static str,
    pub severity: Severity,
    /// One line: what is wrong and why it matters.
    pub message: String,
    /// The resource instance address (`module.stack.aws_db_instance.db`).
    pub address: String,
    /// The offending argument (or the resource block); `None` for plan findings.
    pub span: Option<Span>,
    /// `Some(reason)` when waived in the configuration.
    pub waived: Option<String>,
}

impl Finding {
    pub fn new(
        rule: &'static str,
        address: impl Into<String>,
        span: Option<Span>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity: rule_info(rule)
                .map(|r| r.severity)
                .unwrap_or(Severity::Error),
            message: message.into(),
            address: address.into(),
            span,
            waived: None,
        }
    }

    /// Counts towards the exit code: not waived, and an error (or a warning under `--strict`).
    pub fn fails(&self, strict: bool) -> bool {
        self.waived.is_none() && (self.severity == Severity::Error || strict)
    }

    /// Start and end (1-based line, column) of the finding's span.
    pub fn range(&self, sources: &SourceMap) -> Option<(Location, usize, usize)> {
        let span = self.span?;
        let loc = sources.location(span)?;
        let file = sources.get(span.file)?;
        let (end_line, end_col) = file.line_col(span.end.max(span.start));
        Some((loc, end_line, end_col))
    }

    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let location = self.range(sources).map(|(loc, end_line, end_column)| {
            serde_json::json!({
                "file": loc.file,
                "line": loc.line,
                "column": loc.column,
                "end_line": end_line,
                "end_column": end_column,
            })
        });
        serde_json::json!({
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "address": self.address,
            "location": location,
            "waived": self.waived.is_some(),
            "waiver_reason": self.waived,
        })
    }

    /// The plain form plans carry and render (no spans: `file:line:col` text).
    pub fn plain(&self, sources: &SourceMap) -> crate::plan::Finding {
        crate::plan::Finding {
            rule: self.rule.to_string(),
            severity: match self.severity {
                Severity::Error => "error".into(),
                Severity::Warning => "warning".into(),
            },
            address: self.address.clone(),
            location: self
                .span
                .and_then(|s| sources.location(s))
                .map(|l| l.to_string()),
            message: self.message.clone(),
            waived: self.waived.clone(),
        }
    }

    /// The project's diagnostic rendering: source line and caret.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let base = match self.severity {
            Severity::Error => Diagnostic::error(format!("{}: {}", self.rule, self.message)),
            Severity::Warning => Diagnostic::warning(format!("{}: {}", self.rule, self.message)),
        };
        let mut d = base.at_opt(self.span).detail(self.address.clone());
        if let Some(info) = rule_info(self.rule) {
            d = d.help(info.help);
        }
        let text = d.render(sources, color);
        match &self.waived {
            None => text,
            Some(reason) => {
                let tag = match self.severity {
                    Severity::Error => "Error",
                    Severity::Warning => "Warning",
                };
                let waived = format!("Waived {}", tag.to_lowercase());
                let mut text = text.replacen(tag, &waived, 1);
                text.push_str(&format!("  = waived: {reason}\n"));
                text
            }
        }
    }
}

/// What `check_config` found.
pub struct Report {
    pub findings: Vec<Finding>,
    /// Problems evaluating the configuration (the same as `validate` reports).
    pub diags: Diagnostics,
    pub sources: SourceMap,
}

impl Report {
    pub fn fails(&self, strict: bool) -> bool {
        self.diags.has_errors() || self.findings.iter().any(|f| f.fails(strict))
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.waived.is_none() && f.severity == severity)
            .count()
    }

    /// The findings that would fail the run (see [`Finding::fails`]): what `--soft-fail`
    /// overrides.
    pub fn failing(&self, strict: bool) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.fails(strict))
    }

    pub fn waived(&self) -> usize {
        self.findings.iter().filter(|f| f.waived.is_some()).count()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.findings
                .iter()
                .map(|f| f.to_json(&self.sources))
                .collect(),
        )
    }
}

/// One evaluated resource instance, as the rules see it.
#[derive(Clone, Debug)]
pub struct Instance {
    pub addr: InstanceAddr,
    /// The resource block (spans of every argument, waivers).
    pub resource: Resource,
    /// The evaluated arguments: values from variables, locals and modules resolved, unknown
    /// where only apply can tell.
    pub config: Value,
    /// The provider's `default_tags`, merged under the resource's own tags.
    pub default_tags: BTreeMap<String, String>,
    /// The modules from the root down to the one the resource is declared in (to follow
    /// `local.x` and `var.x` references statically); empty when unknown.
    pub modules: Vec<Arc<Module>>,
}

impl Instance {
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    pub fn type_(&self) -> &str {
        &self.resource.type_
    }

    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.config.get(name).unwrap_or(&NULL)
    }

    /// The span of an argument's value, else the resource block.
    pub fn span_of(&self, name: &str) -> Span {
        self.resource
            .body
            .attr(name)
            .map(|a| a.expr.span())
            .unwrap_or(self.resource.span)
    }

    /// The resource's tags and the provider's default tags (known string values only).
    pub fn tags(&self) -> BTreeMap<String, String> {
        let mut out = self.default_tags.clone();
        if let Some(m) = self.get("tags").as_map() {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    out.insert(k.clone(), s.to_string());
                }
            }
        }
        out
    }

    /// Tagged as production: Environment/Env/Stage = prod/production (case-insensitive).
    pub fn is_production(&self) -> bool {
        self.tags().iter().any(|(k, v)| {
            matches!(
                k.to_ascii_lowercase().as_str(),
                "environment" | "env" | "stage"
            ) && matches!(v.to_ascii_lowercase().as_str(), "prod" | "production")
        })
    }
}

/// Hooks that behave as `validate`'s (no state, computed attributes unknown) and record every
/// managed instance's evaluated configuration.
#[derive(Default)]
struct Recorder {
    inner: ConfigOnly,
    recorded: Vec<(InstanceAddr, Resource, Value, BTreeMap<String, String>)>,
}

impl Hooks for Recorder {
    fn catalog(&self) -> &'static dyn crate::eval::walk::Catalog {
        crate::provider::catalog()
    }

    fn managed(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.recorded.push((
            inst.addr.clone(),
            inst.resource.clone(),
            inst.config.clone(),
            inst.provider.default_tags.clone(),
        ));
        self.inner.managed(inst)
    }

    fn data(&mut self, inst: &InstanceConfig) -> Result<Value, Diagnostic> {
        self.inner.data(inst)
    }
}

/// The modules from the root to the one a module instance path is declared by.
fn modules_to(config: &Config, path: &ModuleInstance) -> Vec<Arc<Module>> {
    let mut out = vec![config.root.clone()];
    for (name, _) in &path.0 {
        let Some(call) = out.last().and_then(|m| m.module_calls.get(name)) else {
            return Vec::new();
        };
        let next = call.module.clone();
        out.push(next);
    }
    out
}

/// Evaluates the configuration and runs every rule on it. Variables without a value are
/// unknown (as in `validate`), so a check needs no secrets.
pub fn check_config(config: &Config, options: &WalkOptions) -> Report {
    let mut hooks = Recorder::default();
    let result = walk::walk(config, options, &mut hooks);
    let mut diags = result.diags;
    diags.extend(std::mem::take(&mut hooks.inner.diags));
    let instances: Vec<Instance> = hooks
        .recorded
        .into_iter()
        .map(|(addr, resource, config_value, default_tags)| Instance {
            modules: modules_to(config, &addr.module),
            addr,
            resource,
            config: config_value,
            default_tags,
        })
        .collect();
    let findings = check_instances(&instances, &config.sources);
    Report {
        findings,
        diags,
        sources: config.sources.clone(),
    }
}

/// Runs every rule on evaluated instances and applies the waivers written in the sources.
pub fn check_instances(instances: &[Instance], sources: &SourceMap) -> Vec<Finding> {
    let mut findings = rules::run(instances);
    let extra = apply_waivers(instances, &mut findings, sources);
    findings.extend(extra);
    findings.sort_by(|a, b| {
        let key = |f: &Finding| (f.span.map(|s| (s.file, s.start)), f.address.clone(), f.rule);
        key(a).cmp(&key(b))
    });
    findings.dedup_by(|a, b| {
        a.rule == b.rule && a.address == b.address && a.span == b.span && a.message == b.message
    });
    findings
}

/// Marks waived findings; returns the waivers that are findings themselves (no reason).
fn apply_waivers(
    instances: &[Instance],
    findings: &mut [Finding],
    sources: &SourceMap,
) -> Vec<Finding> {
    let mut extra = Vec::new();
    let mut reported: Vec<Span> = Vec::new();
    // check_ignore = ["RULE"] in the resource.
    let mut by_address: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for inst in instances {
        for (rule, span) in &inst.resource.lifecycle.check_ignore {
            match reason_near(sources, *span) {
                Some(reason) => by_address
                    .entry(inst.address())
                    .or_default()
                    .push((rule.clone(), reason)),
                None => {
                    if !reported.contains(span) {
                        reported.push(*span);
                        extra.push(Finding::new(
                            rules::WAIVER_WITHOUT_REASON,
                            inst.address(),
                            Some(*span),
                            format!("check_ignore \"{rule}\" gives no reason; a waiver must say why (a comment on the same line or the line above)"),
                        ));
                    }
                }
            }
            if rule_info(rule).is_none() {
                extra.push(Finding::new(
                    rules::WAIVER_UNKNOWN_RULE,
                    inst.address(),
                    Some(*span),
                    format!("check_ignore names \"{rule}\", which is not a strata check rule"),
                ));
            }
        }
    }
    for f in findings.iter_mut() {
        if let Some(waivers) = by_address.get(&f.address) {
            if let Some((_, reason)) = waivers.iter().find(|(r, _)| r == f.rule) {
                f.waived = Some(reason.clone());
                continue;
            }
        }
        // # strata:ignore RULE reason, on the offending line or the line above.
        let Some(span) = f.span else { continue };
        let Some(file) = sources.get(span.file) else {
            continue;
        };
        let (line, _) = file.line_col(span.start);
        for l in [line, line.saturating_sub(1)] {
            if l == 0 {
                continue;
            }
            let text = file.line_text(l);
            let Some((rule, reason, col)) = ignore_directive(text) else {
                continue;
            };
            if rule != f.rule {
                continue;
            }
            if reason.is_empty() {
                let offset = file.offset_of(l, col);
                let span = Span::new(span.file, offset..offset + text.len() + 1 - col);
                if !reported.contains(&span) {
                    reported.push(span);
                    extra.push(Finding::new(
                        rules::WAIVER_WITHOUT_REASON,
                        f.address.clone(),
                        Some(span),
                        format!("strata:ignore {rule} gives no reason; write # strata:ignore {rule} <why it is acceptable>"),
                    ));
                }
            } else {
                f.waived = Some(reason);
            }
            break;
        }
    }
    extra
}

/// The comment on the line of `span`, or a whole-line comment on the line above.
fn reason_near(sources: &SourceMap, span: Span) -> Option<String> {
    let file = sources.get(span.file)?;
    let (line, _) = file.line_col(span.start);
    if let Some((c, _)) = comment_of(file.line_text(line)) {
        if !c.is_empty() {
            return Some(c);
        }
    }
    if line > 1 {
        let above = file.line_text(line - 1);
        if let Some((c, col)) = comment_of(above) {
            let code = &above[..above
                .char_indices()
                .nth(col - 1)
                .map(|(i, _)| i)
                .unwrap_or(above.len())];
            if code.trim().is_empty() && !c.is_empty() {
                return Some(c);
            }
        }
    }
    None
}

/// The text of a `#` or `//` comment on a line (outside strings) and its 1-based column.
fn comment_of(line: &str) -> Option<(String, usize)> {
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' || (c == '/' && chars.get(i + 1) == Some(&'/')) {
            let skip = if c == '#' { 1 } else { 2 };
            let text: String = chars[i + skip..].iter().collect();
            return Some((text.trim().to_string(), i + 1));
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let text: String = chars[i + 2..].iter().collect();
            let text = text.trim().trim_end_matches("*/").trim().to_string();
            return Some((text, i + 1));
        }
        i += 1;
    }
    None
}

/// `# strata:ignore RULE reason...` in a line's comment: (rule, reason, column of the comment).
fn ignore_directive(line: &str) -> Option<(String, String, usize)> {
    let (comment, col) = comment_of(line)?;
    let rest = comment.strip_prefix("strata:ignore")?;
    let mut words = rest.split_whitespace();
    let rule = words.next()?.trim_end_matches(',').to_string();
    let reason = words.collect::<Vec<_>>().join(" ");
    let reason = reason
        .trim_start_matches(['-', ':', '—'])
        .trim()
        .to_string();
    Some((rule, reason, col))
}

/// Warnings for a plan that destroys or replaces stored data: databases, clusters, caches,
/// snapshots. Each names the data at risk.
pub fn plan_findings(plan: &Plan) -> Vec<Finding> {
    rules::plan_findings(plan)
}

/// Renders findings in the diagnostic style, with a summary line.
/// The findings and the summary line. With `soft_fail` (checkov's `--soft-fail`) the
/// findings that would fail the run are printed as they are, and the summary says they were
/// overridden.
pub fn render_text(report: &Report, strict: bool, soft_fail: bool, color: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        out.push_str(&f.render(&report.sources, color));
        out.push('\n');
    }
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let waived = report.waived();
    if report.findings.is_empty() {
        out.push_str("strata check: no findings.\n");
    } else {
        out.push_str(&format!(
            "strata check: {}, {}, {} waived{}{}.\n",
            plural(errors, "error"),
            plural(warnings, "warning"),
            waived,
            if strict && warnings > 0 {
                " (--strict: warnings fail)"
            } else {
                ""
            },
            if soft_fail {
                overridden_note(report, strict)
                    .map(|n| format!("; {n}"))
                    .unwrap_or_default()
            } else {
                String::new()
            }
        ));
    }
    out
}

/// "1 error", "2 errors".
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// "2 guardrail errors overridden by --soft-fail" (warnings named too when `--strict` made
/// them fail); `None` when nothing would have failed.
pub fn overridden_note(report: &Report, strict: bool) -> Option<String> {
    let failing: Vec<&Finding> = report.failing(strict).collect();
    if failing.is_empty() {
        return None;
    }
    let errors = failing
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = failing.len() - errors;
    let what = match (errors, warnings) {
        (e, 0) => plural(e, "guardrail error"),
        (0, w) => plural(w, "guardrail warning"),
        (e, w) => format!(
            "{} and {}",
            plural(e, "guardrail error"),
            plural(w, "warning")
        ),
    };
    Some(format!("{what} overridden by --soft-fail"))
}

#[cfg(test)]
mod tests;
