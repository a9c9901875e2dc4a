//! Diagnostics: every user-facing error carries the source span it is about and renders the
//! source line with a caret, like `just` and `rustc`.

use std::collections::BTreeSet;
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

/// Every source text strata has read, so any later stage can render a span — and what of it
/// must never be shown again (secrets written as literals).
#[derive(Clone, Default)]
pub struct SourceMap {
    files: Arc<RwLock<Vec<Arc<SourceFile>>>>,
    hidden: Arc<RwLock<Hidden>>,
}

/// Source text no excerpt shows.
#[derive(Default)]
struct Hidden {
    /// Sensitive literals, found by what knows the schemas (`crate::redact`).
    spans: Vec<Span>,
    /// Arguments whose value is secret wherever they are written (`password = ...`): their
    /// literals are hidden even in a file that could not be parsed.
    names: BTreeSet<String>,
}

/// What an excerpt shows instead of a sensitive literal.
pub const REDACTED: &str = "(sensitive value)";

/// Values at least this long are hidden wherever a message holds them, shorter ones only
/// where quoted.
const MIN_BARE_SECRET: usize = 6;

impl SourceMap {
    /// No excerpt will show this text (a sensitive literal).
    pub fn redact(&self, span: Span) {
        let mut hidden = self.hidden.write().unwrap_or_else(|e| e.into_inner());
        if !hidden.spans.contains(&span) {
            hidden.spans.push(span);
        }
    }

    /// No excerpt will show a literal assigned to one of these argument names.
    pub fn redact_arguments(&self, names: impl IntoIterator<Item = String>) {
        let mut hidden = self.hidden.write().unwrap_or_else(|e| e.into_inner());
        hidden.names.extend(names);
    }

    /// `text` (a rendered diagnostic) with every hidden literal's value replaced by
    /// [`REDACTED`]: a message that quotes a value (`got the string "..."`) must not show
    /// a secret either. Short values are replaced only where quoted, so that ordinary words
    /// containing them stay readable.
    pub fn hide_secrets(&self, text: &str) -> String {
        let values: BTreeSet<String> = {
            let hidden = self.hidden.read().unwrap_or_else(|e| e.into_inner());
            hidden
                .spans
                .iter()
                .filter_map(|s| {
                    let file = self.get(s.file)?;
                    Some(literal_values(file.text.get(s.start..s.end)?))
                })
                .flatten()
                .collect()
        };
        let mut out = text.to_string();
        // Longest first: a value that contains another is replaced whole.
        let mut values: Vec<String> = values.into_iter().collect();
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        for v in values {
            out = out.replace(&format!("\"{v}\""), REDACTED);
            if v.chars().count() >= MIN_BARE_SECRET {
                out = out.replace(&v, REDACTED);
            }
        }
        out
    }

    /// The byte ranges of `line` (1-based) of `file` that no excerpt shows, relative to the
    /// line's start, sorted and merged.
    fn hidden_in_line(&self, file: FileId, source: &SourceFile, line: usize) -> Vec<Range<usize>> {
        let start = source.line_starts[line - 1];
        let text = source.line_text(line);
        let end = start + text.len();
        let hidden = self.hidden.read().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<Range<usize>> = hidden
            .spans
            .iter()
            .filter(|s| s.file == file && s.start < end && s.end > start)
            .map(|s| s.start.max(start) - start..s.end.min(end) - start)
            .collect();
        if let Some(value) = assigned_value(text, &hidden.names) {
            out.extend(
                string_literals(&text[value..])
                    .into_iter()
                    .map(|r| r.start + value..r.end + value),
            );
        }
        out.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in out {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        merged
    }

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
            render_snippet(
                &mut out,
                sources,
                span,
                self.detail.as_deref(),
                self.severity,
                color,
            );
        } else if let Some(detail) = &self.detail {
            let _ = writeln!(out, "  {detail}");
        }
        for label in &self.labels {
            render_snippet(
                &mut out,
                sources,
                label.span,
                Some(&label.message),
                self.severity,
                color,
            );
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        sources.hide_secrets(&out)
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
            "summary": sources.hide_secrets(&self.summary),
            "detail": sources.hide_secrets(&detail),
            "range": self.span.and_then(range),
        })
    }
}

