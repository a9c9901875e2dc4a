//! Terraform's machine-readable UI (`plan -json`, `apply -json`): one JSON object per line on
//! stdout, each with `@level`, `@message`, `@module`, `@timestamp` and a `type` —
//! `version`, `planned_change`, `resource_drift`, `change_summary`, `apply_start`,
//! `apply_progress`, `apply_complete`, `apply_errored`, `outputs`, `diagnostic` — so tools that
//! follow a Terraform run (CI annotations, dashboards) follow a strata run.

use crate::addr::InstanceAddr;
use crate::diag::{Diagnostic, Diagnostics, Severity, SourceMap};
use crate::plan::view;
use crate::plan::{Action, Plan, ResourceChange};
use serde_json::{json, Value as Json};
use std::time::Duration;

/// The UI format version these events follow.
const UI_VERSION: &str = "1.2";

fn timestamp() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Prints one event line. A closed stdout is not an error here: the run goes on.
pub fn emit(level: &str, message: &str, type_: &str, fields: Json) {
    let mut event = json!({
        "@level": level,
        "@message": message,
        "@module": "strata.ui",
        "@timestamp": timestamp(),
        "type": type_,
    });
    if let (Some(e), Json::Object(f)) = (event.as_object_mut(), fields) {
        e.extend(f);
    }
    super::out::line(&event.to_string());
}

pub fn version() {
    emit(
        "info",
        &format!("strata {}", env!("CARGO_PKG_VERSION")),
        "version",
        json!({
            "terraform": super::version::TERRAFORM_VERSION,
            "strata": env!("CARGO_PKG_VERSION"),
            "ui": UI_VERSION,
        }),
    );
}

/// Terraform's resource object of an event.
pub fn resource(addr: &InstanceAddr) -> Json {
    let module = if addr.module.is_root() {
        String::new()
    } else {
        addr.module.to_string()
    };
    let mut local = addr.clone();
    local.module = Default::default();
    json!({
        "addr": addr.to_string(),
        "module": module,
        "resource": local.to_string(),
        "implied_provider": "aws",
        "resource_type": addr.resource.type_,
        "resource_name": addr.resource.name,
        "resource_key": addr.key.to_json(),
    })
}

/// Terraform's action word of a planned change.
pub fn action(c: &ResourceChange) -> &'static str {
    match c.action {
        Action::NoOp if c.importing.is_some() => "import",
        Action::NoOp => "noop",
        Action::Create => "create",
        Action::Read => "read",
        Action::Update => "update",
        Action::DeleteThenCreate | Action::CreateThenDelete => "replace",
        Action::Delete => "delete",
    }
}

/// Terraform's `reason` of a planned change, from the plan's `action_reason`.
fn reason(c: &ResourceChange) -> Option<&str> {
    Some(match c.reason.as_deref()? {
        "replace_because_tainted" => "tainted",
        "replace_by_request" => "requested",
        "replace_because_cannot_update" => "cannot_update",
        other => other,
    })
}

fn planned_change(c: &ResourceChange) {
    let mut change = json!({ "resource": resource(&c.addr), "action": action(c) });
    if let Some(r) = reason(c) {
        change["reason"] = json!(r);
    }
    if let Some(id) = &c.importing {
        change["importing"] = json!({ "id": id });
    }
    let verb = match action(c) {
        "create" => "Plan to create",
        "update" => "Plan to update",
        "replace" => "Plan to replace",
        "delete" => "Plan to delete",
        "read" => "Plan to read",
        "import" => "Plan to import",
        _ => "No changes",
    };
    emit(
        "info",
        &format!("{}: {verb}", c.addr),
        "planned_change",
        json!({ "change": change }),
    );
}

/// The events of a plan: drift, each change, the summary, the outputs.
pub fn plan(plan: &Plan, operation: &str) {
    for d in plan.reported_drift() {
        let action = if d.after.is_some() {
            "update"
        } else {
            "delete"
        };
        emit(
            "info",
            &format!("{}: Drift detected ({action})", d.addr),
            "resource_drift",
            json!({ "change": { "resource": resource(&d.addr), "action": action } }),
        );
    }
    for c in view::shown_changes(plan) {
        planned_change(c);
    }
    summary(plan, operation);
    let outputs: serde_json::Map<String, Json> = plan
        .outputs
        .iter()
        .map(|(k, o)| {
            let action = match &o.before {
                None => "create",
                Some(b) if b == &o.after => "noop",
                Some(_) => "update",
            };
            (
                k.clone(),
                json!({ "sensitive": o.sensitive, "action": action }),
            )
        })
        .collect();
    if !outputs.is_empty() {
        emit(
            "info",
            &format!("Outputs: {}", outputs.len()),
            "outputs",
            json!({ "outputs": outputs }),
        );
    }
}

/// `change_summary`: Terraform's counts, for `plan`, `apply` or `destroy`.
pub fn summary(plan: &Plan, operation: &str) {
    let s = plan.summary();
    let message = match operation {
        "plan" => s.to_string(),
        "destroy" => format!("Destroy complete! Resources: {} destroyed.", s.destroy),
        _ => format!(
            "Apply complete! Resources: {} added, {} changed, {} destroyed.",
            s.add, s.change, s.destroy
        ),
    };
    emit(
        "info",
        &message,
        "change_summary",
        json!({ "changes": {
            "add": s.add,
            "change": s.change,
            "import": s.import,
            "remove": s.destroy,
            "operation": operation,
        }}),
    );
}

/// The root outputs after an apply, with their values (sensitive ones withheld).
pub fn outputs(outputs: &[(String, (crate::value::Value, bool))]) {
    let map: serde_json::Map<String, Json> = outputs
        .iter()
        .map(|(k, (v, sensitive))| {
            let sensitive = *sensitive || v.contains_sensitive();
            let mut o = json!({ "sensitive": sensitive, "type": super::output::type_json(v) });
            if !sensitive {
                o["value"] = v.to_json();
            }
            (k.clone(), o)
        })
        .collect();
    emit(
        "info",
        &format!("Outputs: {}", map.len()),
        "outputs",
        json!({ "outputs": map }),
    );
}

/// A diagnostic as Terraform's `diagnostic` event (the same object as `validate -json`'s).
pub fn diagnostic(d: &Diagnostic, sources: &SourceMap) {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warn",
    };
    emit(
        level,
        &format!(
            "{}: {}",
            if d.is_error() { "Error" } else { "Warning" },
            sources.hide_secrets(&d.summary)
        ),
        "diagnostic",
        json!({ "diagnostic": d.to_json(sources) }),
    );
}

pub fn diagnostics(diags: &Diagnostics, sources: &SourceMap) {
    for d in &diags.0 {
        diagnostic(d, sources);
    }
}

/// The id attribute an apply hook reports.
fn id_fields(id: Option<&str>) -> Json {
    match id {
        Some(id) => json!({ "id_key": "id", "id_value": id }),
        None => json!({}),
    }
}

/// One apply hook event (`apply_start`, `apply_progress`, `apply_complete`, `apply_errored`).
pub fn hook(
    type_: &str,
    level: &str,
    message: String,
    c: &ResourceChange,
    elapsed: Option<Duration>,
    id: Option<&str>,
) {
    let mut hook = json!({ "resource": resource(&c.addr), "action": action(c) });
    if let Some(e) = elapsed {
        hook["elapsed_seconds"] = json!(e.as_secs());
    }
    if let (Some(h), Json::Object(extra)) = (hook.as_object_mut(), id_fields(id)) {
        h.extend(extra);
    }
    emit(level, &message, type_, json!({ "hook": hook }));
}
