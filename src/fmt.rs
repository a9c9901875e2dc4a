//! `strata fmt`: the canonical layout of HCL source, following `terraform fmt`.
//!
//! The formatter works on tokens, the way HashiCorp's `hclwrite` does, so that it only ever
//! changes whitespace between tokens: every comment, string, template and heredoc keeps its exact
//! text. The input is first validated with `hcl_edit`'s parser; the token pass then
//!
//! 1. splits the source into lines (heredocs and multi-line `/* */` comments are single tokens
//!    and keep their inner lines verbatim),
//! 2. indents each line two spaces per open bracket level, counting brackets line by line,
//! 3. re-spaces tokens within a line (`a = b + c`, `f(x, y)`, `{ a = 1 }`, `list[0]`, …),
//! 4. aligns the `=` of consecutive single-line attributes and the `#`/`//` comments that end
//!    consecutive lines.
//!
//! Blank lines are kept as they are (like `terraform fmt`), trailing whitespace is removed and
//! the output ends in exactly one newline.

use std::fmt;

/// The deepest bracket nesting accepted before parsing; deeper input is rejected, never parsed.
const MAX_NESTING: usize = 256;

/// A parse error in the formatted source: 1-based line and column, and a message.
#[derive(Debug, Clone, PartialEq)]
pub struct FmtError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FmtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for FmtError {}

/// Canonical layout like `terraform fmt`. Idempotent: `format(format(x)) == format(x)`.
/// Keeps every comment.
///
/// # Errors
///
/// Returns a [`FmtError`] when `src` is not valid HCL or nests brackets deeper than 256 levels.
pub fn format_source(src: &str) -> Result<String, FmtError> {
    let tokens = lex(src);
    check_nesting(src, &tokens)?;
    if let Err(err) = hcl_edit::parser::parse_body(src) {
        let loc = err.location();
        return Err(FmtError {
            line: loc.line(),
            column: loc.column(),
            message: err.message().to_string(),
        });
    }
    Ok(format_tokens(&tokens))
}

/// A unified diff (like `diff -u`) between `old` and `new`, labelled `old/PATH` and `new/PATH`
/// as `terraform fmt -diff` does; the empty string when the texts are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    Number,
    /// Operators and punctuation; told apart by their text.
    Punct,
    /// `"` opening a quoted template.
    OQuote,
    /// `"` closing a quoted template.
    CQuote,
    /// Literal text inside a quoted template.
    QuotedLit,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// `}` or `~}` closing an interpolation or directive.
    TemplateSeqEnd,
    /// A whole heredoc, from `<<` through its closing marker.
    Heredoc,
    /// `# …` or `// …`, without the newline.
    LineComment,
    /// `/* … */`, possibly spanning lines.
    BlockComment,
    Newline,
    /// A character the lexer does not know (only in input the parser rejects).
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: Kind,
    text: &'a str,
    /// Byte offset in the source.
    offset: usize,
}