/// `--> file:line:col`, then the line with the span underlined. The location is strata's own
/// (the one `to_json` reports, which a redacted literal earlier on the line must not shift);
/// the line and its underline are annotate-snippets', which measures what a terminal shows:
/// wide characters (CJK, emoji) take two columns and tabs expand, and the carets stay under
/// the span.
fn render_snippet(
    out: &mut String,
    sources: &SourceMap,
    span: Span,
    message: Option<&str>,
    severity: Severity,
    color: bool,
) {
    let Some(file) = sources.get(span.file) else {
        if let Some(message) = message {
            let _ = writeln!(out, "  {message}");
        }
        return;
    };
    let (line, col) = file.line_col(span.start);
    let line_start = file.line_starts[line - 1];
    let hidden = sources.hidden_in_line(span.file, &file, line);
    let original = file.line_text(line);
    let (text, offsets) = shown_line(original, &hidden);
    // The span within its first line, as byte offsets of the shown line.
    let clamp = |offset: usize| offset.clamp(line_start, line_start + original.len()) - line_start;
    let start = offsets.start(clamp(span.start));
    let end = offsets.end(clamp(span.end)).max(start);
    let pad = " ".repeat(line.to_string().len());
    // Painted as annotate-snippets paints its gutter.
    let arrow = if color {
        "\x1b[1m\x1b[94m-->\x1b[0m"
    } else {
        "-->"
    };
    let _ = writeln!(out, "{pad}{arrow} {}:{line}:{col}", file.display);
    let message = message.map(|m| sources.hide_secrets(m));
    let mut underline = annotate_snippets::AnnotationKind::Primary.span(start..end);
    if let Some(message) = &message {
        underline = underline.label(message.as_str());
    }
    let level = match severity {
        Severity::Error => annotate_snippets::Level::ERROR,
        Severity::Warning => annotate_snippets::Level::WARNING,
    };
    let group = annotate_snippets::Group::with_level(level).element(
        annotate_snippets::Snippet::source(text.as_str())
            .line_start(line)
            .annotation(underline),
    );
    let renderer = if color {
        annotate_snippets::Renderer::styled().hyperlink(false)
    } else {
        annotate_snippets::Renderer::plain()
    };
    let _ = writeln!(out, "{}", renderer.render(&[group]));
}

/// Where the bytes of a line are in the line as an excerpt shows it.
struct ShownOffsets {
    /// For each character of the original line and one past its end: its byte offset there,
    /// and the range it takes in the shown line (a hidden literal's characters all take
    /// the whole [`REDACTED`]).
    chars: Vec<(usize, Range<usize>)>,
}

impl ShownOffsets {
    fn at(&self, offset: usize) -> &Range<usize> {
        let i = self.chars.partition_point(|(o, _)| *o < offset);
        &self.chars[i.min(self.chars.len() - 1)].1
    }

    /// Where a span starting at `offset` of the original line starts in the shown line.
    fn start(&self, offset: usize) -> usize {
        self.at(offset).start
    }

    /// Where a span ending at `offset` ends: past the whole [`REDACTED`] when it ends inside
    /// a hidden literal.
    fn end(&self, offset: usize) -> usize {
        let here = self.at(offset);
        let inside = offset > 0 && self.at(offset - 1) == here;
        if inside {
            here.end
        } else {
            here.start
        }
    }
}

