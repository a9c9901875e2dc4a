//! Module source addresses, read as Terraform reads them (`addrs.ParseModuleSource`): a local
//! path (`./` or `../`), a module registry address (`[HOST/]NAMESPACE/NAME/PROVIDER[//SUBDIR]`),
//! or a remote package in go-getter's syntax (`git::URL`, `github.com/o/r`, `https://…zip`,
//! each with an optional `//SUBDIR` and query). Parsing is pure: nothing is fetched here.

use std::fmt;

/// The host a registry address without one names.
pub const DEFAULT_REGISTRY: &str = "registry.terraform.io";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleSource {
    /// A path relative to the calling module's directory, as written.
    Local(String),
    Registry(RegistrySource),
    Remote(RemoteSource),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrySource {
    /// Lower-case, without the default `:443` port (Terraform's comparison form).
    pub host: String,
    pub namespace: String,
    pub name: String,
    pub provider: String,
    pub subdir: Option<String>,
}

/// How a remote package is fetched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Getter {
    /// Through the system `git`.
    Git,
    /// An archive (or an `X-Terraform-Get` redirection) over HTTP(S).
    Http,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSource {
    pub getter: Getter,
    /// The package URL with its query (`ref`, `depth`, `archive`, ...), without the subdir.
    pub url: String,
    pub subdir: Option<String>,
}

impl ModuleSource {
    /// Parses a `source` argument. The error says what is wrong and what to write instead.
    pub fn parse(raw: &str) -> Result<ModuleSource, String> {
        if is_local(raw) {
            return Ok(ModuleSource::Local(raw.to_string()));
        }
        // As in Terraform, an address is a registry address exactly when it parses as one;
        // anything else is a remote package address.
        if let Some(registry) = RegistrySource::parse(raw)? {
            return Ok(ModuleSource::Registry(registry));
        }
        RemoteSource::parse(raw).map(ModuleSource::Remote)
    }

    pub fn is_local(&self) -> bool {
        matches!(self, ModuleSource::Local(_))
    }
}

impl fmt::Display for ModuleSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleSource::Local(path) => f.write_str(path),
            ModuleSource::Registry(r) => r.fmt(f),
            ModuleSource::Remote(r) => r.fmt(f),
        }
    }
}

fn is_local(raw: &str) -> bool {
    ["./", "../", ".\\", "..\\"]
        .iter()
        .any(|p| raw.starts_with(p))
        || raw == "."
        || raw == ".."
}

impl RegistrySource {
    /// `Ok(None)` when `raw` is not shaped like a registry address at all (it may be a remote
    /// one); `Err` when it is, but a part is invalid.
    fn parse(raw: &str) -> Result<Option<RegistrySource>, String> {
        if raw.contains("::") || raw.contains('?') || raw.contains("://") {
            return Ok(None);
        }
        let (package, subdir) = split_subdir(raw);
        let parts: Vec<&str> = package.split('/').collect();
        let (host, rest) = match parts.as_slice() {
            [ns, name, provider] => (None, [*ns, *name, *provider]),
            [host, ns, name, provider] => (Some(*host), [*ns, *name, *provider]),
            _ => return Ok(None),
        };
        let [namespace, name, provider] = rest;
        if !valid_label(namespace) || !valid_label(name) {
            return Ok(None);
        }
        let host = match host {
            None => DEFAULT_REGISTRY.to_string(),
            Some(h) => match normalize_host(h) {
                Some(h) => h,
                None => return Ok(None),
            },
        };
        if host == "github.com" || host == "bitbucket.org" {
            // go-getter's shorthand for a repository, not a registry.
            return Ok(None);
        }
        if provider.is_empty()
            || provider.len() > 64
            || !provider
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(format!(
                "\"{provider}\" is not a valid provider name in a module registry address: it must be lower-case letters and digits, like \"aws\""
            ));
        }
        let subdir = match subdir {
            Some(s) => Some(clean_subdir(s)?),
            None => None,
        };
        Ok(Some(RegistrySource {
            host,
            namespace: namespace.to_string(),
            name: name.to_string(),
            provider: provider.to_string(),
            subdir: subdir.filter(|s| !s.is_empty()),
        }))
    }

    /// `HOST/NAMESPACE/NAME/PROVIDER`, without the subdir: one registry package.
    pub fn package(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.host, self.namespace, self.name, self.provider
        )
    }
}

impl fmt::Display for RegistrySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.package())?;
        if let Some(subdir) = &self.subdir {
            write!(f, "//{subdir}")?;
        }
        Ok(())
    }
}

/// A registry namespace or module name: letters, digits, `-` and `_`, not starting or ending
/// with a separator, at most 64 characters.
fn valid_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    !s.is_empty()
        && s.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Terraform's comparison form of a service host name: lower case, the default HTTPS port
