//! YAML in both directions. `yamlencode` writes block-style YAML as Terraform does.
//! `yamldecode` reads one YAML document, on yaml-rust2's event parser, into values as Terraform
//! does (zclconf/go-cty-yaml): mappings become objects and sequences tuples; a plain scalar
//! takes the type it implies (null: `~`, `null`, nothing; bools: `true`/`false`, also YAML 1.1's
//! `yes`/`no`/`on`/`off`/`y`/`n`; YAML 1.2 integers and floats, `.inf`; timestamps become RFC 3339
//! strings), anything quoted or written as a block scalar stays a string, and the `!!` tags of
//! the YAML types are honoured. Anchors and aliases are followed, `<<` merges mappings (later
//! keys win, as in go-cty-yaml 1.2). Every error says where: `on line 3, column 5: ...`.

use super::{arg_err, str_arg, FuncContext, Res};
use crate::value::{format_number, quote, Map, Value};
use base64::Engine;
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null | Value::Unknown => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format_number(*n),
        Value::String(s) => quote(s).replace("\\$", "$"),
        Value::List(_) => "[]".into(),
        Value::Map(_) => "{}".into(),
        Value::Sensitive(inner) => yaml_scalar(inner),
    }
}

fn is_block(v: &Value) -> bool {
    match v {
        Value::List(items) => !items.is_empty(),
        Value::Map(map) => !map.is_empty(),
        _ => false,
    }
}

fn yaml_emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::List(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                if is_block(item) {
                    // Nested block: first line follows the dash, the rest indent by two.
                    let mut inner = String::new();
                    yaml_emit(item, indent + 2, &mut inner);
                    out.push_str(inner.trim_start());
                } else {
                    out.push_str(&yaml_scalar(item));
                    out.push('\n');
                }
            }
        }
        Value::Map(map) if !map.is_empty() => {
            for (k, item) in map {
                out.push_str(&pad);
                out.push_str(&quote(k));
                out.push(':');
                if is_block(item) {
                    out.push('\n');
                    let child = if matches!(item, Value::List(_)) {
                        indent
                    } else {
                        indent + 2
                    };
                    yaml_emit(item, child, out);
                } else {
                    out.push(' ');
                    out.push_str(&yaml_scalar(item));
                    out.push('\n');
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&yaml_scalar(other));
            out.push('\n');
        }
    }
}

pub fn yamlencode(args: &[Value], _: &FuncContext) -> Res {
    let mut out = String::new();
    yaml_emit(&args[0], 0, &mut out);
    Ok(Value::String(out))
}

pub fn yamldecode(args: &[Value], _: &FuncContext) -> Res {
    decode(&str_arg(args, 0)?).map_err(|e| arg_err(0, e))
}

/// `on line L, column C: what`, as Terraform words a YAML error.
fn located(mark: &Marker, what: impl std::fmt::Display) -> String {
    format!("on line {}, column {}: {what}", mark.line(), mark.col() + 1)
}

/// Every event of the text, with where it starts.
#[derive(Default)]
struct Events(Vec<(Event, Marker)>);

impl MarkedEventReceiver for Events {
    fn on_event(&mut self, event: Event, mark: Marker) {
        self.0.push((event, mark));
    }
}

fn decode(text: &str) -> Result<Value, String> {
    let mut events = Events::default();
    Parser::new_from_str(text)
        .load(&mut events, true)
        .map_err(|e| located(e.marker(), e.info()))?;
    let mut reader = Reader {
        events: events.0.into_iter(),
        anchors: HashMap::new(),
    };
    let mut value = None;
    while let Some((event, mark)) = reader.events.next() {
        match event {
            Event::DocumentStart if value.is_some() => {
                return Err(located(&mark, "only a single document is allowed"))
            }
            Event::DocumentStart => value = Some(reader.node()?),
            _ => {}
        }
    }
    // An empty text (or only comments) is null.
    Ok(value.unwrap_or(Value::Null))
}

/// Builds values from the events of one document.
struct Reader {
    events: std::vec::IntoIter<(Event, Marker)>,
    /// Anchored values by the parser's anchor id; `None` while the anchored node is still
    /// being read (an alias to it there would make an infinite value).
    anchors: HashMap<usize, Option<Value>>,
}

/// The full name of a tag (`tag:yaml.org,2002:str` for `!!str`).
fn tag_name(tag: &Tag) -> String {
    format!("{}{}", tag.handle, tag.suffix)
}