/// The line as an excerpt shows it — each hidden byte range replaced by [`REDACTED`] — and
/// where each of its characters went.
fn shown_line(text: &str, hidden: &[Range<usize>]) -> (String, ShownOffsets) {
    let mut out = String::new();
    let mut chars = Vec::new();
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        match hidden.iter().find(|r| r.contains(&i)) {
            Some(r) => {
                let shown = out.len()..out.len() + REDACTED.len();
                out.push_str(REDACTED);
                chars.push((i, shown.clone()));
                while let Some(&(j, _)) = iter.peek().filter(|(j, _)| r.contains(j)) {
                    iter.next();
                    chars.push((j, shown.clone()));
                }
            }
            None => {
                chars.push((i, out.len()..out.len() + c.len_utf8()));
                out.push(c);
            }
        }
    }
    chars.push((text.len(), out.len()..out.len()));
    (out, ShownOffsets { chars })
}

/// The literal text of a string literal's source (`"a${x}b"` → `a`, `b`; a heredoc's
/// lines), without quotes and escapes undone for the common ones.
fn literal_values(source: &str) -> Vec<String> {
    let inner = if let Some(q) = source.strip_prefix('"') {
        q.strip_suffix('"').unwrap_or(q).to_string()
    } else if source.starts_with("<<") {
        source.lines().skip(1).collect::<Vec<_>>().join("\n")
    } else {
        source.to_string()
    };
    let mut parts = Vec::new();
    let mut rest = inner.as_str();
    while let Some(i) = rest
        .find(['$', '%'])
        .filter(|i| rest[*i + 1..].starts_with('{'))
    {
        parts.push(rest[..i].to_string());
        let after = &rest[i..];
        rest = after.find('}').map_or("", |j| &after[j + 1..]);
    }
    parts.push(rest.to_string());
    parts
        .into_iter()
        .flat_map(|p| {
            let unescaped = p.replace("\\\"", "\"").replace("\\\\", "\\");
            p.lines()
                .chain(unescaped.lines())
                .map(|l| l.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Where the value starts in a line `NAME = value` (or `"NAME" = value`, `NAME: value`)
/// whose NAME is one of `names`.
fn assigned_value(line: &str, names: &BTreeSet<String>) -> Option<usize> {
    if names.is_empty() {
        return None;
    }
    let trimmed = line.trim_start();
    let name_end = trimmed
        .trim_start_matches('"')
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(0);
    let quote = usize::from(trimmed.starts_with('"'));
    let name = &trimmed[quote..quote + name_end];
    if !names.contains(name) {
        return None;
    }
    let after = &trimmed[quote + name_end..];
    let rest = after.trim_start_matches('"').trim_start();
    let rest = rest.strip_prefix(['=', ':'])?;
    Some(line.len() - rest.len())
}

/// The byte ranges of the string literals in HCL text: quoted strings (with their
/// templates, nested strings inside `${...}` included) and heredocs, quotes and markers
/// included. A string still open at the end runs to the end of the text. Comments are
/// skipped.
pub fn string_literals(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = quoted_end(bytes, i);
                out.push(i..end);
                i = end;
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                let end = heredoc_end(text, i).unwrap_or(bytes.len());
                out.push(i..end);
                i = end;
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2)
            }
            _ => i += 1,
        }
    }
    out
}