/// dropped. `None` when it cannot be a host name (no dot, no port, not `localhost`).
pub fn normalize_host(host: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(":443").unwrap_or(&host).to_string();
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host.as_str(), None),
    };
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if name.is_empty() || !name.split('.').all(label_ok) {
        return None;
    }
    if !name.contains('.') && port.is_none() && name != "localhost" {
        return None;
    }
    Some(host)
}

impl RemoteSource {
    fn parse(raw: &str) -> Result<RemoteSource, String> {
        let (forced, rest) = match raw.split_once("::") {
            Some((getter, rest))
                if !getter.is_empty() && getter.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                (Some(getter.to_ascii_lowercase()), rest)
            }
            _ => (None, raw),
        };
        let (base, subdir) = split_subdir(rest);
        let subdir = match subdir {
            Some(s) => Some(clean_subdir(s)?).filter(|s| !s.is_empty()),
            None => None,
        };
        let remote = |getter, url: String, subdir| RemoteSource {
            getter,
            url,
            subdir,
        };
        match forced.as_deref() {
            Some("git") => {
                let url = scp_to_ssh(&base).unwrap_or(base);
                Ok(remote(Getter::Git, url, subdir))
            }
            Some("http") | Some("https") => Ok(remote(Getter::Http, base, subdir)),
            Some(other @ ("hg" | "s3" | "gcs" | "file")) => Err(format!(
                "\"{other}::\" module sources are not supported by strata; it installs from module registries, git (git::URL) and HTTP(S) archives"
            )),
            Some(other) => Err(format!(
                "\"{other}::\" is not a known module source type; strata installs from module registries, git (git::URL) and HTTP(S) archives"
            )),
            None => detect(&base, subdir, raw),
        }
    }

    /// The package address without its subdir: what one download fetches.
    pub fn package(&self) -> String {
        match self.getter {
            Getter::Git => format!("git::{}", self.url),
            Getter::Http => self.url.clone(),
        }
    }

    /// The address with any password in its URL replaced, for messages.
    pub fn redacted(&self) -> String {
        redact_userinfo(&self.to_string())
    }
}

impl fmt::Display for RemoteSource {
    /// go-getter's form, as Terraform records it: the subdir goes before the query.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let package = self.package();
        match &self.subdir {
            None => f.write_str(&package),
            Some(subdir) => match package.split_once('?') {
                Some((base, query)) => write!(f, "{base}//{subdir}?{query}"),
                None => write!(f, "{package}//{subdir}"),
            },
        }
    }
}

/// go-getter's detectors for addresses without a forced getter, as far as Terraform uses them.
fn detect(base: &str, subdir: Option<String>, raw: &str) -> Result<RemoteSource, String> {
    if let Some(rest) = base.strip_prefix("github.com/") {
        // github.com/OWNER/REPO[/PATH][?QUERY] → git::https://github.com/OWNER/REPO.git[//PATH]
        let (path, query) = match rest.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (rest, None),
        };
        let parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 2 || parts[0].is_empty() || parts[1].is_empty() {
            return Err("GitHub addresses are github.com/OWNER/REPO".into());
        }
        let repo = parts[1].strip_suffix(".git").unwrap_or(parts[1]);
        let mut url = format!("https://github.com/{}/{repo}.git", parts[0]);
        if let Some(q) = query {
            url = format!("{url}?{q}");
        }
        let mut subdir = subdir;
        if parts.len() > 2 {
            let extra = parts[2..].join("/");
            subdir = Some(match subdir {
                Some(s) => format!("{extra}/{s}"),
                None => extra,
            });
        }
        return Ok(RemoteSource {
            getter: Getter::Git,
            url,
            subdir,
        });
    }
    if let Some(url) = scp_to_ssh(base) {
        return Ok(RemoteSource {
            getter: Getter::Git,
            url,
            subdir,
        });
    }
    if base.starts_with("bitbucket.org/") {
        return Err(format!(
            "strata does not look up Bitbucket repositories by shorthand; write source = \"git::https://{}.git\"",
            base.split('?').next().unwrap_or(base)
        ));
    }
    let lower = base.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        if lower.contains(".s3.amazonaws.com/") || lower.contains("://s3.amazonaws.com/") {
            return Err("S3 module sources are not supported by strata; serve the archive over HTTPS or use git".into());
        }
        return Ok(RemoteSource {
            getter: Getter::Http,
            url: base.to_string(),
            subdir,
        });
    }
    if base.starts_with('/') {
        return Err(format!(
            "strata does not install modules from absolute paths; write a path relative to the calling module, starting with ./ or ../ (not \"{raw}\")"
        ));
    }
    Err(format!(
        "strata cannot tell how to install \"{raw}\": a registry address is NAMESPACE/NAME/PROVIDER, a git repository git::URL, an archive https://…; if you meant a local directory, write \"./{raw}\""
    ))
}

