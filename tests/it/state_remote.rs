//! Remote state on the emulator's S3: conditional-write locks and writes, workspaces, the real
//! binary racing for one lock, and state / plan encryption (passphrase and KMS).

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use strata::state::blocking::Blocking;
use strata::state::{
    Backend, Encryption, InstanceState, LocalBackend, LockInfo, S3Backend, S3Settings, State,
    StateError,
};

use crate::emulator::{Emulator, TestAccount, DEFAULT_REGION};

const KEY: &str = "data/strata.tfstate";

fn sample(serial: u64) -> State {
    let mut s = State::new();
    s.serial = serial;
    s.lineage = "3f0c2a5e-lineage-of-the-tests".into();
    s.set_instance(
        &"aws_security_group.db".parse().unwrap(),
        "provider[\"registry.terraform.io/hashicorp/aws\"]",
        InstanceState::new(
            serde_json::json!({ "id": "sg-123", "name": "db" }),
            "us-east-1",
        ),
    );
    s
}

struct Fixture {
    account: TestAccount,
    s3: aws_sdk_s3::Client,
    bucket: String,
    runner: Arc<Blocking>,
}

impl Fixture {
    async fn new() -> Fixture {
        let account = Emulator::shared().account();
        let s3 = account.s3(DEFAULT_REGION).await;
        let bucket = format!("strata-state-{}", account.account_id);
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        Fixture {
            account,
            s3,
            bucket,
            runner: Arc::new(Blocking::new().unwrap()),
        }
    }

    fn settings(&self) -> S3Settings {
        S3Settings::new(&self.bucket, KEY)
    }

    fn backend(&self, workspace: &str, enc: Option<Arc<Encryption>>) -> S3Backend {
        S3Backend::with_client(
            self.s3.clone(),
            &self.settings(),
            workspace,
            enc,
            self.runner.clone(),
        )
        .unwrap()
    }

