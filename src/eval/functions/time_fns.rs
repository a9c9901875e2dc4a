//! Date and time functions. `timestamp()` is handled in the dispatcher (it is unknown at plan).

use super::{arg_err, str_arg, FuncContext, FuncError, Res};
use crate::value::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

fn parse_ts(args: &[Value], i: usize) -> Result<OffsetDateTime, FuncError> {
    let text = str_arg(args, i)?;
    OffsetDateTime::parse(&text, &Rfc3339).map_err(|_| {
        arg_err(
            i,
            "not a valid RFC 3339 timestamp; timestamps look like \"2006-01-02T15:04:05Z\"",
        )
    })
}

fn rfc3339(t: OffsetDateTime) -> Result<String, FuncError> {
    t.format(&Rfc3339)
        .map_err(|_| super::call_err("the resulting time cannot be represented as RFC 3339"))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

pub fn formatdate(args: &[Value], _: &FuncContext) -> Res {
    let spec: Vec<char> = str_arg(args, 0)?.chars().collect();
    let t = parse_ts(args, 1)?;
    let mut out = String::new();
    let mut i = 0;
    while i < spec.len() {
        let c = spec[i];
        if c == '\'' {
            // Quoted literal; '' is a literal quote.
            if spec.get(i + 1) == Some(&'\'') {
                out.push('\'');
                i += 2;
                continue;
            }
            let mut j = i + 1;
            loop {
                match spec.get(j) {
                    None => return Err(arg_err(0, "unterminated literal '")),
                    Some('\'') if spec.get(j + 1) == Some(&'\'') => {
                        out.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(&ch) => {
                        out.push(ch);
                        j += 1;
                    }
                }
            }
            i = j + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let mut n = 1;
        while spec.get(i + n) == Some(&c) {
            n += 1;
        }
        let token: String = spec[i..i + n].iter().collect();
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let offset = t.offset();
        let (oh, om, _) = offset.as_hms();
        let osign = if offset.is_negative() { '-' } else { '+' };
        let piece = match token.as_str() {
            "YYYY" => format!("{:04}", t.year()),
            "YY" => format!("{:02}", t.year().rem_euclid(100)),
            "MMMM" => MONTHS[t.month() as usize - 1].to_string(),
            "MMM" => MONTHS[t.month() as usize - 1][..3].to_string(),
            "MM" => format!("{:02}", t.month() as u8),
            "M" => (t.month() as u8).to_string(),
            "DD" => format!("{:02}", t.day()),
            "D" => t.day().to_string(),
            "EEEE" => DAYS[t.weekday().number_days_from_monday() as usize].to_string(),
            "EEE" => DAYS[t.weekday().number_days_from_monday() as usize][..3].to_string(),
            "hh" => format!("{:02}", t.hour()),
            "h" => t.hour().to_string(),
            "HH" => format!("{hour12:02}"),
            "H" => hour12.to_string(),
            "AA" => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
            "aa" => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
            "mm" => format!("{:02}", t.minute()),
            "m" => t.minute().to_string(),
            "ss" => format!("{:02}", t.second()),
            "s" => t.second().to_string(),
            "ZZZZZ" => format!("{osign}{:02}:{:02}", oh.unsigned_abs(), om.unsigned_abs()),
            "ZZZZ" => format!("{osign}{:02}{:02}", oh.unsigned_abs(), om.unsigned_abs()),
            "ZZZ" if offset.is_utc() => "UTC".to_string(),
            "ZZZ" => format!("{osign}{:02}{:02}", oh.unsigned_abs(), om.unsigned_abs()),
            "Z" if offset.is_utc() => "Z".to_string(),
            "Z" => format!("{osign}{:02}:{:02}", oh.unsigned_abs(), om.unsigned_abs()),
            other => {
                return Err(arg_err(
                    0,
                    format!("invalid date format verb {other:?}: might you need to use a literal? Literals are enclosed in single quotes"),
                ))
            }
        };
        out.push_str(&piece);
        i += n;
    }
    Ok(Value::String(out))
}

/// Parses a Go duration string ("1h30m", "-10s", "1.5h", "300ms").
fn parse_duration(text: &str) -> Option<Duration> {
    let (neg, mut rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total_ns: f64 = 0.0;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return None;
        }
        let n: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total_ns += n * scale;
    }
    if !total_ns.is_finite() || total_ns.abs() > 9.2e18 {
        return None;
    }
    let d = Duration::nanoseconds(total_ns.round() as i64);
    Some(if neg { -d } else { d })
}

pub fn timeadd(args: &[Value], _: &FuncContext) -> Res {
    let t = parse_ts(args, 0)?;
    let d = parse_duration(&str_arg(args, 1)?).ok_or_else(|| {
        arg_err(
            1,
            "invalid duration; use a number and a unit such as \"1h30m\" or \"-10s\"",
        )
    })?;
    let sum = t
        .checked_add(d)
        .ok_or_else(|| arg_err(1, "the resulting time is out of range"))?;
    Ok(Value::String(rfc3339(sum)?))
}

pub fn timecmp(args: &[Value], _: &FuncContext) -> Res {
    let a = parse_ts(args, 0)?;
    let b = parse_ts(args, 1)?;
    Ok(Value::Number(match a.cmp(&b) {
        std::cmp::Ordering::Less => -1.0,
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => 1.0,
    }))
}

/// The time the plan was made, known during the plan (unlike `timestamp()`): the first call
/// in this run fixes it, so every use in one plan agrees.
pub fn plantimestamp(_: &[Value], _: &FuncContext) -> Res {
    static PLANNED_AT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let at = PLANNED_AT.get_or_init(|| {
        time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
    });
    Ok(Value::String(at.clone()))
}
