//! Data source `aws_iam_policy_document`: an IAM policy rendered locally, to the bytes
//! terraform-provider-aws renders (`policy_document_data_source.go`): source documents first,
//! then the statements written here, then the override documents, merged by `Sid`.

use super::policy_model::{sdk_set_order, Condition, Document, Principal, Statement, Strings};
use crate::provider::aws::kit::prelude::*;

pub struct PolicyDocumentData;
pub static POLICY_DOCUMENT_DATA: PolicyDocumentData = PolicyDocumentData;

fn principals_block(name: &'static str) -> BlockType {
    let principal = schema! {
        "";
        type        string     required "Principal type: AWS, Service, Federated, CanonicalUser or *.";
        identifiers string_set required "ARNs, account ids, service names, ...";
    };
    BlockType::set(name, principal)
}

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let condition = schema! {
        "";
        test     string      required "The condition operator, e.g. StringLike.";
        variable string      required "The context key, e.g. aws:SourceAccount.";
        values   string_list required "The values, in order.";
    };
    let statement = schema! {
        "";
        sid           string "The statement id (any text: KMS key policies use spaces); a source or override statement of the same id is replaced.";
        effect        string one_of(&["Allow", "Deny"]) "Allow (the default) or Deny.";
        actions       string_set;
        not_actions   string_set;
        resources     string_set;
        not_resources string_set;
        block principals_block("principals");
        block principals_block("not_principals");
        block BlockType::set("condition", condition);
    };
    schema! {
        "An IAM policy document rendered locally, byte for byte as terraform-provider-aws renders it.";
        version                   string      one_of(&["2008-10-17", "2012-10-17"]) "The policy language version (2012-10-17 by default).";
        policy_id                 string      "The document's Id.";
        source_policy_documents   string_list "Documents whose statements come first; their Sids must be unique.";
        override_policy_documents string_list "Documents merged last: a statement replaces the one of the same Sid.";
        source_json               string      check(must_be_empty) "Removed: use source_policy_documents.";
        override_json             string      check(must_be_empty) "Removed: use override_policy_documents.";
        id                        string      output "A hash of json.";
        json                      string      output "The document, indented by two spaces.";
        minified_json             string      output "The document without whitespace.";
        block BlockType::list("statement", statement);
    }
});

fn must_be_empty(v: &Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty())
        .map(|_| "no longer used by the provider: use source_policy_documents / override_policy_documents".into())
}

const VERSION_2008: &str = "2008-10-17";

/// `&{aws:username}` written for `${aws:username}` (Terraform would interpolate `${`), which
/// version 2008-10-17 has no policy variables for.
fn with_variables(s: String, version: &str) -> ProviderResult<String> {
    if version == VERSION_2008 && s.contains("&{") {
        return Err(ProviderError::new(format!(
            "found &{{ sequence in ({s}), which is not supported in document version {VERSION_2008}"
        )));
    }
    Ok(s.replace("&{", "${"))
}

fn strings_with_variables(v: Strings, version: &str) -> ProviderResult<Strings> {
    Ok(match v {
        Strings::One(s) => Strings::One(with_variables(s, version)?),
        Strings::Many(vs) => Strings::Many(
            vs.into_iter()
                .map(|s| with_variables(s, version))
                .collect::<ProviderResult<_>>()?,
        ),
    })
}

/// A string set argument as the provider writes it: absent when empty, one element bare,
/// more reverse-sorted.
fn decoded_set(block: &Value, key: &str) -> Option<Strings> {
    let mut items = obj::strings(block, key);
    items.sort();
    items.dedup();
    (!items.is_empty()).then(|| Strings::decoded(items))
}

fn as_json(s: Strings) -> serde_json::Value {
    match s {
        Strings::One(s) => serde_json::Value::String(s),
        Strings::Many(v) => v.into(),
    }
}

/// A set of strings serialised for its hash, as terraform-plugin-sdk does (`{a;b;}`), its
/// elements in their own set order.
fn set_for_hash(items: Vec<String>) -> String {
    let ordered = sdk_set_order(items, |s| format!("{s};"));
    format!(
        "{{{}}}",
        ordered.iter().map(|s| format!("{s};")).collect::<String>()
    )
}

/// `principals` blocks in the provider's set order, each with its identifiers decoded.
fn principals(st: &Value, key: &str, version: &str) -> ProviderResult<Vec<Principal>> {
    let blocks: Vec<(String, Vec<String>)> = state::items(st, key)
        .map(|p| {
            let type_ = obj::str(p, "type").unwrap_or_default().to_string();
            let mut ids = obj::strings(p, "identifiers");
            ids.sort();
            ids.dedup();
            (type_, ids)
        })
        .collect();
    let ordered = sdk_set_order(blocks, |(type_, ids)| {
        format!("identifiers:{};type:{type_};", set_for_hash(ids.clone()))
    });
    ordered
        .into_iter()
        .map(|(type_, ids)| {
            let identifiers = strings_with_variables(Strings::decoded(ids), version)?;
            Ok(Principal { type_, identifiers })
        })
        .collect()
}

