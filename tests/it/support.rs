//! Driving the real `strata` binary as a subprocess against one emulated account, in a private
//! copy of `examples/webapp` and `modules/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use crate::emulator::{Emulator, TestAccount};

/// The literal database password every engine test passes; it must never be printed or stored.
pub const PASSWORD: &str = "Tr0ub4dor-and-3-horses-x9q";

/// The binary under test. `STRATA_TEST_BIN` (when set and not empty) overrides it: a target
/// directory shared by several checkouts may hold another checkout's `target/debug/strata`.
pub fn strata_bin() -> PathBuf {
    std::env::var_os("STRATA_TEST_BIN")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_strata")))
}

/// One command's result.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn both(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A copy of the example in a temporary directory, bound to a fresh emulated account.
pub struct Workdir {
    pub account: TestAccount,
    _tmp: tempfile::TempDir,
    root: PathBuf,
    example: String,
    /// Extra environment for every run (more variables of the example).
    pub env: Vec<(String, String)>,
    /// Everything every command printed, for the secret check.
    transcript: Mutex<Vec<String>>,
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Workdir {
    /// `examples/webapp` and `modules/` copied side by side, so `../../modules/...` resolves.
    pub fn webapp() -> Workdir {
        Workdir::example("webapp")
    }

    /// Any directory of `examples/`, with `modules/` beside it.
    pub fn example(name: &str) -> Workdir {
        let account = Emulator::shared().account();
        let tmp = tempfile::tempdir().unwrap();
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_dir(
            &manifest.join("examples").join(name),
            &tmp.path().join("examples").join(name),
        );
        copy_dir(&manifest.join("modules"), &tmp.path().join("modules"));
        let root = tmp.path().to_path_buf();
        Workdir {
            account,
            _tmp: tmp,
            root,
            example: name.to_string(),
            env: Vec::new(),
            transcript: Mutex::new(Vec::new()),
        }
    }

    /// The configuration directory (`-C`).
    pub fn dir(&self) -> PathBuf {
        self.root.join("examples").join(&self.example)
    }

    pub fn module_dir(&self) -> PathBuf {
        self.root.join("modules/web-db-stack")
    }

    pub fn state_path(&self) -> PathBuf {
        self.dir().join("strata.tfstate")
    }

    /// Runs `strata -C DIR ARGS...` with the account's env; stdin is closed.
    pub fn strata(&self, args: &[&str]) -> Run {
        let out = self.command(args).output().expect("run strata");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.transcript.lock().unwrap().push(format!(
            "$ strata {}\n{}",
            args.join(" "),
            run.both()
        ));
        run
    }

    /// The command `strata` runs, for a test that spawns it itself (to kill it, or to run
    /// several at once).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare_command(&[]);
        cmd.arg("-C").arg(self.dir()).args(args);
        cmd
    }

    /// `command` without the `-C DIR`: the environment only, run in the copy's root.
    pub fn bare_command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(strata_bin());
        cmd.current_dir(&self.root).args(args);
        // Nothing of the developer's environment may steer the run.
        for (k, _) in std::env::vars() {
            if k.starts_with("TF_VAR_")
                || k.starts_with("STRATA_VAR_")
                || k.starts_with("AWS_")
                || k.starts_with("TF_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.envs(
            self.account
                .env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .env("STRATA_POLL_INTERVAL_MS", "50")
        .env("STRATA_VAR_db_password", PASSWORD)
        .env("NO_COLOR", "1")
        .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null());
        cmd
    }

    /// Runs and asserts the exit code, showing the output on failure.
    pub fn expect(&self, code: i32, args: &[&str]) -> Run {
        let run = self.strata(args);
        assert_eq!(
            run.code,
            code,
            "strata {} exited {} (expected {code})\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            run.code,
            run.stdout,
            run.stderr
        );
        run
    }

