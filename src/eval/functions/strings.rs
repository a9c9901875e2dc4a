//! String functions, including `format` and `formatlist`.

use super::{arg_err, call_err, int_arg, list_arg, str_arg, FuncContext, Res, MAX_ELEMENTS};
use crate::value::format_number;
use crate::value::{Map, Value};

fn s(v: impl Into<String>) -> Res {
    Ok(Value::String(v.into()))
}

pub fn chomp(args: &[Value], _: &FuncContext) -> Res {
    let v = str_arg(args, 0)?;
    s(v.trim_end_matches(['\n', '\r']))
}

pub fn endswith(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Bool(str_arg(args, 0)?.ends_with(&str_arg(args, 1)?)))
}

pub fn startswith(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Bool(
        str_arg(args, 0)?.starts_with(&str_arg(args, 1)?),
    ))
}

pub fn strcontains(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Bool(str_arg(args, 0)?.contains(&str_arg(args, 1)?)))
}

pub fn indent(args: &[Value], _: &FuncContext) -> Res {
    let n = int_arg(args, 0)?;
    if !(0..=1024).contains(&n) {
        return Err(arg_err(
            0,
            "the number of spaces must be between 0 and 1024",
        ));
    }
    let pad = " ".repeat(n as usize);
    let text = str_arg(args, 1)?;
    s(text.replace('\n', &format!("\n{pad}")))
}

pub fn join(args: &[Value], _: &FuncContext) -> Res {
    let sep = str_arg(args, 0)?;
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for item in list_arg(args, i)? {
            if item.is_null() {
                return Err(arg_err(i, "the list must not contain null values"));
            }
            parts.push(
                item.to_template_string()
                    .ok_or_else(|| arg_err(i, "the list elements must be strings"))?,
            );
        }
    }
    s(parts.join(&sep))
}

pub fn lower(args: &[Value], _: &FuncContext) -> Res {
    s(str_arg(args, 0)?.to_lowercase())
}

pub fn upper(args: &[Value], _: &FuncContext) -> Res {
    s(str_arg(args, 0)?.to_uppercase())
}

pub fn title(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let mut out = String::with_capacity(text.len());
    let mut at_start = true;
    for c in text.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        // Go's strings.Title: ASCII letters, digits and '_' continue a word; other ASCII
        // characters and Unicode spaces separate words.
        at_start = if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        };
    }
    s(out)
}

pub fn strrev(args: &[Value], _: &FuncContext) -> Res {
    s(str_arg(args, 0)?.chars().rev().collect::<String>())
}

pub fn substr(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let offset = int_arg(args, 1)?;
    let length = int_arg(args, 2)?;
    let chars: Vec<char> = text.chars().collect();
    let len = chars.len() as i64;
    let mut start = offset;
    if start < 0 {
        // Counts from the end; an offset before the start clamps to it, like Terraform.
        start = (start + len).max(0);
    }
    if start >= len {
        return s("");
    }
    let end = if length < 0 {
        len
    } else {
        start.saturating_add(length).min(len)
    };
    s(chars[start as usize..end as usize]
        .iter()
        .collect::<String>())
}

pub fn trim(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let cutset: Vec<char> = str_arg(args, 1)?.chars().collect();
    s(text.trim_matches(|c| cutset.contains(&c)))
}

pub fn trimprefix(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let prefix = str_arg(args, 1)?;
    s(text.strip_prefix(prefix.as_str()).unwrap_or(&text))
}

pub fn trimsuffix(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let suffix = str_arg(args, 1)?;
    s(text.strip_suffix(suffix.as_str()).unwrap_or(&text))
}

pub fn trimspace(args: &[Value], _: &FuncContext) -> Res {
    s(str_arg(args, 0)?.trim())
}

pub fn split(args: &[Value], _: &FuncContext) -> Res {
    let sep = str_arg(args, 0)?;
    let text = str_arg(args, 1)?;
    let parts: Vec<Value> = if sep.is_empty() {
        text.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        text.split(sep.as_str()).map(Value::from).collect()
    };
    Ok(Value::List(parts))
}

fn compile(pattern: &str, index: usize) -> Result<regex::Regex, super::FuncError> {
    regex::RegexBuilder::new(pattern)
        .size_limit(10 * (1 << 20))
        .build()
        .map_err(|e| arg_err(index, format!("invalid regular expression: {e}")))
}

/// The value of one match, shaped like Terraform's regex(): the whole match when the pattern has
/// no groups, a list for unnamed groups, a map for named groups.
fn match_value(re: &regex::Regex, caps: &regex::Captures) -> Result<Value, super::FuncError> {
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    if names.is_empty() {
        return Ok(Value::from(caps.get(0).map_or("", |m| m.as_str())));
    }
    let named = names.iter().filter(|n| n.is_some()).count();
    let group = |i: usize| caps.get(i).map_or(Value::Null, |m| Value::from(m.as_str()));
    if named == 0 {
        Ok(Value::List((1..=names.len()).map(group).collect()))
    } else if named == names.len() {
        let mut map = Map::new();
        for (i, n) in names.iter().enumerate() {
            map.insert(n.unwrap_or_default().to_string(), group(i + 1));
        }
        Ok(Value::Map(map))
    } else {
        Err(arg_err(
            0,
            "the pattern must not mix named and unnamed capture groups",
        ))
    }
}

