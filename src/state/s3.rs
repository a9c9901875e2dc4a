//! The S3 backend: `terraform { backend "s3" { bucket, key, region, ... } }`.
//!
//! - Workspace `default` is stored at `key`, others at `<workspace_key_prefix>/<ws>/<key>`
//!   (`env:/staging/<key>` by default), as Terraform does.
//! - The lock is the object `<state key>.tflock`, created with `If-None-Match: *` and holding the
//!   holder's `LockInfo`; S3 answers 412 when it exists, so exactly one process gets it. The
//!   guard deletes it (with `If-Match` on its own ETag, so never someone else's) when dropped. A
//!   lock object left by a process that died stays until `strata force-unlock ID`.
//! - Writes are conditional on what was read: `If-Match: <ETag>` (or `If-None-Match: *` when
//!   there was no state), so a concurrent writer is never overwritten. Just PutObject: on a
//!   versioned bucket every write is a version, and none is ever deleted.
//! - The `Backend` trait is synchronous; calls run on the backend's own small runtime
//!   (`blocking::Blocking`), which works from sync code and from inside the apply's runtime.

use super::blocking::Blocking;
use super::encryption::{self, Encryption};
use super::local::valid_workspace;
use super::model::{State, STATE_VERSION};
use super::{Backend, LockGuard, LockInfo, StateError};
use crate::sdk_error::describe as describe_error;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use std::sync::{Arc, Mutex};

/// The evaluated arguments of a `backend "s3"` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    pub key: String,
    /// `None`: the default chain's region (`AWS_REGION`, profile).
    pub region: Option<String>,
    /// Ask S3 to encrypt the object at rest (`ServerSideEncryption: AES256`).
    pub encrypt: bool,
    pub use_lockfile: bool,
    pub workspace_key_prefix: String,
    /// `endpoint` or `endpoints { s3 }`; otherwise `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`.
    pub endpoint: Option<String>,
}

impl S3Settings {
    pub fn new(bucket: &str, key: &str) -> S3Settings {
        S3Settings {
            bucket: bucket.to_string(),
            key: key.to_string(),
            region: None,
            encrypt: false,
            use_lockfile: true,
            workspace_key_prefix: "env:".to_string(),
            endpoint: None,
        }
    }

    /// The object key of `workspace`'s state.
    pub fn state_key(&self, workspace: &str) -> Result<String, StateError> {
        if workspace == "default" {
            return Ok(self.key.clone());
        }
        if !valid_workspace(workspace) {
            return Err(StateError::Unsupported {
                message: format!(
                    "invalid workspace name \"{workspace}\": use letters, digits, '-', '_' and \
                     '.' (at most 90 characters)"
                ),
            });
        }
        Ok(format!(
            "{}/{workspace}/{}",
            self.workspace_key_prefix.trim_end_matches('/'),
            self.key
        ))
    }
}

struct Inner {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    lock_key: String,
    encrypt: bool,
    use_lockfile: bool,
    runner: Arc<Blocking>,
    encryption: Option<Arc<Encryption>>,
    /// The ETag of the state as this process last read or wrote it: `None` before the first
    /// read, `Some(None)` when there was no state.
    etag: Mutex<Option<Option<String>>>,
}

pub struct S3Backend {
    inner: Arc<Inner>,
}

type S3Err<E> = SdkError<E, aws_sdk_s3::config::http::HttpResponse>;

