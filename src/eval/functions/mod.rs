//! Terraform's built-in function library.
//!
//! `call` does the work common to every function: arity checking, stripping the sensitive mark
//! from the arguments (and putting it back on the result), and short-circuiting to `Unknown`
//! when an argument is not wholly known. Functions that only look at structure (`length`,
//! `concat`, `merge`, ...) opt out of that short-circuit and handle unknown elements themselves.

mod collections;
mod encoding;
mod net;
mod numeric;
mod strings;
mod time_fns;
mod yaml;

#[cfg(test)]
mod tests;

use crate::value::Value;
use std::cmp::Ordering;
use std::fmt;

pub struct FuncContext<'a> {
    /// Directory of the module being evaluated: relative paths in file()/templatefile()/fileexists() resolve against it.
    pub base_dir: &'a std::path::Path,
    /// Renders a template string (the contents of a file) with the given variables; supplied by the evaluator
    /// because templates contain expressions. Used by templatefile().
    pub render_template: &'a dyn Fn(&str, &crate::eval::Map) -> Result<Value, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FuncError {
    UnknownFunction {
        name: String,
        suggestion: Option<String>,
    },
    Arity {
        name: String,
        expected: String,
        got: usize,
    },
    Argument {
        index: usize,
        message: String,
    },
    Call(String),
}

impl fmt::Display for FuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FuncError::UnknownFunction { name, suggestion } => {
                write!(f, "there is no function named \"{name}\"")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean \"{s}\"?")?;
                }
                Ok(())
            }
            FuncError::Arity {
                name,
                expected,
                got,
            } => {
                let plural = if expected == "1" { "" } else { "s" };
                let verb = if *got == 1 { "was" } else { "were" };
                write!(
                    f,
                    "function \"{name}\" expects {expected} argument{plural}, but {got} {verb} given"
                )
            }
            FuncError::Argument { index, message } => {
                write!(f, "invalid value for argument {}: {message}", index + 1)
            }
            FuncError::Call(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FuncError {}

pub(crate) type Res = Result<Value, FuncError>;
type Impl = fn(&[Value], &FuncContext) -> Res;

/// How a function treats its arguments.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// Any argument not wholly known makes the result unknown; null arguments are rejected.
    Plain,
    /// Like `Plain`, but null arguments are passed through.
    AllowNull,
    /// The function handles unknown (and null) values itself.
    Structural,
}

struct Spec {
    min: usize,
    max: Option<usize>,
    kind: Kind,
    f: Impl,
}

const fn spec(min: usize, max: Option<usize>, kind: Kind, f: Impl) -> Spec {
    Spec { min, max, kind, f }
}

