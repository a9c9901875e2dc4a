//! Logging, as Terraform's: `STRATA_LOG` (or `TF_LOG`) sets the level — `trace`, `debug`,
//! `info`, `warn`, `error`, or `json` for trace in JSON lines; `STRATA_LOG` also takes a
//! `tracing` filter (`strata=debug,aws_smithy_runtime=trace`) — and `STRATA_LOG_PATH` (or
//! `TF_LOG_PATH`) appends the log to a file instead of stderr. At trace level the AWS SDK's
//! own events come through too.
//!
//! No secret reaches a log line: every line passes through [`scrub`], which replaces the
//! values registered with [`secret`] (sensitive variables as given, in the spellings a request
//! carries them) and the sensitive literals of the configuration (`SourceMap::hide_secrets`).

use crate::diag::SourceMap;
use std::io::Write;
use std::sync::{Mutex, OnceLock, RwLock};
use tracing_subscriber::fmt::MakeWriter;

/// What no log line shows.
#[derive(Default)]
struct Secrets {
    values: Vec<String>,
    sources: Vec<SourceMap>,
}

fn secrets() -> &'static RwLock<Secrets> {
    static SECRETS: OnceLock<RwLock<Secrets>> = OnceLock::new();
    SECRETS.get_or_init(Default::default)
}

/// Registers a secret value: it, and its URL-encoded and JSON-escaped forms (as AWS query and
/// JSON requests carry it), never appear in the log.
pub fn secret(value: &str) {
    if value.len() < 4 {
        // Too short to hide without hiding ordinary words; never logged by strata itself.
        return;
    }
    let mut forms = vec![value.to_string()];
    let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    forms.push(encoded);
    let json = serde_json::to_string(value).unwrap_or_default();
    forms.push(json.trim_matches('"').to_string());
    let mut s = secrets().write().unwrap_or_else(|e| e.into_inner());
    for f in forms {
        if !s.values.contains(&f) {
            s.values.push(f);
        }
    }
    s.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
}

/// Registers the sensitive literals of a configuration's sources.
pub fn sources(sources: &SourceMap) {
    secrets()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .sources
        .push(sources.clone());
}

/// `line` with every registered secret replaced.
pub fn scrub(line: &str) -> String {
    let s = secrets().read().unwrap_or_else(|e| e.into_inner());
    let mut out = line.to_string();
    for v in &s.values {
        if out.contains(v.as_str()) {
            out = out.replace(v.as_str(), crate::diag::REDACTED);
        }
    }
    for src in &s.sources {
        out = src.hide_secrets(&out);
    }
    out
}

/// Where log lines go: stderr or the log file, each line scrubbed first.
#[derive(Clone, Copy)]
struct Sink;

struct SinkWriter {
    buf: Vec<u8>,
}

fn file() -> &'static OnceLock<Option<Mutex<std::fs::File>>> {
    static FILE: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    &FILE
}

impl Write for SinkWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for SinkWriter {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let text = scrub(&String::from_utf8_lossy(&self.buf));
        match file().get().and_then(Option::as_ref) {
            Some(f) => {
                let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
                let _ = f.write_all(text.as_bytes());
            }
            None => {
                let _ = std::io::stderr().lock().write_all(text.as_bytes());
            }
        }
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = SinkWriter;

    fn make_writer(&'a self) -> SinkWriter {
        SinkWriter { buf: Vec::new() }
    }
}

fn var(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Starts logging when `STRATA_LOG` / `TF_LOG` asks for it. A bad setting is reported on
/// stderr and logging stays off; the command itself runs.
pub fn init() {
    let Some(setting) = var(&["STRATA_LOG", "TF_LOG"]) else {
        return;
    };
    let lower = setting.trim().to_ascii_lowercase();
    let (filter, json) = match lower.as_str() {
        "json" => ("trace".to_string(), true),
        "off" => return,
        _ => (lower.clone(), false),
    };
    let filter = match tracing_subscriber::EnvFilter::try_new(&filter) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "Warning: STRATA_LOG={setting} is not a log level ({e}); logging is off\n  = help: use trace, debug, info, warn, error or json"
            );
            return;
        }
    };
    let path = var(&["STRATA_LOG_PATH", "TF_LOG_PATH"]);
    let opened = path.as_ref().map(|p| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(p)
            .map_err(|e| format!("{p}: {e}"))
    });
    let file_handle = match opened {
        Some(Ok(f)) => Some(Mutex::new(f)),
        Some(Err(e)) => {
            eprintln!("Warning: cannot open the log file {e}; logging to stderr");
            None
        }
        None => None,
    };
    let _ = file().set(file_handle);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Sink)
        .with_ansi(false)
        .with_target(true);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Not the arguments: a `--var` may hold a secret not registered yet.
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "strata starting");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret in any of the spellings a request or a message carries it never survives.
    #[test]
    fn registered_secrets_are_scrubbed_in_every_spelling() {
        secret("p@ss word/\"quoted\"+1");
        for line in [
            "MasterUserPassword=p%40ss+word%2F%22quoted%22%2B1&Version=2014-10-31",
            r#"{"AuthToken":"p@ss word/\"quoted\"+1"}"#,
            "value p@ss word/\"quoted\"+1 in a message",
        ] {
            let scrubbed = scrub(line);
            assert!(scrubbed.contains(crate::diag::REDACTED), "{scrubbed}");
            assert!(
                !scrubbed.contains("p@ss") && !scrubbed.contains("p%40ss"),
                "{scrubbed}"
            );
        }
        assert_eq!(scrub("nothing to hide"), "nothing to hide");
    }

    /// A sensitive literal of the configuration is hidden too.
    #[test]
    fn sensitive_literals_of_the_sources_are_scrubbed() {
        let map = SourceMap::default();
        let text = "password = \"literal-secret-123\"\n";
        let id = map.add(std::path::Path::new("a.tf"), "a.tf".into(), text.into());
        map.redact(crate::diag::Span::new(id, 11..text.len() - 1));
        sources(&map);
        assert!(!scrub("read literal-secret-123 from a.tf").contains("literal-secret-123"));
    }
}
