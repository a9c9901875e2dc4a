//! Diagnostics: every user-facing error carries the source span it is about and renders the
//! source line with a caret, like `just` and `rustc`.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start,
            end: range.end,
        }
    }

    /// A span from an optional parser range, falling back to the start of the file.
    pub fn from_opt(file: FileId, range: Option<Range<usize>>) -> Span {
        Span::new(file, range.unwrap_or(0..0))
    }
}

pub struct SourceFile {
    /// The path as the user should read it (relative to the working directory when possible).
    pub display: String,
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: PathBuf, display: String, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            display,
            path,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a 1-based line and column.
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(self.text.len())
    }
}

/// Every source text strata has read, so any later stage can render a span.
#[derive(Clone, Default)]
pub struct SourceMap {
    files: Arc<RwLock<Vec<Arc<SourceFile>>>>,
}

impl SourceMap {
    pub fn add(&self, path: &Path, display: String, text: String) -> FileId {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.push(Arc::new(SourceFile::new(path.to_path_buf(), display, text)));
        FileId((files.len() - 1) as u32)
    }

    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    pub fn location(&self, span: Span) -> Option<Location> {
        let file = self.get(span.file)?;
        let (line, column) = file.line_col(span.start);
        Some(Location {
            file: file.display.clone(),
            line,
            column,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub span: Option<Span>,
    /// Printed under the caret.
    pub detail: Option<String>,
    /// What to do about it.
    pub help: Option<String>,
    /// Further places involved (each edge of a cycle, the other declaration of a duplicate).
    pub labels: Vec<Label>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            span: None,
            detail: None,
            help: None,
            labels: Vec::new(),
        }
    }

    pub fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary)
        }
    }

    pub fn at(mut self, span: Span) -> Diagnostic {
        self.span = Some(span);
        self
    }

    pub fn at_opt(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span.or(self.span);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let (tag, paint) = match self.severity {
            Severity::Error => ("Error", "\x1b[1;31m"),
            Severity::Warning => ("Warning", "\x1b[1;33m"),
        };
        let mut out = String::new();
        if color {
            let _ = writeln!(out, "{paint}{tag}\x1b[0m\x1b[1m: {}\x1b[0m", self.summary);
        } else {
            let _ = writeln!(out, "{tag}: {}", self.summary);
        }
        if let Some(span) = self.span {
            render_snippet(&mut out, sources, span, self.detail.as_deref(), color);
        } else if let Some(detail) = &self.detail {
            let _ = writeln!(out, "  {detail}");
        }
        for label in &self.labels {
            render_snippet(&mut out, sources, label.span, Some(&label.message), color);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }

    pub fn to_json(&self, sources: &SourceMap) -> serde_json::Value {
        let range = |span: Span| {
            sources.location(span).map(|loc| {
                serde_json::json!({
                    "filename": loc.file,
                    "start": {"line": loc.line, "column": loc.column, "byte": span.start},
                    "end": sources.get(span.file).map(|f| {
                        let (l, c) = f.line_col(span.end);
                        serde_json::json!({"line": l, "column": c, "byte": span.end})
                    }),
                })
            })
        };
        let mut detail = self.detail.clone().unwrap_or_default();
        if let Some(help) = &self.help {
            if !detail.is_empty() {
                detail.push(' ');
            }
            detail.push_str(help);
        }
        serde_json::json!({
            "severity": self.severity,
            "summary": self.summary,
            "detail": detail,
            "range": self.span.and_then(range),
        })
    }
}

fn render_snippet(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    message: Option<&str>,
    color: bool,
) {
    let Some(file) = sources.get(span.file) else {
        if let Some(message) = message {
            let _ = writeln!(out, "  {message}");
        }
        return;
    };
    let (line, col) = file.line_col(span.start);
    let (end_line, end_col) = file.line_col(span.end);
    let text = file.line_text(line);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", file.display);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {}", text.replace('\t', " "));
    let width = if end_line == line && end_col > col {
        end_col - col
    } else {
        (text.chars().count() + 1).saturating_sub(col).max(1)
    };
    let carets = "^".repeat(width.min(200));
    let under = " ".repeat(col - 1);
    let message = message.map(|m| format!(" {m}")).unwrap_or_default();
    if color {
        let _ = writeln!(out, "{pad} | {under}\x1b[1;31m{carets}{message}\x1b[0m");
    } else {
        let _ = writeln!(out, "{pad} | {under}{carets}{message}");
    }
}

/// Independent diagnostics collected over one run.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        self.0
            .iter()
            .map(|d| d.render(sources, color))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

/// The closest candidate by edit distance, for "did you mean" hints.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = edit_distance(name, candidate);
        let limit = (name.len().max(candidate.len()) / 3).max(2);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let sources = SourceMap::default();
        let id = sources.add(
            Path::new("a.tf"),
            "a.tf".into(),
            "x = \"é\"\ny = 1\n".into(),
        );
        let file = sources.get(id).unwrap();
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(10), (2, 2));
    }

    #[test]
    fn suggestion_picks_the_nearest_name() {
        assert_eq!(did_you_mean("engin", ["engine", "port"]), Some("engine"));
        assert_eq!(did_you_mean("zzzzzz", ["engine", "port"]), None);
    }
}
