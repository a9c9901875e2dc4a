//! Collection functions and type conversions.

use super::{
    arg_err, call_err, cmp_values, int_arg, list_arg, make_set, map_arg, str_arg, to_number,
    FuncContext, Res, MAX_ELEMENTS,
};
use crate::value::{Map, Value};
use std::cmp::Ordering;

fn truthy(v: &Value, index: usize) -> Result<bool, super::FuncError> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        _ => Err(arg_err(index, "the list elements must be bool")),
    }
}

/// `alltrue`/`anytrue` decide as soon as a known element does: one `false` makes `alltrue`
/// false, one `true` makes `anytrue` true, whatever the unknown others.
fn all_or_any(args: &[Value], decisive: bool) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    let mut undecided = false;
    for v in list_arg(args, 0)? {
        match v {
            Value::Unknown => undecided = true,
            Value::Null => {
                if !decisive {
                    return Ok(Value::Bool(false));
                }
            }
            v => {
                if truthy(v, 0)? == decisive {
                    return Ok(Value::Bool(decisive));
                }
            }
        }
    }
    Ok(if undecided {
        Value::Unknown
    } else {
        Value::Bool(!decisive)
    })
}

pub fn alltrue(args: &[Value], _: &FuncContext) -> Res {
    all_or_any(args, false)
}

pub fn anytrue(args: &[Value], _: &FuncContext) -> Res {
    all_or_any(args, true)
}

pub fn chunklist(args: &[Value], _: &FuncContext) -> Res {
    let list = list_arg(args, 0)?;
    let size = int_arg(args, 1)?;
    if size < 0 {
        return Err(arg_err(1, "the size argument must be positive"));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(list.clone())]));
    }
    Ok(Value::List(
        list.chunks(size as usize)
            .map(|c| Value::List(c.to_vec()))
            .collect(),
    ))
}

pub fn coalesce(args: &[Value], _: &FuncContext) -> Res {
    for v in args {
        match v {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            other => return Ok(other.clone()),
        }
    }
    Err(call_err("no non-null, non-empty-string arguments"))
}

pub fn coalescelist(args: &[Value], _: &FuncContext) -> Res {
    for i in 0..args.len() {
        if args[i].is_null() {
            continue;
        }
        if !list_arg(args, i)?.is_empty() {
            return Ok(args[i].clone());
        }
    }
    Err(call_err("no non-null arguments"))
}

pub fn compact(args: &[Value], _: &FuncContext) -> Res {
    let Value::List(items) = &args[0] else {
        return match &args[0] {
            Value::Unknown => Ok(Value::Unknown),
            _ => Err(arg_err(0, "a list of strings is required")),
        };
    };
    let mut out = Vec::new();
    for v in items {
        match v {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            Value::List(_) | Value::Map(_) => {
                return Err(arg_err(0, "a list of strings is required"))
            }
            other => out.push(Value::String(
                other.to_template_string().unwrap_or_default(),
            )),
        }
    }
    Ok(Value::List(out))
}

pub fn concat(args: &[Value], _: &FuncContext) -> Res {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::List(items) => out.extend(items.iter().cloned()),
            _ => return Err(arg_err(i, "all arguments must be lists or tuples")),
        }
    }
    Ok(Value::List(out))
}

pub fn contains(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() || !args[1].is_wholly_known() {
        return Ok(Value::Unknown);
    }
    if args[0].is_null() {
        return Err(arg_err(0, "argument must not be null"));
    }
    let list = list_arg(args, 0)?;
    if list
        .iter()
        .any(|v| v.is_wholly_known() && cmp_values(v, &args[1]) == Ordering::Equal)
    {
        return Ok(Value::Bool(true));
    }
    // Not among the known elements: an unknown one may still be it.
    Ok(if list.iter().all(Value::is_wholly_known) {
        Value::Bool(false)
    } else {
        Value::Unknown
    })
}