pub fn regex(args: &[Value], _: &FuncContext) -> Res {
    let re = compile(&str_arg(args, 0)?, 0)?;
    let text = str_arg(args, 1)?;
    match re.captures(&text) {
        Some(caps) => match_value(&re, &caps),
        None => Err(call_err(
            "pattern did not match any part of the given string",
        )),
    }
}

pub fn regexall(args: &[Value], _: &FuncContext) -> Res {
    let re = compile(&str_arg(args, 0)?, 0)?;
    let text = str_arg(args, 1)?;
    let mut out = Vec::new();
    for caps in re.captures_iter(&text) {
        out.push(match_value(&re, &caps)?);
    }
    Ok(Value::List(out))
}

pub fn replace(args: &[Value], _: &FuncContext) -> Res {
    let text = str_arg(args, 0)?;
    let search = str_arg(args, 1)?;
    let with = str_arg(args, 2)?;
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let re = compile(&search[1..search.len() - 1], 1)?;
        return s(re.replace_all(&text, with.as_str()).into_owned());
    }
    if search.is_empty() {
        return s(text);
    }
    s(text.replace(&search, &with))
}

// ---- format ----

/// Formats a single value for `%v`/`%s`-like output.
fn plain(v: &Value) -> Option<String> {
    match v {
        Value::List(_) | Value::Map(_) => Some(v.to_json().to_string()),
        Value::Null => Some("null".into()),
        other => other.to_template_string(),
    }
}