fn lookup_spec(name: &str) -> Option<Spec> {
    use collections as c;
    use encoding as e;
    use numeric as n;
    use strings as s;
    use Kind::*;
    let one = Some(1);
    let two = Some(2);
    let three = Some(3);
    let any = None;
    Some(match name {
        // Numeric.
        "abs" => spec(1, one, Plain, n::abs),
        "ceil" => spec(1, one, Plain, n::ceil),
        "floor" => spec(1, one, Plain, n::floor),
        "log" => spec(2, two, Plain, n::log),
        "max" => spec(1, any, Plain, n::max),
        "min" => spec(1, any, Plain, n::min),
        "parseint" => spec(2, two, Plain, n::parseint),
        "pow" => spec(2, two, Plain, n::pow),
        "signum" => spec(1, one, Plain, n::signum),
        // Strings.
        "chomp" => spec(1, one, Plain, s::chomp),
        "endswith" => spec(2, two, Plain, s::endswith),
        "format" => spec(1, any, AllowNull, s::format),
        "formatlist" => spec(1, any, AllowNull, s::formatlist),
        "indent" => spec(2, two, Plain, s::indent),
        "join" => spec(2, any, Plain, s::join),
        "lower" => spec(1, one, Plain, s::lower),
        "regex" => spec(2, two, Plain, s::regex),
        "regexall" => spec(2, two, Plain, s::regexall),
        "replace" => spec(3, three, Plain, s::replace),
        "split" => spec(2, two, Plain, s::split),
        "startswith" => spec(2, two, Plain, s::startswith),
        "strcontains" => spec(2, two, Plain, s::strcontains),
        "strrev" => spec(1, one, Plain, s::strrev),
        "substr" => spec(3, three, Plain, s::substr),
        "title" => spec(1, one, Plain, s::title),
        "trim" => spec(2, two, Plain, s::trim),
        "trimprefix" => spec(2, two, Plain, s::trimprefix),
        "trimsuffix" => spec(2, two, Plain, s::trimsuffix),
        "trimspace" => spec(1, one, Plain, s::trimspace),
        "upper" => spec(1, one, Plain, s::upper),
        // Collections.
        "alltrue" => spec(1, one, Structural, c::alltrue),
        "anytrue" => spec(1, one, Structural, c::anytrue),
        "chunklist" => spec(2, two, Plain, c::chunklist),
        "coalesce" => spec(1, any, Structural, c::coalesce),
        "coalescelist" => spec(1, any, Plain, c::coalescelist),
        "compact" => spec(1, one, Structural, c::compact),
        "concat" => spec(1, any, Structural, c::concat),
        "contains" => spec(2, two, Structural, c::contains),
        "distinct" => spec(1, one, Plain, c::distinct),
        "element" => spec(2, two, Structural, c::element),
        "flatten" => spec(1, one, Structural, c::flatten),
        "index" => spec(2, two, Structural, c::index),
        "keys" => spec(1, one, Structural, c::keys),
        "length" => spec(1, one, Structural, c::length),
        "lookup" => spec(2, three, Structural, c::lookup),
        "matchkeys" => spec(3, three, Plain, c::matchkeys),
        "merge" => spec(0, any, Structural, c::merge),
        "one" => spec(1, one, Structural, c::one),
        "range" => spec(1, three, Plain, c::range),
        "reverse" => spec(1, one, Structural, c::reverse),
        "setintersection" => spec(1, any, Plain, c::setintersection),
        "setproduct" => spec(1, any, Plain, c::setproduct),
        "setsubtract" => spec(2, two, Plain, c::setsubtract),
        "setunion" => spec(1, any, Plain, c::setunion),
        "slice" => spec(3, three, Structural, c::slice),
        "sort" => spec(1, one, Plain, c::sort),
        "sum" => spec(1, one, Plain, c::sum),
        "transpose" => spec(1, one, Plain, c::transpose),
        "values" => spec(1, one, Structural, c::values),
        "zipmap" => spec(2, two, Plain, c::zipmap),
        // Encoding.
        "base64decode" => spec(1, one, Plain, e::base64decode),
        "base64encode" => spec(1, one, Plain, e::base64encode),
        "csvdecode" => spec(1, one, Plain, e::csvdecode),
        "jsondecode" => spec(1, one, Plain, e::jsondecode),
        "jsonencode" => spec(1, one, AllowNull, e::jsonencode),
        "urlencode" => spec(1, one, Plain, e::urlencode),
        "yamldecode" => spec(1, one, Plain, yaml::yamldecode),
        "yamlencode" => spec(1, one, AllowNull, yaml::yamlencode),
        // Filesystem.
        "abspath" => spec(1, one, Plain, e::abspath),
        "basename" => spec(1, one, Plain, e::basename),
        "dirname" => spec(1, one, Plain, e::dirname),
        "file" => spec(1, one, Plain, e::file),
        "filebase64" => spec(1, one, Plain, e::filebase64),
        "fileexists" => spec(1, one, Plain, e::fileexists),
        "pathexpand" => spec(1, one, Plain, e::pathexpand),
        "templatefile" => spec(2, two, Plain, e::templatefile),
        // Hash and crypto.
        "base64sha256" => spec(1, one, Plain, e::base64sha256),
        "base64sha512" => spec(1, one, Plain, e::base64sha512),
        "bcrypt" => spec(1, two, Plain, e::bcrypt),
        "md5" => spec(1, one, Plain, e::md5),
        "sha1" => spec(1, one, Plain, e::sha1),
        "sha256" => spec(1, one, Plain, e::sha256),
        "sha512" => spec(1, one, Plain, e::sha512),
        "uuid" => spec(0, Some(0), Plain, |_, _| Ok(Value::Unknown)),
        // IP network.
        "cidrhost" => spec(2, two, Plain, net::cidrhost),
        "cidrnetmask" => spec(1, one, Plain, net::cidrnetmask),
        "cidrsubnet" => spec(3, three, Plain, net::cidrsubnet),
        "cidrsubnets" => spec(1, any, Plain, net::cidrsubnets),
        // Type conversion.
        "tobool" => spec(1, one, AllowNull, c::tobool),
        "tolist" => spec(1, one, Structural, c::tolist),
        "tomap" => spec(1, one, Structural, c::tomap),
        "tonumber" => spec(1, one, AllowNull, c::tonumber),
        "toset" => spec(1, one, AllowNull, c::toset),
        "tostring" => spec(1, one, AllowNull, c::tostring),
        // Date and time.
        "timestamp" => spec(0, Some(0), Plain, |_, _| Ok(Value::Unknown)),
        "plantimestamp" => spec(0, Some(0), Plain, time_fns::plantimestamp),
        "formatdate" => spec(2, two, Plain, time_fns::formatdate),
        "timeadd" => spec(2, two, Plain, time_fns::timeadd),
        "timecmp" => spec(2, two, Plain, time_fns::timecmp),
        _ => return None,
    })
}

