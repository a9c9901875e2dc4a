//! Terraform's module registry protocol: service discovery (`/.well-known/terraform.json`,
//! `modules.v1`, or a CLI-configuration `host` block instead), the `versions` list and the
//! `download` answer (`X-Terraform-Get`, or OpenTofu's JSON `location`).

use super::http::{redact, Net};
use super::source::RegistrySource;
use super::version::parse_version;
use semver::Version;
use std::collections::BTreeMap;
use url::Url;

const API_LIMIT: usize = 4 << 20;

pub enum RegistryError {
    /// The registry does not know the module (or version).
    NotFound,
    Other(String),
}

impl From<String> for RegistryError {
    fn from(s: String) -> RegistryError {
        RegistryError::Other(s)
    }
}

#[derive(Default)]
pub struct Registry {
    /// host → its `modules.v1` base URL, discovered once per run.
    modules_v1: BTreeMap<String, Url>,
    /// package → versions, listed once per run.
    versions: BTreeMap<String, Vec<Version>>,
}

impl Registry {
    fn modules_url(&mut self, net: &Net, host: &str) -> Result<Url, String> {
        if let Some(url) = self.modules_v1.get(host) {
            return Ok(url.clone());
        }
        let disco = Url::parse(&format!("https://{host}/.well-known/terraform.json"))
            .map_err(|e| format!("\"{host}\" is not a usable host name: {e}"))?;
        let service = match net.cli.hosts.get(host) {
            // A `host` block replaces discovery for that host entirely.
            Some(services) => services.get("modules.v1").cloned().ok_or_else(|| {
                format!(
                    "the CLI configuration's host \"{host}\" block names no \"modules.v1\" service"
                )
            })?,
            None => {
                let resp = net
                    .http()?
                    .get(&disco, net.bearer(host).as_ref(), API_LIMIT)?;
                match resp.status {
                    200 => {}
                    404 => {
                        return Err(format!(
                            "{host} offers no Terraform services ({disco} answered 404): it is not a module registry"
                        ))
                    }
                    s => return Err(format!("service discovery at {disco} answered HTTP {s}")),
                }
                let doc: serde_json::Value = serde_json::from_slice(&resp.body)
                    .map_err(|e| format!("{disco} is not a JSON service document: {e}"))?;
                doc.get("modules.v1")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| format!("{host} is not a module registry: its {disco} has no \"modules.v1\" service"))?
            }
        };
        let mut url = disco
            .join(&service)
            .map_err(|e| format!("{host}'s modules.v1 service \"{service}\" is not a URL: {e}"))?;
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        self.modules_v1.insert(host.to_string(), url.clone());
        Ok(url)
    }

    fn api_url(&mut self, net: &Net, src: &RegistrySource, tail: &str) -> Result<Url, String> {
        let base = self.modules_url(net, &src.host)?;
        base.join(&format!(
            "{}/{}/{}/{tail}",
            src.namespace, src.name, src.provider
        ))
        .map_err(|e| format!("cannot build the registry URL: {e}"))
    }

    /// Every version the registry lists for the package (unparseable ones are left out).
    pub fn versions(
        &mut self,
        net: &Net,
        src: &RegistrySource,
    ) -> Result<Vec<Version>, RegistryError> {
        if let Some(v) = self.versions.get(&src.package()) {
            return Ok(v.clone());
        }
        let url = self.api_url(net, src, "versions")?;
        let resp = net
            .http()?
            .get(&url, net.bearer(&src.host).as_ref(), API_LIMIT)?;
        match resp.status {
            200 => {}
            404 => return Err(RegistryError::NotFound),
            401 | 403 => {
                return Err(RegistryError::Other(format!(
                    "{} refused access (HTTP {}): give a token with a `credentials \"{}\"` block in the CLI configuration or TF_TOKEN_{}",
                    src.host,
                    resp.status,
                    src.host,
                    src.host.replace('-', "__").replace('.', "_")
                )))
            }
            s => {
                return Err(RegistryError::Other(format!(
                    "{} answered HTTP {s}",
                    redact(&url)
                )))
            }
        }
        let doc: serde_json::Value = serde_json::from_slice(&resp.body)
            .map_err(|e| format!("{} did not answer JSON: {e}", redact(&url)))?;
        let list = doc
            .get("modules")
            .and_then(|m| m.get(0))
            .and_then(|m| m.get("versions"))
            .and_then(|v| v.as_array())
            .ok_or_else(|| {
                format!(
                    "{} answered without a \"modules\" list of versions",
                    redact(&url)
                )
            })?;
        let versions: Vec<Version> = list
            .iter()
            .filter_map(|v| v.get("version")?.as_str().and_then(parse_version))
            .collect();
        self.versions.insert(src.package(), versions.clone());
        Ok(versions)
    }

    /// Where the package of one version is: a go-getter address, relative locations resolved
    /// against the download URL.
    pub fn location(
        &mut self,
        net: &Net,
        src: &RegistrySource,
        version: &Version,
    ) -> Result<String, RegistryError> {
        let url = self.api_url(net, src, &format!("{version}/download"))?;
        let resp = net
            .http()?
            .get(&url, net.bearer(&src.host).as_ref(), API_LIMIT)?;
        if resp.status == 404 {
            return Err(RegistryError::NotFound);
        }
        if !(200..300).contains(&resp.status) {
            return Err(RegistryError::Other(format!(
                "{} answered HTTP {}",
                redact(&url),
                resp.status
            )));
        }
        let location = match resp.header("x-terraform-get") {
            Some(l) => l.to_string(),
            None => serde_json::from_slice::<serde_json::Value>(&resp.body)
                .ok()
                .and_then(|d| d.get("location")?.as_str().map(str::to_string))
                .ok_or_else(|| {
                    format!(
                        "{} gave no package location (no X-Terraform-Get header, no JSON \"location\")",
                        redact(&url)
                    )
                })?,
        };
        // Terraform's rule: a location that looks relative is a URL relative to the download
        // endpoint; anything else is a go-getter address as it stands.
        if location.starts_with('/') || location.starts_with("./") || location.starts_with("../") {
            let resolved = resp.url.join(&location).map_err(|e| {
                format!("the registry's package location \"{location}\" is not a URL: {e}")
            })?;
            return Ok(resolved.to_string());
        }
        Ok(location)
    }
}
