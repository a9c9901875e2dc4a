//! The AWS emulator the integration tests talk to: moto's server (a real implementation of the
//! AWS APIs, pinned in `scripts/setup-emulator.sh`), started by `tests/emulator/launcher.py`.
//!
//! One server per test binary, started on first use on a free loopback port. Each test takes a
//! fresh AWS account from it ([`Emulator::account`]), so tests run in parallel without seeing
//! each other's resources.
//!
//! The launcher exits when its stdin reaches EOF; this process holds the write end of that pipe
//! for its whole life, so the server dies with the test binary, even on a crash or a kill.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_ec2::config::{Credentials, ProvideCredentials, Region};

const NOT_INSTALLED: &str = "AWS emulator not installed: run scripts/setup-emulator.sh";
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// The region tests use unless they say otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A running moto server.
pub struct Emulator {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    log: PathBuf,
    _child: Child,
    /// Held, never written: dropping it (at process exit) stops the server.
    _stdin: ChildStdin,
}

static SHARED: OnceLock<Emulator> = OnceLock::new();
static NEXT_ACCOUNT: AtomicU64 = AtomicU64::new(0);

impl Emulator {
    /// One server per test binary, started on first use, on a free loopback port.
    ///
    /// Panics (never skips, with or without `CI=true`) when the emulator is not installed or
    /// does not come up.
    pub fn shared() -> &'static Emulator {
        SHARED.get_or_init(Emulator::start)
    }

    fn start() -> Emulator {
        let python = python_path();
        if !python.is_file() {
            panic!("{NOT_INSTALLED} ({} not found)", python.display());
        }
        let has_moto = Command::new(&python)
            .args(["-c", "import moto.server"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !has_moto {
            panic!(
                "{NOT_INSTALLED} (moto[server] cannot be imported by {})",
                python.display()
            );
        }

        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let launcher = manifest.join("tests/emulator/launcher.py");
        let log = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("aws-emulator-{}.log", std::process::id()));
        let log_file = std::fs::File::create(&log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));

        let mut child = Command::new(&python)
            .arg(&launcher)
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log_file)
            // moto reads these: keep the developer's own settings out of the emulator.
            .env_remove("MOTO_ACCOUNT_ID")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .spawn()
            .unwrap_or_else(|e| panic!("{NOT_INSTALLED} (cannot run {}: {e})", python.display()));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");

        // The launcher prints `READY 127.0.0.1:PORT` once it answers requests.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("READY ") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });

        let deadline = Instant::now() + READY_TIMEOUT;
        let addr: SocketAddr = loop {
            match rx.recv_timeout(Duration::from_millis(100)) {
                Ok(addr) => {
                    break addr
                        .parse()
                        .unwrap_or_else(|e| panic!("launcher printed a bad address {addr:?}: {e}"))
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().ok();
                    panic!(
                        "AWS emulator exited before it was ready ({status:?}):\n{}",
                        read_log(&log)
                    );
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "AWS emulator exited before it was ready ({status}):\n{}",
                    read_log(&log)
                );
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "AWS emulator not ready after {READY_TIMEOUT:?}:\n{}",
                    read_log(&log)
                );
            }
        };

        // Poll the port until it answers.
        while TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!(
                    "AWS emulator does not answer on {addr} after {READY_TIMEOUT:?}:\n{}",
                    read_log(&log)
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }

        Emulator {
            endpoint: format!("http://{addr}"),
            log,
            _child: child,
            _stdin: stdin,
        }
    }

    /// A fresh, isolated AWS account for one test.
    ///
    /// moto keeps its state per account id and, in server mode, picks the account of a request
    /// from its access key id. STS `AssumeRole` on `arn:aws:iam::ACCOUNT:role/...` returns
    /// temporary credentials whose access key id belongs to ACCOUNT, exactly as a cross-account
    /// role would in AWS; the returned env vars carry those credentials, so a strata subprocess
    /// (or any SDK client) lands in that account with no emulator-specific setting.
    pub fn account(&self) -> TestAccount {
        let n = NEXT_ACCOUNT.fetch_add(1, Ordering::Relaxed);
        // 12 digits, away from moto's default account 123456789012.
        let account_id = format!(
            "{:012}",
            200_000_000_000 + u64::from(std::process::id()) * 10_000 + n
        );
        let role_arn = format!("arn:aws:iam::{account_id}:role/strata-test");
        let endpoint = self.endpoint.clone();

        // `account()` is sync and may be called from inside a tokio runtime: do the STS call on
        // a thread of its own with its own runtime.
        let creds = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime")
                .block_on(async move {
                    let base = config(&endpoint, DEFAULT_REGION, bootstrap_credentials()).await;
                    aws_config::sts::AssumeRoleProvider::builder(role_arn)
                        .session_name("strata-test")
                        .configure(&base)
                        .build()
                        .await
                        .provide_credentials()
                        .await
                })
        })
        .join()
        .expect("AssumeRole thread panicked")
        .unwrap_or_else(|e| {
            panic!(
                "AssumeRole into account {account_id} failed: {e:?}\n{}",
                read_log(&self.log)
            )
        });

        let mut env = vec![
            ("AWS_ENDPOINT_URL".to_string(), self.endpoint.clone()),
            (
                "AWS_ACCESS_KEY_ID".to_string(),
                creds.access_key_id().to_string(),
            ),
            (
                "AWS_SECRET_ACCESS_KEY".to_string(),
                creds.secret_access_key().to_string(),
            ),
        ];
        if let Some(token) = creds.session_token() {
            env.push(("AWS_SESSION_TOKEN".to_string(), token.to_string()));
        }
        for (k, v) in [
            ("AWS_REGION", DEFAULT_REGION),
            ("AWS_DEFAULT_REGION", DEFAULT_REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            // Keep the developer's own profiles and files out of the test.
            ("AWS_CONFIG_FILE", "/nonexistent/strata-test/aws-config"),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/strata-test/aws-credentials",
            ),
        ] {
            env.push((k.to_string(), v.to_string()));
        }

        TestAccount {
            account_id,
            endpoint: self.endpoint.clone(),
            credentials: creds,
            env,
        }
    }
}