struct Verb {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

fn pad(verb: &Verb, body: String, numeric: bool) -> String {
    let Some(width) = verb.width else {
        return body;
    };
    let len = body.chars().count();
    if len >= width {
        return body;
    }
    let fill = width - len;
    if verb.minus {
        format!("{body}{}", " ".repeat(fill))
    } else if verb.zero && numeric {
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
            _ => (String::new(), body),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

fn sign(verb: &Verb, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if verb.plus {
        "+"
    } else if verb.space {
        " "
    } else {
        ""
    }
}

/// Go's %e form: d.dddddde±dd.
fn exp_form(n: f64, precision: usize, upper: bool) -> String {
    let formatted = format!("{:.*e}", precision, n.abs());
    let (mantissa, exp) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{esign}{:02}", exp.unsigned_abs())
}

fn format_one(verb: &Verb, c: char, v: &Value, argn: usize) -> Result<String, String> {
    let need_num = || -> Result<f64, String> {
        super::to_number(v)
            .ok_or_else(|| format!("unsupported value for \"%{c}\" at {argn}: number required"))
    };
    let body = match c {
        'v' => {
            if verb.sharp {
                v.to_json().to_string()
            } else {
                plain(v).unwrap_or_default()
            }
        }
        's' => {
            if v.is_null() {
                return Err(format!(
                    "unsupported value for \"%s\" at {argn}: null value cannot be formatted"
                ));
            }
            let text = v.to_template_string().ok_or_else(|| {
                format!("unsupported value for \"%s\" at {argn}: string required")
            })?;
            match verb.precision {
                Some(p) => text.chars().take(p).collect(),
                None => text,
            }
        }
        'q' => {
            let text = v.to_template_string().ok_or_else(|| {
                format!("unsupported value for \"%q\" at {argn}: string required")
            })?;
            serde_json::Value::String(text).to_string()
        }
        't' => match v {
            Value::Bool(b) => b.to_string(),
            Value::String(s) if s == "true" || s == "false" => s.clone(),
            _ => {
                return Err(format!(
                    "unsupported value for \"%t\" at {argn}: bool required"
                ))
            }
        },
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = need_num()?;
            if n.fract() != 0.0 || n.abs() >= 1.0e38 {
                return Err(format!(
                    "unsupported value for \"%{c}\" at {argn}: an integer is required"
                ));
            }
            let i = n as i128;
            let mag = i.unsigned_abs();
            let digits = match c {
                'd' => mag.to_string(),
                'b' => format!("{mag:b}"),
                'o' => format!("{mag:o}"),
                'x' => format!("{mag:x}"),
                _ => format!("{mag:X}"),
            };
            let digits = match verb.precision {
                Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            format!("{}{digits}", sign(verb, i < 0))
        }
        'f' | 'F' => {
            let n = need_num()?;
            let p = verb.precision.unwrap_or(6);
            format!("{}{:.*}", sign(verb, n < 0.0), p, n.abs())
        }
        'e' | 'E' => {
            let n = need_num()?;
            let p = verb.precision.unwrap_or(6);
            format!("{}{}", sign(verb, n < 0.0), exp_form(n, p, c == 'E'))
        }
        'g' | 'G' => {
            let n = need_num()?;
            let exp = if n == 0.0 {
                0
            } else {
                n.abs().log10().floor() as i32
            };
            let body = if !(-4..21).contains(&exp) {
                let shortest = format!("{:e}", n.abs());
                let digits = shortest
                    .split_once('e')
                    .map_or(0, |(m, _)| m.len().saturating_sub(2));
                exp_form(n, digits, c == 'G')
            } else {
                format_number(n.abs())
            };
            format!("{}{body}", sign(verb, n < 0.0))
        }
        other => return Err(format!("unsupported format verb %{other}")),
    };
    let numeric = !matches!(c, 's' | 'q' | 'v' | 't');
    Ok(pad(verb, body, numeric))
}

/// Formats `spec` with `args`, Terraform-style.
pub fn format_values(spec: &str, args: &[Value]) -> Result<String, String> {
    let chars: Vec<char> = spec.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    let parse_int = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        chars[start..*i]
            .iter()
            .collect::<String>()
            .parse::<usize>()
            .ok()
            .map(|n| n.min(1 << 16))
    };
    let parse_index = |i: &mut usize| -> Result<Option<usize>, String> {
        if *i < chars.len() && chars[*i] == '[' {
            *i += 1;
            let n = parse_int(i).ok_or("invalid argument index in format string")?;
            if *i >= chars.len() || chars[*i] != ']' || n == 0 {
                return Err("invalid argument index in format string".into());
            }
            *i += 1;
            return Ok(Some(n - 1));
        }
        Ok(None)
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '%' {
            out.push(c);
            i += 1;
            continue;
        }
        i += 1;
        if i < chars.len() && chars[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut index = parse_index(&mut i)?;
        let mut verb = Verb {
            minus: false,
            plus: false,
            space: false,
            zero: false,
            sharp: false,
            width: None,
            precision: None,
        };
        while i < chars.len() {
            match chars[i] {
                '-' => verb.minus = true,
                '+' => verb.plus = true,
                ' ' => verb.space = true,
                '0' => verb.zero = true,
                '#' => verb.sharp = true,
                _ => break,
            }
            i += 1;
        }
        verb.width = parse_int(&mut i);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            verb.precision = Some(parse_int(&mut i).unwrap_or(0));
        }
        if let Some(ix) = parse_index(&mut i)? {
            index = Some(ix);
        }
        let Some(&vc) = chars.get(i) else {
            return Err("format string ends with an incomplete verb".into());
        };
        i += 1;
        let argi = index.unwrap_or(next_arg);
        next_arg = argi + 1;
        let Some(v) = args.get(argi) else {
            return Err(format!(
                "not enough arguments for \"%{vc}\" at {}: need index {} but have {} total",
                i - 1,
                argi + 1,
                args.len()
            ));
        };
        max_used = max_used.max(argi + 1);
        out.push_str(&format_one(&verb, vc, v, argi + 1)?);
        if out.len() > 16 * 1024 * 1024 {
            return Err("formatted string is too long".into());
        }
    }
    if max_used < args.len() {
        return Err(format!(
            "too many arguments; only {max_used} used by format string"
        ));
    }
    Ok(out)
}

pub fn format(args: &[Value], _: &FuncContext) -> Res {
    if args[0].is_null() {
        return Err(arg_err(0, "the format string must not be null"));
    }
    let spec = str_arg(args, 0)?;
    format_values(&spec, &args[1..])
        .map(Value::String)
        .map_err(call_err)
}

pub fn formatlist(args: &[Value], _: &FuncContext) -> Res {
    if args[0].is_null() {
        return Err(arg_err(0, "the format string must not be null"));
    }
    let spec = str_arg(args, 0)?;
    let mut len: Option<usize> = None;
    for (i, a) in args.iter().enumerate().skip(1) {
        if let Value::List(items) = a {
            match len {
                Some(l) if l != items.len() => {
                    return Err(arg_err(
                        i,
                        format!(
                            "argument {} has length {}, which is inconsistent with argument {} of length {l}",
                            i + 1,
                            items.len(),
                            i
                        ),
                    ))
                }
                _ => len = Some(items.len()),
            }
        }
    }
    let len = len.unwrap_or(1);
    if len > MAX_ELEMENTS {
        return Err(call_err("too many elements"));
    }
    let mut out = Vec::with_capacity(len);
    for n in 0..len {
        let row: Vec<Value> = args[1..]
            .iter()
            .map(|a| match a {
                Value::List(items) => items[n].clone(),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format_values(&spec, &row).map_err(|e| {
            call_err(format!("error on format iteration {n}: {e}"))
        })?));
    }
    Ok(Value::List(out))
}