fn status<E>(e: &S3Err<E>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

fn code<E: ProvideErrorMetadata>(e: &S3Err<E>) -> Option<String> {
    e.as_service_error()
        .and_then(|s| s.code())
        .map(str::to_string)
}

/// S3 refused a conditional request: 412, or 409 when a concurrent conditional write raced.
fn precondition_failed<E: ProvideErrorMetadata>(e: &S3Err<E>) -> bool {
    matches!(status(e), Some(412 | 409))
        || matches!(
            code(e).as_deref(),
            Some("PreconditionFailed" | "ConditionalRequestConflict")
        )
}

fn not_found<E: ProvideErrorMetadata>(e: &S3Err<E>) -> bool {
    status(e) == Some(404) || matches!(code(e).as_deref(), Some("NoSuchKey" | "NotFound"))
}

impl S3Backend {
    /// A backend over a ready client (tests use one per emulator account).
    pub fn with_client(
        client: aws_sdk_s3::Client,
        settings: &S3Settings,
        workspace: &str,
        encryption: Option<Arc<Encryption>>,
        runner: Arc<Blocking>,
    ) -> Result<S3Backend, StateError> {
        let key = settings.state_key(workspace)?;
        Ok(S3Backend {
            inner: Arc::new(Inner {
                client,
                bucket: settings.bucket.clone(),
                lock_key: format!("{key}.tflock"),
                key,
                encrypt: settings.encrypt,
                use_lockfile: settings.use_lockfile,
                runner,
                encryption,
                etag: Mutex::new(None),
            }),
        })
    }

    /// Builds the client from aws-config's default chain with the block's region and endpoint.
    pub fn new(
        settings: &S3Settings,
        workspace: &str,
        encryption: Option<Arc<Encryption>>,
        runner: Arc<Blocking>,
    ) -> Result<S3Backend, StateError> {
        settings.state_key(workspace)?;
        if settings.bucket.is_empty() || settings.key.is_empty() {
            return Err(StateError::Unsupported {
                message: "the s3 backend needs a non-empty \"bucket\" and \"key\"".to_string(),
            });
        }
        let s = settings.clone();
        let client = runner.run(async move {
            let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
            if let Some(r) = &s.region {
                loader = loader.region(aws_types::region::Region::new(r.clone()));
            }
            let base = loader.load().await;
            let env_endpoint = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
            let mut b = aws_sdk_s3::config::Builder::from(&base);
            if let Some(e) = &s.endpoint {
                b = b.endpoint_url(e);
            }
            if s.endpoint.is_some() || env_endpoint.is_some() {
                // Emulators and S3-compatible stores want path-style addressing.
                b = b.force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        });
        S3Backend::with_client(client, settings, workspace, encryption, runner)
    }

    /// `s3://bucket/key`.
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.inner.bucket, self.inner.key)
    }

    fn lock_url(&self) -> String {
        format!("s3://{}/{}", self.inner.bucket, self.inner.lock_key)
    }

    fn io<E: std::error::Error + ProvideErrorMetadata + 'static>(
        &self,
        what: &str,
        e: &S3Err<E>,
    ) -> StateError {
        StateError::Io {
            path: self.url(),
            message: describe_error(what, e),
        }
    }
}

impl Inner {
    /// The lock object's content and ETag, if there is one.
    async fn get_lock(&self) -> Result<Option<(Option<LockInfo>, Option<String>)>, String> {
        match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.lock_key)
            .send()
            .await
        {
            Ok(out) => {
                let etag = out.e_tag().map(str::to_string);
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?
                    .into_bytes();
                Ok(Some((serde_json::from_slice(&bytes).ok(), etag)))
            }
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(describe_error("reading the lock object", &e)),
        }
    }

    async fn delete_lock(&self, etag: Option<String>) -> Result<(), String> {
        let mut req = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(&self.lock_key);
        if let Some(t) = etag {
            req = req.if_match(t);
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if not_found(&e) => Ok(()),
            Err(e) => Err(describe_error("deleting the lock object", &e)),
        }
    }
}

