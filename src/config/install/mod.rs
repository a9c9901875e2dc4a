//! Module installation (`strata init`): every module call whose source is not a local path is
//! fetched into `.strata/modules/KEY` and recorded in a manifest shaped like Terraform's
//! `.terraform/modules/modules.json`. The loader reads that manifest to resolve such calls.
//!
//! Installation is driven by the loader itself: a load reports the remote calls it could not
//! resolve ([`Pending`]); those are installed, and the configuration is loaded again, until
//! nothing is pending. So nested remote modules, local paths inside remote packages and every
//! rule of which calls exist are exactly the loader's.

mod cliconfig;
mod fetch;
mod http;
pub mod manifest;
mod registry;
pub mod source;
pub mod version;

use crate::config::{load_with, Config, Loaded};
use crate::diag::{Diagnostic, Diagnostics, SourceMap, Span};
pub use manifest::{child_key, Installed, MODULES_DIR};
use manifest::{Origin, Record};
use registry::{Registry, RegistryError};
use semver::Version;
pub use source::ModuleSource;
use source::RemoteSource;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
pub use version::VersionConstraint;

/// Module calls nest at most this deep (the loader's own limit), so installation rounds end.
const MAX_ROUNDS: usize = 34;

/// A remote module call that is not installed as the configuration asks.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The module path (`db`, `db.kms`).
    pub key: String,
    pub name: String,
    pub source: ModuleSource,
    pub source_span: Span,
    pub version: Option<(VersionConstraint, Span)>,
    pub reason: PendingReason,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PendingReason {
    NotInstalled,
    SourceChanged { installed: String },
    VersionChanged { installed: String },
}

impl Pending {
    /// The error a load without installation reports.
    pub fn diagnostic(&self) -> Diagnostic {
        let source = display_source(&self.source);
        let d = match &self.reason {
            PendingReason::NotInstalled => Diagnostic::error("Module not installed")
                .at(self.source_span)
                .detail(format!(
                    "module \"{}\" ({source}) is not installed",
                    self.name
                )),
            PendingReason::SourceChanged { installed } => {
                Diagnostic::error("Module source has changed")
                    .at(self.source_span)
                    .detail(format!(
                        "module \"{}\" was installed from {installed}",
                        self.name
                    ))
            }
            PendingReason::VersionChanged { installed } => {
                let (constraint, span) = self
                    .version
                    .as_ref()
                    .map(|(c, s)| (c.to_string(), *s))
                    .unwrap_or((String::new(), self.source_span));
                Diagnostic::error("Module version requirements have changed")
                    .at(span)
                    .detail(format!(
                        "module \"{}\" has version {installed} installed, which does not match \"{constraint}\"",
                        self.name
                    ))
            }
        };
        d.help("run `strata init` to install it")
    }
}

fn display_source(source: &ModuleSource) -> String {
    match source {
        ModuleSource::Remote(r) => r.redacted(),
        other => other.to_string(),
    }
}