const CORE: &str = "tag:yaml.org,2002:";

impl Reader {
    /// The next event; the parser balances every start with an end, so the stream's end
    /// comes only after the document's.
    fn next(&mut self) -> Result<(Event, Marker), String> {
        self.events
            .next()
            .ok_or_else(|| "unexpected end of the YAML text".to_string())
    }

    fn node(&mut self) -> Result<Value, String> {
        let (event, mark) = self.next()?;
        self.node_from(event, mark)
    }

    fn node_from(&mut self, event: Event, mark: Marker) -> Result<Value, String> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let value = scalar(&text, style, tag.as_ref()).map_err(|e| located(&mark, e))?;
                self.complete(anchor, &value);
                Ok(value)
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(Some(value)) => Ok(value.clone()),
                Some(None) => Err(located(
                    &mark,
                    "cannot refer to an anchor from inside its own definition",
                )),
                None => Err(located(&mark, "reference to an undefined anchor")),
            },
            Event::SequenceStart(anchor, tag) => {
                self.expect_tag(tag.as_ref(), "seq", "sequence", &mark)?;
                self.begin(anchor);
                let mut items = Vec::new();
                loop {
                    match self.next()? {
                        (Event::SequenceEnd, _) => break,
                        (event, mark) => items.push(self.node_from(event, mark)?),
                    }
                }
                let value = Value::List(items);
                self.complete(anchor, &value);
                Ok(value)
            }
            Event::MappingStart(anchor, tag) => {
                self.expect_tag(tag.as_ref(), "map", "mapping", &mark)?;
                self.begin(anchor);
                let mut map = Map::new();
                loop {
                    match self.next()? {
                        (Event::MappingEnd, _) => break,
                        (Event::Scalar(key, style, _, tag), mark) => {
                            if is_merge_key(&key, style, tag.as_ref()) {
                                let merged = self.node()?;
                                merge(&mut map, merged).map_err(|e| located(&mark, e))?;
                                continue;
                            }
                            let key = match scalar(&key, style, tag.as_ref()) {
                                Ok(Value::Null) => {
                                    return Err(located(&mark, "mapping key cannot be null"))
                                }
                                Ok(key) => key.to_template_string().unwrap_or_default(),
                                Err(e) => return Err(located(&mark, e)),
                            };
                            let value = self.node()?;
                            map.insert(key, value);
                        }
                        (_, mark) => {
                            return Err(located(&mark, "only strings are allowed as mapping keys"))
                        }
                    }
                }
                let value = Value::Map(map);
                self.complete(anchor, &value);
                Ok(value)
            }
            other => Err(located(&mark, format!("unexpected {other:?}"))),
        }
    }

    /// A collection may carry only its own type's tag.
    fn expect_tag(
        &self,
        tag: Option<&Tag>,
        own: &str,
        what: &str,
        mark: &Marker,
    ) -> Result<(), String> {
        match tag.map(tag_name) {
            Some(t) if t != format!("{CORE}{own}") => {
                Err(located(mark, format!("can't interpret {what} as {t}")))
            }
            _ => Ok(()),
        }
    }

    fn begin(&mut self, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, None);
        }
    }

    fn complete(&mut self, anchor: usize, value: &Value) {
        if anchor != 0 {
            self.anchors.insert(anchor, Some(value.clone()));
        }
    }
}

/// `<<` written plain, or `!!merge`.
fn is_merge_key(key: &str, style: TScalarStyle, tag: Option<&Tag>) -> bool {
    match tag {
        None => key == "<<" && style == TScalarStyle::Plain,
        Some(tag) => tag_name(tag) == format!("{CORE}merge"),
    }
}

/// The entries of a mapping, or of each of a sequence of mappings, into `map`.
fn merge(map: &mut Map, merged: Value) -> Result<(), String> {
    match merged {
        Value::Map(entries) => map.extend(entries),
        Value::List(items) => {
            for item in items {
                match item {
                    Value::Map(entries) => map.extend(entries),
                    other => {
                        return Err(format!(
                            "cannot merge {} (from sequence) into mapping",
                            kind(&other)
                        ))
                    }
                }
            }
        }
        other => return Err(format!("cannot merge {} into mapping", kind(&other))),
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) => "tuple",
        _ => "object",
    }
}