pub fn distinct(args: &[Value], _: &FuncContext) -> Res {
    let mut out: Vec<Value> = Vec::new();
    for v in list_arg(args, 0)? {
        if !out.iter().any(|o| cmp_values(o, v) == Ordering::Equal) {
            out.push(v.clone());
        }
    }
    Ok(Value::List(out))
}

pub fn element(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() || !args[1].is_known() {
        return Ok(Value::Unknown);
    }
    let list = list_arg(args, 0)?;
    let i = int_arg(args, 1)?;
    if list.is_empty() {
        return Err(call_err("cannot use element function with an empty list"));
    }
    if i < 0 {
        return Err(arg_err(
            1,
            "cannot use element function with a negative index",
        ));
    }
    Ok(list[(i as usize) % list.len()].clone())
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>) -> bool {
    for v in items {
        match v {
            Value::Unknown => return false,
            Value::List(inner) => {
                if !flatten_into(inner, out) {
                    return false;
                }
            }
            other => out.push(other.clone()),
        }
    }
    true
}

pub fn flatten(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    let mut out = Vec::new();
    if flatten_into(list_arg(args, 0)?, &mut out) {
        Ok(Value::List(out))
    } else {
        Ok(Value::Unknown)
    }
}

pub fn index(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() || !args[1].is_wholly_known() {
        return Ok(Value::Unknown);
    }
    for (i, v) in list_arg(args, 0)?.iter().enumerate() {
        if !v.is_wholly_known() {
            return Ok(Value::Unknown);
        }
        if cmp_values(v, &args[1]) == Ordering::Equal {
            return Ok(Value::Number(i as f64));
        }
    }
    Err(call_err("item not found"))
}

pub fn keys(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    Ok(Value::List(
        map_arg(args, 0)?
            .keys()
            .map(|k| Value::from(k.as_str()))
            .collect(),
    ))
}

pub fn values(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    Ok(Value::List(map_arg(args, 0)?.values().cloned().collect()))
}

pub fn length(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        Value::Unknown => Ok(Value::Unknown),
        Value::List(items) => Ok(Value::Number(items.len() as f64)),
        Value::Map(map) => Ok(Value::Number(map.len() as f64)),
        Value::String(s) => Ok(Value::Number(s.chars().count() as f64)),
        Value::Null => Err(arg_err(0, "argument must not be null")),
        _ => Err(arg_err(0, "a collection or string is required")),
    }
}

pub fn lookup(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() || !args[1].is_known() {
        return Ok(Value::Unknown);
    }
    if args[0].is_null() {
        return Err(arg_err(0, "argument must not be null"));
    }
    let map = map_arg(args, 0)?;
    let key = str_arg(args, 1)?;
    match map.get(&key) {
        Some(v) => Ok(v.clone()),
        None => match args.get(2) {
            Some(default) => Ok(default.clone()),
            None => Err(call_err(format!(
                "the given key {key:?} does not exist in the map and no default was given"
            ))),
        },
    }
}