impl Tok<'_> {
    fn is(&self, kind: Kind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }

    fn is_punct(&self, text: &str) -> bool {
        self.is(Kind::Punct, text)
    }

    /// +1 for an opening bracket, -1 for a closing one, 0 otherwise.
    fn bracket_change(&self) -> i64 {
        match self.kind {
            Kind::Punct => match self.text {
                "{" | "[" | "(" => 1,
                "}" | "]" | ")" => -1,
                _ => 0,
            },
            Kind::TemplateInterp | Kind::TemplateControl => 1,
            Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Top-level expressions and structure.
    Top,
    /// Expression inside `${ }` / `%{ }`, with the number of object braces open within it.
    Interp(usize),
    /// Inside a quoted template.
    Quoted,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Splits `src` into tokens. Never fails and never panics: input the parser would reject still
/// yields some token sequence (used only to check nesting depth).
fn lex<'a>(src: &'a str) -> Vec<Tok<'a>> {
    let bytes = src.as_bytes();
    let mut toks = Vec::new();
    let mut modes = vec![Mode::Top];
    let mut i = 0;
    let push = |toks: &mut Vec<Tok<'a>>, kind, start: usize, end: usize| {
        toks.push(Tok {
            kind,
            text: &src[start..end],
            offset: start,
        });
    };
    while i < bytes.len() {
        let mode = *modes.last().unwrap_or(&Mode::Top);
        let rest = &src[i..];
        if let Mode::Quoted = mode {
            if rest.starts_with('"') {
                push(&mut toks, Kind::CQuote, i, i + 1);
                modes.pop();
                i += 1;
                continue;
            }
            if rest.starts_with("${") || rest.starts_with("%{") {
                let kind = if rest.starts_with('$') {
                    Kind::TemplateInterp
                } else {
                    Kind::TemplateControl
                };
                let len = if rest[2..].starts_with('~') { 3 } else { 2 };
                push(&mut toks, kind, i, i + len);
                modes.push(Mode::Interp(0));
                i += len;
                continue;
            }
            if rest.starts_with('\n') || rest.starts_with("\r\n") {
                // Unterminated string (invalid); resume lexing expressions.
                modes.pop();
                continue;
            }
            let start = i;
            while i < bytes.len() {
                let r = &src[i..];
                if r.starts_with('"')
                    || r.starts_with("${")
                    || r.starts_with("%{")
                    || r.starts_with('\n')
                    || r.starts_with("\r\n")
                {
                    break;
                }
                if r.starts_with("$${") || r.starts_with("%%{") {
                    i += 3;
                } else if r.starts_with('\\') {
                    i += 1;
                    if let Some(c) = src[i..].chars().next() {
                        if c != '\n' {
                            i += c.len_utf8();
                        }
                    }
                } else {
                    i += r.chars().next().map_or(1, char::len_utf8);
                }
            }
            push(&mut toks, Kind::QuotedLit, start, i);
            continue;
        }

        let c = match rest.chars().next() {
            Some(c) => c,
            None => break,
        };
        let start = i;
        match c {
            '\n' => {
                push(&mut toks, Kind::Newline, i, i + 1);
                i += 1;
            }
            ' ' | '\t' | '\r' => i += 1,
            '#' => {
                let end = rest.find('\n').map_or(src.len(), |n| i + n);
                let text = src[start..end].trim_end();
                push(&mut toks, Kind::LineComment, start, start + text.len());
                i = end;
            }
            '/' if rest.starts_with("//") => {
                let end = rest.find('\n').map_or(src.len(), |n| i + n);
                let text = src[start..end].trim_end();
                push(&mut toks, Kind::LineComment, start, start + text.len());
                i = end;
            }
            '/' if rest.starts_with("/*") => {
                let end = rest[2..].find("*/").map_or(src.len(), |n| i + 2 + n + 2);
                push(&mut toks, Kind::BlockComment, start, end);
                i = end;
            }
            '"' => {
                push(&mut toks, Kind::OQuote, i, i + 1);
                modes.push(Mode::Quoted);
                i += 1;
            }
            '<' if rest.starts_with("<<") => {
                if let Some(end) = heredoc_end(src, i) {
                    push(&mut toks, Kind::Heredoc, start, end);
                    i = end;
                } else {
                    push(&mut toks, Kind::Punct, i, i + 1);
                    i += 1;
                }
            }
            '~' if rest.starts_with("~}") && matches!(mode, Mode::Interp(0)) => {
                push(&mut toks, Kind::TemplateSeqEnd, i, i + 2);
                modes.pop();
                i += 2;
            }
            '{' => {
                if let Some(Mode::Interp(n)) = modes.last_mut() {
                    *n += 1;
                }
                push(&mut toks, Kind::Punct, i, i + 1);
                i += 1;
            }
            '}' => {
                match modes.last_mut() {
                    Some(Mode::Interp(0)) => {
                        push(&mut toks, Kind::TemplateSeqEnd, i, i + 1);
                        modes.pop();
                    }
                    Some(Mode::Interp(n)) => {
                        *n -= 1;
                        push(&mut toks, Kind::Punct, i, i + 1);
                    }
                    _ => push(&mut toks, Kind::Punct, i, i + 1),
                }
                i += 1;
            }
            c if is_ident_start(c) => {
                let len = rest
                    .char_indices()
                    .find(|&(_, c)| !is_ident_continue(c))
                    .map_or(rest.len(), |(n, _)| n);
                push(&mut toks, Kind::Ident, i, i + len);
                i += len;
            }
            c if c.is_ascii_digit() => {
                let b = rest.as_bytes();
                let mut n = 0;
                while n < b.len() && b[n].is_ascii_digit() {
                    n += 1;
                }
                if n + 1 < b.len() && b[n] == b'.' && b[n + 1].is_ascii_digit() {
                    n += 1;
                    while n < b.len() && b[n].is_ascii_digit() {
                        n += 1;
                    }
                }
                if n < b.len() && (b[n] == b'e' || b[n] == b'E') {
                    let mut m = n + 1;
                    if m < b.len() && (b[m] == b'+' || b[m] == b'-') {
                        m += 1;
                    }
                    if m < b.len() && b[m].is_ascii_digit() {
                        while m < b.len() && b[m].is_ascii_digit() {
                            m += 1;
                        }
                        n = m;
                    }
                }
                push(&mut toks, Kind::Number, i, i + n);
                i += n;
            }
            _ => {
                const OPS: [&str; 8] = ["...", "==", "!=", "<=", ">=", "&&", "||", "=>"];
                if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
                    push(&mut toks, Kind::Punct, i, i + op.len());
                    i += op.len();
                } else if "=<>+-*/%!?:,.[]()".contains(c) {
                    push(&mut toks, Kind::Punct, i, i + 1);
                    i += 1;
                } else {
                    push(&mut toks, Kind::Other, i, i + c.len_utf8());
                    i += c.len_utf8();
                }
            }
        }
    }
    toks
}