/// The value a scalar stands for.
fn scalar(text: &str, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let Some(tag) = tag.map(tag_name) else {
        return Ok(match style {
            TScalarStyle::Plain => implicit(text)?,
            _ => Value::String(text.to_string()),
        });
    };
    let cannot = || format!("cannot parse {} as {tag}", quote(text));
    match tag.strip_prefix(CORE).unwrap_or_default() {
        "str" => Ok(Value::String(text.to_string())),
        "binary" => {
            let compact: String = text.split_whitespace().collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .map_err(|_| format!("{}: not valid base64", cannot()))?;
            Ok(Value::String(text.to_string()))
        }
        "bool" => match implicit_word(text) {
            Some(v @ Value::Bool(_)) => Ok(v),
            _ => Err(cannot()),
        },
        "int" | "float" => number(text, true).ok_or_else(cannot).map(Value::Number),
        "null" => Ok(Value::Null),
        "timestamp" => timestamp(text).map(Value::String).ok_or_else(cannot),
        _ => Err(format!("unsupported tag {}", quote(&tag))),
    }
}

/// The words YAML gives a type: nulls, YAML 1.1's bools, infinities.
fn implicit_word(text: &str) -> Option<Value> {
    Some(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Value::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(f64::NEG_INFINITY),
        _ => return None,
    })
}

/// A plain scalar: a word above, a number, a timestamp, or else a string.
fn implicit(text: &str) -> Result<Value, String> {
    if let Some(v) = implicit_word(text) {
        return Ok(v);
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Err("floating point NaN is not supported".into());
    }
    if let Some(t) = timestamp(text) {
        return Ok(Value::String(t));
    }
    Ok(number(text, false)
        .map(Value::Number)
        .unwrap_or_else(|| Value::String(text.to_string())))
}

/// YAML 1.2's numbers: `[-+]?[0-9]+`, `0o17`, `0xFF`, and floats with an optional fraction and
/// exponent. Under an explicit `!!int`/`!!float` tag, `_` separators and `0b` are accepted
/// too, as Go's number parsing does there.
fn number(text: &str, tagged: bool) -> Option<f64> {
    let owned;
    let text = if tagged {
        owned = text.replace('_', "");
        owned.as_str()
    } else {
        text
    };
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let radix = |s: &str, r: u32| u64::from_str_radix(s, r).ok().map(|n| n as f64);
    if let Some(hex) = text.strip_prefix("0x") {
        return digits(hex, 16).then(|| radix(hex, 16)).flatten();
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return digits(oct, 8).then(|| radix(oct, 8)).flatten();
    }
    if let Some(bin) = text.strip_prefix("0b").filter(|_| tagged) {
        return digits(bin, 2).then(|| radix(bin, 2)).flatten();
    }
    // `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (whole, fraction) = match mantissa.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (mantissa, None),
    };
    let shaped = match fraction {
        None => digits(whole, 10),
        Some(f) => {
            (digits(whole, 10) && f.chars().all(|c| c.is_ascii_digit()))
                || (whole.is_empty() && digits(f, 10))
        }
    } && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if !shaped {
        return None;
    }
    text.parse().ok()
}

/// A YAML timestamp (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`, `2001-12-14 21:59:43.10`)
/// in RFC 3339 as Terraform writes it: no fraction of a second, UTC without an offset is `Z`.
fn timestamp(text: &str) -> Option<String> {
    static SHAPE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:([Tt])|( ))(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$",
        )
        .expect("a valid pattern")
    });
    let c = SHAPE.captures(text)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
    let month = time::Month::try_from(num(2)? as u8).ok()?;
    let date = time::Date::from_calendar_date(num(1)? as i32, month, num(3)? as u8).ok()?;
    let day = format!("{:04}-{:02}-{:02}", date.year(), month as u8, date.day());
    if c.get(6).is_none() {
        return Some(format!("{day}T00:00:00Z"));
    }
    let clock = time::Time::from_hms(num(6)? as u8, num(7)? as u8, num(8)? as u8).ok()?;
    // With a `T` the zone is required; after a space there is none (UTC).
    let zone = match (c.get(4).is_some(), c.get(9).map(|m| m.as_str())) {
        (true, Some(zone)) => zone,
        (false, None) => "Z",
        _ => return None,
    };
    Some(format!(
        "{day}T{:02}:{:02}:{:02}{zone}",
        clock.hour(),
        clock.minute(),
        clock.second()
    ))
}
