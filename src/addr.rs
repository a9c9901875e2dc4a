//! Addresses of modules, resources and their instances, layered like OpenTofu's `addrs`:
//! `module.db["primary"].aws_db_instance.main[0]`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A managed resource or a data source.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Managed,
    Data,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum InstanceKey {
    #[default]
    None,
    Int(i64),
    Str(String),
}

impl InstanceKey {
    /// Terraform's `index_key` in state and plan JSON: absent, a number or a string.
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            InstanceKey::None => None,
            InstanceKey::Int(i) => Some(serde_json::Value::from(*i)),
            InstanceKey::Str(s) => Some(serde_json::Value::String(s.clone())),
        }
    }

    pub fn to_value(&self) -> crate::value::Value {
        match self {
            InstanceKey::None => crate::value::Value::Null,
            InstanceKey::Int(i) => crate::value::Value::Number(*i as f64),
            InstanceKey::Str(s) => crate::value::Value::String(s.clone()),
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", crate::value::quote(s)),
        }
    }
}

/// A path of module instances from the root: `module.a["x"].module.b`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct ModuleInstance(pub Vec<(String, InstanceKey)>);

impl ModuleInstance {
    pub fn root() -> ModuleInstance {
        ModuleInstance(Vec::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn child(&self, name: &str, key: InstanceKey) -> ModuleInstance {
        let mut path = self.0.clone();
        path.push((name.to_string(), key));
        ModuleInstance(path)
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}{key}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ResourceAddr {
    pub mode: Mode,
    #[serde(rename = "type")]
    pub type_: String,
    pub name: String,
}

impl fmt::Display for ResourceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.mode {
            Mode::Managed => write!(f, "{}.{}", self.type_, self.name),
            Mode::Data => write!(f, "data.{}.{}", self.type_, self.name),
        }
    }
}

/// A resource (all its instances) inside a module instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AbsResource {
    pub module: ModuleInstance,
    pub resource: ResourceAddr,
}

impl AbsResource {
    pub fn instance(&self, key: InstanceKey) -> InstanceAddr {
        InstanceAddr {
            module: self.module.clone(),
            resource: self.resource.clone(),
            key,
        }
    }
}

impl fmt::Display for AbsResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}", self.resource)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InstanceAddr {
    pub module: ModuleInstance,
    pub resource: ResourceAddr,
    pub key: InstanceKey,
}

impl InstanceAddr {
    pub fn abs_resource(&self) -> AbsResource {
        AbsResource {
            module: self.module.clone(),
            resource: self.resource.clone(),
        }
    }
}

impl fmt::Display for InstanceAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.abs_resource(), self.key)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrParseError(pub String);

impl fmt::Display for AddrParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AddrParseError {}

/// Splits `module.a["x"].aws_db_instance.b[0]` into name and key parts.
fn parts(s: &str) -> Result<Vec<(String, Option<InstanceKey>)>, AddrParseError> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(AddrParseError("an address is empty".into()));
    }
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return Err(AddrParseError(format!("invalid address \"{s}\"")));
        }
        rest = &rest[end..];
        let mut key = None;
        if let Some(after) = rest.strip_prefix('[') {
            let close = if after.starts_with('"') {
                // Find the closing quote, honouring escapes.
                let mut escaped = false;
                let mut idx = None;
                for (i, c) in after.char_indices().skip(1) {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        idx = Some(i);
                        break;
                    }
                }
                let q =
                    idx.ok_or_else(|| AddrParseError(format!("unterminated key in \"{s}\"")))?;
                let literal = &after[..=q];
                let parsed: String = serde_json::from_str(literal)
                    .map_err(|_| AddrParseError(format!("invalid key in \"{s}\"")))?;
                key = Some(InstanceKey::Str(parsed));
                if !after[q + 1..].starts_with(']') {
                    return Err(AddrParseError(format!("expected ] in \"{s}\"")));
                }
                q + 1
            } else {
                let c = after
                    .find(']')
                    .ok_or_else(|| AddrParseError(format!("expected ] in \"{s}\"")))?;
                let n: i64 = after[..c]
                    .trim()
                    .parse()
                    .map_err(|_| AddrParseError(format!("invalid index in \"{s}\"")))?;
                key = Some(InstanceKey::Int(n));
                c
            };
            rest = &after[close + 1..];
        }
        out.push((name.to_string(), key));
        if rest.is_empty() {
            break;
        }
        rest = rest
            .strip_prefix('.')
            .ok_or_else(|| AddrParseError(format!("invalid address \"{s}\"")))?;
    }
    Ok(out)
}

impl FromStr for InstanceAddr {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<InstanceAddr, AddrParseError> {
        let parts = parts(s)?;
        let mut module = Vec::new();
        let mut i = 0;
        while i < parts.len() && parts[i].0 == "module" && parts[i].1.is_none() {
            let (name, key) = parts
                .get(i + 1)
                .cloned()
                .ok_or_else(|| AddrParseError(format!("\"{s}\": module needs a name")))?;
            module.push((name, key.unwrap_or_default()));
            i += 2;
        }
        let rest = &parts[i..];
        let (mode, rest) = match rest.first() {
            Some((d, None)) if d == "data" => (Mode::Data, &rest[1..]),
            _ => (Mode::Managed, rest),
        };
        match rest {
            [(type_, None), (name, key)] => Ok(InstanceAddr {
                module: ModuleInstance(module),
                resource: ResourceAddr {
                    mode,
                    type_: type_.clone(),
                    name: name.clone(),
                },
                key: key.clone().unwrap_or_default(),
            }),
            _ => Err(AddrParseError(format!(
                "\"{s}\" is not a resource address: expected [module.NAME.]TYPE.NAME[KEY]"
            ))),
        }
    }
}

impl FromStr for ModuleInstance {
    type Err = AddrParseError;

    fn from_str(s: &str) -> Result<ModuleInstance, AddrParseError> {
        if s.is_empty() {
            return Ok(ModuleInstance::root());
        }
        let parts = parts(s)?;
        let mut out = Vec::new();
        let mut it = parts.into_iter();
        while let Some((m, k)) = it.next() {
            if m != "module" || k.is_some() {
                return Err(AddrParseError(format!("\"{s}\" is not a module address")));
            }
            let (name, key) = it
                .next()
                .ok_or_else(|| AddrParseError(format!("\"{s}\": module needs a name")))?;
            out.push((name, key.unwrap_or_default()));
        }
        Ok(ModuleInstance(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_display() {
        for s in [
            "aws_security_group.web",
            "aws_security_group.web[0]",
            "module.db[\"primary\"].aws_db_instance.main",
            "module.a.module.b[2].data.aws_vpc.default",
            "aws_db_instance.x[\"a \\\"quoted\\\" key\"]",
        ] {
            let a: InstanceAddr = s.parse().unwrap();
            assert_eq!(a.to_string(), s);
        }
    }

    #[test]
    fn malformed_addresses_are_errors_not_panics() {
        for s in [
            "", "aws", "module.", "a.b[", "a.b[\"x]", "a.b[x]", "module.a", "a..b",
        ] {
            assert!(s.parse::<InstanceAddr>().is_err(), "{s}");
        }
    }
}