impl Installed {
    /// The directory of `key`'s installed module, when it was installed from this source at a
    /// version the constraint allows.
    pub fn resolve(
        &self,
        key: &str,
        source: &ModuleSource,
        constraint: Option<&VersionConstraint>,
    ) -> Result<PathBuf, PendingReason> {
        let record = self.records.get(key).ok_or(PendingReason::NotInstalled)?;
        let same = ModuleSource::parse(&record.source)
            .map(|s| s.to_string() == source.to_string())
            .unwrap_or(false);
        if !same {
            return Err(PendingReason::SourceChanged {
                installed: record.source.clone(),
            });
        }
        if let (Some(c), Some(v)) = (constraint, &record.version) {
            if !version::parse_version(v).is_some_and(|v| c.matches(&v)) {
                return Err(PendingReason::VersionChanged {
                    installed: v.clone(),
                });
            }
        }
        let dir = self.dir_of(record);
        if !dir.is_dir() {
            return Err(PendingReason::NotInstalled);
        }
        Ok(dir)
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct InitOptions {
    /// Re-resolve every remote module: the newest matching registry versions, fresh clones.
    pub upgrade: bool,
}

/// Progress, for the command line to print.
pub enum Event<'a> {
    /// A package is about to be fetched (or copied, when this run fetched it already).
    Downloading {
        key: &'a str,
        source: &'a str,
        version: Option<&'a Version>,
    },
    Installed {
        key: &'a str,
        dir: &'a str,
    },
}

pub struct Outcome {
    pub config: Option<Config>,
    pub diags: Diagnostics,
    pub sources: SourceMap,
    /// Modules fetched by this run.
    pub installed: usize,
}

/// Loads the configuration in `root`; when a remote module is missing (or its source or
/// version changed), calls `note` with the pending calls and installs them first.
/// `sources` makes each source map a load reads files into (the caller may register what to
/// keep out of excerpts before anything is parsed).
pub fn load_or_install(
    root: &Path,
    sources: &dyn Fn() -> SourceMap,
    note: &mut dyn FnMut(&[Pending]),
) -> Outcome {
    let fresh = sources;
    let sources = fresh();
    let installed = match Installed::read(root) {
        Ok(i) => i,
        Err(e) => return manifest_failure(e, sources),
    };
    let loaded = load_with(root, &sources, &installed);
    if loaded.pending.is_empty() {
        return Outcome {
            config: loaded.config,
            diags: loaded.diags,
            sources,
            installed: 0,
        };
    }
    note(&loaded.pending);
    init(root, InitOptions::default(), fresh, &mut |_| {})
}

fn manifest_failure(e: String, sources: SourceMap) -> Outcome {
    Outcome {
        config: None,
        diags: Diagnostic::error("Cannot read the module manifest")
            .detail(e)
            .help("run `strata init`")
            .into(),
        sources,
        installed: 0,
    }
}

/// `strata init`: installs every remote module the configuration calls, then loads it.
pub fn init(
    root: &Path,
    options: InitOptions,
    sources: &dyn Fn() -> SourceMap,
    on_event: &mut dyn FnMut(Event),
) -> Outcome {
    let fresh = sources;
    let read = match Installed::read(root) {
        Ok(i) => i,
        // An unreadable manifest records nothing usable: start over with an empty one of
        // strata's own (which also shadows an unreadable one of Terraform's).
        Err(e) => {
            let mut empty = Installed::empty(root);
            empty.origin = Origin::Strata;
            if let Err(w) = empty.write() {
                return manifest_failure(format!("{e}; {w}"), SourceMap::default());
            }
            empty
        }
    };
    let mut installed = if options.upgrade {
        Installed::empty(root)
    } else {
        read.clone()
    };
    let mut installer = Installer {
        root,
        net: None,
        registry: Registry::default(),
        packages: BTreeMap::new(),
        fetched: 0,
    };
    for _ in 0..MAX_ROUNDS {
        let sources = fresh();
        let loaded = load_with(root, &sources, &installed);
        if loaded.pending.is_empty() {
            return installer.finish(read, installed, loaded, sources);
        }
        let mut diags = loaded.diags;
        for pending in &loaded.pending {
            match installer.install(pending, on_event) {
                Ok(record) => installed.replace(record),
                Err(d) => diags.push(*d),
            }
        }
        if diags.has_errors() {
            // Keep what did install, over what was there (an upgrade started from nothing):
            // the next run starts from there.
            if !installer.packages.is_empty() {
                let mut keep = read;
                for record in installed.records.into_values() {
                    keep.replace(record);
                }
                if let Err(e) = keep.write() {
                    diags.push(Diagnostic::error("Cannot write the module manifest").detail(e));
                }
            }
            return Outcome {
                config: None,
                diags,
                sources,
                installed: installer.fetched,
            };
        }
    }
    Outcome {
        config: None,
        diags: Diagnostic::error("Module installation does not converge")
            .detail(format!(
                "modules were still missing after {MAX_ROUNDS} rounds of installation"
            ))
            .help("check for a module that calls itself through a remote source")
            .into(),
        sources: SourceMap::default(),
        installed: installer.fetched,
    }
}

struct Installer<'a> {
    root: &'a Path,
    /// Made on first need: a configuration of git sources never reads the CLI configuration.
    net: Option<http::Net>,
    registry: Registry,
    /// Package address → where this run installed it, so a second call copies it.
    packages: BTreeMap<String, PathBuf>,
    fetched: usize,
}