fn parse(bytes: &[u8], url: &str) -> Result<State, StateError> {
    let corrupt = |m: String| StateError::Corrupt {
        path: url.to_string(),
        message: format!(
            "{m}. strata did not overwrite anything; if the bucket is versioned, an earlier \
             version of the object can be restored"
        ),
    };
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(format!("invalid JSON: {e}")))?;
    if value.get("terraform_version").is_some() && value.get("strata_version").is_none() {
        return Err(StateError::Unsupported {
            message: format!(
                "{url} is a Terraform state, not a strata state; give strata its own key and \
                 bring existing resources under strata with `strata import`"
            ),
        });
    }
    let version = value
        .get("version")
        .and_then(|v| v.as_u64())
        .ok_or_else(|| corrupt("it has no numeric \"version\" field".to_string()))?;
    if version > u64::from(STATE_VERSION) {
        return Err(StateError::Unsupported {
            message: format!(
                "{url} was written in state format version {version}, but this strata ({}) only \
                 reads format version {STATE_VERSION}. Upgrade strata to use this state",
                env!("CARGO_PKG_VERSION")
            ),
        });
    }
    let mut state: State =
        serde_json::from_value(value).map_err(|e| corrupt(format!("unexpected content: {e}")))?;
    state
        .validate()
        .map_err(|m| corrupt(format!("it is not a valid strata state: {m}")))?;
    Ok(state)
}

impl Backend for S3Backend {
    fn describe(&self) -> String {
        format!("s3 state {}", self.url())
    }

