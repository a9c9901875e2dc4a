//! IP network functions, for IPv4 and IPv6, with the address arithmetic done on u128.

use super::{arg_err, call_err, int_arg, str_arg, FuncContext, FuncError, Res};
use crate::value::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A network prefix: address bits (host bits cleared), prefix length and address width.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Prefix {
    addr: u128,
    len: u32,
    width: u32,
}

fn mask(len: u32, width: u32) -> u128 {
    let all = if width == 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    };
    let host = width - len;
    if host >= 128 {
        0
    } else {
        all & !((1u128 << host) - 1)
    }
}

fn parse_prefix(text: &str, index: usize) -> Result<Prefix, FuncError> {
    let bad = || arg_err(index, format!("invalid CIDR address: {text}"));
    let (addr, len) = text.split_once('/').ok_or_else(bad)?;
    if len.is_empty() || !len.chars().all(|c| c.is_ascii_digit()) || len.len() > 3 {
        return Err(bad());
    }
    let len: u32 = len.parse().map_err(|_| bad())?;
    let (bits, width) = match addr.parse::<IpAddr>().map_err(|_| bad())? {
        IpAddr::V4(a) => (u32::from(a) as u128, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    if len > width {
        return Err(bad());
    }
    Ok(Prefix {
        addr: bits & mask(len, width),
        len,
        width,
    })
}

fn addr_string(bits: u128, width: u32) -> String {
    if width == 32 {
        Ipv4Addr::from(bits as u32).to_string()
    } else {
        Ipv6Addr::from(bits).to_string()
    }
}

fn prefix_string(p: Prefix) -> String {
    format!("{}/{}", addr_string(p.addr, p.width), p.len)
}

/// 2^bits - 1 as the largest number representable in `bits` bits (bits ≤ 128).
fn max_in(bits: u32) -> u128 {
    if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    }
}

pub fn cidrhost(args: &[Value], _: &FuncContext) -> Res {
    let p = parse_prefix(&str_arg(args, 0)?, 0)?;
    let num = int_arg(args, 1)?;
    let host_bits = p.width - p.len;
    let max = max_in(host_bits);
    let offset = if num >= 0 {
        num as u128
    } else {
        let back = num.unsigned_abs() as u128 - 1;
        if back > max {
            return Err(arg_err(
                1,
                format!("the prefix does not accommodate a host numbered {num}"),
            ));
        }
        max - back
    };
    if offset > max {
        return Err(arg_err(
            1,
            format!("the prefix does not accommodate a host numbered {num}"),
        ));
    }
    Ok(Value::String(addr_string(p.addr | offset, p.width)))
}

pub fn cidrnetmask(args: &[Value], _: &FuncContext) -> Res {
    let p = parse_prefix(&str_arg(args, 0)?, 0)?;
    if p.width != 32 {
        return Err(arg_err(0, "only IPv4 networks are supported"));
    }
    Ok(Value::String(addr_string(mask(p.len, 32), 32)))
}

fn subnet(p: Prefix, newbits: i64, num: u128, newbits_index: usize) -> Result<Prefix, FuncError> {
    if newbits < 0 {
        return Err(arg_err(newbits_index, "newbits must not be negative"));
    }
    let new_len = p.len as i64 + newbits;
    if new_len > p.width as i64 {
        return Err(arg_err(
            newbits_index,
            format!("insufficient address space to extend the prefix by {newbits} bits"),
        ));
    }
    let new_len = new_len as u32;
    if num > max_in(newbits as u32) {
        return Err(call_err(format!(
            "prefix extension of {newbits} does not accommodate a subnet numbered {num}"
        )));
    }
    let shift = p.width - new_len;
    let offset = if shift >= 128 { 0 } else { num << shift };
    Ok(Prefix {
        addr: p.addr | offset,
        len: new_len,
        width: p.width,
    })
}

pub fn cidrsubnet(args: &[Value], _: &FuncContext) -> Res {
    let p = parse_prefix(&str_arg(args, 0)?, 0)?;
    let newbits = int_arg(args, 1)?;
    let num = int_arg(args, 2)?;
    if num < 0 {
        return Err(arg_err(2, "netnum must not be negative"));
    }
    Ok(Value::String(prefix_string(subnet(
        p,
        newbits,
        num as u128,
        1,
    )?)))
}

/// The last address of a prefix.
fn last(p: Prefix) -> u128 {
    p.addr | max_in(p.width - p.len)
}

pub fn cidrsubnets(args: &[Value], _: &FuncContext) -> Res {
    let base = parse_prefix(&str_arg(args, 0)?, 0)?;
    if args.len() == 1 {
        return Ok(Value::List(vec![]));
    }
    let mut out = Vec::new();
    let mut current: Option<Prefix> = None;
    for i in 1..args.len() {
        let newbits = int_arg(args, i)?;
        if newbits < 1 {
            return Err(arg_err(i, "must extend prefix by at least one bit"));
        }
        let new_len = base.len as i64 + newbits;
        if new_len > base.width as i64 {
            return Err(arg_err(
                i,
                format!(
                    "would extend the prefix by {newbits} bits, which is too long for an IPv{} address",
                    if base.width == 32 { 4 } else { 6 }
                ),
            ));
        }
        let new_len = new_len as u32;
        let next = match current {
            None => subnet(base, newbits, 0, i)?,
            Some(cur) => {
                let m = mask(new_len, base.width);
                let containing = Prefix {
                    addr: last(cur) & m,
                    len: new_len,
                    width: base.width,
                };
                let after = last(containing)
                    .checked_add(1)
                    .filter(|a| *a <= max_in(base.width));
                let Some(after) = after else {
                    return Err(arg_err(
                        i,
                        format!(
                            "not enough remaining address space for a subnet with a prefix of {new_len} bits after subnet {}",
                            out.len()
                        ),
                    ));
                };
                let candidate = Prefix {
                    addr: after & m,
                    len: new_len,
                    width: base.width,
                };
                if candidate.addr & mask(base.len, base.width) != base.addr {
                    return Err(arg_err(
                        i,
                        format!(
                            "not enough remaining address space for a subnet with a prefix of {new_len} bits after subnet {}",
                            out.len()
                        ),
                    ));
                }
                candidate
            }
        };
        out.push(Value::String(prefix_string(next)));
        current = Some(next);
    }
    Ok(Value::List(out))
}