    /// Replaces `from` by `to` in a file of the copied configuration (once; it must be there).
    pub fn edit(&self, file: &Path, from: &str, to: &str) {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains(from),
            "{} does not contain {from:?}",
            file.display()
        );
        std::fs::write(file, text.replacen(from, to, 1)).unwrap();
    }

    /// Every command's output so far, and the state files, hold no trace of the password.
    pub fn assert_no_secret_leaked(&self) {
        for text in self.transcript.lock().unwrap().iter() {
            assert!(
                !text.contains(PASSWORD),
                "the password was printed:\n{text}"
            );
        }
        for name in ["strata.tfstate", "strata.tfstate.backup"] {
            let path = self.dir().join(name);
            if let Ok(text) = std::fs::read_to_string(&path) {
                assert!(!text.contains(PASSWORD), "the password is in {name}");
            }
        }
    }
}

/// Replaces emulator-assigned ids, account ids, times and maintenance windows by placeholders.
pub fn normalise(text: &str, account_id: &str) -> String {
    let rules: &[(&str, &str)] = &[
        (r"\bsg-[0-9a-f]+\b", "sg-ID"),
        (r"\bsubnet-[0-9a-f]+\b", "subnet-ID"),
        (r"\bvpc-[0-9a-f]+\b", "vpc-ID"),
        (r"\bdb-[0-9A-Z]{10,}\b", "db-RESOURCEID"),
        (
            r":key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            ":key/KEYID",
        ),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
            "TIMESTAMP",
        ),
        (
            r"\b(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}\b",
            "WEEKLY-WINDOW",
        ),
        (r"\b\d{2}:\d{2}-\d{2}:\d{2}\b", "DAILY-WINDOW"),
        (r"\(\d+m?\d*s elapsed\)", "(ELAPSED)"),
    ];
    let mut out = text.replace(account_id, "ACCOUNT");
    for (pattern, with) in rules {
        out = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, *with)
            .into_owned();
    }
    out
}

/// What the engine plans for a create from this (partial) configuration: the real differ
/// (defaults, plan modifiers such as generated names, the type's own adjustments), after the
/// configuration passed validation; sensitive values marked, as apply hands them over.
pub fn plan_create(
    rt: &dyn strata::provider::ResourceType,
    config: &strata::value::Value,
) -> strata::value::Value {
    let mut problems = rt.schema().problems(config);
    problems.extend(rt.validate(config));
    assert!(
        problems.is_empty(),
        "{:?}",
        problems.iter().map(|p| &p.message).collect::<Vec<_>>()
    );
    strata::plan::diff::diff(rt, None, config, &Default::default()).planned
}

/// What the engine plans for an in-place update: the prior state with changed arguments,
/// through the schema's plan modifiers and the type's own adjustments.
pub fn plan_update(
    rt: &dyn strata::provider::ResourceType,
    prior: &strata::value::Value,
    changes: Vec<(&str, strata::value::Value)>,
) -> strata::value::Value {
    let mut planned = prior.clone();
    if let strata::value::Value::Map(m) = &mut planned {
        for (k, v) in changes {
            // A block written in the configuration gets its attributes' defaults, as the
            // engine plans it.
            let v = if rt.schema().block_type(k).is_some() {
                let config = strata::value::Value::Map([(k.to_string(), v)].into());
                strata::plan::diff::proposed(rt.schema(), None, &config, &Default::default())
                    .get(k)
                    .cloned()
                    .unwrap_or_default()
            } else {
                v
            };
            m.insert(k.to_string(), v);
        }
    }
    let config = planned.clone();
    rt.schema().modify_plan(Some(prior), &config, &mut planned);
    rt.customize_plan(Some(prior), &mut planned);
    planned
}

/// Resource types called directly, as the provider_network* tests do.
pub mod objects {
    use super::plan_create;
    use strata::eval::Value;
    use strata::provider::{obj, resource_type, Ctx, ResourceType};

    pub fn rt(name: &str) -> &'static dyn ResourceType {
        resource_type(name).unwrap_or_else(|| panic!("{name} is registered"))
    }

    pub fn config(pairs: Vec<(&str, Value)>) -> Value {
        Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    pub async fn create(ctx: &Ctx, type_: &str, pairs: Vec<(&str, Value)>) -> Value {
        let t = rt(type_);
        t.create(ctx, &plan_create(t, &config(pairs)))
            .await
            .unwrap()
    }

    pub fn id(v: &Value) -> String {
        obj::string(v, "id").unwrap()
    }
}