/// `condition` blocks in the provider's set order; values keep their order.
fn conditions(st: &Value, version: &str) -> ProviderResult<Vec<Condition>> {
    let blocks: Vec<(String, String, Vec<String>)> = state::items(st, "condition")
        .map(|c| {
            let field = |k| obj::str(c, k).unwrap_or_default().to_string();
            let values = c
                .get("values")
                .and_then(Value::as_list)
                .into_iter()
                .flatten();
            let values = values.map(|v| v.as_str().unwrap_or_default().to_string());
            (field("test"), field("variable"), values.collect())
        })
        .collect();
    let ordered = sdk_set_order(blocks, |(test, variable, values)| {
        let values: String = values.iter().map(|v| format!("{v};")).collect();
        format!("test:{test};values:({values});variable:{variable};")
    });
    ordered
        .into_iter()
        .map(|(test, variable, mut values)| {
            let values = match values.len() {
                1 => Strings::One(values.remove(0)),
                _ => Strings::Many(values),
            };
            let values = strings_with_variables(values, version)?;
            Ok(Condition {
                test,
                variable,
                values,
            })
        })
        .collect()
}

fn statement(st: &Value, version: &str) -> ProviderResult<Statement> {
    let with_vars = |key: &str| -> ProviderResult<Option<serde_json::Value>> {
        decoded_set(st, key)
            .map(|s| strings_with_variables(s, version).map(as_json))
            .transpose()
    };
    Ok(Statement {
        sid: obj::string(st, "sid").unwrap_or_default(),
        effect: obj::string(st, "effect").unwrap_or_else(|| "Allow".into()),
        actions: decoded_set(st, "actions").map(as_json),
        not_actions: decoded_set(st, "not_actions").map(as_json),
        resources: with_vars("resources")?,
        not_resources: with_vars("not_resources")?,
        principals: principals(st, "principals", version)?,
        not_principals: principals(st, "not_principals", version)?,
        conditions: conditions(st, version)?,
    })
}

/// The merged document of a configuration, as the provider builds it.
pub fn document(config: &Value) -> ProviderResult<Document> {
    let parse = |list: &str, i: usize, text: &str| {
        Document::parse(text)
            .map_err(|e| ProviderError::new(format!("merging {list} document {i}: {e}")))
    };
    let mut merged = Document::default();
    let mut sids = BTreeSet::new();
    for (i, text) in obj::strings(config, "source_policy_documents")
        .iter()
        .enumerate()
    {
        // An empty document (an empty variable's default) adds nothing, as in the provider.
        if text.is_empty() {
            continue;
        }
        let source = parse("source_policy_documents", i, text)?;
        for (n, st) in source.statements.iter().enumerate() {
            if !st.sid.is_empty() && !sids.insert(st.sid.clone()) {
                return Err(ProviderError::new(format!(
                    "merging source document {i}: duplicate Sid ({}) in source_policy_documents (statement {n}). Remove the Sid or ensure Sids are unique.",
                    st.sid
                )));
            }
        }
        merged.merge(source);
    }
    let version = obj::string(config, "version").unwrap_or_else(|| "2012-10-17".into());
    let mut own = Document {
        id: obj::string(config, "policy_id").unwrap_or_default(),
        ..Document::default()
    };
    let mut own_sids = BTreeSet::new();
    for st in state::items(config, "statement") {
        let st = statement(st, &version)?;
        if !st.sid.is_empty() && !own_sids.insert(st.sid.clone()) {
            return Err(ProviderError::new(format!(
                "duplicate Sid ({}). Remove the Sid or ensure the Sid is unique.",
                st.sid
            )));
        }
        own.statements.push(st);
    }
    own.version = version;
    merged.merge(own);
    for (i, text) in obj::strings(config, "override_policy_documents")
        .iter()
        .enumerate()
    {
        if text.is_empty() {
            continue;
        }
        merged.merge(parse("override_policy_documents", i, text)?);
    }
    Ok(merged)
}

#[async_trait]
impl DataSourceType for PolicyDocumentData {
    named!("aws_iam_policy_document", SCHEMA);

    async fn read(&self, _ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let doc = document(config)?;
        let json = doc.render(true);
        let mut out = config.as_map().cloned().unwrap_or_default();
        out.insert(
            "id".into(),
            crate::provider::aws::kit::naming::hashcode(&json)
                .to_string()
                .into(),
        );
        out.insert("minified_json".into(), doc.render(false).into());
        out.insert("json".into(), json.into());
        Ok(Value::Map(out))
    }
}

#[cfg(test)]
mod tests;
