//! `strata schema`: the supported types and their arguments.

use super::{CmdResult, Exit};
use crate::diag::Diagnostic;

pub(super) fn schema(type_: Option<String>, json: bool) -> CmdResult {
    let Some(name) = type_ else {
        if json {
            let out = serde_json::json!({
                "resources": crate::provider::resource_types().iter().map(|t| t.type_name()).collect::<Vec<_>>(),
                "data_sources": crate::provider::data_source_types().iter().map(|t| t.type_name()).collect::<Vec<_>>(),
            });
            outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        } else {
            outln!("Resource types:");
            for t in crate::provider::resource_types() {
                outln!("  {}", t.type_name());
            }
            outln!("Data sources:");
            for t in crate::provider::data_source_types() {
                outln!("  {}", t.type_name());
            }
        }
        return Ok(Exit::Ok);
    };
    let schema = crate::provider::resource_type(&name)
        .map(|t| t.schema())
        .or_else(|| crate::provider::data_source_type(&name).map(|t| t.schema()));
    let Some(schema) = schema else {
        let names: Vec<&str> = crate::provider::resource_types()
            .iter()
            .map(|t| t.type_name())
            .chain(
                crate::provider::data_source_types()
                    .iter()
                    .map(|t| t.type_name()),
            )
            .collect();
        let mut d = Diagnostic::error(format!("Unknown type \"{name}\""))
            .detail(format!("supported types: {}", names.join(", ")));
        if let Some(s) = crate::diag::did_you_mean(&name, names.iter().copied()) {
            d = d.help(format!("did you mean \"{s}\"?"));
        } else {
            d = d.help("run `strata schema` for the list");
        }
        return Err(d.into());
    };
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(schema).unwrap_or_default()
        );
    } else {
        out!("{}", crate::schema::render_text(&name, schema));
    }
    Ok(Exit::Ok)
}
