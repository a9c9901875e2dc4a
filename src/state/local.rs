//! The local backend: `strata.tfstate` next to the configuration, Terraform's workspace layout
//! (`strata.tfstate.d/<ws>/strata.tfstate`) with strata's file name so it never clobbers a
//! Terraform state beside it.
//!
//! - Writes are atomic: temp file in the same directory, fsync, chmod 0600, rename, fsync the
//!   directory. The previous file is first copied (the same way) to `<path>.backup`.
//! - The lock is an OS advisory lock (`flock`) on `<path>.lock`, so a process that dies, even by
//!   SIGKILL, releases it. The holder's `LockInfo` goes to `<path>.lock.info` for the message a
//!   second process prints. The `.lock` file itself stays: deleting it would let two processes
//!   lock two different files of the same name.

use super::encryption::{self, Encryption};
use super::model::{State, STATE_VERSION};
use super::{Backend, LockGuard, LockInfo, StateError};
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const STATE_FILE: &str = "strata.tfstate";
pub const WORKSPACE_DIR: &str = "strata.tfstate.d";

pub struct LocalBackend {
    path: PathBuf,
    /// `path`, relative to the directory the backend was created for.
    shown: String,
    /// Set when the configuration has an `encryption` block: files are stored as envelopes.
    encryption: Option<Arc<Encryption>>,
    #[cfg(test)]
    fail: std::sync::Mutex<Option<FailPoint>>,
}

/// Faults the tests inject into the write path.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq)]
enum FailPoint {
    /// After the temp file is written and synced, before it is renamed over the target.
    BeforeRename,
}