/// If a heredoc starts at `start` (`<<ID` or `<<-ID` followed by a newline), the byte offset
/// just past its closing marker (or the end of input when it is unterminated).
fn heredoc_end(src: &str, start: usize) -> Option<usize> {
    let rest = &src[start + 2..];
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let marker_len = rest
        .char_indices()
        .find(|&(_, c)| !is_ident_continue(c))
        .map_or(rest.len(), |(n, _)| n);
    let marker = &rest[..marker_len];
    if !marker.chars().next().is_some_and(is_ident_start) {
        return None;
    }
    let after = &rest[marker_len..];
    let newline = after.find('\n')?;
    if !after[..newline].trim().is_empty() {
        return None;
    }
    // Offset of the first body line.
    let mut pos = src.len() - after.len() + newline + 1;
    while pos < src.len() {
        let line_end = src[pos..].find('\n').map_or(src.len(), |n| pos + n);
        let line = &src[pos..line_end];
        if line.trim() == marker {
            return Some(pos + line.trim_end().len());
        }
        pos = line_end + 1;
    }
    Some(src.len())
}

/// 1-based line and column (in characters) of byte `offset` in `src`.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// Rejects input nesting brackets, braces, parentheses or template sequences deeper than
/// [`MAX_NESTING`], which could otherwise exhaust the parser's stack.
fn check_nesting(src: &str, tokens: &[Tok<'_>]) -> Result<(), FmtError> {
    let mut depth: i64 = 0;
    for tok in tokens {
        depth = (depth + tok.bracket_change()).max(0);
        if depth > MAX_NESTING as i64 {
            let (line, column) = line_col(src, tok.offset);
            return Err(FmtError {
                line,
                column,
                message: format!("nesting deeper than {MAX_NESTING} levels"),
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

/// One source line split into cells as `hclwrite` does: `lead`, then `assign` (from the `=` of
/// a single-line attribute on), then a trailing line `comment`.
struct Line<'t, 'a> {
    lead: &'t [Tok<'a>],
    assign: &'t [Tok<'a>],
    comment: Option<&'t Tok<'a>>,
    indent: usize,
}

fn format_tokens(tokens: &[Tok<'_>]) -> String {
    let mut lines: Vec<Line<'_, '_>> = tokens
        .split(|t| t.kind == Kind::Newline)
        .map(split_cells)
        .collect();

    // Indentation: count the net brackets opened or closed on each line.
    let mut indents: Vec<i64> = Vec::new();
    for line in &mut lines {
        if line.lead.is_empty() {
            continue;
        }
        let net: i64 = line
            .lead
            .iter()
            .chain(line.assign)
            .map(Tok::bracket_change)
            .sum();
        if net < 0 {
            let mut closed = -net;
            while closed > 0 {
                let Some(top) = indents.last_mut() else { break };
                if closed >= *top {
                    closed -= *top;
                    indents.pop();
                } else {
                    *top -= closed;
                    closed = 0;
                }
            }
        }
        line.indent = 2 * indents.len();
        if net > 0 {
            indents.push(net);
        }
    }

    // Render the cells, then align `=` and trailing comments across consecutive lines.
    let mut rendered: Vec<(String, String, String)> = lines
        .iter()
        .map(|line| {
            let mut lead = " ".repeat(line.indent);
            render_cell(line.lead, &mut lead);
            let mut assign = String::new();
            render_cell(line.assign, &mut assign);
            let comment = line
                .comment
                .map_or_else(String::new, |c| c.text.to_string());
            (lead, assign, comment)
        })
        .collect();
    align(
        &mut rendered,
        |(lead, _, _)| width(lead),
        |(_, assign, _)| !assign.is_empty(),
        |(lead, _, _), pad| lead.push_str(&" ".repeat(pad)),
    );
    align(
        &mut rendered,
        |(lead, assign, _)| width(lead) + usize::from(!assign.is_empty()) + width(assign),
        |(_, _, comment)| !comment.is_empty(),
        |(lead, assign, _), pad| {
            let cell = if assign.is_empty() { lead } else { assign };
            cell.push_str(&" ".repeat(pad));
        },
    );

    let mut out = String::new();
    for (lead, assign, comment) in &rendered {
        let mut line = lead.clone();
        if !assign.is_empty() {
            line.push(' ');
            line.push_str(assign);
        }
        if !comment.is_empty() {
            line.push(' ');
            line.push_str(comment);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let trimmed = out.trim_end();
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("{trimmed}\n")
    }
}

/// Rendered `(lead, assign, comment)` cells of one line.
type Cells = (String, String, String);

/// Pads every run of consecutive rows matching `in_chain` (with `pad`) to the widest row's
/// width, so that the cell following that width starts in the same column on every row.
fn align(
    rows: &mut [Cells],
    width_of: impl Fn(&Cells) -> usize,
    in_chain: impl Fn(&Cells) -> bool,
    pad: impl Fn(&mut Cells, usize),
) {
    let mut i = 0;
    while i < rows.len() {
        if !in_chain(&rows[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < rows.len() && in_chain(&rows[i]) {
            i += 1;
            // A heredoc (or multi-line comment) ends the run: the lines after its closing
            // marker are not aligned with the attribute that opened it.
            if rows[i - 1].0.contains('\n') || rows[i - 1].1.contains('\n') {
                break;
            }
        }
        let max = rows[start..i].iter().map(&width_of).max().unwrap_or(0);
        for row in &mut rows[start..i] {
            let n = max - width_of(row);
            if n > 0 {
                pad(row, n);
            }
        }
    }
}

/// Display width of a (single-line) cell, in characters.
fn width(s: &str) -> usize {
    s.rsplit('\n').next().unwrap_or("").chars().count()
}

fn split_cells<'t, 'a>(toks: &'t [Tok<'a>]) -> Line<'t, 'a> {
    let (body, comment) = match toks.split_last() {
        Some((last, body)) if last.kind == Kind::LineComment && !body.is_empty() => {
            (body, Some(last))
        }
        _ => (toks, None),
    };
    let mut lead = body;
    let mut assign: &[Tok<'_>] = &[];
    if let Some(eq) = body.iter().position(|t| t.is_punct("=")) {
        if eq > 0 && body[eq..].iter().map(Tok::bracket_change).sum::<i64>() == 0 {
            lead = &body[..eq];
            assign = &body[eq..];
        }
    }
    Line {
        lead,
        assign,
        comment,
        indent: 0,
    }
}

fn render_cell(toks: &[Tok<'_>], out: &mut String) {
    for (i, tok) in toks.iter().enumerate() {
        if i > 0 {
            let before = if i >= 2 { Some(&toks[i - 2]) } else { None };
            if space_after(&toks[i - 1], before, tok) {
                out.push(' ');
            }
        }
        if tok.kind == Kind::BlockComment {
            // Keep a multi-line comment's text, minus trailing whitespace on its inner lines.
            let mut parts = tok.text.split('\n');
            out.push_str(parts.next().unwrap_or("").trim_end());
            for part in parts {
                out.push('\n');
                out.push_str(part.trim_end());
            }
        } else {
            out.push_str(tok.text);
        }
    }
}

fn is_open(t: &Tok<'_>) -> bool {
    t.bracket_change() > 0
}

fn is_close(t: &Tok<'_>) -> bool {
    t.bracket_change() < 0
}

/// Whether one space separates `subject` from the following token `after` on the same line;
/// `before` precedes `subject`. Mirrors `hclwrite`'s `spaceAfterToken`.
fn space_after(subject: &Tok<'_>, before: Option<&Tok<'_>>, after: &Tok<'_>) -> bool {
    use Kind::*;
    let s = subject;
    let a = after;
    if s.kind == Ident && a.is_punct("(") {
        // No space between a function name and its arguments.
        return false;
    }
    if s.is_punct(".") || a.is_punct(".") {
        return false;
    }
    if a.is_punct(",") || a.is_punct("...") {
        return false;
    }
    if s.is_punct(",") {
        return true;
    }
    if matches!(s.kind, QuotedLit | OQuote | Heredoc) || matches!(a.kind, QuotedLit | CQuote) {
        // Never touch template text.
        return false;
    }
    if s.is(Ident, "in") && before.is_some_and(|b| b.kind == Ident) {
        // `for x in [a, b]: …` — `in` is a keyword here, not a reference to index.
        return true;
    }
    if a.is_punct("[") && (matches!(s.kind, Ident | Number) || is_close(s)) {
        return false;
    }
    if s.is_punct("-") {
        // Negation (no space) unless the minus follows something that ends an operand.
        return match before {
            None => false,
            Some(b) => {
                !(is_open(b)
                    || (b.kind == Punct
                        && matches!(
                            b.text,
                            "=" | ":"
                                | ","
                                | "?"
                                | "=>"
                                | "+"
                                | "-"
                                | "*"
                                | "/"
                                | "%"
                                | "=="
                                | "!="
                                | "<"
                                | "<="
                                | ">"
                                | ">="
                                | "&&"
                                | "||"
                                | "!"
                        )))
            }
        };
    }
    if s.is_punct("!") {
        return false;
    }
    if s.is_punct("{") || a.is_punct("}") {
        // `{ a = 1 }` but `{}`.
        return !(s.is_punct("{") && a.is_punct("}"));
    }
    if matches!(s.kind, TemplateInterp | TemplateControl) && a.is_punct("{") {
        return true;
    }
    if s.is_punct("}") && a.kind == TemplateSeqEnd {
        return true;
    }
    if s.kind == TemplateSeqEnd && matches!(a.kind, TemplateInterp | TemplateControl) {
        return false;
    }
    if is_open(s) || is_close(a) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt_ok(src: &str) -> String {
        let out = format_source(src).unwrap_or_else(|e| panic!("format failed: {e}\n{src}"));
        let again = format_source(&out).expect("formatted output must parse");
        assert_eq!(again, out, "not idempotent for:\n{src}");
        let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(
            strip(&out),
            strip(src),
            "formatting changed more than whitespace"
        );
        out
    }

    #[test]
    fn edge_cases() {
        // CRLF and tabs.
        assert_eq!(fmt_ok("a\t=\t1\r\nbb = 2\r\n"), "a  = 1\nbb = 2\n");
        // A file of comments only.
        assert_eq!(fmt_ok("  # one\n\n   // two\n"), "# one\n\n// two\n");
        // `#` inside strings is not a comment; nested quotes inside interpolations.
        let src = "a = \"x # y\"\nb = \"${lookup(var.m, \"k\", \"d\")}\"\n";
        assert_eq!(fmt_ok(src), src);
        // Heredoc as a function argument.
        let src = "a = jsonencode(<<EOT\n  {\"a\": 1}\nEOT\n)\n";
        assert_eq!(fmt_ok(src), src);
        // Unicode keys align by characters.
        assert_eq!(fmt_ok("é = 1\nab = 2\n"), "é  = 1\nab = 2\n");
        // List of objects, comments inside lists.
        let src = "x = [\n{\na = 1 # c\n},\n# between\n{ b = 2 },\n]\n";
        assert_eq!(
            fmt_ok(src),
            "x = [\n  {\n    a = 1 # c\n  },\n  # between\n  { b = 2 },\n]\n"
        );
        // Splats, ellipsis, legacy index.
        let src = "a = f(var.list...)\nb = var.x.*.id\nc = var.y.0\n";
        assert_eq!(
            fmt_ok(src),
            "a = f(var.list...)\nb = var.x.*.id\nc = var.y.0\n"
        );
    }

    #[test]
    fn aligns_attributes() {
        let src = "resource \"a\" \"b\" {\nami=\"x\"\n    instance_type   =  \"t3.micro\"\ncount = 2\n}\n";
        assert_eq!(
            fmt_ok(src),
            "resource \"a\" \"b\" {\n  ami           = \"x\"\n  instance_type = \"t3.micro\"\n  count         = 2\n}\n"
        );
    }

    #[test]
    fn alignment_groups_break_on_blank_comment_and_block() {
        let src = "a = 1\nbbb = 2\n\ncc = 3\n# note\nd = 4\neeee = 5\nx {\n}\nff = 6\n";
        assert_eq!(
            fmt_ok(src),
            "a   = 1\nbbb = 2\n\ncc = 3\n# note\nd    = 4\neeee = 5\nx {\n}\nff = 6\n"
        );
    }

    #[test]
    fn multi_line_attribute_breaks_alignment() {
        let src = "a = 1\nlong_name = {\nk = 1\nlonger = 2\n}\nb = 2\n";
        assert_eq!(
            fmt_ok(src),
            "a = 1\nlong_name = {\n  k      = 1\n  longer = 2\n}\nb = 2\n"
        );
    }

    #[test]
    fn spaces_in_expressions() {
        let src = "x = [ 1,2 , 3 ]\ny = f( a,b )\nz = a+b*-c\nw = { a = 1 , b=2}\ne = {}\nv = var.list[ 0 ]\nn = !var.x\ns = \"${ var.a }-x\"\nt = [for v in [1,2]: v if v>1]\nq = a ? -1 : b\n";
        assert_eq!(
            fmt_ok(src),
            "x = [1, 2, 3]\ny = f(a, b)\nz = a + b * -c\nw = { a = 1, b = 2 }\ne = {}\nv = var.list[0]\nn = !var.x\ns = \"${var.a}-x\"\nt = [for v in [1, 2] : v if v > 1]\nq = a ? -1 : b\n"
        );
    }

    #[test]
    fn keeps_string_contents() {
        let src = "a = \"  spaced  ${x}  text \\\" = 1 \"\nb = \"$${not} %%{interp}\"\n";
        assert_eq!(fmt_ok(src), src);
    }

    #[test]
    fn end_of_line_comments_are_aligned() {
        let src = "a = 1 # one\nbbbb = 22 // two\nc = 3\n";
        assert_eq!(fmt_ok(src), "a    = 1  # one\nbbbb = 22 // two\nc    = 3\n");
    }

    #[test]
    fn trailing_whitespace_and_final_newline() {
        assert_eq!(fmt_ok("a = 1   \n\n\n"), "a = 1\n");
        assert_eq!(fmt_ok("a = 1"), "a = 1\n");
        assert_eq!(fmt_ok(""), "");
        assert_eq!(fmt_ok("\n\n"), "");
    }

    #[test]
    fn heredoc_untouched() {
        let src = "x {\nbody = <<-EOT\n    keep   this =  as is   \n  ${ var.x }\n    EOT\n   other=1\n}\n";
        assert_eq!(
            fmt_ok(src),
            "x {\n  body = <<-EOT\n    keep   this =  as is   \n  ${ var.x }\n    EOT\n  other = 1\n}\n"
        );
    }

    #[test]
    fn invalid_input_reports_position() {
        let err = format_source("a = 1\nb = = 2\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.column >= 1);
        assert!(!err.message.is_empty());
        assert!(format_source("resource \"a\" {\n").is_err());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        for src in [
            "a = ".to_string() + &"[".repeat(100_000),
            "a = ".to_string() + &"[".repeat(300) + &"]".repeat(300),
            "a = ".to_string() + &"(".repeat(100_000) + "1",
            "a = ".to_string() + &"{ x = ".repeat(50_000),
            "a = ".to_string() + &"\"${".repeat(50_000),
        ] {
            let err = format_source(&src).unwrap_err();
            assert_eq!(err.line, 1);
        }
    }

    #[test]
    fn hostile_operator_chains_do_not_crash() {
        for src in [
            "a = ".to_string() + &"!".repeat(100_000) + "true",
            "a = ".to_string() + &"-".repeat(100_000) + "1",
            "a = 1".to_string() + &" + 1".repeat(100_000),
        ] {
            let _ = format_source(&src);
        }
    }

    #[test]
    fn truncated_input_never_panics() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
        for name in ["comments.in.tf", "expressions.in.tf", "heredoc.in.tf"] {
            let src = std::fs::read_to_string(dir.join(name)).unwrap();
            for (i, _) in src.char_indices() {
                if let Ok(out) = format_source(&src[..i]) {
                    assert_eq!(format_source(&out).as_ref(), Ok(&out), "{name} cut at {i}");
                }
            }
        }
    }

    #[test]
    fn diff() {
        assert_eq!(unified_diff("main.tf", "a\n", "a\n"), "");
        let d = unified_diff("main.tf", "a=1\n", "a = 1\n");
        assert!(d.starts_with("--- old/main.tf\n+++ new/main.tf\n"), "{d}");
        assert!(d.contains("-a=1\n+a = 1\n"), "{d}");
    }

    #[test]
    fn fixtures() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fmt");
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .expect("fixture dir")
            .filter_map(|e| {
                let name = e.ok()?.file_name().into_string().ok()?;
                name.strip_suffix(".in.tf").map(str::to_string)
            })
            .collect();
        names.sort();
        assert!(!names.is_empty());
        for name in names {
            let input = std::fs::read_to_string(dir.join(format!("{name}.in.tf"))).unwrap();
            if std::env::var_os("STRATA_FMT_BLESS").is_some() {
                // Regenerate the expected output; review the result before committing it.
                std::fs::write(dir.join(format!("{name}.out.tf")), fmt_ok(&input)).unwrap();
            }
            let expected = std::fs::read_to_string(dir.join(format!("{name}.out.tf"))).unwrap();
            let got = fmt_ok(&input);
            assert_eq!(
                got,
                expected,
                "fixture {name}:\n{}",
                unified_diff(&name, &expected, &got)
            );
            assert_eq!(
                fmt_ok(&expected),
                expected,
                "fixture {name}.out.tf is not canonical"
            );
        }
    }
}
