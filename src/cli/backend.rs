//! Which backend holds the state, and how it is encrypted: the root module's
//! `terraform { backend "..." {} encryption {} }` blocks, evaluated.
//!
//! Terraform allows only literals and variables in a backend block; strata evaluates the
//! arguments with `var.*` (from the usual inputs and the variables' defaults) and
//! `terraform.workspace` in scope.

use super::common::walk_options;
use super::{Env, Failure, VarFlags};
use crate::config::{Body, Config};
use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::walk::{RawInput, WalkOptions};
use crate::state::blocking::Blocking;
use crate::state::{Backend, Encryption, LocalBackend, S3Backend, S3Settings};
use crate::value::{Map, Value};
use std::sync::Arc;

pub const SUPPORTED: &str = "\"local\", \"s3\"";

/// Where the state lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Store {
    Local,
    S3(S3Settings),
}

/// The evaluated state settings of a configuration.
pub struct StateSetup {
    pub store: Store,
    pub encryption: Option<Arc<Encryption>>,
    runner: Arc<Blocking>,
}

impl StateSetup {
    /// The backend for `store` (the configured one, or another for `state migrate`).
    pub fn backend_for(
        &self,
        env: &Env,
        store: &Store,
        workspace: &str,
    ) -> Result<Arc<dyn Backend>, Failure> {
        let fail = |e: crate::state::StateError| Failure::from(Diagnostic::error(e.to_string()));
        Ok(match store {
            Store::Local => Arc::new(
                LocalBackend::new(&env.dir, workspace)
                    .map_err(fail)?
                    .with_encryption(self.encryption.clone()),
            ),
            Store::S3(s) => Arc::new(
                S3Backend::new(s, workspace, self.encryption.clone(), self.runner.clone())
                    .map_err(fail)?,
            ),
        })
    }

    pub fn backend(&self, env: &Env, workspace: &str) -> Result<Arc<dyn Backend>, Failure> {
        self.backend_for(env, &self.store, workspace)
    }
}

fn has_config_files(env: &Env) -> bool {
    std::fs::read_dir(&env.dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()).any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.ends_with(".tf") || n.ends_with(".tf.json")
            })
        })
        .unwrap_or(false)
}

/// For commands that do not load the configuration themselves (state, show, output, ...).
pub fn setup_from_dir(env: &Env) -> Result<StateSetup, Failure> {
    if !has_config_files(env) {
        return Ok(StateSetup {
            store: Store::Local,
            encryption: None,
            runner: runner()?,
        });
    }
    let (config, mut diags) = super::common::load_root_settings(env)?;
    let options = walk_options(env, &config, &VarFlags::default(), &mut diags);
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: config.sources.clone(),
        });
    }
    setup(&config, &options)
}

fn runner() -> Result<Arc<Blocking>, Failure> {
    Blocking::new().map(Arc::new).map_err(|e| {
        Diagnostic::error(format!("Cannot start the async runtime for the state: {e}"))
            .help("check system limits")
            .into()
    })
}

/// The root variables' values for backend and encryption arguments.
fn scope(config: &Config, options: &WalkOptions) -> Map {
    let root = &config.root;
    let empty = Map::new();
    let mut vars = Map::new();
    for (name, var) in &root.variables {
        let value = match options.inputs.get(name) {
            Some(RawInput::Text { text, .. }) => Value::String(text.clone()),
            Some(RawInput::Expr(e)) => {
                crate::eval::body::eval_expr(&empty, e, &root.dir, &[]).unwrap_or(Value::Unknown)
            }
            None => match &var.default {
                Some(e) => crate::eval::body::eval_expr(&empty, e, &root.dir, &[])
                    .unwrap_or(Value::Unknown),
                None => Value::Unknown,
            },
        };
        vars.insert(name.clone(), value);
    }
    let mut scope = Map::new();
    scope.insert("var".into(), Value::Map(vars));
    scope.insert(
        "terraform".into(),
        Value::Map(Map::from([(
            "workspace".to_string(),
            Value::String(options.workspace.clone()),
        )])),
    );
    scope
}

