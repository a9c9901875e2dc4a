//! IAM policy documents as terraform-provider-aws models them (`policy_model.go`): parsed from
//! JSON with its Go semantics, merged statement by statement by `Sid`, and rendered to the
//! very bytes its `encoding/json` writes, so a document strata renders equals the provider's.

use crate::provider::aws::kit::naming::hashcode;
use serde_json::{Map as JsonMap, Value as Json};
use std::collections::BTreeMap;

/// One element, or several: the provider writes a single element as a bare string.
#[derive(Clone, Debug, PartialEq)]
pub enum Strings {
    One(String),
    Many(Vec<String>),
}

impl Strings {
    /// The provider's `policyDecodeConfigStrings`: one element as itself, more sorted in
    /// reverse order.
    pub fn decoded(mut items: Vec<String>) -> Strings {
        if items.len() == 1 {
            return Strings::One(items.remove(0));
        }
        items.sort();
        items.reverse();
        Strings::Many(items)
    }

    fn to_json(&self) -> Json {
        match self {
            Strings::One(s) => Json::String(s.clone()),
            Strings::Many(v) => Json::Array(v.iter().cloned().map(Json::String).collect()),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Principal {
    pub type_: String,
    pub identifiers: Strings,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub test: String,
    pub variable: String,
    pub values: Strings,
}

/// A statement. Actions and resources are any JSON (a source document's are written back as
/// they came); principals and conditions are regrouped when rendered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Statement {
    pub sid: String,
    pub effect: String,
    pub actions: Option<Json>,
    pub not_actions: Option<Json>,
    pub resources: Option<Json>,
    pub not_resources: Option<Json>,
    pub principals: Vec<Principal>,
    pub not_principals: Vec<Principal>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    pub version: String,
    pub id: String,
    pub statements: Vec<Statement>,
}

impl Document {
    /// The provider's `Merge`: `other`'s Id when it has one, the later Version, and its
    /// statements appended, each replacing the statement of the same non-empty Sid in place.
    pub fn merge(&mut self, other: Document) {
        if !other.id.is_empty() {
            self.id = other.id;
        }
        if other.version > self.version {
            self.version = other.version;
        }
        for st in other.statements {
            let same = (!st.sid.is_empty())
                .then(|| self.statements.iter_mut().find(|s| s.sid == st.sid))
                .flatten();
            match same {
                Some(existing) => *existing = st,
                None => self.statements.push(st),
            }
        }
    }

    /// Parses a policy document as the provider's `json.Unmarshal` into its model does.
    pub fn parse(text: &str) -> Result<Document, String> {
        let json: Json = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let mut doc = Document::default();
        let top = match &json {
            Json::Null => return Ok(doc),
            Json::Object(m) => m,
            _ => return Err("a policy document must be a JSON object".into()),
        };
        doc.version = string_field(top, "Version")?;
        doc.id = string_field(top, "Id")?;
        match field(top, "Statement") {
            None | Some(Json::Null) => {}
            Some(Json::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let st = parse_statement(item).map_err(|e| format!("statement {i}: {e}"))?;
                    doc.statements.push(st);
                }
            }
            Some(_) => return Err("Statement must be a list of statements".into()),
        }
        Ok(doc)
    }

    /// The document as the provider renders it: `json.MarshalIndent(doc, "", "  ")` when
    /// `pretty`, `json.Marshal(doc)` otherwise.
    pub fn render(&self, pretty: bool) -> String {
        let json = self.to_json();
        let text = if pretty {
            serde_json::to_string_pretty(&json)
        } else {
            serde_json::to_string(&json)
        };
        go_html_escape(&text.expect("JSON values always serialise"))
    }

    fn to_json(&self) -> Json {
        let mut m = JsonMap::new();
        put_str(&mut m, "Version", &self.version);
        put_str(&mut m, "Id", &self.id);
        if !self.statements.is_empty() {
            let sts = self.statements.iter().map(Statement::to_json).collect();
            m.insert("Statement".into(), Json::Array(sts));
        }
        Json::Object(m)
    }
}

impl Statement {
    fn to_json(&self) -> Json {
        let mut m = JsonMap::new();
        put_str(&mut m, "Sid", &self.sid);
        put_str(&mut m, "Effect", &self.effect);
        for (key, v) in [
            ("Action", &self.actions),
            ("NotAction", &self.not_actions),
            ("Resource", &self.resources),
            ("NotResource", &self.not_resources),
        ] {
            if let Some(v) = v {
                m.insert(key.into(), v.clone());
            }
        }
        for (key, ps) in [
            ("Principal", &self.principals),
            ("NotPrincipal", &self.not_principals),
        ] {
            if !ps.is_empty() {
                m.insert(key.into(), principals_json(ps));
            }
        }
        if !self.conditions.is_empty() {
            m.insert("Condition".into(), conditions_json(&self.conditions));
        }
        Json::Object(m)
    }
}

/// The provider's principal set: `{"*": "*"}` alone is `"*"`; otherwise one entry per type,
/// identifiers of the same type gathered in order (a list's reverse-sorted).
fn principals_json(ps: &[Principal]) -> Json {
    if let [p] = ps {
        let star = match &p.identifiers {
            Strings::One(s) => s == "*",
            Strings::Many(v) => v.len() == 1 && v[0] == "*",
        };
        if p.type_ == "*" && star {
            return Json::String("*".into());
        }
    }
    let mut raw: BTreeMap<&str, Strings> = BTreeMap::new();
    for p in ps {
        let entry = raw.remove(p.type_.as_str());
        let merged = match (&p.identifiers, entry) {
            (Strings::Many(ids), entry) => {
                let mut all = match entry {
                    None => vec![],
                    Some(Strings::One(v)) => vec![v],
                    Some(Strings::Many(v)) => v,
                };
                let mut ids = ids.clone();
                ids.sort();
                ids.reverse();
                all.extend(ids);
                Strings::Many(all)
            }
            (Strings::One(id), None) => Strings::One(id.clone()),
            (Strings::One(id), Some(Strings::One(v))) => Strings::Many(vec![v, id.clone()]),
            (Strings::One(id), Some(Strings::Many(mut v))) => {
                v.push(id.clone());
                Strings::Many(v)
            }
        };
        raw.insert(&p.type_, merged);
    }
    Json::Object(
        raw.into_iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect(),
    )
}

/// The provider's condition set: test → variable → values, values of the same test and
/// variable gathered in order, a single value written bare.
fn conditions_json(cs: &[Condition]) -> Json {
    let mut raw: BTreeMap<&str, BTreeMap<&str, Vec<String>>> = BTreeMap::new();
    for c in cs {
        let values = raw
            .entry(&c.test)
            .or_default()
            .entry(&c.variable)
            .or_default();
        match &c.values {
            Strings::One(v) => values.push(v.clone()),
            Strings::Many(vs) => values.extend(vs.iter().cloned()),
        }
    }
    let by_test = raw.into_iter().map(|(test, vars)| {
        let vars = vars.into_iter().map(|(var, mut values)| {
            let v = match values.len() {
                1 => Strings::One(values.remove(0)),
                _ => Strings::Many(values),
            };
            (var.to_string(), v.to_json())
        });
        (test.to_string(), Json::Object(vars.collect()))
    });
    Json::Object(by_test.collect())
}

fn put_str(m: &mut JsonMap<String, Json>, key: &str, v: &str) {
    if !v.is_empty() {
        m.insert(key.into(), Json::String(v.into()));
    }
}

/// Go's `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; serde_json
/// does not. Outside strings JSON has none of these characters, so replacing them anywhere
/// in the text is exact.
fn go_html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A field of a JSON object as Go's decoder finds a struct field: the exact name, else any
/// case-insensitive match.
fn field<'a>(m: &'a JsonMap<String, Json>, name: &str) -> Option<&'a Json> {
    m.get(name).or_else(|| {
        m.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

fn string_field(m: &JsonMap<String, Json>, name: &str) -> Result<String, String> {
    match field(m, name) {
        None | Some(Json::Null) => Ok(String::new()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn parse_statement(json: &Json) -> Result<Statement, String> {
    let Json::Object(m) = json else {
        return Err("a statement must be a JSON object".into());
    };
    let any = |name: &str| field(m, name).filter(|v| !v.is_null()).cloned();
    Ok(Statement {
        sid: string_field(m, "Sid")?,
        effect: string_field(m, "Effect")?,
        actions: any("Action"),
        not_actions: any("NotAction"),
        resources: any("Resource"),
        not_resources: any("NotResource"),
        principals: parse_principals(field(m, "Principal"), "Principal")?,
        not_principals: parse_principals(field(m, "NotPrincipal"), "NotPrincipal")?,
        conditions: parse_conditions(field(m, "Condition"))?,
    })
}

/// The provider's principal unmarshalling: any string is the wildcard principal; a map's
/// lists are sorted.
fn parse_principals(json: Option<&Json>, name: &str) -> Result<Vec<Principal>, String> {
    let entries = match json {
        None => return Ok(vec![]),
        Some(Json::String(_)) => {
            return Ok(vec![Principal {
                type_: "*".into(),
                identifiers: Strings::Many(vec!["*".into()]),
            }])
        }
        Some(Json::Object(m)) => m,
        Some(_) => return Err(format!("{name} must be \"*\" or a map of principal types")),
    };
    let mut out = Vec::new();
    for (type_, ids) in entries {
        let identifiers = match ids {
            Json::String(s) => Strings::One(s.clone()),
            Json::Array(items) => {
                let mut ids = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{name} {type_}: identifiers must be strings"))?;
                ids.sort();
                Strings::Many(ids)
            }
            _ => {
                return Err(format!(
                    "{name} {type_}: identifiers must be a string or a list"
                ))
            }
        };
        let type_ = type_.clone();
        out.push(Principal { type_, identifiers });
    }
    Ok(out)
}

/// The provider's condition unmarshalling: a string is a one-element list, a boolean its
/// text. A number (or null) the provider drops without a word, leaving the statement less
/// restricted than written: strata refuses it instead.
fn parse_conditions(json: Option<&Json>) -> Result<Vec<Condition>, String> {
    let tests = match json {
        None | Some(Json::Null) => return Ok(vec![]),
        Some(Json::Object(m)) => m,
        Some(_) => return Err("Condition must be a map of tests".into()),
    };
    let mut out = Vec::new();
    for (test, vars) in tests {
        let Json::Object(vars) = vars else {
            return Err(format!("Condition {test} must be a map of condition keys"));
        };
        for (variable, values) in vars {
            let values = match values {
                Json::String(s) => Strings::Many(vec![s.clone()]),
                Json::Bool(b) => Strings::One(b.to_string()),
                Json::Array(items) => Strings::Many(
                    items
                        .iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| {
                            format!("Condition {test} {variable}: values must be strings")
                        })?,
                ),
                other => {
                    return Err(format!(
                        "Condition {test} {variable}: the value {other} is neither a string nor a list of strings; terraform-provider-aws would silently drop this condition, strata refuses it: quote the value"
                    ))
                }
            };
            let (test, variable) = (test.clone(), variable.clone());
            out.push(Condition {
                test,
                variable,
                values,
            });
        }
    }
    Ok(out)
}

/// The order terraform-plugin-sdk lists a set in: by the decimal text of each element's hash
/// code (a string sort), elements of equal hash collapsed into one.
pub fn sdk_set_order<T>(items: Vec<T>, serialised: impl Fn(&T) -> String) -> Vec<T> {
    let mut keyed: BTreeMap<String, T> = BTreeMap::new();
    for item in items {
        keyed
            .entry(hashcode(&serialised(&item)).to_string())
            .or_insert(item);
    }
    keyed.into_values().collect()
}
