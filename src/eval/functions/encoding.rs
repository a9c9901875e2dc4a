//! Encoding, filesystem and hash functions.

use super::{arg_err, call_err, map_arg, str_arg, FuncContext, Res};
use crate::value::{Map, Value};
use base64::Engine;
use std::path::{Component, Path, PathBuf};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn s(v: impl Into<String>) -> Res {
    Ok(Value::String(v.into()))
}

pub fn base64decode(args: &[Value], _: &FuncContext) -> Res {
    let bytes = B64
        .decode(str_arg(args, 0)?.as_bytes())
        .map_err(|_| arg_err(0, "the string is not valid base64"))?;
    String::from_utf8(bytes)
        .map(Value::String)
        .map_err(|_| arg_err(0, "the decoded bytes are not valid UTF-8"))
}

pub fn base64encode(args: &[Value], _: &FuncContext) -> Res {
    s(B64.encode(str_arg(args, 0)?.as_bytes()))
}

/// Parses RFC 4180 CSV into rows of fields.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        match c {
            '"' if field.is_empty() => loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => {
                        if !matches!(chars.peek(), None | Some(',') | Some('\n') | Some('\r')) {
                            return Err(format!(
                                "line {line}: extraneous or missing \" in quoted field"
                            ));
                        }
                        break;
                    }
                    Some(ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        field.push(ch)
                    }
                    None => {
                        return Err(format!(
                            "line {line}: extraneous or missing \" in quoted field"
                        ))
                    }
                }
            },
            ',' => row.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
                line += 1;
                any = false;
            }
            '"' => return Err(format!("line {line}: bare \" in non-quoted field")),
            other => field.push(other),
        }
    }
    if any {
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

pub fn csvdecode(args: &[Value], _: &FuncContext) -> Res {
    let rows = parse_csv(&str_arg(args, 0)?).map_err(|e| arg_err(0, e))?;
    let mut iter = rows
        .into_iter()
        .filter(|r| !(r.len() == 1 && r[0].is_empty()));
    let Some(header) = iter.next() else {
        return Err(arg_err(0, "missing header line"));
    };
    let mut out = Vec::new();
    for (n, row) in iter.enumerate() {
        if row.len() != header.len() {
            return Err(arg_err(
                0,
                format!("record on line {} has wrong number of fields", n + 2),
            ));
        }
        out.push(Value::Map(
            header
                .iter()
                .cloned()
                .zip(row.into_iter().map(Value::String))
                .collect(),
        ));
    }
    Ok(Value::List(out))
}

pub fn jsondecode(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| arg_err(0, format!("invalid JSON: {}", e.classify_text())))?;
    Ok(Value::from_json(&json))
}

trait ClassifyText {
    fn classify_text(&self) -> String;
}

impl ClassifyText for serde_json::Error {
    fn classify_text(&self) -> String {
        format!(
            "syntax error at line {}, column {}",
            self.line(),
            self.column()
        )
    }
}

pub fn jsonencode(args: &[Value], _: &FuncContext) -> Res {
    let text = args[0].to_json().to_string();
    // Go's encoder (and so Terraform) escapes HTML-significant characters.
    let text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    s(text)
}

pub fn urlencode(args: &[Value], _: &FuncContext) -> Res {
    let mut out = String::new();
    for b in str_arg(args, 0)?.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    s(out)
}

// ---- filesystem ----

/// Lexically cleans a path like Go's filepath.Clean.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub fn abspath(args: &[Value], _: &FuncContext) -> Res {
    let p = str_arg(args, 0)?;
    if p.starts_with('/') {
        return s(clean(&p));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| call_err(format!("cannot determine the current directory: {e}")))?;
    s(clean(&format!("{}/{p}", cwd.to_string_lossy())))
}

pub fn basename(args: &[Value], _: &FuncContext) -> Res {
    let p = str_arg(args, 0)?;
    if p.is_empty() {
        return s(".");
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return s("/");
    }
    s(trimmed.rsplit('/').next().unwrap_or(trimmed))
}