/// One isolated AWS account in the emulator.
#[derive(Clone)]
pub struct TestAccount {
    pub account_id: String,
    /// The env vars a strata subprocess needs to work in this account: `AWS_ENDPOINT_URL`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`
    /// (us-east-1), `AWS_EC2_METADATA_DISABLED=true`, and paths that keep `~/.aws` out.
    pub env: Vec<(String, String)>,
    endpoint: String,
    credentials: Credentials,
}

impl TestAccount {
    /// SDK config for verification clients in this account.
    pub async fn sdk_config(&self, region: &str) -> aws_config::SdkConfig {
        config(&self.endpoint, region, self.credentials.clone()).await
    }

    pub async fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.sdk_config(region).await)
    }

    pub async fn rds(&self, region: &str) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.sdk_config(region).await)
    }

    pub async fn elasticache(&self, region: &str) -> aws_sdk_elasticache::Client {
        aws_sdk_elasticache::Client::new(&self.sdk_config(region).await)
    }

    /// Path-style addressing: the emulator serves buckets under its own host.
    pub async fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config(region).await)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// What strata's resource types get in one region of this account: polls every 100 ms.
    pub async fn provider_ctx(&self, region: &str) -> strata::provider::Ctx {
        strata::provider::Ctx {
            aws: std::sync::Arc::new(strata::provider::Aws::from_config(
                self.sdk_config(region).await,
                Duration::from_millis(100),
            )),
            settings: strata::provider::ProviderSettings {
                region: region.into(),
                ..Default::default()
            },
        }
    }

    pub async fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.sdk_config(region).await)
    }

    pub async fn tagging(&self, region: &str) -> aws_sdk_resourcegroupstagging::Client {
        aws_sdk_resourcegroupstagging::Client::new(&self.sdk_config(region).await)
    }

    /// IAM is global: one client serves the account whatever the region.
    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config(DEFAULT_REGION).await)
    }

    pub async fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.sdk_config(region).await)
    }

    pub async fn secretsmanager(&self, region: &str) -> aws_sdk_secretsmanager::Client {
        aws_sdk_secretsmanager::Client::new(&self.sdk_config(region).await)
    }

    pub async fn redshift(&self, region: &str) -> aws_sdk_redshift::Client {
        aws_sdk_redshift::Client::new(&self.sdk_config(region).await)
    }
}

async fn config(endpoint: &str, region: &str, credentials: Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .load()
        .await
}

/// Credentials that only serve to call STS AssumeRole (moto does not check them).
fn bootstrap_credentials() -> Credentials {
    Credentials::new(
        "AKIASTRATATESTBOOT00",
        "strata-test-secret",
        None,
        None,
        "strata-emulator",
    )
}

pub fn python_path() -> PathBuf {
    match std::env::var_os("STRATA_EMULATOR_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python"),
    }
}

fn read_log(path: &Path) -> String {
    let mut text = String::new();
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let _ = f.read_to_string(&mut text);
        }
        Err(e) => text = format!("(cannot read {}: {e})", path.display()),
    }
    // The end of the log is what explains a failure.
    const MAX: usize = 20_000;
    if text.len() > MAX {
        let mut start = text.len() - MAX;
        while !text.is_char_boundary(start) {
            start += 1;
        }
        text = format!("…{}", &text[start..]);
    }
    format!("--- {} ---\n{text}", path.display())
}

/// How many calls of `action`, of any service, a provider context has made so far (the
/// counter's keys are `Service.Action`: `RDS.ListTagsForResource`,
/// `Resource Groups Tagging API.GetResources`).
pub fn api_calls(ctx: &strata::provider::Ctx, action: &str) -> u64 {
    let suffix = format!(".{action}");
    ctx.aws
        .api_calls
        .snapshot()
        .iter()
        .filter(|(k, _)| k.ends_with(&suffix))
        .map(|(_, n)| n)
        .sum()
}
