//! Terraform's CLI configuration, as far as module installation reads it: `host` blocks that
//! override a host's discovered services, and registry credentials (`credentials` blocks and
//! `TF_TOKEN_<host>` variables). Read from `TF_CLI_CONFIG_FILE` (or the older
//! `TERRAFORM_CONFIG`), else `~/.terraformrc` plus `~/.terraform.d/*.tfrc[.json]` (where
//! `terraform login` keeps `credentials.tfrc.json`), as Terraform reads them.

use super::source::normalize_host;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A registry token. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

#[derive(Clone, Debug, Default)]
pub struct CliConfig {
    /// host → service id (`modules.v1`) → URL, from `host` blocks.
    pub hosts: BTreeMap<String, BTreeMap<String, String>>,
    /// host → token, from `credentials` blocks.
    credentials: BTreeMap<String, Token>,
    /// host → token, from `TF_TOKEN_*`: they win over the files, as in Terraform.
    env_tokens: BTreeMap<String, Token>,
}

impl CliConfig {
    /// Reads the files and the environment of this process.
    pub fn load() -> Result<CliConfig, String> {
        let mut config = CliConfig {
            env_tokens: tokens_from_env(
                std::env::vars_os()
                    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
            ),
            ..CliConfig::default()
        };
        let overridden = ["TF_CLI_CONFIG_FILE", "TERRAFORM_CONFIG"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|p| !p.is_empty()));
        if let Some(path) = overridden {
            // Terraform ignores a missing override silently; a typo there would leave a
            // private registry without its credentials, so say so.
            let path = PathBuf::from(path);
            if !path.is_file() {
                return Err(format!(
                    "TF_CLI_CONFIG_FILE names {}, which does not exist",
                    path.display()
                ));
            }
            config.read_file(&path)?;
            return Ok(config);
        }
        let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
            return Ok(config);
        };
        let main = home.join(".terraformrc");
        if main.is_file() {
            config.read_file(&main)?;
        }
        let dir = home.join(".terraform.d");
        if let Ok(entries) = std::fs::read_dir(&dir) {
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    p.is_file() && (name.ends_with(".tfrc") || name.ends_with(".tfrc.json"))
                })
                .collect();
            files.sort();
            for file in files {
                config.read_file(&file)?;
            }
        }
        Ok(config)
    }

    /// The token for a registry host: `TF_TOKEN_*` first, then `credentials` blocks.
    pub fn token_for(&self, host: &str) -> Option<&Token> {
        self.env_tokens
            .get(host)
            .or_else(|| self.credentials.get(host))
    }

    fn read_file(&mut self, path: &Path) -> Result<(), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the CLI configuration {}: {e}", path.display()))?;
        let bad = |what: String| format!("in the CLI configuration {}: {what}", path.display());
        if path.extension().is_some_and(|e| e == "json") {
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
            self.read_json(&json).map_err(bad)
        } else {
            let body = hcl_edit::parser::parse_body(&text).map_err(|e| {
                let loc = e.location();
                bad(format!(
                    "invalid syntax at line {}, column {}: {}",
                    loc.line(),
                    loc.column(),
                    e.message().replace('\n', " ")
                ))
            })?;
            self.read_hcl(&body).map_err(bad)
        }
    }

    fn read_hcl(&mut self, body: &Body) -> Result<(), String> {
        for structure in body.iter() {
            let Structure::Block(block) = structure else {
                continue;
            };
            let kind = block.ident.as_str();
            if kind != "host" && kind != "credentials" {
                continue;
            }
            let [label] = block.labels.as_slice() else {
                return Err(format!("a `{kind}` block takes one label, the host name"));
            };
            let host = host_label(label.as_str())?;
            for item in block.body.iter() {
                let Structure::Attribute(attr) = item else {
                    continue;
                };
                match (kind, attr.key.as_str()) {
                    ("host", "services") => {
                        let Expression::Object(obj) = &attr.value else {
                            return Err(format!("`services` of host \"{host}\" must be a map"));
                        };
                        let services = self.hosts.entry(host.clone()).or_default();
                        for (key, value) in obj.iter() {
                            let id = match key {
                                ObjectKey::Ident(i) => i.as_str().to_string(),
                                ObjectKey::Expression(Expression::String(s)) => {
                                    s.value().to_string()
                                }
                                _ => continue,
                            };
                            if let Expression::String(url) = value.expr() {
                                services.insert(id, url.value().to_string());
                            }
                        }
                    }
                    ("credentials", "token") => match &attr.value {
                        Expression::String(s) => {
                            self.credentials
                                .insert(host.clone(), Token(s.value().to_string()));
                        }
                        _ => {
                            return Err(format!(
                                "the token of credentials \"{host}\" must be a quoted string"
                            ))
                        }
                    },
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn read_json(&mut self, json: &serde_json::Value) -> Result<(), String> {
        if let Some(hosts) = json.get("host").and_then(|h| h.as_object()) {
            for (host, block) in hosts {
                let host = host_label(host)?;
                let services = self.hosts.entry(host).or_default();
                if let Some(map) = block.get("services").and_then(|s| s.as_object()) {
                    for (id, url) in map {
                        if let Some(url) = url.as_str() {
                            services.insert(id.clone(), url.to_string());
                        }
                    }
                }
            }
        }
        if let Some(creds) = json.get("credentials").and_then(|c| c.as_object()) {
            for (host, block) in creds {
                let host = host_label(host)?;
                if let Some(token) = block.get("token").and_then(|t| t.as_str()) {
                    self.credentials.insert(host, Token(token.to_string()));
                }
            }
        }
        Ok(())
    }
}

fn host_label(label: &str) -> Result<String, String> {
    normalize_host(label).ok_or_else(|| format!("\"{label}\" is not a valid host name"))
}

/// `TF_TOKEN_app_terraform_io` → `app.terraform.io`: a double underscore stands for a hyphen,
/// a single one for a dot (Terraform's encoding; dots and hyphens are allowed as they are).
fn tokens_from_env(vars: impl Iterator<Item = (String, String)>) -> BTreeMap<String, Token> {
    let mut out = BTreeMap::new();
    for (name, value) in vars {
        let Some(raw) = name.strip_prefix("TF_TOKEN_") else {
            continue;
        };
        let host = raw.replace("__", "-").replace('_', ".");
        if let Some(host) = normalize_host(&host) {
            out.insert(host, Token(value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_variables_decode_dots_and_hyphens() {
        let tokens = tokens_from_env(
            [
                ("TF_TOKEN_app_terraform_io", "a"),
                ("TF_TOKEN_prod__tfe_example_net", "b"),
                ("TF_TOKEN_", "c"),
                ("PATH", "d"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let hosts: Vec<&str> = tokens.keys().map(String::as_str).collect();
        assert_eq!(hosts, ["app.terraform.io", "prod-tfe.example.net"]);
    }

    #[test]
    fn host_blocks_and_credentials_are_read_from_hcl_and_json() {
        let mut config = CliConfig::default();
        let body = hcl_edit::parser::parse_body(
            r#"
plugin_cache_dir = "/tmp/x"
host "Registry.Example.com" {
  services = {
    "modules.v1" = "https://modules.example.com/v1/"
  }
}
credentials "registry.example.com" {
  token = "abc"
}
"#,
        )
        .unwrap();
        config.read_hcl(&body).unwrap();
        assert_eq!(
            config.hosts["registry.example.com"]["modules.v1"],
            "https://modules.example.com/v1/"
        );
        assert_eq!(config.token_for("registry.example.com").unwrap().0, "abc");

        let json = serde_json::json!({"credentials": {"app.terraform.io": {"token": "t"}}});
        config.read_json(&json).unwrap();
        assert_eq!(config.token_for("app.terraform.io").unwrap().0, "t");
        assert_eq!(
            format!("{:?}", config.token_for("app.terraform.io")),
            "Some(Token(***))"
        );
    }
}
