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

use super::model::{State, STATE_VERSION};
use super::{Backend, LockGuard, LockInfo, StateError};
use fs4::fs_std::FileExt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub const STATE_FILE: &str = "strata.tfstate";
pub const WORKSPACE_DIR: &str = "strata.tfstate.d";

pub struct LocalBackend {
    path: PathBuf,
    /// `path`, relative to the directory the backend was created for.
    shown: String,
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

fn valid_workspace(ws: &str) -> bool {
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
            #[cfg(test)]
            fail: std::sync::Mutex::new(None),
        })
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
        let version = match (&probe.version, &probe.terraform_version, &probe.strata_version) {
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
                self.corrupt(format!("its \"version\" is {v}, not a format version number"))
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
            Ok(bytes) => self.parse(&bytes).map(Some),
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
        match fs::read(&self.path) {
            Ok(old) if old == bytes => return Ok(()),
            Ok(old) => {
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
                    info: self.read_lock_info(),
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