pub(crate) fn valid_workspace(ws: &str) -> bool {
    !ws.is_empty()
        && ws.len() <= 90
        && ws != "."
        && ws != ".."
        && ws
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl LocalBackend {
    /// The backend for `workspace` of the configuration in `dir`.
    pub fn new(dir: &Path, workspace: &str) -> Result<LocalBackend, StateError> {
        let (path, shown) = if workspace == "default" {
            (dir.join(STATE_FILE), STATE_FILE.to_string())
        } else if valid_workspace(workspace) {
            (
                dir.join(WORKSPACE_DIR).join(workspace).join(STATE_FILE),
                format!("{WORKSPACE_DIR}/{workspace}/{STATE_FILE}"),
            )
        } else {
            return Err(StateError::Unsupported {
                message: format!(
                    "invalid workspace name \"{workspace}\": use letters, digits, '-', '_' and \
                     '.' (at most 90 characters)"
                ),
            });
        };
        Ok(LocalBackend {
            path,
            shown,
            encryption: None,
            #[cfg(test)]
            fail: std::sync::Mutex::new(None),
        })
    }

    /// Stores the state encrypted with `encryption` (and still reads a plain one).
    pub fn with_encryption(mut self, encryption: Option<Arc<Encryption>>) -> LocalBackend {
        self.encryption = encryption;
        self
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<path>.backup`: the state before the last write.
    pub fn backup_path(&self) -> PathBuf {
        with_suffix(&self.path, ".backup")
    }

    /// `<path>.lock`: the file the OS lock is taken on.
    pub fn lock_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock")
    }

    /// `<path>.lock.info`: the current holder's `LockInfo`.
    pub fn lock_info_path(&self) -> PathBuf {
        with_suffix(&self.path, ".lock.info")
    }

    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn shown_path(&self) -> String {
        self.path.display().to_string()
    }

    /// The recorded holder, if the info file exists and parses.
    fn read_lock_info(&self) -> Option<LockInfo> {
        let bytes = fs::read(self.lock_info_path()).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Who holds the lock, when another process holds it. The holder records itself right
    /// after taking the OS lock, so a process that lost the race by a few milliseconds would
    /// find no record, or the stale record of an earlier holder that died: it waits briefly
    /// for the holder's own record rather than name nobody, or a dead process.
    fn holder_info(&self) -> Option<LockInfo> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        loop {
            let info = self.read_lock_info();
            let current = info.as_ref().is_some_and(|i| process_may_be_alive(i.pid));
            if current || std::time::Instant::now() >= deadline {
                return info;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    fn atomic_write(&self, target: &Path, bytes: &[u8]) -> Result<(), StateError> {
        atomic_write(target, bytes, || self.injected_failure())
    }

    #[cfg(test)]
    fn injected_failure(&self) -> io::Result<()> {
        match *self.fail.lock().unwrap() {
            Some(FailPoint::BeforeRename) => Err(io::Error::other("injected failure")),
            None => Ok(()),
        }
    }

    #[cfg(not(test))]
    fn injected_failure(&self) -> io::Result<()> {
        Ok(())
    }

    /// What a user should know after a corrupt read: where the previous version is, and that
    /// nothing was overwritten.
    fn recovery_hint(&self) -> String {
        let backup = self.backup_path();
        let b = backup.display();
        if backup.exists() {
            format!(
                "The previous version is in {b}. strata did not overwrite anything: inspect or \
                 repair the file, or restore the previous version with `cp {b} {}`.",
                self.path.display()
            )
        } else {
            format!(
                "There is no previous version ({b} does not exist). strata did not overwrite \
                 anything: inspect or repair the file."
            )
        }
    }

    fn corrupt(&self, what: String) -> StateError {
        StateError::Corrupt {
            path: self.shown_path(),
            message: format!("{what}. {}", self.recovery_hint()),
        }
    }

    fn parse(&self, bytes: &[u8]) -> Result<State, StateError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            self.corrupt(format!(
                "it is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        if text.trim().is_empty() {
            return Err(self.corrupt("it is empty".to_string()));
        }
        #[derive(serde::Deserialize)]
        struct Probe {
            version: Option<serde_json::Value>,
            terraform_version: Option<serde_json::Value>,
            strata_version: Option<serde_json::Value>,
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| self.json_error(&e))?;
        let version = match (
            &probe.version,
            &probe.terraform_version,
            &probe.strata_version,
        ) {
            (_, Some(tf), None) => {
                return Err(StateError::Unsupported {
                    message: format!(
                        "{} is a Terraform state (written by Terraform {tf}), not a strata state. \
                         strata keeps its own state in {STATE_FILE}; bring existing resources \
                         under strata with `strata import`",
                        self.shown_path()
                    ),
                })
            }
            (Some(v), _, _) => v.as_u64().ok_or_else(|| {
                self.corrupt(format!(
                    "its \"version\" is {v}, not a format version number"
                ))
            })?,
            (None, _, _) => {
                return Err(self.corrupt("it has no \"version\" field".to_string()));
            }
        };
        if version > u64::from(STATE_VERSION) {
            let by = probe
                .strata_version
                .as_ref()
                .and_then(|v| v.as_str())
                .map_or(String::new(), |v| format!(" by strata {v}"));
            return Err(StateError::Unsupported {
                message: format!(
                    "{} was written{by} in state format version {version}, but this strata ({}) \
                     only reads format version {STATE_VERSION}. Upgrade strata to use this state; \
                     strata did not change the file",
                    self.shown_path(),
                    env!("CARGO_PKG_VERSION")
                ),
            });
        }
        let mut state: State = serde_json::from_str(text).map_err(|e| self.json_error(&e))?;
        state
            .validate()
            .map_err(|m| self.corrupt(format!("it is not a valid strata state: {m}")))?;
        Ok(state)
    }

    fn json_error(&self, e: &serde_json::Error) -> StateError {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let msg = full.strip_suffix(&suffix).unwrap_or(&full);
        let what = match e.classify() {
            serde_json::error::Category::Eof => format!(
                "it ends unexpectedly at line {} column {}, so it was probably truncated",
                e.line(),
                e.column()
            ),
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => format!(
                "invalid JSON at line {} column {}: {msg}",
                e.line(),
                e.column()
            ),
            serde_json::error::Category::Data => format!(
                "unexpected content at line {} column {}: {msg}",
                e.line(),
                e.column()
            ),
        };
        self.corrupt(what)
    }
}

/// False only when the process is known to be gone (Linux: no `/proc/PID`).
fn process_may_be_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(unix)]
fn restrict(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_file: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Replaces `target` with `bytes` so that a reader (or a crash) sees either the old file or the
/// new one, never a partial one. `before_rename` is a test hook.
fn atomic_write(
    target: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce() -> io::Result<()>,
) -> Result<(), StateError> {
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| STATE_FILE.to_string());
    let tmp = dir.join(format!(".{name}.tmp-{}", uuid::Uuid::new_v4().simple()));
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp).map_err(|e| {
        StateError::io(
            target,
            &format!(
                "cannot create a temporary file in {} to write the state; the existing state \
                 was not changed",
                dir.display()
            ),
            e,
        )
    })?;
    let result = (|| {
        restrict(&file)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        before_rename()?;
        fs::rename(&tmp, target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(StateError::io(
            target,
            "cannot write the new state; the existing state was not changed",
            e,
        ));
    }
    sync_dir(dir).map_err(|e| {
        StateError::io(
            target,
            "the state was written but its directory could not be synced to disk",
            e,
        )
    })
}

impl Backend for LocalBackend {
    fn describe(&self) -> String {
        format!("local state {}", self.shown)
    }

    fn read(&self) -> Result<Option<State>, StateError> {
        match fs::read(&self.path) {
            Ok(bytes) => {
                let what = format!("the state file {}", self.shown_path());
                let plain = encryption::open(self.encryption.as_deref(), bytes, &what)?;
                self.parse(&plain).map(Some)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io(&self.path, "cannot read the state", e)),
        }
    }

    fn write(&self, state: &State) -> Result<(), StateError> {
        let mut bytes = serde_json::to_vec_pretty(state).map_err(|e| StateError::Io {
            path: self.shown_path(),
            message: format!("cannot serialize the state: {e}; nothing was written"),
        })?;
        bytes.push(b'\n');
        fs::create_dir_all(self.dir())
            .map_err(|e| StateError::io(self.dir(), "cannot create the state directory", e))?;
        let enc = self.encryption.as_deref();
        match fs::read(&self.path) {
            Ok(old) => {
                // An encrypted state this configuration cannot decrypt is never overwritten.
                let was_encrypted = encryption::is_envelope(&old);
                let old_plain = if was_encrypted {
                    let what = format!("the state file {}", self.shown_path());
                    encryption::open(enc, old.clone(), &what)?
                } else {
                    old.clone()
                };
                if old_plain == bytes && was_encrypted == enc.is_some() {
                    return Ok(());
                }
                if serde_json::from_slice::<serde_json::Value>(&old).is_ok() {
                    self.atomic_write(&self.backup_path(), &old)?;
                } else {
                    // Keep the last good backup; set the damaged file aside instead.
                    let secs = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs());
                    let aside = with_suffix(&self.path, &format!(".corrupt-{secs}"));
                    self.atomic_write(&aside, &old)?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StateError::io(
                    &self.path,
                    "cannot read the previous state to back it up; nothing was written",
                    e,
                ))
            }
        }
        let bytes = encryption::seal(enc, bytes)?;
        self.atomic_write(&self.path, &bytes)
    }

    fn lock(&self, operation: &str) -> Result<Box<dyn LockGuard>, StateError> {
        fs::create_dir_all(self.dir())
            .map_err(|e| StateError::io(self.dir(), "cannot create the state directory", e))?;
        let lock_path = self.lock_path();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| StateError::io(&lock_path, "cannot open the lock file", e))?;
        match FileExt::try_lock_exclusive(&file) {
            Ok(true) => {}
            Ok(false) => {
                return Err(StateError::Locked {
                    info: self.holder_info(),
                    path: lock_path.display().to_string(),
                })
            }
            Err(e) => return Err(StateError::io(&lock_path, "cannot lock the state", e)),
        }
        let info = LockInfo::new(operation);
        let mut json = serde_json::to_vec_pretty(&info).unwrap_or_default();
        json.push(b'\n');
        let info_path = self.lock_info_path();
        if let Err(e) = atomic_write(&info_path, &json, || Ok(())) {
            let _ = FileExt::unlock(&file);
            return Err(e);
        }
        Ok(Box::new(LocalLockGuard {
            file,
            info,
            info_path,
        }))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        let lock_path = self.lock_path();
        let info = self.read_lock_info();
        let file = match OpenOptions::new().read(true).write(true).open(&lock_path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(StateError::io(&lock_path, "cannot open the lock file", e)),
        };
        let free = match &file {
            None => true,
            Some(f) => FileExt::try_lock_exclusive(f)
                .map_err(|e| StateError::io(&lock_path, "cannot test the lock", e))?,
        };
        let result = match (free, info) {
            (true, None) => Err(StateError::NotLocked { id: id.to_string() }),
            (true, Some(info)) if info.id == id => {
                // A stale record of a process that is gone; we hold the lock while removing it.
                match fs::remove_file(self.lock_info_path()) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(StateError::io(
                        &self.lock_info_path(),
                        "cannot remove the stale lock information",
                        e,
                    )),
                }
            }
            (_, Some(info)) if info.id != id => Err(StateError::LockIdMismatch {
                given: id.to_string(),
                actual: info,
            }),
            (_, Some(info)) => Err(StateError::LockHeld {
                info,
                path: lock_path.display().to_string(),
            }),
            (false, None) => Err(StateError::Locked {
                info: None,
                path: lock_path.display().to_string(),
            }),
        };
        if free {
            if let Some(f) = &file {
                let _ = FileExt::unlock(f);
            }
        }
        result
    }
}

/// Holds the OS lock through its open file; dropping it removes the info file and unlocks.
struct LocalLockGuard {
    file: File,
    info: LockInfo,
    info_path: PathBuf,
}

impl LockGuard for LocalLockGuard {
    fn info(&self) -> &LockInfo {
        &self.info
    }
}

impl Drop for LocalLockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.info_path);
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::InstanceAddr;
    use crate::state::model::{InstanceState, JournalEntry, OutputState};
    use serde_json::json;

    const AWS: &str = "provider[\"registry.terraform.io/hashicorp/aws\"]";

    fn sample() -> State {
        let mut s = State::new();
        s.serial = 3;
        let a: InstanceAddr = "module.db[\"primary\"].aws_db_instance.main[0]"
            .parse()
            .unwrap();
        let mut inst = InstanceState::new(
            json!({ "identifier": "app-db", "password": crate::state::hash_secret("pw") }),
            "eu-west-1",
        );
        inst.dependencies = vec!["aws_security_group.db".into()];
        s.set_instance(&a, AWS, inst);
        s.set_instance(
            &"aws_security_group.db".parse().unwrap(),
            AWS,
            InstanceState::new(json!({ "id": "sg-1" }), "eu-west-1"),
        );
        s.outputs.insert(
            "endpoint".into(),
            OutputState {
                value: json!("app-db.example:5432"),
                sensitive: false,
            },
        );
        s.journal_begin(JournalEntry::new(
            &a,
            "create",
            Some("app-db".into()),
            "eu-west-1",
            AWS,
        ));
        s
    }

    fn backend(dir: &Path) -> LocalBackend {
        LocalBackend::new(dir, "default").unwrap()
    }

    /// A backend in a directory of its own.
    fn fresh() -> (tempfile::TempDir, LocalBackend) {
        let tmp = tempfile::tempdir().unwrap();
        let b = backend(tmp.path());
        (tmp, b)
    }

    /// A backend in a directory of its own that holds `sample()`.
    fn holding_sample() -> (tempfile::TempDir, LocalBackend, State) {
        let (tmp, b) = fresh();
        let s = sample();
        b.write(&s).unwrap();
        (tmp, b, s)
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp-"))
            .collect()
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn paths_per_workspace() {
        let dir = Path::new("/cfg");
        let d = LocalBackend::new(dir, "default").unwrap();
        assert_eq!(d.path(), Path::new("/cfg/strata.tfstate"));
        assert_eq!(d.backup_path(), Path::new("/cfg/strata.tfstate.backup"));
        assert_eq!(d.lock_path(), Path::new("/cfg/strata.tfstate.lock"));
        assert_eq!(
            d.lock_info_path(),
            Path::new("/cfg/strata.tfstate.lock.info")
        );
        assert_eq!(d.describe(), "local state strata.tfstate");
        let s = LocalBackend::new(dir, "staging").unwrap();
        assert_eq!(
            s.path(),
            Path::new("/cfg/strata.tfstate.d/staging/strata.tfstate")
        );
        assert_eq!(
            s.describe(),
            "local state strata.tfstate.d/staging/strata.tfstate"
        );
        for bad in ["", "..", ".", "a/b", "../x", "a b"] {
            assert!(
                matches!(
                    LocalBackend::new(dir, bad),
                    Err(StateError::Unsupported { .. })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn round_trip_and_missing_state() {
        let (tmp, b) = fresh();
        assert!(b.read().unwrap().is_none());
        let s = sample();
        b.write(&s).unwrap();
        assert_eq!(b.read().unwrap().unwrap(), s);
        assert!(!b.backup_path().exists(), "no backup of nothing");

        let ws = LocalBackend::new(tmp.path(), "staging").unwrap();
        assert!(ws.read().unwrap().is_none(), "workspaces are separate");
        ws.write(&s).unwrap();
        assert_eq!(ws.read().unwrap().unwrap(), s);
        assert!(leftovers(tmp.path()).is_empty());
    }

    #[test]
    fn backup_holds_the_previous_version_and_files_are_private() {
        let (tmp, b, mut s) = holding_sample();
        let first = fs::read(b.path()).unwrap();
        s.serial += 1;
        s.journal.clear();
        b.write(&s).unwrap();
        assert_eq!(fs::read(b.backup_path()).unwrap(), first);
        let second = fs::read(b.path()).unwrap();
        s.serial += 1;
        b.write(&s).unwrap();
        assert_eq!(fs::read(b.backup_path()).unwrap(), second);
        // Writing the same state again keeps the backup as it is.
        b.write(&s).unwrap();
        assert_eq!(fs::read(b.backup_path()).unwrap(), second);
        #[cfg(unix)]
        {
            assert_eq!(mode(b.path()), 0o600);
            assert_eq!(mode(&b.backup_path()), 0o600);
        }
        assert!(leftovers(tmp.path()).is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_world_readable_state_becomes_private() {
        use std::os::unix::fs::PermissionsExt;
        let (_tmp, b, mut s) = holding_sample();
        fs::set_permissions(b.path(), fs::Permissions::from_mode(0o644)).unwrap();
        s.serial += 1;
        b.write(&s).unwrap();
        assert_eq!(mode(b.path()), 0o600);
        assert_eq!(mode(&b.backup_path()), 0o600);
    }

    #[test]
    fn a_failed_write_leaves_the_old_state_intact() {
        let (tmp, b, mut s) = holding_sample();
        let before = fs::read(b.path()).unwrap();
        *b.fail.lock().unwrap() = Some(FailPoint::BeforeRename);
        s.serial += 1;
        let err = b.write(&s).unwrap_err();
        assert!(matches!(err, StateError::Io { .. }));
        assert!(err.to_string().contains("not changed"), "{err}");
        assert_eq!(fs::read(b.path()).unwrap(), before);
        assert!(
            leftovers(tmp.path()).is_empty(),
            "temp files are cleaned up"
        );
        *b.fail.lock().unwrap() = None;
        b.write(&s).unwrap();
        assert_eq!(b.read().unwrap().unwrap().serial, s.serial);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_directory_leaves_the_old_state_intact() {
        use std::os::unix::fs::PermissionsExt;
        let (tmp, b, mut s) = holding_sample();
        let before = fs::read(b.path()).unwrap();
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o500)).unwrap();
        let writable = File::create(tmp.path().join("probe")).is_ok();
        if !writable {
            s.serial += 1;
            let err = b.write(&s).unwrap_err();
            assert!(matches!(err, StateError::Io { .. }), "{err}");
            assert_eq!(fs::read(b.path()).unwrap(), before);
        } // else: running as root, permissions do not apply; the fail-point test covers it.
        fs::set_permissions(tmp.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(fs::read(b.path()).unwrap(), before);
    }

    fn assert_corrupt(b: &LocalBackend, content: &[u8], expect: &[&str]) {
        fs::write(b.path(), content).unwrap();
        let err = b.read().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StateError::Corrupt { .. }), "{msg}");
        assert!(msg.contains(&b.path().display().to_string()), "{msg}");
        assert!(msg.contains("did not overwrite anything"), "{msg}");
        for e in expect {
            assert!(msg.contains(e), "{msg} should contain {e}");
        }
        assert_eq!(fs::read(b.path()).unwrap(), content, "nothing overwritten");
    }

    #[test]
    fn corrupt_and_truncated_files_are_reported_not_overwritten() {
        let (_tmp, b, mut s) = holding_sample();
        s.serial += 1;
        b.write(&s).unwrap();
        let good = fs::read(b.path()).unwrap();
        let backup = b.backup_path().display().to_string();

        let half = &good[..good.len() / 2];
        assert_corrupt(&b, half, &["truncated", "line ", "column ", &backup]);
        assert_corrupt(&b, b"{\"version\": 1,,}", &["line 1 column 15", &backup]);
        assert_corrupt(&b, b"", &["empty"]);
        assert_corrupt(&b, b"\xff\xfe", &["UTF-8"]);
        assert_corrupt(&b, b"[1, 2]", &["line 1"]);
        assert_corrupt(&b, b"{\"serial\": 1}", &["no \"version\""]);
        assert_corrupt(
            &b,
            b"{\"version\": 1, \"strata_version\": \"0.1.0\", \"serial\": \"x\"}",
            &["line 1 column", "expected u64"],
        );
        let mut bad_key: serde_json::Value = serde_json::from_slice(&good).unwrap();
        bad_key["resources"][1]["instances"][0]["index_key"] = json!({"a": 1});
        assert_corrupt(&b, &serde_json::to_vec(&bad_key).unwrap(), &["index_key"]);

        // Without a backup, the message says so.
        fs::remove_file(b.backup_path()).unwrap();
        assert_corrupt(&b, half, &["no previous version"]);
    }

    #[test]
    fn writing_over_a_corrupt_file_keeps_the_good_backup() {
        let (tmp, b, mut s) = holding_sample();
        s.serial += 1;
        b.write(&s).unwrap();
        let backup = fs::read(b.backup_path()).unwrap();
        fs::write(b.path(), b"{ garbage").unwrap();
        s.serial += 1;
        b.write(&s).unwrap();
        assert_eq!(fs::read(b.backup_path()).unwrap(), backup);
        let aside: Vec<_> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("strata.tfstate.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(fs::read(tmp.path().join(&aside[0])).unwrap(), b"{ garbage");
    }

    #[test]
    fn newer_formats_and_terraform_states_are_refused_clearly() {
        let (_tmp, b) = fresh();
        let mut j = serde_json::to_value(sample()).unwrap();
        j["version"] = json!(2);
        j["strata_version"] = json!("9.0.0");
        fs::write(b.path(), serde_json::to_vec(&j).unwrap()).unwrap();
        let msg = b.read().unwrap_err().to_string();
        assert!(msg.contains("format version 2"), "{msg}");
        assert!(msg.contains("strata 9.0.0"), "{msg}");
        assert!(msg.contains("Upgrade strata"), "{msg}");

        fs::write(
            b.path(),
            br#"{"version": 4, "terraform_version": "1.9.0", "serial": 1, "lineage": "x", "resources": []}"#,
        )
        .unwrap();
        let err = b.read().unwrap_err();
        assert!(matches!(err, StateError::Unsupported { .. }));
        assert!(err.to_string().contains("Terraform state"), "{err}");
    }

    #[test]
    fn a_second_lock_fails_at_once_with_the_holder() {
        let (tmp, b) = fresh();
        let guard = b.lock("apply").unwrap();
        let info = guard.info().clone();
        assert_eq!(info.operation, "apply");
        assert_eq!(info.pid, std::process::id());
        assert!(info.who.contains('@'));
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        let recorded: LockInfo =
            serde_json::from_slice(&fs::read(b.lock_info_path()).unwrap()).unwrap();
        assert_eq!(recorded, info);

        let started = std::time::Instant::now();
        let err = backend(tmp.path()).lock("plan").map(|_| ()).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        match &err {
            StateError::Locked {
                info: Some(held), ..
            } => assert_eq!(held, &info),
            other => panic!("unexpected {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(&info.who), "{msg}");
        assert!(msg.contains(&format!("pid {}", info.pid)), "{msg}");
        assert!(msg.contains("for `apply`"), "{msg}");
        assert!(msg.contains(&info.created), "{msg}");
        assert!(
            msg.contains(&format!("strata force-unlock {}", info.id)),
            "{msg}"
        );

        // Another workspace has its own lock.
        let other = LocalBackend::new(tmp.path(), "staging").unwrap();
        drop(other.lock("apply").unwrap());

        drop(guard);
        assert!(!b.lock_info_path().exists(), "info removed on release");
        let again = b.lock("apply").unwrap();
        assert_ne!(again.info().id, info.id);
    }

    #[test]
    fn a_busy_lock_without_info_still_says_locked() {
        let (_tmp, b) = fresh();
        let guard = b.lock("apply").unwrap();
        fs::remove_file(b.lock_info_path()).unwrap();
        let err = b.lock("apply").map(|_| ()).unwrap_err();
        assert!(
            matches!(err, StateError::Locked { info: None, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("Wait for it"), "{err}");
        drop(guard);
    }

    #[test]
    fn force_unlock_cases() {
        let (_tmp, b) = fresh();

        // Nothing locked.
        let err = b.force_unlock("abc").unwrap_err();
        assert!(matches!(err, StateError::NotLocked { .. }), "{err}");
        assert!(err.to_string().contains("abc"));

        // Held by a live holder (this process): cannot be broken.
        let guard = b.lock("apply").unwrap();
        let id = guard.info().id.clone();
        let err = b.force_unlock(&id).unwrap_err();
        assert!(matches!(err, StateError::LockHeld { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("cannot be broken"), "{msg}");
        assert!(b.lock_info_path().exists());

        // Wrong id: names the actual one.
        let err = b.force_unlock("wrong-id").unwrap_err();
        assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
        assert!(err.to_string().contains(&id), "{err}");
        assert!(err.to_string().contains("wrong-id"), "{err}");
        drop(guard);
        assert!(matches!(
            b.force_unlock(&id),
            Err(StateError::NotLocked { .. })
        ));

        // A stale info file left by a process that is gone: removed, the id must still match.
        let stale = LockInfo::new("apply");
        fs::write(b.lock_info_path(), serde_json::to_vec(&stale).unwrap()).unwrap();
        let err = b.force_unlock("other").unwrap_err();
        assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err}");
        assert!(b.lock_info_path().exists());
        b.force_unlock(&stale.id).unwrap();
        assert!(!b.lock_info_path().exists());
        b.lock("apply").unwrap();
    }

    /// Runs only as the child of `a_killed_holder_releases_the_lock`: takes the lock and waits.
    #[test]
    fn lock_holder_child() {
        let Ok(dir) = std::env::var("STRATA_TEST_LOCK_HOLDER_DIR") else {
            return;
        };
        let b = backend(Path::new(&dir));
        let guard = b.lock("apply").unwrap();
        println!("LOCKED {}", guard.info().id);
        io::stdout().flush().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(60));
        drop(guard);
    }

    #[cfg(unix)]
    #[test]
    fn a_killed_holder_releases_the_lock() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        let (tmp, b) = fresh();
        // /proc/self/exe still names this binary if a concurrent build replaced the file.
        let exe = Path::new("/proc/self/exe");
        let exe = if exe.exists() {
            exe.to_path_buf()
        } else {
            std::env::current_exe().unwrap()
        };
        let mut child = Command::new(exe)
            .args([
                "state::local::tests::lock_holder_child",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("STRATA_TEST_LOCK_HOLDER_DIR", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = io::BufReader::new(child.stdout.take().unwrap());
        let id = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|l| l.split_once("LOCKED ").map(|(_, id)| id.trim().to_string()));
        let Some(id) = id else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child did not take the lock");
        };

        let err = b.lock("apply").map(|_| ()).unwrap_err();
        match &err {
            StateError::Locked {
                info: Some(info), ..
            } => {
                assert_eq!(info.pid, child.id());
                assert_eq!(info.id, id);
            }
            other => {
                let _ = child.kill();
                panic!("unexpected {other:?}");
            }
        }
        assert!(matches!(
            b.force_unlock(&id),
            Err(StateError::LockHeld { .. })
        ));

        child.kill().unwrap(); // SIGKILL: no destructor runs
        child.wait().unwrap();

        // The OS released the lock; the info file is stale and force-unlock clears it.
        assert!(b.lock_info_path().exists());
        b.force_unlock(&id).unwrap();
        let guard = b.lock("apply").unwrap();
        assert_eq!(guard.info().pid, std::process::id());
    }

    #[test]
    fn a_killed_holders_stale_info_is_replaced_by_the_next_lock() {
        let (_tmp, b) = fresh();
        let stale = LockInfo::new("apply");
        fs::write(b.lock_info_path(), serde_json::to_vec(&stale).unwrap()).unwrap();
        let guard = b.lock("plan").unwrap();
        let recorded: LockInfo =
            serde_json::from_slice(&fs::read(b.lock_info_path()).unwrap()).unwrap();
        assert_eq!(&recorded, guard.info());
    }

    #[test]
    fn backends_are_usable_as_trait_objects_across_threads() {
        let tmp = tempfile::tempdir().unwrap();
        let b: std::sync::Arc<dyn Backend> = std::sync::Arc::new(backend(tmp.path()));
        let guard = b.lock("apply").unwrap();
        let b2 = b.clone();
        std::thread::spawn(move || {
            assert!(matches!(b2.lock("apply"), Err(StateError::Locked { .. })));
            b2.write(&sample()).unwrap();
        })
        .join()
        .unwrap();
        drop(guard);
        assert!(b.read().unwrap().is_some());
    }
}