pub fn matchkeys(args: &[Value], _: &FuncContext) -> Res {
    let values = list_arg(args, 0)?;
    let keys = list_arg(args, 1)?;
    let search = list_arg(args, 2)?;
    if values.len() != keys.len() {
        return Err(call_err("length of keys and values should be equal"));
    }
    Ok(Value::List(
        values
            .iter()
            .zip(keys)
            .filter(|(_, k)| search.iter().any(|s| cmp_values(s, k) == Ordering::Equal))
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

pub fn merge(args: &[Value], _: &FuncContext) -> Res {
    let mut out = Map::new();
    for (i, a) in args.iter().enumerate() {
        match a {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            _ => return Err(arg_err(i, "arguments must be maps or objects")),
        }
    }
    Ok(Value::Map(out))
}

pub fn one(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let list = list_arg(args, 0)?;
    match list.len() {
        0 => Ok(Value::Null),
        1 => Ok(list[0].clone()),
        _ => Err(arg_err(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

pub fn range(args: &[Value], _: &FuncContext) -> Res {
    let nums: Vec<f64> = (0..args.len())
        .map(|i| super::num_arg(args, i))
        .collect::<Result<_, _>>()?;
    let (start, limit, step) = match nums.as_slice() {
        [l] => (0.0, *l, 1.0),
        [s, l] => (*s, *l, if l >= s { 1.0 } else { -1.0 }),
        [s, l, st] => (*s, *l, *st),
        _ => return Err(call_err("range expects 1 to 3 arguments")),
    };
    if step == 0.0 {
        return Err(arg_err(2, "step must not be zero"));
    }
    if step < 0.0 && limit > start {
        return Err(call_err(
            "for a descending range, the limit must be less than the start",
        ));
    }
    if step > 0.0 && limit < start {
        return Err(call_err(
            "for an ascending range, the limit must be greater than the start",
        ));
    }
    let count = ((limit - start) / step).ceil();
    if !count.is_finite() || count > MAX_ELEMENTS as f64 {
        return Err(call_err(format!(
            "more than {MAX_ELEMENTS} values were generated; either decrease the difference between start and end or use a smaller step"
        )));
    }
    let count = count.max(0.0) as usize;
    Ok(Value::List(
        (0..count)
            .map(|i| Value::Number(start + step * i as f64))
            .collect(),
    ))
}

pub fn reverse(args: &[Value], _: &FuncContext) -> Res {
    if !args[0].is_known() {
        return Ok(Value::Unknown);
    }
    let mut list = list_arg(args, 0)?.clone();
    list.reverse();
    Ok(Value::List(list))
}

pub fn setintersection(args: &[Value], _: &FuncContext) -> Res {
    let mut acc = make_set(list_arg(args, 0)?.clone());
    for i in 1..args.len() {
        let other = list_arg(args, i)?;
        acc.retain(|v| other.iter().any(|o| cmp_values(o, v) == Ordering::Equal));
    }
    Ok(Value::List(acc))
}

pub fn setunion(args: &[Value], _: &FuncContext) -> Res {
    let mut all = Vec::new();
    for i in 0..args.len() {
        all.extend(list_arg(args, i)?.iter().cloned());
    }
    Ok(Value::List(make_set(all)))
}

pub fn setsubtract(args: &[Value], _: &FuncContext) -> Res {
    let mut acc = make_set(list_arg(args, 0)?.clone());
    let other = list_arg(args, 1)?;
    acc.retain(|v| !other.iter().any(|o| cmp_values(o, v) == Ordering::Equal));
    Ok(Value::List(acc))
}

pub fn setproduct(args: &[Value], _: &FuncContext) -> Res {
    let mut acc: Vec<Vec<Value>> = vec![vec![]];
    for i in 0..args.len() {
        let list = list_arg(args, i)?;
        let total = acc.len().saturating_mul(list.len());
        if total > MAX_ELEMENTS {
            return Err(call_err("the product has too many elements"));
        }
        let mut next = Vec::with_capacity(total);
        for prefix in &acc {
            for v in list {
                let mut row = prefix.clone();
                row.push(v.clone());
                next.push(row);
            }
        }
        acc = next;
    }
    Ok(Value::List(acc.into_iter().map(Value::List).collect()))
}

pub fn slice(args: &[Value], _: &FuncContext) -> Res {
    if !args.iter().all(Value::is_known) {
        return Ok(Value::Unknown);
    }
    let list = list_arg(args, 0)?;
    let start = int_arg(args, 1)?;
    let end = int_arg(args, 2)?;
    if start < 0 {
        return Err(arg_err(1, "start index must not be less than zero"));
    }
    if end > list.len() as i64 {
        return Err(arg_err(
            2,
            "end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(arg_err(1, "start index must not be greater than end index"));
    }
    Ok(Value::List(list[start as usize..end as usize].to_vec()))
}

pub fn sort(args: &[Value], _: &FuncContext) -> Res {
    let mut strs = Vec::new();
    for v in list_arg(args, 0)? {
        if v.is_null() {
            return Err(arg_err(0, "given list element must not be null"));
        }
        strs.push(
            v.to_template_string()
                .ok_or_else(|| arg_err(0, "the list elements must be strings"))?,
        );
    }
    strs.sort();
    Ok(Value::List(strs.into_iter().map(Value::String).collect()))
}

pub fn sum(args: &[Value], _: &FuncContext) -> Res {
    let list = list_arg(args, 0)?;
    if list.is_empty() {
        return Err(call_err("cannot sum an empty list"));
    }
    let mut total = 0.0;
    for v in list {
        if v.is_null() {
            return Err(arg_err(
                0,
                "argument must be list, set, or tuple of number values; null is not allowed",
            ));
        }
        total += to_number(v).ok_or_else(|| arg_err(0, "the list elements must be numbers"))?;
    }
    if !total.is_finite() {
        return Err(call_err("the sum is not a finite number"));
    }
    Ok(Value::Number(total))
}

pub fn transpose(args: &[Value], _: &FuncContext) -> Res {
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for (k, v) in map_arg(args, 0)? {
        let Value::List(items) = v else {
            return Err(arg_err(0, "the map values must be lists of strings"));
        };
        for item in items {
            let s = match item {
                Value::List(_) | Value::Map(_) | Value::Null => None,
                other => other.to_template_string(),
            }
            .ok_or_else(|| arg_err(0, "the map values must be lists of strings"))?;
            out.entry(s).or_default().push(Value::from(k.as_str()));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

pub fn zipmap(args: &[Value], _: &FuncContext) -> Res {
    let keys = list_arg(args, 0)?;
    let values = list_arg(args, 1)?;
    if keys.len() != values.len() {
        return Err(call_err(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut out = Map::new();
    for (k, v) in keys.iter().zip(values) {
        let k = match k {
            Value::List(_) | Value::Map(_) | Value::Null => None,
            other => other.to_template_string(),
        }
        .ok_or_else(|| arg_err(0, "the keys must be strings"))?;
        out.insert(k, v.clone());
    }
    Ok(Value::Map(out))
}

// ---- type conversions ----

pub fn tobool(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(_) => Err(arg_err(
            0,
            "cannot convert this string to bool; only \"true\" or \"false\" are allowed",
        )),
        v => Err(arg_err(
            0,
            format!("cannot convert {} to bool", v.type_name()),
        )),
    }
}

pub fn tonumber(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => super::parse_number(s)
            .map(Value::Number)
            .ok_or_else(|| arg_err(0, "cannot convert this string to number")),
        v => Err(arg_err(
            0,
            format!("cannot convert {} to number", v.type_name()),
        )),
    }
}

pub fn tostring(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v @ (Value::List(_) | Value::Map(_)) => Err(arg_err(
            0,
            format!("cannot convert {} to string", v.type_name()),
        )),
        v => Ok(Value::String(v.to_template_string().unwrap_or_default())),
    }
}

pub fn tolist(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        v @ (Value::Null | Value::Unknown | Value::List(_)) => Ok(v.clone()),
        v => Err(arg_err(
            0,
            format!("cannot convert {} to list", v.type_name()),
        )),
    }
}

pub fn tomap(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        v @ (Value::Null | Value::Unknown | Value::Map(_)) => Ok(v.clone()),
        v => Err(arg_err(
            0,
            format!("cannot convert {} to map", v.type_name()),
        )),
    }
}

pub fn toset(args: &[Value], _: &FuncContext) -> Res {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::List(items) => Ok(Value::List(make_set(items.clone()))),
        v => Err(arg_err(
            0,
            format!("cannot convert {} to set", v.type_name()),
        )),
    }
}