/// `git@host:owner/repo.git` → `ssh://git@host/owner/repo.git` (go-getter's git detector).
fn scp_to_ssh(base: &str) -> Option<String> {
    if base.contains("://") {
        return None;
    }
    let (user_host, path) = base.split_once(':')?;
    let (user, host) = user_host.split_once('@')?;
    if user.is_empty() || host.is_empty() || path.is_empty() || path.starts_with('/') {
        return None;
    }
    Some(format!("ssh://{user}@{host}/{path}"))
}

/// go-getter's `SourceDirSubdir`: the first `//` after any `scheme://` and before the query
/// separates the package from a subdirectory; a query after the subdir moves onto the package.
pub fn split_subdir(src: &str) -> (String, Option<String>) {
    let stop = src.find('?').unwrap_or(src.len());
    let offset = src[..stop].find("://").map(|i| i + 3).unwrap_or(0);
    let Some(idx) = src[offset..stop].find("//") else {
        return (src.to_string(), None);
    };
    let idx = idx + offset;
    let mut package = src[..idx].to_string();
    let mut subdir = src[idx + 2..].to_string();
    if let Some(q) = subdir.find('?') {
        package.push_str(&subdir[q..]);
        subdir.truncate(q);
    }
    (package, Some(subdir))
}

/// A subdirectory as a clean relative path; `..` out of the package is refused.
fn clean_subdir(raw: String) -> Result<String, String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "the subdirectory \"{raw}\" leads out of the module package"
                    ));
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// Replaces the password of `scheme://user:password@host` with `***`.
pub fn redact_userinfo(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let rest = &s[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!(
                "{}{user}:***@{host}{}",
                &s[..scheme_end + 3],
                &rest[authority_end..]
            )
        }
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(raw: &str) -> RegistrySource {
        match ModuleSource::parse(raw) {
            Ok(ModuleSource::Registry(r)) => r,
            other => panic!("{raw}: {other:?}"),
        }
    }

    fn remote(raw: &str) -> RemoteSource {
        match ModuleSource::parse(raw) {
            Ok(ModuleSource::Remote(r)) => r,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn registry_addresses_take_the_default_host_and_keep_a_subdir() {
        let r = registry("terraform-aws-modules/vpc/aws");
        assert_eq!(
            r.to_string(),
            "registry.terraform.io/terraform-aws-modules/vpc/aws"
        );
        let r = registry("terraform-aws-modules/iam/aws//modules/iam-policy");
        assert_eq!(
            r.package(),
            "registry.terraform.io/terraform-aws-modules/iam/aws"
        );
        assert_eq!(r.subdir.as_deref(), Some("modules/iam-policy"));
        let r = registry("App.Example.COM:443/acme/db/aws");
        assert_eq!(r.host, "app.example.com");
        let r = registry("127.0.0.1:8080/acme/db/aws");
        assert_eq!(r.host, "127.0.0.1:8080");
    }

    #[test]
    fn a_bad_provider_in_a_registry_shaped_address_is_an_error() {
        let err = ModuleSource::parse("acme/db/AWS").unwrap_err();
        assert!(err.contains("provider name"), "{err}");
    }

    #[test]
    fn github_shorthand_becomes_a_git_url_with_the_rest_as_subdir() {
        let r = remote("github.com/acme/modules/db?ref=v1.2.0");
        assert_eq!(r.getter, Getter::Git);
        assert_eq!(r.url, "https://github.com/acme/modules.git?ref=v1.2.0");
        assert_eq!(r.subdir.as_deref(), Some("db"));
        assert_eq!(
            r.to_string(),
            "git::https://github.com/acme/modules.git//db?ref=v1.2.0"
        );
    }

    #[test]
    fn go_getter_subdirs_come_before_the_query_and_after_the_scheme() {
        let r = remote("git::file:///tmp/repo//mods/db?ref=v1&depth=1");
        assert_eq!(r.url, "file:///tmp/repo?ref=v1&depth=1");
        assert_eq!(r.subdir.as_deref(), Some("mods/db"));
        let r = remote("git@github.com:acme/db.git");
        assert_eq!(r.url, "ssh://git@github.com/acme/db.git");
        let r = remote("https://example.com/db.zip//*");
        assert_eq!(r.getter, Getter::Http);
        assert_eq!(r.subdir.as_deref(), Some("*"));
    }

    #[test]
    fn unknown_shapes_say_what_to_write() {
        let err = ModuleSource::parse("modules/db").unwrap_err();
        assert!(err.contains("./modules/db"), "{err}");
        assert!(ModuleSource::parse("s3::https://s3.amazonaws.com/b/x.zip").is_err());
        assert!(ModuleSource::parse("git::https://x.example/r.git//../..").is_err());
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact_userinfo("git::https://bot:s3cret@git.example.com/r.git?ref=v1"),
            "git::https://bot:***@git.example.com/r.git?ref=v1"
        );
        assert_eq!(
            redact_userinfo("ssh://git@host/r.git"),
            "ssh://git@host/r.git"
        );
    }
}
