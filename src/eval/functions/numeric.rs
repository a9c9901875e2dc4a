//! Numeric functions.

use super::{arg_err, call_err, int_arg, num_arg, str_arg, FuncContext, Res};
use crate::value::Value;

fn finite(n: f64) -> Res {
    if n.is_finite() {
        Ok(Value::Number(n))
    } else {
        Err(call_err("the result is not a finite number"))
    }
}

pub fn abs(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Number(num_arg(args, 0)?.abs()))
}

pub fn ceil(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Number(num_arg(args, 0)?.ceil()))
}

pub fn floor(args: &[Value], _: &FuncContext) -> Res {
    Ok(Value::Number(num_arg(args, 0)?.floor()))
}

pub fn log(args: &[Value], _: &FuncContext) -> Res {
    let n = num_arg(args, 0)?;
    let base = num_arg(args, 1)?;
    if n <= 0.0 {
        return Err(arg_err(
            0,
            "the logarithm is only defined for positive numbers",
        ));
    }
    if base <= 0.0 || base == 1.0 {
        return Err(arg_err(1, "the base must be positive and not 1"));
    }
    finite(n.ln() / base.ln())
}

fn fold(args: &[Value], pick: fn(f64, f64) -> f64) -> Res {
    let mut acc = num_arg(args, 0)?;
    for i in 1..args.len() {
        acc = pick(acc, num_arg(args, i)?);
    }
    Ok(Value::Number(acc))
}

pub fn max(args: &[Value], _: &FuncContext) -> Res {
    fold(args, f64::max)
}

pub fn min(args: &[Value], _: &FuncContext) -> Res {
    fold(args, f64::min)
}

pub fn pow(args: &[Value], _: &FuncContext) -> Res {
    finite(num_arg(args, 0)?.powf(num_arg(args, 1)?))
}

pub fn signum(args: &[Value], _: &FuncContext) -> Res {
    let n = num_arg(args, 0)?;
    Ok(Value::Number(if n > 0.0 {
        1.0
    } else if n < 0.0 {
        -1.0
    } else {
        0.0
    }))
}

/// Digit value in Go's big.Int convention: bases up to 36 are case-insensitive; above that
/// lower case letters are 10..35 and upper case 36..61.
fn digit_value(c: char, base: u32) -> Option<u32> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        'a'..='z' => c as u32 - 'a' as u32 + 10,
        'A'..='Z' if base <= 36 => c as u32 - 'A' as u32 + 10,
        'A'..='Z' => c as u32 - 'A' as u32 + 36,
        _ => return None,
    };
    (d < base).then_some(d)
}

pub fn parseint(args: &[Value], _: &FuncContext) -> Res {
    let s = str_arg(args, 0)?;
    let base = int_arg(args, 1)?;
    if !(2..=62).contains(&base) {
        return Err(arg_err(
            1,
            "base must be a whole number between 2 and 62 inclusive",
        ));
    }
    let base = base as u32;
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    if digits.is_empty() {
        return Err(arg_err(
            0,
            format!("cannot parse {s:?} as a base {base} integer"),
        ));
    }
    let mut acc = 0f64;
    for c in digits.chars() {
        let d = digit_value(c, base)
            .ok_or_else(|| arg_err(0, format!("cannot parse {s:?} as a base {base} integer")))?;
        acc = acc * base as f64 + d as f64;
    }
    finite(if neg { -acc } else { acc })
}