/// The network side of installation, made on first use.
fn ensure_net(slot: &mut Option<http::Net>) -> Result<&http::Net, String> {
    if slot.is_none() {
        *slot = Some(http::Net::new(cliconfig::CliConfig::load()?));
    }
    slot.as_ref()
        .ok_or_else(|| "the network client is not set up".to_string())
}

impl Installer<'_> {
    fn install(
        &mut self,
        p: &Pending,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<Record, Box<Diagnostic>> {
        let fail = |summary: &str, detail: String, help: &str| {
            Box::new(
                Diagnostic::error(summary.to_string())
                    .at(p.source_span)
                    .detail(detail)
                    .help(help.to_string()),
            )
        };
        let (source, version, dir) = match &p.source {
            ModuleSource::Registry(src) => {
                let net_err = |e: String| {
                    fail("Cannot install module", e, "check the network and the CLI configuration (TF_CLI_CONFIG_FILE, ~/.terraformrc)")
                };
                let net = ensure_net(&mut self.net).map_err(net_err)?;
                let versions = match self.registry.versions(net, src) {
                    Ok(v) => v,
                    Err(RegistryError::NotFound) => {
                        return Err(fail(
                            "Module not found",
                            format!(
                                "the registry at {} has no module {}/{}/{}",
                                src.host, src.namespace, src.name, src.provider
                            ),
                            "check the source address; a private registry may also answer 404 without credentials (a `credentials` block in the CLI configuration, or TF_TOKEN_<host>)",
                        ))
                    }
                    Err(RegistryError::Other(e)) => {
                        return Err(fail("Error accessing the module registry", e, "check the network, the host and the CLI configuration (TF_CLI_CONFIG_FILE, ~/.terraformrc)"))
                    }
                };
                let constraint = p.version.as_ref().map(|(c, _)| c);
                let Some(chosen) = version::newest_match(&versions, constraint).cloned() else {
                    let newest = version::newest_match(&versions, None);
                    let span = p.version.as_ref().map(|(_, s)| *s).unwrap_or(p.source_span);
                    let d = match (newest, constraint) {
                        (Some(newest), Some(c)) => Diagnostic::error("Unresolvable module version constraint")
                            .detail(format!("no version of {} matches \"{c}\"; the newest is {newest}", src.package()))
                            .help("change the version constraint, or publish a matching version"),
                        _ => Diagnostic::error("Module has no versions")
                            .detail(format!("the registry at {} lists no release of {}", src.host, src.package()))
                            .help("publish a version, or name a pre-release exactly with version = \"=X.Y.Z-pre\""),
                    };
                    return Err(Box::new(d.at(span)));
                };
                on_event(Event::Downloading {
                    key: &p.key,
                    source: &src.package(),
                    version: Some(&chosen),
                });
                let location = self.registry.location(net, src, &chosen).map_err(|e| {
                    let e = match e {
                        RegistryError::NotFound => format!(
                            "the registry lists {} {chosen} but has no download for it (404)",
                            src.package()
                        ),
                        RegistryError::Other(e) => e,
                    };
                    fail(
                        "Error accessing the module registry",
                        e,
                        "try again; if it persists, the registry is at fault",
                    )
                })?;
                let package = match ModuleSource::parse(&location) {
                    Ok(ModuleSource::Remote(r)) => r,
                    _ => {
                        return Err(fail(
                            "Invalid package location from the module registry",
                            format!(
                            "the registry at {} gave \"{}\" for {} {chosen}: not a package address",
                            src.host,
                            source::redact_userinfo(&location),
                            src.package()
                        ),
                            "the registry must answer a URL or a git:: address",
                        ))
                    }
                };
                // The location's own subdir, then the one the source names.
                let subdir = [package.subdir.as_deref(), src.subdir.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("/");
                let id = format!("{}@{chosen}", src.package());
                let host = src.host.clone();
                let dir = self
                    .place(&p.key, &id, &package, Some(&host), &subdir)
                    .map_err(|e| {
                        fail(
                            "Failed to download module",
                            e,
                            "check the network; the registry's package location must be reachable",
                        )
                    })?;
                (src.to_string(), Some(chosen.to_string()), dir)
            }
            ModuleSource::Remote(src) => {
                on_event(Event::Downloading {
                    key: &p.key,
                    source: &src.redacted(),
                    version: None,
                });
                let subdir = src.subdir.clone().unwrap_or_default();
                let dir = self
                    .place(&p.key, &src.package(), src, None, &subdir)
                    .map_err(|e| fail("Failed to download module", e, match src.getter {
                        source::Getter::Git => "check the repository URL, the ref and your git credentials (git must work non-interactively)",
                        source::Getter::Http => "check the URL; it must serve a zip or tar.gz archive",
                    }))?;
                (src.to_string(), None, dir)
            }
            // The loader resolves local paths itself; it never reports one as pending.
            ModuleSource::Local(path) => {
                return Err(fail(
                    "A local module cannot be installed",
                    format!("\"{path}\" is a path on disk"),
                    "check that the directory exists",
                ))
            }
        };
        on_event(Event::Installed {
            key: &p.key,
            dir: &dir,
        });
        Ok(Record {
            key: p.key.clone(),
            source,
            version,
            dir,
        })
    }

    /// Fetches (or copies) a package into `.strata/modules/KEY`, replacing what was there only
    /// once the new copy is complete; returns the module's directory relative to the root.
    fn place(
        &mut self,
        key: &str,
        id: &str,
        package: &RemoteSource,
        registry_host: Option<&str>,
        subdir: &str,
    ) -> Result<String, String> {
        let modules = self.root.join(MODULES_DIR);
        std::fs::create_dir_all(&modules)
            .map_err(|e| format!("cannot create {}: {e}", modules.display()))?;
        let target = modules.join(key);
        let tmp = modules.join(format!(".tmp-{key}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        let fetched = match self.packages.get(id) {
            Some(done) => fetch::copy_tree(done, &tmp),
            None => {
                let result = match package.getter {
                    source::Getter::Git => fetch::git_clone(&package.url, &tmp),
                    source::Getter::Http => {
                        let net = ensure_net(&mut self.net)?;
                        fetch::fetch_http(&package.url, &tmp, net, registry_host)
                    }
                };
                if result.is_ok() {
                    self.fetched += 1;
                }
                result
            }
        };
        let resolved = fetched.and_then(|_| {
            if subdir.is_empty() {
                Ok(String::new())
            } else {
                fetch::resolve_subdir(&tmp, subdir)
            }
        });
        let resolved = match resolved {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&tmp);
                return Err(e);
            }
        };
        if target.exists() {
            std::fs::remove_dir_all(&target)
                .map_err(|e| format!("cannot replace {}: {e}", target.display()))?;
        }
        std::fs::rename(&tmp, &target)
            .map_err(|e| format!("cannot move the package into {}: {e}", target.display()))?;
        self.packages.insert(id.to_string(), target);
        let mut dir = format!("{MODULES_DIR}/{key}");
        if !resolved.is_empty() {
            dir = format!("{dir}/{resolved}");
        }
        Ok(dir)
    }

    /// Writes the manifest of the modules the configuration uses now, and removes packages no
    /// module uses any more.
    fn finish(
        self,
        read: Installed,
        mut installed: Installed,
        loaded: Loaded,
        sources: SourceMap,
    ) -> Outcome {
        let mut diags = loaded.diags;
        installed
            .records
            .retain(|key, _| loaded.resolved.iter().any(|k| k == key));
        // Terraform's manifest, used as it is, stays Terraform's: strata writes its own only
        // once it installed something, or to keep its own up to date.
        let ours = read.origin == Origin::Strata || !self.packages.is_empty();
        if ours {
            if installed.records != read.records || read.origin != Origin::Strata {
                if let Err(e) = installed.write() {
                    diags.push(
                        Diagnostic::error("Cannot write the module manifest")
                            .detail(e)
                            .help("check that the directory is writable"),
                    );
                }
            }
            prune(self.root, &installed);
        }
        Outcome {
            config: loaded.config,
            diags,
            sources,
            installed: self.fetched,
        }
    }
}

/// Removes package directories of `.strata/modules` that no record uses (modules removed from
/// the configuration, interrupted downloads).
fn prune(root: &Path, installed: &Installed) {
    let modules = root.join(MODULES_DIR);
    let used: Vec<&str> = installed
        .records
        .values()
        .filter_map(|r| r.dir.strip_prefix(&format!("{MODULES_DIR}/")))
        .filter_map(|rest| rest.split('/').next())
        .collect();
    let Ok(entries) = std::fs::read_dir(&modules) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_dir() && !used.contains(&name.as_str()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
