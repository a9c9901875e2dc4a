//! State: the model (`model`), secrets at rest (`secret`), and the backends that store it with a
//! lock (`local`, `s3`), and optional encryption of what they store (`encryption`).

// `StateError::Locked` carries the holder's `LockInfo` by value so callers can match on it; state
// errors are rare and the extra size does not matter.
#![allow(clippy::result_large_err)]

pub mod blocking;
pub mod encryption;
pub mod local;
pub mod model;
pub mod s3;
pub mod secret;

pub use encryption::Encryption;
pub use local::LocalBackend;
pub use model::{
    HistoryRecord, InstanceState, JournalEntry, OutputState, ResourceState, State, STATE_VERSION,
};
pub use s3::{S3Backend, S3Settings};
pub use secret::{hash_secret, is_hashed, secret_matches};

use serde::{Deserialize, Serialize};
use std::fmt;

/// Who holds a state lock, recorded so that a second process can say so.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// A uuid v4; `strata force-unlock` takes it.
    pub id: String,
    /// `apply`, `plan`, `import`, `state mv`, ...
    pub operation: String,
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    /// RFC 3339.
    pub created: String,
    /// The strata release holding the lock.
    pub version: String,
}

impl LockInfo {
    /// Information for a lock this process is about to take.
    pub fn new(operation: &str) -> LockInfo {
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: who(),
            pid: std::process::id(),
            created: now_rfc3339(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

impl fmt::Display for LockInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (pid {}) for `{}` since {}, lock ID {}",
            self.who, self.pid, self.operation, self.created, self.id
        )
    }
}

/// Where a state lives. Implementations must be safe to share between the tasks of one apply.
pub trait Backend: Send + Sync {
    /// For messages: `local state strata.tfstate`.
    fn describe(&self) -> String;
    /// The stored state; `None` when there is none yet.
    fn read(&self) -> Result<Option<State>, StateError>;
    /// Replaces the stored state atomically, keeping the previous one as a backup.
    fn write(&self, state: &State) -> Result<(), StateError>;
    /// Takes the lock or fails at once with `StateError::Locked`; it is held until the guard drops.
    fn lock(&self, operation: &str) -> Result<Box<dyn LockGuard>, StateError>;
    /// Clears a lock left behind by a process that is gone.
    fn force_unlock(&self, id: &str) -> Result<(), StateError>;
}

/// A held lock; dropping it releases the lock.
pub trait LockGuard: Send {
    fn info(&self) -> &LockInfo;
}

#[derive(thiserror::Error, Debug)]
pub enum StateError {
    #[error("{}", locked_message(info.as_ref(), path))]
    Locked {
        info: Option<LockInfo>,
        path: String,
    },

    #[error("the state file {path} is corrupt: {message}")]
    Corrupt { path: String, message: String },

    #[error("{path}: {message}")]
    Io { path: String, message: String },

    #[error("{message}")]
    Unsupported { message: String },

    #[error(
        "there is no lock with ID {id}: the state is not locked. Nothing to do; if a command \
         still reports a lock, copy the ID from its message"
    )]
    NotLocked { id: String },

    #[error(
        "the lock ID {given} does not match the current lock, held by {actual}. Check the ID \
         and run `strata force-unlock {}` only if that process is gone",
        actual.id
    )]
    LockIdMismatch { given: String, actual: LockInfo },

    #[error(
        "the state is locked by a live process: {info}. A lock held by a running process \
         cannot be broken; it is released the moment that process exits. Wait for it, or stop \
         pid {} on {}, then retry",
        info.pid,
        info.who.rsplit_once('@').map_or(info.who.as_str(), |(_, host)| host)
    )]
    LockHeld { info: LockInfo, path: String },

    #[error("{addr} is not in the state; `strata state list` shows what is")]
    NoSuchInstance { addr: String },

    #[error(
        "{addr} is already in the state; remove it first (`strata state rm {addr}`) or choose \
         another address"
    )]
    InstanceExists { addr: String },

    #[error("{message}")]
    InvalidMove { message: String },

    #[error("{message}")]
    Encryption { message: String },

    #[error(
        "another process wrote the state {path} since this run read it; strata did not \
         overwrite it. Its changes are kept: run the command again to work from the new state"
    )]
    ConcurrentWrite { path: String },
}

fn locked_message(info: Option<&LockInfo>, path: &str) -> String {
    match info {
        Some(info) => format!(
            "the state is locked by {info}{}. Wait for it to finish, or run `strata force-unlock \
             {}` if that process is gone.",
            age(&info.created).map_or(String::new(), |a| format!(" ({a} ago)")),
            info.id
        ),
        None => format!(
            "the state is locked by another strata process (it has not recorded who yet; the \
             lock is {path}). Wait for it to finish; the lock is released when that process \
             exits."
        ),
    }
}

impl StateError {
    pub(crate) fn io(path: &std::path::Path, what: &str, err: std::io::Error) -> StateError {
        StateError::Io {
            path: path.display().to_string(),
            message: format!("{what}: {err}"),
        }
    }
}

/// How long ago an RFC 3339 time was, as `2h05m` / `3m12s` / `41s`.
pub fn age(created: &str) -> Option<String> {
    let then = time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .ok()?;
    let secs = (time::OffsetDateTime::now_utc() - then)
        .whole_seconds()
        .max(0);
    Some(if secs >= 86_400 {
        format!("{}d{:02}h", secs / 86_400, secs % 86_400 / 3600)
    } else if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs % 3600 / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    })
}

/// Now, as RFC 3339 in UTC.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "unknown time".to_string())
}

/// `user@host` for lock information.
pub fn who() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_string());
    let host = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|v| !v.is_empty()))
        .or_else(|| std::env::var("COMPUTERNAME").ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown-host".to_string());
    format!("{user}@{host}")
}