static NAMES: &[&str] = &[
    "abs",
    "abspath",
    "alltrue",
    "anytrue",
    "base64decode",
    "base64encode",
    "base64sha256",
    "base64sha512",
    "basename",
    "bcrypt",
    "can",
    "ceil",
    "chomp",
    "chunklist",
    "cidrhost",
    "cidrnetmask",
    "cidrsubnet",
    "cidrsubnets",
    "coalesce",
    "coalescelist",
    "compact",
    "concat",
    "contains",
    "csvdecode",
    "dirname",
    "distinct",
    "element",
    "endswith",
    "file",
    "filebase64",
    "fileexists",
    "flatten",
    "floor",
    "format",
    "formatdate",
    "formatlist",
    "indent",
    "index",
    "issensitive",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "log",
    "lookup",
    "lower",
    "matchkeys",
    "max",
    "md5",
    "merge",
    "min",
    "nonsensitive",
    "one",
    "parseint",
    "pathexpand",
    "plantimestamp",
    "pow",
    "range",
    "regex",
    "regexall",
    "replace",
    "reverse",
    "sensitive",
    "setintersection",
    "setproduct",
    "setsubtract",
    "setunion",
    "sha1",
    "sha256",
    "sha512",
    "signum",
    "slice",
    "sort",
    "split",
    "startswith",
    "strcontains",
    "strrev",
    "substr",
    "sum",
    "templatefile",
    "timeadd",
    "timecmp",
    "timestamp",
    "title",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "transpose",
    "trim",
    "trimprefix",
    "trimspace",
    "trimsuffix",
    "try",
    "upper",
    "urlencode",
    "uuid",
    "values",
    "yamldecode",
    "yamlencode",
    "zipmap",
];

/// Every supported function name, sorted.
pub fn names() -> &'static [&'static str] {
    NAMES
}

fn arity_text(min: usize, max: Option<usize>) -> String {
    match max {
        Some(m) if m == min => min.to_string(),
        Some(m) if m == min + 1 => format!("{min} or {m}"),
        Some(m) => format!("{min} to {m}"),
        None => format!("at least {min}"),
    }
}

fn check_arity(name: &str, min: usize, max: Option<usize>, got: usize) -> Result<(), FuncError> {
    if got < min || max.is_some_and(|m| got > m) {
        return Err(FuncError::Arity {
            name: name.to_string(),
            expected: arity_text(min, max),
            got,
        });
    }
    Ok(())
}

/// Calls the built-in function `name`.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Res {
    match name {
        "sensitive" | "nonsensitive" | "issensitive" => {
            check_arity(name, 1, Some(1), args.len())?;
            let arg = args.into_iter().next().unwrap_or_default();
            return Ok(match name {
                "sensitive" => arg.deep_unmark().0.sensitive(),
                "nonsensitive" => arg.deep_unmark().0,
                _ => Value::Bool(arg.contains_sensitive()),
            });
        }
        "try" | "can" => {
            return Err(FuncError::Call(format!(
                "function \"{name}\" must be evaluated lazily by the expression evaluator"
            )))
        }
        _ => {}
    }
    let Some(spec) = lookup_spec(name) else {
        return Err(FuncError::UnknownFunction {
            name: name.to_string(),
            suggestion: suggest(name),
        });
    };
    check_arity(name, spec.min, spec.max, args.len())?;

    let mut secrets = Vec::new();
    let mut sensitive_args = Vec::with_capacity(args.len());
    let args: Vec<Value> = args
        .into_iter()
        .map(|a| {
            let marked = a.contains_sensitive();
            if marked {
                collect_secrets(&a, false, &mut secrets);
            }
            sensitive_args.push(marked);
            a.deep_unmark().0
        })
        .collect();
    let marked = sensitive_args.iter().any(|m| *m);

    if spec.kind != Kind::Structural {
        if args.iter().any(|a| !a.is_wholly_known()) {
            return Ok(Value::Unknown.mark_if(marked));
        }
        if spec.kind == Kind::Plain {
            if let Some(i) = args.iter().position(Value::is_null) {
                return Err(FuncError::Argument {
                    index: i,
                    message: "argument must not be null".into(),
                });
            }
        }
    }

    match (spec.f)(&args, ctx) {
        Ok(v) => Ok(v.mark_if(marked)),
        Err(e) if marked => Err(scrub(e, &sensitive_args, &secrets)),
        Err(e) => Err(e),
    }
}