pub fn dirname(args: &[Value], _: &FuncContext) -> Res {
    let p = str_arg(args, 0)?;
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    s(clean(dir))
}

fn home_dir() -> Option<String> {
    std::env::var("HOME").ok().filter(|h| !h.is_empty())
}

fn expand(p: &str) -> Result<String, super::FuncError> {
    if p == "~" || p.starts_with("~/") {
        let home = home_dir().ok_or_else(|| call_err("cannot expand ~: HOME is not set"))?;
        return Ok(format!("{home}{}", &p[1..]));
    }
    Ok(p.to_string())
}

pub fn pathexpand(args: &[Value], _: &FuncContext) -> Res {
    s(expand(&str_arg(args, 0)?)?)
}

fn resolve(ctx: &FuncContext, p: &str) -> Result<PathBuf, super::FuncError> {
    let p = expand(p)?;
    let path = Path::new(&p);
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        ctx.base_dir.join(path)
    })
}

fn display(path: &Path) -> String {
    let clean: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    clean.display().to_string()
}

fn read(args: &[Value], ctx: &FuncContext) -> Result<(String, Vec<u8>), super::FuncError> {
    let p = str_arg(args, 0)?;
    let path = resolve(ctx, &p)?;
    match std::fs::read(&path) {
        Ok(bytes) => Ok((p, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(call_err(format!(
            "no file exists at {}; this function works only with files that are distributed as part of the configuration source code",
            display(&path)
        ))),
        Err(e) => Err(call_err(format!("failed to read {}: {e}", display(&path)))),
    }
}

pub fn file(args: &[Value], ctx: &FuncContext) -> Res {
    let (p, bytes) = read(args, ctx)?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        call_err(format!(
            "contents of {p} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents"
        ))
    })
}

pub fn filebase64(args: &[Value], ctx: &FuncContext) -> Res {
    let (_, bytes) = read(args, ctx)?;
    s(B64.encode(bytes))
}

pub fn fileexists(args: &[Value], ctx: &FuncContext) -> Res {
    let path = resolve(ctx, &str_arg(args, 0)?)?;
    match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(call_err(format!(
            "{} is not a regular file, but {}",
            display(&path),
            "a directory or other special file"
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(call_err(format!("failed to stat {}: {e}", display(&path)))),
    }
}

pub fn templatefile(args: &[Value], ctx: &FuncContext) -> Res {
    let vars: &Map = map_arg(args, 1)?;
    let (p, bytes) = read(args, ctx)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| call_err(format!("contents of {p} are not valid UTF-8")))?;
    (ctx.render_template)(&text, vars).map_err(|e| call_err(format!("error in template {p}: {e}")))
}

// ---- hashes ----

fn hash<D: sha2::Digest>(args: &[Value]) -> Result<Vec<u8>, super::FuncError> {
    Ok(D::digest(str_arg(args, 0)?.as_bytes()).to_vec())
}

pub fn base64sha256(args: &[Value], _: &FuncContext) -> Res {
    s(B64.encode(hash::<sha2::Sha256>(args)?))
}

pub fn base64sha512(args: &[Value], _: &FuncContext) -> Res {
    s(B64.encode(hash::<sha2::Sha512>(args)?))
}

pub fn md5(args: &[Value], _: &FuncContext) -> Res {
    s(hex::encode(hash::<::md5::Md5>(args)?))
}

pub fn sha1(args: &[Value], _: &FuncContext) -> Res {
    s(hex::encode(hash::<::sha1::Sha1>(args)?))
}

pub fn sha256(args: &[Value], _: &FuncContext) -> Res {
    s(hex::encode(hash::<sha2::Sha256>(args)?))
}

pub fn sha512(args: &[Value], _: &FuncContext) -> Res {
    s(hex::encode(hash::<sha2::Sha512>(args)?))
}

pub fn bcrypt(_: &[Value], _: &FuncContext) -> Res {
    Err(call_err(
        "the bcrypt function is not supported by strata: its result changes on every run",
    ))
}