    fn read(&self) -> Result<Option<State>, StateError> {
        let inner = self.inner.clone();
        let got = self.inner.runner.run(async move {
            match inner
                .client
                .get_object()
                .bucket(&inner.bucket)
                .key(&inner.key)
                .send()
                .await
            {
                Ok(out) => {
                    let etag = out.e_tag().map(str::to_string);
                    match out.body.collect().await {
                        Ok(b) => Ok(Some((b.into_bytes().to_vec(), etag))),
                        Err(e) => Err(format!("reading the object failed: {e}")),
                    }
                }
                Err(e) if not_found(&e) => Ok(None),
                Err(e) => Err(describe_error("reading the state object", &e)),
            }
        });
        let got = got.map_err(|m| StateError::Io {
            path: self.url(),
            message: format!("cannot read the state: {m}"),
        })?;
        let Some((bytes, etag)) = got else {
            *self.inner.etag.lock().unwrap_or_else(|e| e.into_inner()) = Some(None);
            return Ok(None);
        };
        let what = format!("the state {}", self.url());
        let plain = encryption::open(self.inner.encryption.as_deref(), bytes, &what)?;
        let state = parse(&plain, &self.url())?;
        *self.inner.etag.lock().unwrap_or_else(|e| e.into_inner()) = Some(etag);
        Ok(Some(state))
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let mut bytes = serde_json::to_vec_pretty(state).map_err(|e| StateError::Io {
            path: self.url(),
            message: format!("cannot serialize the state: {e}; nothing was written"),
        })?;
        bytes.push(b'\n');
        let bytes = encryption::seal(self.inner.encryption.as_deref(), bytes)?;
        let never_read = self
            .inner
            .etag
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none();
        if never_read {
            // Condition the write on what is there now, and never overwrite a state this
            // configuration cannot read (wrong or missing encryption key).
            self.read()?;
        }
        // Hold the ETag slot for the whole write: the tasks of one apply write one at a time.
        let mut slot = self.inner.etag.lock().unwrap_or_else(|e| e.into_inner());
        let expected = slot.clone().flatten();
        let inner = self.inner.clone();
        let condition = expected.clone();
        let result = self.inner.runner.run(async move {
            let mut req = inner
                .client
                .put_object()
                .bucket(&inner.bucket)
                .key(&inner.key)
                .content_type("application/json")
                .body(ByteStream::from(bytes));
            req = match condition {
                Some(etag) => req.if_match(etag),
                None => req.if_none_match("*"),
            };
            if inner.encrypt {
                req = req.server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::Aes256);
            }
            req.send().await
        });
        match result {
            Ok(out) => {
                *slot = Some(out.e_tag().map(str::to_string));
                Ok(())
            }
            // 412, or 404 when the object we read was deleted meanwhile.
            Err(e) if precondition_failed(&e) || (expected.is_some() && not_found(&e)) => {
                Err(StateError::ConcurrentWrite { path: self.url() })
            }
            Err(e) => Err(self.io(
                "cannot write the state; the stored state was not changed",
                &e,
            )),
        }
    }

    fn lock(&self, operation: &str) -> Result<Box<dyn LockGuard>, StateError> {
        let info = LockInfo::new(operation);
        if !self.inner.use_lockfile {
            return Ok(Box::new(S3LockGuard {
                inner: None,
                info,
                etag: None,
            }));
        }
        let body = serde_json::to_vec_pretty(&info).unwrap_or_default();
        let inner = self.inner.clone();
        let ours = info.clone();
        let outcome = self.inner.runner.run(async move {
            let put = inner
                .client
                .put_object()
                .bucket(&inner.bucket)
                .key(&inner.lock_key)
                .content_type("application/json")
                .if_none_match("*")
                .body(ByteStream::from(body))
                .send()
                .await;
            match put {
                Ok(out) => {
                    // Read it back: a conditional write is atomic on S3, and this also guards
                    // against stores that only approximate it.
                    match inner.get_lock().await {
                        Ok(Some((Some(held), _))) if held.id != ours.id => Ok(Err(Some(held))),
                        _ => Ok(Ok(out.e_tag().map(str::to_string))),
                    }
                }
                Err(e) if precondition_failed(&e) => {
                    let held = inner.get_lock().await.ok().flatten().and_then(|(i, _)| i);
                    Ok(Err(held))
                }
                Err(e) => Err(e),
            }
        });
        match outcome {
            Ok(Ok(etag)) => Ok(Box::new(S3LockGuard {
                inner: Some(self.inner.clone()),
                info,
                etag,
            })),
            Ok(Err(held)) => Err(StateError::Locked {
                info: held,
                path: self.lock_url(),
            }),
            Err(e) => Err(self.io("cannot take the state lock", &e)),
        }
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let inner = self.inner.clone();
        let found = self
            .inner
            .runner
            .run(async move { inner.get_lock().await })
            .map_err(|m| StateError::Io {
                path: self.lock_url(),
                message: format!("cannot read the lock: {m}"),
            })?;
        let Some((info, etag)) = found else {
            return Err(StateError::NotLocked { id: id.to_string() });
        };
        match info {
            Some(info) if info.id != id => {
                return Err(StateError::LockIdMismatch {
                    given: id.to_string(),
                    actual: info,
                })
            }
            Some(_) => {}
            None => {
                return Err(StateError::Corrupt {
                    path: self.lock_url(),
                    message: "the lock object does not hold lock information; delete it by hand \
                              once you are sure no strata process is running"
                        .to_string(),
                })
            }
        }
        let inner = self.inner.clone();
        self.inner
            .runner
            .run(async move { inner.delete_lock(etag).await })
            .map_err(|m| StateError::Io {
                path: self.lock_url(),
                message: format!("cannot delete the lock: {m}"),
            })
    }
}

/// Deletes the lock object when dropped, only if it is still ours.
struct S3LockGuard {
    /// `None` when `use_lockfile = false`: nothing to release.
    inner: Option<Arc<Inner>>,
    info: LockInfo,
    etag: Option<String>,
}

impl LockGuard for S3LockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for S3LockGuard {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        let id = self.info.id.clone();
        let etag = self.etag.clone();
        let runner = inner.runner.clone();
        let result = runner.run(async move {
            match inner.get_lock().await? {
                Some((Some(held), _)) if held.id == id => inner.delete_lock(etag).await,
                _ => Ok(()), // already gone, or force-unlocked and taken by another process
            }
        });
        if let Err(e) = result {
            eprintln!(
                "warning: could not release the state lock {} ({e}); run `strata force-unlock {}`",
                self.info.id, self.info.id
            );
        }
    }
}
