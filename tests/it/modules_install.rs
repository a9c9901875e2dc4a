//! `strata init` (issue #17): remote modules installed from a module registry on loopback
//! (`registry_server.rs`), from git repositories made in a temporary directory, and from
//! HTTP archives; Terraform's own installed modules used as they are. No emulator: nothing
//! here talks to AWS.

use crate::registry_server::{Delivery, RegistryServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A root module in a temporary directory, and the environment strata runs in: a CLI
/// configuration of the test's own, a HOME without Terraform files, no ambient tokens.
struct Project {
    tmp: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Project {
    fn new(main_tf: &str) -> Project {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("root")).unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        let p = Project {
            env: vec![(
                "HOME".into(),
                tmp.path().join("home").to_string_lossy().into(),
            )],
            tmp,
        };
        p.write("main.tf", main_tf);
        p
    }

    /// A project whose `registry.terraform.io` is `server` (a CLI-configuration `host` block,
    /// as Terraform users point a mirror at it).
    fn with_registry(main_tf: &str, server: &RegistryServer) -> Project {
        let mut p = Project::new(main_tf);
        p.cli_config(&format!(
            "host \"registry.terraform.io\" {{\n  services = {{\n    \"modules.v1\" = \"{}/v1/modules/\"\n  }}\n}}\n",
            server.base()
        ));
        p
    }

    fn cli_config(&mut self, text: &str) {
        let path = self.tmp.path().join("tfrc");
        std::fs::write(&path, text).unwrap();
        self.env.retain(|(k, _)| k != "TF_CLI_CONFIG_FILE");
        self.env
            .push(("TF_CLI_CONFIG_FILE".into(), path.to_string_lossy().into()));
    }

    fn dir(&self) -> PathBuf {
        self.tmp.path().join("root")
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn strata(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
        cmd.arg("-C")
            .arg(self.dir())
            .args(args)
            .env("NO_COLOR", "1");
        for (k, _) in std::env::vars() {
            if k.starts_with("TF_TOKEN_") || k == "TF_CLI_CONFIG_FILE" || k == "TF_DATA_DIR" {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Run::from(cmd.output().expect("strata runs"))
    }

    fn manifest(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir().join(".strata/modules/modules.json"))
            .expect("strata's module manifest");
        serde_json::from_str(&text).unwrap()
    }

    /// The manifest record of `key`: (Source, Version, Dir).
    fn record(&self, key: &str) -> (String, Option<String>, String) {
        let manifest = self.manifest();
        let r = manifest["Modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["Key"] == key)
            .unwrap_or_else(|| panic!("no record {key} in {manifest:#}"))
            .clone();
        (
            r["Source"].as_str().unwrap().to_string(),
            r["Version"].as_str().map(str::to_string),
            r["Dir"].as_str().unwrap().to_string(),
        )
    }

    /// A file of an installed module, by manifest key.
    fn installed_file(&self, key: &str, file: &str) -> String {
        let (_, _, dir) = self.record(key);
        std::fs::read_to_string(self.dir().join(dir).join(file))
            .unwrap_or_else(|e| panic!("{key}/{file}: {e}"))
    }
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    fn ok(self, what: &str) -> Run {
        assert_eq!(
            self.code, 0,
            "{what} should succeed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn fails(self, what: &str) -> Run {
        assert_eq!(
            self.code, 1,
            "{what} should fail with exit 1\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }
}

/// A module whose `release` output says which version it is.
fn module_files(release: &str) -> Vec<(String, String)> {
    vec![
        (
            "main.tf".into(),
            format!(
                "variable \"name\" {{\n  type    = string\n  default = \"x\"\n}}\n\noutput \"release\" {{\n  value = \"{release}\"\n}}\n"
            ),
        ),
        ("RELEASE".into(), release.to_string()),
    ]
}

fn publish(server: &RegistryServer, ns_name: &str, version: &str, delivery: Delivery) {
    let files = module_files(&format!("{ns_name} {version}"));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    server.publish(ns_name, version, &files, delivery);
}

// ------------------------------------------------------------------------------- registry

#[test]
fn registry_install_picks_the_newest_version_each_constraint_allows() {
    let server = RegistryServer::start();
    for v in ["1.0.0", "1.2.0", "1.3.0-beta1", "2.0.0"] {
        publish(&server, "acme/db", v, Delivery::Relative);
    }
    let p = Project::with_registry(
        r#"
module "pessimistic" {
  source  = "acme/db/aws"
  version = "~> 1.0"
}

module "excluding" {
  source  = "acme/db/aws"
  version = ">= 1.0, != 1.2.0, < 2.0"
}

module "pre" {
  source  = "acme/db/aws"
  version = "= 1.3.0-beta1"
}

module "newest" {
  source = "acme/db/aws"
}

output "releases" {
  value = [module.pessimistic.release, module.excluding.release, module.pre.release, module.newest.release]
}
"#,
        &server,
    );
    let run = p.strata(&["init"]).ok("init");
    assert!(
        run.stdout
            .contains("Downloading registry.terraform.io/acme/db/aws 1.2.0 for pessimistic..."),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("- pessimistic in .strata/modules/pessimistic"));
    for (key, version) in [
        ("pessimistic", "1.2.0"),
        ("excluding", "1.0.0"),
        ("pre", "1.3.0-beta1"),
        ("newest", "2.0.0"),
    ] {
        let (source, installed, dir) = p.record(key);
        assert_eq!(source, "registry.terraform.io/acme/db/aws");
        assert_eq!(installed.as_deref(), Some(version), "{key}");
        assert_eq!(dir, format!(".strata/modules/{key}"));
        assert_eq!(
            p.installed_file(key, "RELEASE"),
            format!("acme/db {version}")
        );
    }
    // The versions list is asked once per package, not once per call.
    let lists = server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/versions"))
        .count();
    assert_eq!(lists, 1);
    p.strata(&["validate"]).ok("validate after init");
}

#[test]
fn registry_errors_are_located_at_the_source_or_version() {
    let server = RegistryServer::start();
    publish(&server, "acme/db", "1.0.0", Delivery::Relative);
    let p = Project::with_registry(
        r#"module "missing" {
  source = "acme/nothing/aws"
}

module "too_new" {
  source  = "acme/db/aws"
  version = "~> 3.0"
}
"#,
        &server,
    );
    let run = p
        .strata(&["init"])
        .fails("init of a module the registry does not have");
    assert!(
        run.stderr.contains("Error: Module not found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> main.tf:2:12"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Error: Unresolvable module version constraint"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> main.tf:7:13"), "{}", run.stderr);
    assert!(run.stderr.contains("the newest is 1.0.0"), "{}", run.stderr);

    // A malformed constraint is a configuration error: no registry needed to find it.
    p.write(
        "main.tf",
        "module \"db\" {\n  source  = \"acme/db/aws\"\n  version = \">= one\"\n}\n",
    );
    let before = server.requests().len();
    let run = p
        .strata(&["validate"])
        .fails("validate of a bad constraint");
    assert!(
        run.stderr.contains("Error: Invalid version constraint"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> main.tf:3:13"), "{}", run.stderr);
    assert_eq!(server.requests().len(), before);
}

#[test]
fn registry_packages_at_relative_json_zip_and_glob_locations_with_subdirs() {
    let server = RegistryServer::start();
    let nested = [
        ("main.tf", "output \"root\" {\n  value = \"root\"\n}\n"),
        (
            "modules/sg/main.tf",
            "output \"which\" {\n  value = \"sg\"\n}\n",
        ),
    ];
    server.publish("acme/net", "1.0.0", &nested, Delivery::Relative);
    server.publish("acme/tofu", "1.0.0", &nested, Delivery::TofuJson);
    server.publish("acme/github", "1.0.0", &nested, Delivery::TopDir);
    server.publish("acme/plain", "1.0.0", &nested, Delivery::Absolute);
    let p = Project::with_registry(
        &format!(
            r#"
module "relative" {{
  source = "acme/net/aws//modules/sg"
}}

module "tofu" {{
  source = "acme/tofu/aws//modules/sg"
}}

module "github" {{
  source = "acme/github/aws//modules/sg"
}}

module "plain" {{
  source = "acme/plain/aws"
}}

module "archive" {{
  source = "{}//modules/sg"
}}
"#,
            server.archive_url("acme/net", "1.0.0", "zip")
        ),
        &server,
    );
    p.strata(&["init"]).ok("init");
    assert_eq!(
        p.record("relative").2,
        ".strata/modules/relative/modules/sg"
    );
    assert_eq!(
        p.record("relative").0,
        "registry.terraform.io/acme/net/aws//modules/sg"
    );
    assert_eq!(p.record("tofu").2, ".strata/modules/tofu/modules/sg");
    // `//*` picked the tarball's one top-level directory.
    assert_eq!(
        p.record("github").2,
        ".strata/modules/github/github-1.0.0/modules/sg"
    );
    assert_eq!(p.record("plain").2, ".strata/modules/plain");
    let (source, version, dir) = p.record("archive");
    assert!(source.starts_with("http://127.0.0.1:"), "{source}");
    assert_eq!(version, None);
    assert_eq!(dir, ".strata/modules/archive/modules/sg");
    for key in ["relative", "tofu", "github", "archive"] {
        assert!(p.installed_file(key, "main.tf").contains("\"sg\""), "{key}");
    }
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.contains(&"/archive/acme/tofu/1.0.0.zip".to_string()),
        "{paths:?}"
    );
    assert!(
        paths.contains(&"/archive/acme/github/1.0.0-top.tar.gz".to_string()),
        "{paths:?}"
    );
    p.strata(&["validate"]).ok("validate");
}

#[test]
fn nested_remote_modules_and_local_paths_inside_a_package() {
    let server = RegistryServer::start();
    publish(&server, "acme/db", "1.0.0", Delivery::Relative);
    server.publish(
        "acme/stack",
        "2.0.0",
        &[
            (
                "main.tf",
                r#"module "db" {
  source  = "acme/db/aws"
  version = "1.0.0"
}

module "sg" {
  source = "./modules/sg"
}

output "db" {
  value = module.db.release
}
"#,
            ),
            (
                "modules/sg/main.tf",
                "module \"inner\" {\n  source = \"../inner\"\n}\n",
            ),
            ("modules/inner/main.tf", "output \"x\" {\n  value = 1\n}\n"),
            (
                "examples/complete/main.tf",
                "module \"stack\" {\n  source = \"../../\"\n}\n",
            ),
        ],
        Delivery::Relative,
    );
    server.publish(
        "acme/escape",
        "1.0.0",
        &[(
            "main.tf",
            "module \"outside\" {\n  source = \"../../../..\"\n}\n",
        )],
        Delivery::Relative,
    );
    let p = Project::with_registry(
        "module \"stack\" {\n  source = \"acme/stack/aws\"\n}\n\noutput \"db\" {\n  value = module.stack.db\n}\n",
        &server,
    );
    let run = p.strata(&["init"]).ok("init");
    assert!(
        run.stdout
            .contains("Downloading registry.terraform.io/acme/db/aws 1.0.0 for stack.db..."),
        "{}",
        run.stdout
    );
    assert_eq!(p.record("stack.db").2, ".strata/modules/stack.db");
    assert_eq!(p.installed_file("stack.db", "RELEASE"), "acme/db 1.0.0");
    p.strata(&["validate"]).ok("validate");

    // An installed package cannot reach out of itself with a local path.
    p.write(
        "main.tf",
        "module \"escape\" {\n  source = \"acme/escape/aws\"\n}\n",
    );
    let run = p
        .strata(&["init"])
        .fails("init of a package that escapes itself");
    assert!(
        run.stderr
            .contains("Error: Local module path escapes its module package"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(".strata/modules/escape/main.tf:2:12"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_changed_source_or_version_is_installed_again_and_upgrade_takes_newer_versions() {
    let server = RegistryServer::start();
    publish(&server, "acme/db", "1.0.0", Delivery::Relative);
    publish(&server, "acme/db", "1.1.0", Delivery::Relative);
    publish(&server, "acme/cache", "1.0.0", Delivery::Relative);
    let p = Project::with_registry(
        "module \"db\" {\n  source  = \"acme/db/aws\"\n  version = \"1.0.0\"\n}\n",
        &server,
    );
    p.strata(&["init"]).ok("init");
    assert_eq!(p.record("db").1.as_deref(), Some("1.0.0"));

    // Nothing changed: nothing is asked of the registry.
    let before = server.requests().len();
    p.strata(&["init"]).ok("init again");
    p.strata(&["validate"]).ok("validate");
    assert_eq!(server.requests().len(), before);

    // A new constraint: validate installs the matching version itself, with a note.
    p.write(
        "main.tf",
        "module \"db\" {\n  source  = \"acme/db/aws\"\n  version = \"~> 1.1\"\n}\n",
    );
    let run = p
        .strata(&["validate"])
        .ok("validate after a version change");
    assert!(
        run.stderr.contains(
            "Note: installing modules first, as `strata init` does: db (version constraint changed)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(p.record("db").1.as_deref(), Some("1.1.0"));
    assert_eq!(p.installed_file("db", "RELEASE"), "acme/db 1.1.0");

    // A new source: installed again in place of the old one.
    p.write(
        "main.tf",
        "module \"db\" {\n  source = \"acme/cache/aws\"\n}\n",
    );
    let run = p.strata(&["validate"]).ok("validate after a source change");
    assert!(run.stderr.contains("db (source changed)"), "{}", run.stderr);
    assert_eq!(p.record("db").0, "registry.terraform.io/acme/cache/aws");
    assert_eq!(p.installed_file("db", "RELEASE"), "acme/cache 1.0.0");

    // A newer release within the constraint: plain init keeps what is installed, -upgrade
    // (Terraform's spelling) takes it.
    publish(&server, "acme/cache", "1.0.1", Delivery::Relative);
    p.strata(&["init"]).ok("init");
    assert_eq!(p.record("db").1.as_deref(), Some("1.0.0"));
    p.strata(&["init", "-upgrade"]).ok("init -upgrade");
    assert_eq!(p.record("db").1.as_deref(), Some("1.0.1"));

    // A module removed from the configuration leaves the manifest and the disk.
    p.write("main.tf", "output \"x\" {\n  value = 1\n}\n");
    p.strata(&["init"]).ok("init without modules");
    let keys: Vec<String> = p.manifest()["Modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, [""]);
    assert!(!p.dir().join(".strata/modules/db").exists());
}

#[test]
fn a_damaged_manifest_is_an_error_that_init_repairs() {
    let server = RegistryServer::start();
    publish(&server, "acme/db", "1.0.0", Delivery::Relative);
    let p = Project::with_registry("module \"db\" {\n  source = \"acme/db/aws\"\n}\n", &server);
    p.write(".strata/modules/modules.json", "{\"Modules\": [");
    let run = p
        .strata(&["validate"])
        .fails("validate with a damaged manifest");
    assert!(
        run.stderr
            .contains("Error: Cannot read the module manifest"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("run `strata init`"), "{}", run.stderr);
    p.strata(&["init"]).ok("init over a damaged manifest");
    assert_eq!(p.record("db").1.as_deref(), Some("1.0.0"));
    p.strata(&["validate"]).ok("validate after the repair");
}

#[test]
fn registry_credentials_are_sent_as_bearer_tokens() {
    let server = RegistryServer::start();
    publish(&server, "acme/db", "1.0.0", Delivery::Relative);
    server.require_token("tok-from-env-3141");
    let main = "module \"db\" {\n  source = \"acme/db/aws\"\n}\n";

    // Without a token: a clear error, located, that says how to give one.
    let p = Project::with_registry(main, &server);
    let run = p.strata(&["init"]).fails("init without credentials");
    assert!(
        run.stderr.contains("refused access (HTTP 401)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("TF_TOKEN_registry_terraform_io"),
        "{}",
        run.stderr
    );

    // TF_TOKEN_<host>, Terraform's encoding of the host name.
    let mut p = Project::with_registry(main, &server);
    p.env.push((
        "TF_TOKEN_registry_terraform_io".into(),
        "tok-from-env-3141".into(),
    ));
    let run = p.strata(&["init"]).ok("init with TF_TOKEN");
    assert!(!run.stdout.contains("tok-from") && !run.stderr.contains("tok-from"));
    let api: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v1/"))
        .collect();
    assert!(!api.is_empty());
    assert!(
        api.iter()
            .filter(|r| r.authorization.is_some())
            .all(|r| r.authorization.as_deref() == Some("Bearer tok-from-env-3141")),
        "{api:?}"
    );

    // A `credentials` block; a TF_TOKEN variable for the host wins over it, as in Terraform.
    server.require_token("tok-from-block-2718");
    let mut p = Project::with_registry(main, &server);
    let host = format!(
        "host \"registry.terraform.io\" {{\n  services = {{\n    \"modules.v1\" = \"{}/v1/modules/\"\n  }}\n}}\n",
        server.base()
    );
    p.cli_config(&format!(
        "{host}credentials \"registry.terraform.io\" {{\n  token = \"tok-from-block-2718\"\n}}\n"
    ));
    p.strata(&["init"]).ok("init with a credentials block");
    let last = server.requests().last().cloned().unwrap();
    assert!(last.path.starts_with("/archive/"), "{last:?}");
    assert!(server
        .requests()
        .iter()
        .any(|r| r.authorization.as_deref() == Some("Bearer tok-from-block-2718")));
    p.env
        .push(("TF_TOKEN_registry_terraform_io".into(), "wrong".into()));
    std::fs::remove_dir_all(p.dir().join(".strata")).unwrap();
    p.strata(&["init"])
        .fails("init with an overriding wrong TF_TOKEN");
}

#[test]
fn service_discovery_over_https_with_the_hosts_credentials() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let server = RegistryServer::start_tls(&leaf.pem(), &leaf_key.serialize_pem());
    publish(&server, "acme/db", "1.4.0", Delivery::Absolute);
    server.require_token("tls-token-1618");

    let mut p = Project::new(&format!(
        "module \"db\" {{\n  source  = \"{}/acme/db/aws\"\n  version = \">= 1.0\"\n}}\n",
        server.host()
    ));
    p.cli_config(&format!(
        "credentials \"{}\" {{\n  token = \"tls-token-1618\"\n}}\n",
        server.host()
    ));
    let ca_file = p.tmp.path().join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    p.env
        .push(("SSL_CERT_FILE".into(), ca_file.to_string_lossy().into()));
    p.strata(&["init"]).ok("init through service discovery");
    let (source, version, _) = p.record("db");
    assert_eq!(source, format!("{}/acme/db/aws", server.host()));
    assert_eq!(version.as_deref(), Some("1.4.0"));
    let requests = server.requests();
    assert_eq!(requests[0].path, "/.well-known/terraform.json");
    assert!(requests
        .iter()
        .filter(|r| !r.path.starts_with("/archive/"))
        .all(|r| r.authorization.as_deref() == Some("Bearer tls-token-1618")));

    // Without the CA, the certificate is refused: no silent fallback to plain HTTP.
    std::fs::remove_dir_all(p.dir().join(".strata")).unwrap();
    p.env.retain(|(k, _)| k != "SSL_CERT_FILE");
    p.env.push(("SSL_CERT_FILE".into(), "/dev/null".into()));
    let run = p
        .strata(&["init"])
        .fails("init with an untrusted certificate");
    assert!(run.stderr.contains("--> main.tf:2:13"), "{}", run.stderr);
}

// ------------------------------------------------------------------------------------ git

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=strata",
            "-c",
            "user.email=strata@example.com",
        ])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository with a tag `v1.0.0`, a later commit on `main`, and a branch `feature` with a
/// subdirectory module; each state says which it is.
fn repository(root: &Path) -> PathBuf {
    let repo = root.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    let commit = |files: &[(&str, &str)], message: &str| {
        for (path, text) in files {
            let path = repo.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "--quiet", "-m", message]);
    };
    commit(
        &[
            ("main.tf", "output \"state\" {\n  value = \"v1\"\n}\n"),
            ("STATE", "tag v1.0.0"),
        ],
        "v1",
    );
    git(&repo, &["tag", "v1.0.0"]);
    commit(&[("STATE", "main after v1")], "main");
    git(&repo, &["checkout", "--quiet", "-b", "feature"]);
    commit(
        &[
            ("STATE", "feature"),
            ("modules/sub/main.tf", "output \"sub\" {\n  value = 1\n}\n"),
            ("modules/sub/STATE", "feature sub"),
        ],
        "feature",
    );
    git(&repo, &["checkout", "--quiet", "main"]);
    repo
}

#[test]
fn git_sources_install_tags_branches_shallow_clones_and_subdirs() {
    let mut p = Project::new("");
    p.cli_config("");
    let repo = repository(p.tmp.path());
    let url = format!("file://{}", repo.display());
    p.write(
        "main.tf",
        &format!(
            r#"
module "tagged" {{
  source = "git::{url}?ref=v1.0.0"
}}

module "branch" {{
  source = "git::{url}//modules/sub?ref=feature"
}}

module "shallow" {{
  source = "git::{url}?ref=v1.0.0&depth=1"
}}

module "head" {{
  source = "git::{url}"
}}
"#
        ),
    );
    let run = p.strata(&["init"]).ok("init from git");
    assert!(
        run.stdout
            .contains(&format!("Downloading git::{url}?ref=v1.0.0 for tagged...")),
        "{}",
        run.stdout
    );
    assert_eq!(p.installed_file("tagged", "STATE"), "tag v1.0.0");
    assert_eq!(p.installed_file("branch", "STATE"), "feature sub");
    assert_eq!(p.record("branch").2, ".strata/modules/branch/modules/sub");
    assert_eq!(
        p.record("branch").0,
        format!("git::{url}//modules/sub?ref=feature")
    );
    assert_eq!(p.installed_file("shallow", "STATE"), "tag v1.0.0");
    assert_eq!(p.installed_file("head", "STATE"), "main after v1");
    assert_eq!(p.record("tagged").1, None);
    // depth=1 made a one-commit history.
    let log = Command::new("git")
        .current_dir(p.dir().join(".strata/modules/shallow"))
        .args(["rev-list", "--count", "HEAD"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout).trim(), "1");
    p.strata(&["validate"]).ok("validate");

    // A ref that does not exist: located, with git's reason.
    p.write(
        "main.tf",
        &format!("module \"x\" {{\n  source = \"git::{url}?ref=v9\"\n}}\n"),
    );
    let run = p.strata(&["init"]).fails("init of a missing ref");
    assert!(
        run.stderr.contains("Error: Failed to download module"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> main.tf:2:12"), "{}", run.stderr);
    assert!(run.stderr.contains("v9"), "{}", run.stderr);
}

// ------------------------------------------------------------------------------ terraform

#[test]
fn terraform_installed_modules_are_used_when_strata_has_no_manifest() {
    let mut p = Project::new(
        "module \"db\" {\n  source  = \"acme/db/aws\"\n  version = \"~> 1.0\"\n}\n\noutput \"r\" {\n  value = module.db.release\n}\n",
    );
    // No registry at all: a host block pointing at a closed port proves nothing is fetched.
    p.cli_config(
        "host \"registry.terraform.io\" {\n  services = {\n    \"modules.v1\" = \"http://127.0.0.1:9/v1/modules/\"\n  }\n}\n",
    );
    for (path, text) in module_files("terraform's 1.0.3") {
        p.write(&format!(".terraform/modules/db/{path}"), &text);
    }
    p.write(
        ".terraform/modules/modules.json",
        r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"db","Source":"registry.terraform.io/acme/db/aws","Version":"1.0.3","Dir":".terraform/modules/db"}]}"#,
    );
    let run = p
        .strata(&["validate"])
        .ok("validate on Terraform's modules");
    assert!(!run.stderr.contains("Note:"), "{}", run.stderr);
    p.strata(&["init"]).ok("init on Terraform's modules");
    assert!(!p.dir().join(".strata/modules").exists());

    // A constraint Terraform's install no longer meets needs an install of strata's own.
    p.write(
        "main.tf",
        "module \"db\" {\n  source  = \"acme/db/aws\"\n  version = \"~> 2.0\"\n}\n",
    );
    let run = p
        .strata(&["validate"])
        .fails("validate needing a new version");
    assert!(
        run.stderr.contains("db (version constraint changed)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> main.tf:2:13"), "{}", run.stderr);
}