/// Collects the printable forms of every sensitive leaf value.
fn collect_secrets(v: &Value, inside: bool, out: &mut Vec<String>) {
    match v {
        Value::Sensitive(inner) => collect_secrets(inner, true, out),
        Value::List(items) => items.iter().for_each(|i| collect_secrets(i, inside, out)),
        Value::Map(map) => map.iter().for_each(|(k, i)| {
            if inside && !k.is_empty() {
                out.push(k.clone());
            }
            collect_secrets(i, inside, out)
        }),
        other if inside => {
            if let Some(s) = other.to_template_string() {
                if !s.is_empty() {
                    out.push(s);
                }
            }
        }
        _ => {}
    }
}

/// Hides the details of an error about a sensitive argument, or that mentions a sensitive value.
fn scrub(e: FuncError, sensitive_args: &[bool], secrets: &[String]) -> FuncError {
    let leaks = |m: &str| secrets.iter().any(|s| m.contains(s.as_str()));
    const HIDDEN: &str = "invalid value (the details are hidden because the value is sensitive)";
    match e {
        FuncError::Argument { index, message }
            if sensitive_args.get(index).copied().unwrap_or(true) || leaks(&message) =>
        {
            let _ = message;
            FuncError::Argument {
                index,
                message: HIDDEN.into(),
            }
        }
        FuncError::Call(message) if leaks(&message) => FuncError::Call(HIDDEN.into()),
        other => other,
    }
}

fn suggest(name: &str) -> Option<String> {
    crate::diag::did_you_mean(name, NAMES.iter().copied()).map(str::to_string)
}

// ---- argument helpers shared by the submodules ----

pub(crate) fn arg_err(index: usize, message: impl Into<String>) -> FuncError {
    FuncError::Argument {
        index,
        message: message.into(),
    }
}

pub(crate) fn call_err(message: impl Into<String>) -> FuncError {
    FuncError::Call(message.into())
}

/// A string argument; numbers and bools convert like Terraform does.
pub(crate) fn str_arg(args: &[Value], i: usize) -> Result<String, FuncError> {
    match args.get(i) {
        Some(Value::List(_)) | Some(Value::Map(_)) => Err(arg_err(i, "string required")),
        Some(Value::Null) => Err(arg_err(i, "argument must not be null")),
        Some(v) => v
            .to_template_string()
            .ok_or_else(|| arg_err(i, "string required")),
        None => Err(arg_err(i, "missing argument")),
    }
}

pub(crate) fn to_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// Parses a number the way Terraform converts a string to a number.
pub(crate) fn parse_number(s: &str) -> Option<f64> {
    let t = s;
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

pub(crate) fn num_arg(args: &[Value], i: usize) -> Result<f64, FuncError> {
    match args.get(i) {
        Some(v) => to_number(v).ok_or_else(|| arg_err(i, "a number is required")),
        None => Err(arg_err(i, "missing argument")),
    }
}

pub(crate) fn int_arg(args: &[Value], i: usize) -> Result<i64, FuncError> {
    let n = num_arg(args, i)?;
    if n.fract() != 0.0 {
        return Err(arg_err(i, "value must be a whole number"));
    }
    if n.abs() >= 9.0e15 {
        return Err(arg_err(i, "value is too large"));
    }
    Ok(n as i64)
}

pub(crate) fn list_arg(args: &[Value], i: usize) -> Result<&Vec<Value>, FuncError> {
    match args.get(i) {
        Some(Value::List(items)) => Ok(items),
        Some(v) => Err(arg_err(
            i,
            format!("a list, set or tuple is required, not {}", v.type_name()),
        )),
        None => Err(arg_err(i, "missing argument")),
    }
}

pub(crate) fn map_arg(args: &[Value], i: usize) -> Result<&crate::eval::Map, FuncError> {
    match args.get(i) {
        Some(Value::Map(m)) => Ok(m),
        Some(v) => Err(arg_err(
            i,
            format!("a map or object is required, not {}", v.type_name()),
        )),
        None => Err(arg_err(i, "missing argument")),
    }
}

/// A total order over values, used for sets.
pub(crate) fn cmp_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::List(_) => 4,
            Value::Map(_) => 5,
            Value::Unknown => 6,
            Value::Sensitive(_) => 7,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = cmp_values(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Map(x), Value::Map(y)) => {
            for ((kp, p), (kq, q)) in x.iter().zip(y) {
                let o = kp.cmp(kq).then_with(|| cmp_values(p, q));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Sensitive(x), Value::Sensitive(y)) => cmp_values(x, y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Sorts and de-duplicates: the representation of a set.
pub(crate) fn make_set(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(cmp_values);
    items.dedup_by(|a, b| cmp_values(a, b) == Ordering::Equal);
    items
}

/// Limit on the number of elements a function may produce.
pub(crate) const MAX_ELEMENTS: usize = 1024 * 1024;