struct Args<'a> {
    body: &'a Body,
    scope: &'a Map,
    config: &'a Config,
    what: &'a str,
    diags: Diagnostics,
}

impl Args<'_> {
    fn value(&mut self, name: &str) -> Option<Value> {
        let attr = self.body.attr(name)?;
        match crate::eval::body::eval_expr(self.scope, &attr.expr, &self.config.root.dir, &[]) {
            Ok(v) => {
                let (v, _) = v.deep_unmark();
                if !v.is_wholly_known() {
                    self.diags.push(
                        Diagnostic::error(format!("\"{name}\" in {} has no value", self.what))
                            .at(attr.expr.span())
                            .help("give the variable a value (TF_VAR_name, --var or a .tfvars file) or write a literal"),
                    );
                    return None;
                }
                Some(v)
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    fn string(&mut self, name: &str) -> Option<String> {
        let v = self.value(name)?;
        match v {
            Value::String(s) => Some(s),
            Value::Null => None,
            other => {
                self.type_error(name, "a string", other.type_name());
                None
            }
        }
    }

    fn bool(&mut self, name: &str) -> Option<bool> {
        match self.value(name)? {
            Value::Bool(b) => Some(b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            Value::Null => None,
            other => {
                self.type_error(name, "a bool", other.type_name());
                None
            }
        }
    }

    fn type_error(&mut self, name: &str, want: &str, got: &str) {
        let span = self.body.attr(name).map(|a| a.expr.span());
        let mut d = Diagnostic::error(format!(
            "\"{name}\" in {} must be {want}, not {got}",
            self.what
        ));
        if let Some(s) = span {
            d = d.at(s);
        }
        self.diags.push(d);
    }

    fn only(&mut self, attrs: &[&str], blocks: &[&str]) {
        for a in self.body.attrs.values() {
            if !attrs.contains(&a.name.as_str()) {
                self.diags.push(
                    Diagnostic::error(format!(
                        "Unsupported argument \"{}\" in {}",
                        a.name, self.what
                    ))
                    .at(a.name_span)
                    .help(format!("strata supports: {}", attrs.join(", "))),
                );
            }
        }
        for b in &self.body.blocks {
            if !blocks.contains(&b.kind.as_str()) {
                self.diags.push(
                    Diagnostic::error(format!("Unsupported block \"{}\" in {}", b.kind, self.what))
                        .at(b.span)
                        .help(format!("strata supports: {}", attrs.join(", "))),
                );
            }
        }
    }
}

/// Evaluates the root module's backend and encryption blocks.
pub fn setup(config: &Config, options: &WalkOptions) -> Result<StateSetup, Failure> {
    let scope = scope(config, options);
    let mut diags = Diagnostics::default();
    let runner = runner()?;
    let store = match &config.root.terraform.backend {
        None => Store::Local,
        Some(b) => match b.kind.as_str() {
            "local" => {
                let mut args = Args {
                    body: &b.body,
                    scope: &scope,
                    config,
                    what: "backend \"local\"",
                    diags: Diagnostics::default(),
                };
                args.only(&[], &[]);
                diags.extend(args.diags);
                Store::Local
            }
            "s3" => {
                let mut args = Args {
                    body: &b.body,
                    scope: &scope,
                    config,
                    what: "backend \"s3\"",
                    diags: Diagnostics::default(),
                };
                args.only(
                    &[
                        "bucket",
                        "key",
                        "region",
                        "encrypt",
                        "use_lockfile",
                        "workspace_key_prefix",
                        "endpoint",
                    ],
                    &["endpoints"],
                );
                let bucket = args.string("bucket");
                let key = args.string("key");
                let mut s = S3Settings::new(
                    bucket.as_deref().unwrap_or_default(),
                    key.as_deref().unwrap_or_default(),
                );
                for (name, v) in [("bucket", &bucket), ("key", &key)] {
                    if v.as_deref().is_none_or(str::is_empty) && b.body.attr(name).is_none() {
                        args.diags.push(
                            Diagnostic::error(format!("backend \"s3\" needs \"{name}\""))
                                .at(b.span)
                                .help("write bucket = \"my-state-bucket\" and key = \"path/strata.tfstate\""),
                        );
                    }
                }
                s.region = args.string("region");
                s.encrypt = args.bool("encrypt").unwrap_or(false);
                s.use_lockfile = args.bool("use_lockfile").unwrap_or(true);
                if let Some(p) = args.string("workspace_key_prefix") {
                    s.workspace_key_prefix = p;
                }
                s.endpoint = args.string("endpoint");
                for block in b.body.blocks_of("endpoints") {
                    let mut inner = Args {
                        body: &block.body,
                        scope: &scope,
                        config,
                        what: "endpoints",
                        diags: Diagnostics::default(),
                    };
                    inner.only(&["s3"], &[]);
                    if let Some(e) = inner.string("s3") {
                        s.endpoint = Some(e);
                    }
                    args.diags.extend(inner.diags);
                }
                diags.extend(args.diags);
                Store::S3(s)
            }
            other => {
                diags.push(
                    Diagnostic::error(format!("Unsupported backend type \"{other}\""))
                        .at(b.span)
                        .help(format!("strata supports the backends {SUPPORTED}")),
                );
                Store::Local
            }
        },
    };
    let encryption = match &config.root.terraform.encryption {
        None => None,
        Some(body) => {
            let mut args = Args {
                body,
                scope: &scope,
                config,
                what: "the encryption block",
                diags: Diagnostics::default(),
            };
            args.only(&["passphrase", "kms_key_id", "region"], &[]);
            let passphrase = args.string("passphrase");
            let kms = args.string("kms_key_id");
            let region = args.string("region");
            let enc = match (passphrase, kms) {
                (Some(p), None) if p.chars().count() >= 8 => Some(Encryption::passphrase(&p)),
                (Some(_), None) => {
                    args.diags.push(
                        Diagnostic::error("The encryption passphrase is too short")
                            .at(body.span)
                            .help("use at least 8 characters (a long random phrase is best)"),
                    );
                    None
                }
                (None, Some(k)) => {
                    let r = runner.clone();
                    let region = region.or_else(|| match &store {
                        Store::S3(s) => s.region.clone(),
                        Store::Local => None,
                    });
                    let client = r.run(async move {
                        let mut loader =
                            aws_config::defaults(aws_config::BehaviorVersion::latest());
                        if let Some(r) = region {
                            loader = loader.region(aws_types::region::Region::new(r));
                        }
                        aws_sdk_kms::Client::new(&loader.load().await)
                    });
                    Some(Encryption::kms(&k, client, runner.clone()))
                }
                (Some(_), Some(_)) => {
                    args.diags.push(
                        Diagnostic::error(
                            "The encryption block sets both \"passphrase\" and \"kms_key_id\"",
                        )
                        .at(body.span)
                        .help("choose one key source"),
                    );
                    None
                }
                (None, None) => {
                    if args.diags.is_empty() {
                        args.diags.push(
                            Diagnostic::error("The encryption block needs a key")
                                .at(body.span)
                                .help("write passphrase = var.state_passphrase or kms_key_id = \"alias/strata-state\""),
                        );
                    }
                    None
                }
            };
            diags.extend(args.diags);
            enc.map(Arc::new)
        }
    };
    if diags.has_errors() {
        return Err(Failure {
            diags,
            sources: config.sources.clone(),
        });
    }
    Ok(StateSetup {
        store,
        encryption,
        runner,
    })
}

/// The configured backend, for commands that do not load the configuration themselves.
pub fn backend(env: &Env, workspace: &str) -> Result<Arc<dyn Backend>, Failure> {
    super::backend::setup_from_dir(env)?.backend(env, workspace)
}