    async fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => Some(o.body.collect().await.unwrap().into_bytes().to_vec()),
            Err(_) => None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_with_server_side_encryption_and_workspaces() {
    let f = Fixture::new().await;
    let mut settings = f.settings();
    settings.encrypt = true;
    let b =
        S3Backend::with_client(f.s3.clone(), &settings, "default", None, f.runner.clone()).unwrap();
    assert_eq!(b.describe(), format!("s3 state s3://{}/{KEY}", f.bucket));
    assert!(b.read().unwrap().is_none());
    let s = sample(1);
    b.write(&s).unwrap();
    assert_eq!(b.read().unwrap().unwrap(), s);
    let head =
        f.s3.head_object()
            .bucket(&f.bucket)
            .key(KEY)
            .send()
            .await
            .unwrap();
    assert_eq!(
        head.server_side_encryption(),
        Some(&aws_sdk_s3::types::ServerSideEncryption::Aes256)
    );
    // A fresh backend (another process) sees it too, and writes over it after reading.
    let other = f.backend("default", None);
    let mut s2 = other.read().unwrap().unwrap();
    s2.serial += 1;
    other.write(&s2).unwrap();
    assert_eq!(
        f.backend("default", None).read().unwrap().unwrap().serial,
        2
    );

    // Workspaces: env:/<ws>/<key>, separate from the default state.
    let staging = f.backend("staging", None);
    assert!(staging.read().unwrap().is_none());
    staging.write(&sample(7)).unwrap();
    let raw = f
        .get(&format!("env:/staging/{KEY}"))
        .await
        .expect("env:/staging/<key>");
    let stored: State = serde_json::from_slice(&raw).unwrap();
    assert_eq!(stored.serial, 7);
    assert_eq!(
        f.backend("default", None).read().unwrap().unwrap().serial,
        2
    );
    let mut custom = f.settings();
    custom.workspace_key_prefix = "workspaces".into();
    assert_eq!(
        custom.state_key("prod").unwrap(),
        format!("workspaces/prod/{KEY}")
    );
    assert!(f.settings().state_key("../x").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_from_inside_an_async_runtime_like_the_apply() {
    let f = Fixture::new().await;
    let b: Arc<dyn Backend> = Arc::new(f.backend("default", None));
    let b2 = b.clone();
    // Ledger::save calls backend.write from the apply's tasks.
    tokio::spawn(async move {
        let _lock = b2.lock("apply").unwrap();
        for serial in 1..=3 {
            b2.write(&sample(serial)).unwrap();
        }
    })
    .await
    .unwrap();
    assert_eq!(b.read().unwrap().unwrap().serial, 3);
    assert!(
        f.get(&format!("{KEY}.tflock")).await.is_none(),
        "lock released"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_lock_fails_at_once_naming_the_holder() {
    let f = Fixture::new().await;
    let a = f.backend("default", None);
    let guard = a.lock("apply").unwrap();
    let held: LockInfo =
        serde_json::from_slice(&f.get(&format!("{KEY}.tflock")).await.unwrap()).unwrap();
    assert_eq!(&held, guard.info());

    let started = Instant::now();
    let err = f
        .backend("default", None)
        .lock("plan")
        .map(|_| ())
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match &err {
        StateError::Locked {
            info: Some(i),
            path,
        } => {
            assert_eq!(i, guard.info());
            assert!(path.ends_with(".tflock"), "{path}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&held.who) && msg.contains("for `apply`"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("strata force-unlock {}", held.id)),
        "{msg}"
    );

    // Another workspace has its own lock.
    drop(f.backend("staging", None).lock("apply").unwrap());
    drop(guard);
    assert!(f.get(&format!("{KEY}.tflock")).await.is_none());
    drop(f.backend("default", None).lock("plan").unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_lock_is_reported_with_holder_and_age_and_force_unlocked_by_id() {
    let f = Fixture::new().await;
    let mut stale = LockInfo::new("apply");
    stale.who = "ci@runner-7".into();
    stale.pid = 4242;
    stale.created = (time::OffsetDateTime::now_utc() - time::Duration::hours(3))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let lock_key = format!("{KEY}.tflock");
    f.s3.put_object()
        .bucket(&f.bucket)
        .key(&lock_key)
        .body(serde_json::to_vec(&stale).unwrap().into())
        .send()
        .await
        .unwrap();

    let b = f.backend("default", None);
    let err = b.lock("plan").map(|_| ()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, StateError::Locked { info: Some(_), .. }),
        "{msg}"
    );
    assert!(msg.contains("ci@runner-7 (pid 4242)"), "{msg}");
    assert!(
        msg.contains("(3h00m ago)") || msg.contains("(3h01m ago)"),
        "{msg}"
    );

    let err = b.force_unlock("not-the-id").unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
    assert!(err.to_string().contains(&stale.id), "{err}");
    assert!(
        f.get(&lock_key).await.is_some(),
        "a wrong id leaves the lock"
    );

    b.force_unlock(&stale.id).unwrap();
    assert!(f.get(&lock_key).await.is_none());
    assert!(matches!(
        b.force_unlock(&stale.id),
        Err(StateError::NotLocked { .. })
    ));
    drop(b.lock("plan").unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_writer_is_never_overwritten() {
    let f = Fixture::new().await;
    f.backend("default", None).write(&sample(1)).unwrap();

    let ours = f.backend("default", None);
    let mut mine = ours.read().unwrap().unwrap();
    // Someone else writes in between.
    let theirs = f.backend("default", None);
    let mut other = theirs.read().unwrap().unwrap();
    other.serial = 50;
    theirs.write(&other).unwrap();

    mine.serial = 2;
    let err = ours.write(&mine).unwrap_err();
    assert!(matches!(err, StateError::ConcurrentWrite { .. }), "{err}");
    assert!(
        err.to_string().contains("another process wrote the state"),
        "{err}"
    );
    let stored: State = serde_json::from_slice(&f.get(KEY).await.unwrap()).unwrap();
    assert_eq!(stored.serial, 50, "the other writer's state survives");

    // No state when we read; another process creates one; our create is refused.
    let first = f.backend("fresh", None);
    assert!(first.read().unwrap().is_none());
    let second = f.backend("fresh", None);
    assert!(second.read().unwrap().is_none());
    second.write(&sample(9)).unwrap();
    let err = first.write(&sample(1)).unwrap_err();
    assert!(matches!(err, StateError::ConcurrentWrite { .. }), "{err}");
    let stored: State =
        serde_json::from_slice(&f.get(&format!("env:/fresh/{KEY}")).await.unwrap()).unwrap();
    assert_eq!(stored.serial, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passphrase_encryption_over_s3_and_a_wrong_passphrase_changes_nothing() {
    let f = Fixture::new().await;
    let enc = Some(Arc::new(Encryption::passphrase("correct horse battery")));
    let b = f.backend("default", enc.clone());
    b.write(&sample(4)).unwrap();
    let raw = f.get(KEY).await.unwrap();
    let env: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(env["strata_encrypted"], 1);
    assert_eq!(env["method"], "passphrase");
    assert_eq!(env["kdf"]["algorithm"], "argon2id");
    assert!(!String::from_utf8_lossy(&raw).contains("sg-123"));
    let again = Some(Arc::new(Encryption::passphrase("correct horse battery")));
    assert_eq!(
        f.backend("default", again).read().unwrap().unwrap(),
        sample(4)
    );

    // Wrong passphrase: read and write both refuse; the object is unchanged.
    let wrong = f.backend(
        "default",
        Some(Arc::new(Encryption::passphrase("wrong horse!!"))),
    );
    let msg = wrong.read().unwrap_err().to_string();
    assert!(msg.contains("passphrase is wrong"), "{msg}");
    assert!(wrong.write(&sample(5)).is_err());
    // No key at all.
    let none = f.backend("default", None);
    let msg = none.read().unwrap_err().to_string();
    assert!(
        msg.contains("encrypted") && msg.contains("encryption"),
        "{msg}"
    );
    assert!(none.write(&sample(5)).is_err());
    assert_eq!(f.get(KEY).await.unwrap(), raw, "bytes unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kms_encryption_round_trip_on_local_state() {
    let f = Fixture::new().await;
    let kms = f.account.kms(DEFAULT_REGION).await;
    let key = kms.create_key().send().await.unwrap();
    let key_id = key.key_metadata().unwrap().key_id().to_string();
    let tmp = tempfile::tempdir().unwrap();
    let enc = Arc::new(Encryption::kms(&key_id, kms.clone(), f.runner.clone()));
    let b = LocalBackend::new(tmp.path(), "default")
        .unwrap()
        .with_encryption(Some(enc));
    b.write(&sample(3)).unwrap();
    let raw = std::fs::read(b.path()).unwrap();
    let env: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(env["method"], "kms");
    assert_eq!(env["kms_key_id"], key_id.as_str());
    assert!(env["encrypted_key"].as_str().unwrap().len() > 20);
    // A new process: decrypts the data key with KMS.
    let fresh = Arc::new(Encryption::kms(&key_id, kms, f.runner.clone()));
    let b2 = LocalBackend::new(tmp.path(), "default")
        .unwrap()
        .with_encryption(Some(fresh));
    assert_eq!(b2.read().unwrap().unwrap(), sample(3));
    // Without the key configured the file is refused and left alone.
    let plain = LocalBackend::new(tmp.path(), "default").unwrap();
    assert!(plain.read().is_err());
    assert!(plain.write(&sample(4)).is_err());
    assert_eq!(std::fs::read(b.path()).unwrap(), raw);
}

#[test]
fn local_passphrase_migration_and_wrong_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    // A plain state written before encryption was configured.
    let plain = LocalBackend::new(tmp.path(), "default").unwrap();
    plain.write(&sample(1)).unwrap();
    let enc = Some(Arc::new(Encryption::passphrase("a long passphrase")));
    let b = LocalBackend::new(tmp.path(), "default")
        .unwrap()
        .with_encryption(enc);
    // Read plain, write encrypted.
    let mut s = b.read().unwrap().unwrap();
    assert_eq!(s, sample(1));
    s.serial = 2;
    b.write(&s).unwrap();
    let raw = std::fs::read(b.path()).unwrap();
    assert!(strata::state::encryption::is_envelope(&raw));
    assert_eq!(b.read().unwrap().unwrap().serial, 2);

    let wrong = LocalBackend::new(tmp.path(), "default")
        .unwrap()
        .with_encryption(Some(Arc::new(Encryption::passphrase("not the passphrase"))));
    let msg = wrong.read().unwrap_err().to_string();
    assert!(msg.contains("passphrase is wrong"), "{msg}");
    assert!(msg.contains("did not change anything"), "{msg}");
    let err = wrong.write(&sample(3)).unwrap_err();
    assert!(matches!(err, StateError::Encryption { .. }), "{err}");
    assert_eq!(
        std::fs::read(b.path()).unwrap(),
        raw,
        "file bytes unchanged"
    );
}

fn strata(dir: &std::path::Path, account: &TestAccount, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strata"));
    cmd.arg("-C")
        .arg(dir)
        .args(args)
        .envs(account.env.iter().cloned());
    cmd.env("NO_COLOR", "1")
        .env_remove("STRATA_WORKSPACE")
        .env_remove("TF_WORKSPACE")
        .stdin(Stdio::null());
    cmd
}

/// Starts `n` strata processes with `args` at once and waits for them all: each one's output
/// and when it ended, from the start of the race.
fn race(
    dir: &std::path::Path,
    account: &TestAccount,
    args: &[&str],
    n: usize,
    env: &[(&str, String)],
) -> Vec<(std::process::Output, Duration)> {
    let started = Instant::now();
    let children: Vec<_> = (0..n)
        .map(|_| {
            strata(dir, account, args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Each child timed by a thread of its own.
    children
        .into_iter()
        .map(|c| {
            std::thread::spawn(move || {
                let out = c.wait_with_output().unwrap();
                (out, started.elapsed())
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect()
}

fn write_config(dir: &std::path::Path, bucket: &str, extra: &str) {
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"
terraform {{
  backend "s3" {{
    bucket = "{bucket}"
    key    = "{KEY}"
    region = "us-east-1"
    encrypt = true
  }}
{extra}
}}

variable "state_passphrase" {{
  type      = string
  default   = "correct horse battery staple"
  sensitive = true
}}

resource "aws_security_group" "db" {{
  name        = "db"
  description = "database"
}}
"#
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_plan_processes_one_wins_the_others_fail_fast() {
    let f = Fixture::new().await;
    let tmp = tempfile::tempdir().unwrap();
    write_config(tmp.path(), &f.bucket, "");
    let hold = Duration::from_secs(6);
    let outs = race(
        tmp.path(),
        &f.account,
        &["plan"],
        4,
        &[("STRATA_DEBUG_HOLD_LOCK_MS", hold.as_millis().to_string())],
    );
    let winners: Vec<_> = outs.iter().filter(|(o, _)| o.status.success()).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:#?}",
        outs.iter()
            .map(|(o, _)| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect::<Vec<_>>()
    );
    assert!(String::from_utf8_lossy(&winners[0].0.stdout).contains("aws_security_group.db"));
    for (o, _) in outs.iter().filter(|(o, _)| !o.status.success()) {
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("the state is locked by"), "{err}");
        assert!(err.contains("for `plan`"), "{err}");
        assert!(err.contains("strata force-unlock"), "{err}");
    }
    // The losers did not wait for the holder: they ended before its hold was over.
    let winner_time = winners[0].1;
    assert!(winner_time >= hold);
    for (_, t) in outs.iter().filter(|(o, _)| !o.status.success()) {
        assert!(*t < hold, "a loser took {t:?}, not failing fast");
    }
    assert!(
        f.get(&format!("{KEY}.tflock")).await.is_none(),
        "the winner released the lock"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_migrates_local_state_to_s3_encrypted_and_back_and_pull_push_work() {
    let f = Fixture::new().await;
    let tmp = tempfile::tempdir().unwrap();
    // Start local, no backend block.
    LocalBackend::new(tmp.path(), "default")
        .unwrap()
        .write(&sample(5))
        .unwrap();
    write_config(
        tmp.path(),
        &f.bucket,
        "  encryption {\n    passphrase = var.state_passphrase\n  }",
    );
    let out = strata(tmp.path(), &f.account, &["state", "migrate", "--to", "s3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("encrypted (passphrase)"));
    let raw = f.get(KEY).await.unwrap();
    assert!(strata::state::encryption::is_envelope(&raw));

    // state pull decrypts from S3.
    let out = strata(tmp.path(), &f.account, &["state", "pull"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pulled: State = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(pulled, sample(5));
    // push a newer serial.
    let mut newer = pulled.clone();
    newer.serial = 6;
    std::fs::write(
        tmp.path().join("new.json"),
        serde_json::to_vec(&newer).unwrap(),
    )
    .unwrap();
    let out = strata(tmp.path(), &f.account, &["state", "push", "new.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A second migrate to s3 refuses to replace the state there without --force.
    let out = strata(tmp.path(), &f.account, &["state", "migrate", "--to", "s3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a state"));

    // Back to local (encrypted there too).
    std::fs::remove_file(tmp.path().join("strata.tfstate")).unwrap();
    let out = strata(
        tmp.path(),
        &f.account,
        &["state", "migrate", "--to", "local"],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let local = std::fs::read(tmp.path().join("strata.tfstate")).unwrap();
    assert!(strata::state::encryption::is_envelope(&local));

    // A wrong passphrase: a clear error, the S3 object unchanged.
    let before = f.get(KEY).await.unwrap();
    let out = strata(tmp.path(), &f.account, &["state", "pull"])
        .env("TF_VAR_state_passphrase", "definitely wrong")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("passphrase is wrong"));
    assert_eq!(f.get(KEY).await.unwrap(), before);

    // Plan files are encrypted the same way.
    let out = strata(tmp.path(), &f.account, &["plan", "--out", "p.plan"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = std::fs::read(tmp.path().join("p.plan")).unwrap();
    assert!(strata::state::encryption::is_envelope(&plan));
    let out = strata(tmp.path(), &f.account, &["show", "p.plan"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("aws_security_group.db"));
}

#[test]
fn unknown_backend_types_are_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        "terraform {\n  backend \"gcs\" {\n    bucket = \"x\"\n  }\n}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_strata"))
        .arg("-C")
        .arg(tmp.path())
        .args(["state", "list"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Unsupported backend type \"gcs\""), "{err}");
    assert!(err.contains("\"local\", \"s3\""), "{err}");
}

/// Issue #6: several applies at once on one S3 state: exactly one runs, the others fail fast
/// with the lock message, and the state's serial is that of exactly one apply (a second
/// apply, even one changing nothing, would raise it). Checked through S3 and EC2 directly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_applies_on_s3_one_wins_and_the_serial_is_one_applys() {
    // The serial a single apply produces, in an account of its own.
    let single = {
        let f = Fixture::new().await;
        let tmp = tempfile::tempdir().unwrap();
        write_config(tmp.path(), &f.bucket, "");
        let out = strata(tmp.path(), &f.account, &["apply", "--auto-approve"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let state: State = serde_json::from_slice(&f.get(KEY).await.unwrap()).unwrap();
        state.serial
    };

    let f = Fixture::new().await;
    let tmp = tempfile::tempdir().unwrap();
    write_config(tmp.path(), &f.bucket, "");
    let outs = race(tmp.path(), &f.account, &["apply", "--auto-approve"], 4, &[]);
    let stderrs: Vec<String> = outs
        .iter()
        .map(|(o, _)| String::from_utf8_lossy(&o.stderr).into_owned())
        .collect();
    let winners: Vec<usize> = (0..4).filter(|&i| outs[i].0.status.success()).collect();
    assert_eq!(winners.len(), 1, "exactly one apply must win: {stderrs:#?}");
    for (i, (o, took)) in outs.iter().enumerate() {
        if i == winners[0] {
            continue;
        }
        assert_eq!(o.status.code(), Some(1), "{}", stderrs[i]);
        assert!(
            stderrs[i].contains("the state is locked by") && stderrs[i].contains("for `apply`"),
            "{}",
            stderrs[i]
        );
        assert!(
            *took < Duration::from_secs(10),
            "a losing apply took {took:?}"
        );
    }
    let state: State = serde_json::from_slice(&f.get(KEY).await.unwrap()).unwrap();
    assert_eq!(state.serial, single, "not the serial of exactly one apply");
    assert!(state.journal.is_empty());
    assert!(
        f.get(&format!("{KEY}.tflock")).await.is_none(),
        "lock left behind"
    );
    let groups = f
        .account
        .ec2(DEFAULT_REGION)
        .await
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("db")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups().len(), 1, "{groups:?}");
    eprintln!(
        "faults: 4 applies at once on S3: 1 exit 0, 3 exit 1 naming the holder; serial {} = a single apply's",
        state.serial
    );
}