/// One past the closing quote of the string opening at `start` (or the end of the text).
fn quoted_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    // Open `${` / `%{` interpolations, each with its own nested strings.
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if depth == 0 => i += 2,
            b'"' if depth == 0 => return i + 1,
            b'"' => i = quoted_end(bytes, i),
            b'$' | b'%' if depth == 0 && bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
            }
            b'{' if depth > 0 => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => {
                depth -= 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// One past the end of the heredoc opening at `start` (`<<EOT` or `<<-EOT`): past the line
/// holding only its marker.
fn heredoc_end(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if marker.is_empty() {
        return None;
    }
    let body = text[start..].find('\n')? + start + 1;
    let mut pos = body;
    for line in text[body..].split_inclusive('\n') {
        pos += line.len();
        if line.trim() == marker {
            return Some(pos - (line.len() - line.trim_end().len()));
        }
    }
    Some(text.len())
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

/// The closest candidate by edit distance (strsim's Levenshtein), for "did you mean" hints.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let d = strsim::levenshtein(name, candidate);
        let limit = (name.len().max(candidate.len()) / 3).max(2);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
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
    fn string_literals_cover_templates_heredocs_and_skip_comments() {
        let text = r#"a = "x${"y"}z" # "not a string"
b = <<EOT
secret
EOT
c = "es\"caped" // "nor this"
d = "open"#;
        let found: Vec<&str> = string_literals(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(
            found,
            [
                r#""x${"y"}z""#,
                "<<EOT\nsecret\nEOT",
                r#""es\"caped""#,
                "\"open"
            ]
        );
    }

    /// Regression: a LITERAL_SECRET finding reprinted the line with the password in it.
    #[test]
    fn a_redacted_literal_is_never_rendered_and_the_caret_stays_under_it() {
        let sources = SourceMap::default();
        let text = "  password = \"hunter2-and-more\" # admin\n";
        let id = sources.add(Path::new("a.tf"), "a.tf".into(), text.into());
        let start = text.find('"').unwrap();
        let end = text.rfind('"').unwrap() + 1;
        sources.redact(Span::new(id, start..end));
        let out = Diagnostic::error("LITERAL_SECRET: password is a literal string")
            .at(Span::new(id, start..end))
            .detail("it was \"hunter2-and-more\"")
            .render(&sources, false);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(
            out.contains("1 |   password = (sensitive value) # admin\n")
                && out.contains("  |              ^^^^^^^^^^^^^^^^^ it was (sensitive value)"),
            "{out}"
        );
    }

    /// Regression: the caret was placed by counting characters, so after a CJK name or an
    /// emoji (two columns each on a terminal) it pointed left of the error, and a tab was
    /// printed as one space.
    #[test]
    fn wide_characters_and_tabs_before_the_error_keep_the_caret_under_it() {
        let sources = SourceMap::default();
        let text = "x {\n\ttags = { \"名前\" = \"🎉\", owner = nobody }\n}\n";
        let id = sources.add(Path::new("a.tf"), "a.tf".into(), text.into());
        let start = text.find("nobody").unwrap();
        let d = Diagnostic::error("Unknown variable")
            .at(Span::new(id, start..start + "nobody".len()))
            .detail("no such name");
        let out = d.render(&sources, false);
        // A tab is four columns; 名, 前 and 🎉 two each.
        let shown = "2 |     tags = { \"名前\" = \"🎉\", owner = nobody }";
        let under = format!("  | {}^^^^^^ no such name", " ".repeat(36));
        assert!(out.contains(&format!("{shown}\n{under}\n")), "{out}");
        // The location counts characters, as the JSON does.
        assert!(out.contains(" --> a.tf:2:31\n"), "{out}");
        let json = d.to_json(&sources);
        assert_eq!(json["range"]["start"]["column"], 31, "{json}");
    }

    #[test]
    fn a_sensitive_argument_is_hidden_even_in_a_file_that_does_not_parse() {
        let sources = SourceMap::default();
        sources.redact_arguments(["password".to_string()]);
        let text = "x {\n  password = \"unclosed\n  \"password\": \"json-style\",\n}\n";
        let id = sources.add(Path::new("a.tf"), "a.tf".into(), text.into());
        for line in [2, 3] {
            let at = sources.get(id).unwrap().offset_of(line, 3);
            let out = Diagnostic::error("Invalid HCL syntax")
                .at(Span::new(id, at..at + 1))
                .render(&sources, false);
            assert!(
                !out.contains("unclosed") && !out.contains("json-style"),
                "{out}"
            );
            assert!(out.contains(REDACTED), "{out}");
        }
    }

    #[test]
    fn suggestion_picks_the_nearest_name() {
        assert_eq!(did_you_mean("engin", ["engine", "port"]), Some("engine"));
        assert_eq!(did_you_mean("zzzzzz", ["engine", "port"]), None);
    }
}
