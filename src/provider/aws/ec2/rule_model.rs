//! The rule model of security groups, shared by the group's inline blocks and the three rule
//! types: directions and their authorize/revoke calls, protocols and ports as state holds
//! them, sources (what AWS calls a rule, `sgr-…`) read from and written to `IpPermission`s,
//! and the checks of CIDR blocks and rule descriptions.

use crate::provider::aws::kit::prelude::*;
use crate::provider::aws::runtime::attempts::{self, Calls};
use aws_sdk_ec2::types::builders::IpPermissionBuilder;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, SecurityGroup as Ec2Group,
    SecurityGroupRule as SdkRule, TagSpecification, UserIdGroupPair,
};
use std::net::{Ipv4Addr, Ipv6Addr};

pub const ALL_IPV4: &str = "0.0.0.0/0";
pub const ALL_IPV6: &str = "::/0";

/// The same EC2 call in both directions (its `…Ingress` or `…Egress` operation), then `$rest`
/// on it.
macro_rules! directed {
    ($dir:expr, $ec2:expr, $ingress:ident | $egress:ident, |$c:ident| $rest:expr) => {
        match $dir {
            Direction::Ingress => {
                let $c = $ec2.$ingress();
                $rest
            }
            Direction::Egress => {
                let $c = $ec2.$egress();
                $rest
            }
        }
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    /// `ingress` or `egress`: the inline block's name, a classic rule's `type`.
    pub fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The group's permissions of this direction.
    pub fn of(self, g: &Ec2Group) -> &[IpPermission] {
        match self {
            Direction::Ingress => g.ip_permissions(),
            Direction::Egress => g.ip_permissions_egress(),
        }
    }

    /// Authorizes permissions (tagging the rules AWS makes of them); the rules AWS made, and
    /// the calls the SDK sent more than once (`attempts`).
    pub async fn authorize(
        self,
        ctx: &Ctx,
        group_id: &str,
        perms: Vec<IpPermission>,
        tags: Option<TagSpecification>,
    ) -> (ProviderResult<Vec<SdkRule>>, Calls) {
        let (ec2, tags) = (ctx.ec2(), tags.map(|t| vec![t]));
        let what = format!(
            "authorizing {} rules of security group {group_id}",
            self.word()
        );
        attempts::observe(async {
            let rules = directed! { self, ec2,
                authorize_security_group_ingress | authorize_security_group_egress,
                |c| c.group_id(group_id).set_ip_permissions(Some(perms)).set_tag_specifications(tags).send().await.during(&what)?.security_group_rules
            };
            Ok(rules.unwrap_or_default())
        })
        .await
    }

    /// Revokes rules by id or by permission; how many permissions AWS answered back as unknown
    /// (it revoked only the rest), and the calls the SDK sent more than once.
    pub async fn revoke(
        self,
        ctx: &Ctx,
        group_id: &str,
        ids: Option<Vec<String>>,
        perms: Option<Vec<IpPermission>>,
    ) -> (ProviderResult<usize>, Calls) {
        let ec2 = ctx.ec2();
        let what = format!(
            "revoking {} rules of security group {group_id}",
            self.word()
        );
        attempts::observe(async {
            let unknown = directed! { self, ec2,
                revoke_security_group_ingress | revoke_security_group_egress,
                |c| c.group_id(group_id).set_security_group_rule_ids(ids).set_ip_permissions(perms).send().await.during(&what)?.unknown_ip_permissions
            };
            Ok(unknown.unwrap_or_default().len())
        })
        .await
    }

    /// Changes the descriptions of a permission's sources to the permission's.
    pub async fn describe(
        self,
        ctx: &Ctx,
        group_id: &str,
        perm: IpPermission,
    ) -> ProviderResult<()> {
        let what = format!(
            "updating the descriptions of {} rules of {group_id}",
            self.word()
        );
        directed! { self, ctx.ec2(),
            update_security_group_rule_descriptions_ingress | update_security_group_rule_descriptions_egress,
            |c| c.group_id(group_id).ip_permissions(perm).send().await.during(&what).map(drop)
        }
    }
}

/// What a revoke answers when (part of) the rule is not in the group.
const RULE_NOT_FOUND_CODES: &[&str] = &[
    "InvalidSecurityGroupRuleId.NotFound",
    "InvalidPermission.NotFound",
];

/// What a rule's revoke did: `true` when AWS revoked it (or its group is gone), `false` when
/// AWS did not find (all of) it — a not-found answer, or in a default VPC the permissions it
/// answers back as unknown, having revoked only the rest — for the caller to check what is
/// really left.
pub fn revoked(result: ProviderResult<usize>) -> ProviderResult<bool> {
    match result {
        Ok(unknown) => Ok(unknown == 0),
        Err(e) if e.is(&["InvalidGroup.NotFound"]) => Ok(true),
        Err(e) if e.is(RULE_NOT_FOUND_CODES) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The rules a rule resource's authorize made. A duplicate is success, with no rules to
/// return, when an earlier attempt of the call may have added it unseen (its answer lost,
/// see `attempts`): callers then look the rule up.
pub fn authorized(
    (result, calls): (ProviderResult<Vec<SdkRule>>, Calls),
) -> ProviderResult<Vec<SdkRule>> {
    match result {
        Err(e) if e.is(&["InvalidPermission.Duplicate"]) => match calls.failed_after_unseen() {
            Some(_) => Ok(Vec::new()),
            None => Err(ProviderError {
                message: format!(
                    "{}. The rule already exists in the security group: a rule must be managed by one \
                     resource only; remove the duplicate from the configuration, or import the existing rule",
                    e.message
                ),
                ..e
            }),
        },
        done => done,
    }
}

/// Terraform's protocol normalisation: lowercase, `all` → `-1`, known numbers → names.
pub fn normalize_protocol(protocol: &str) -> String {
    let p = protocol.trim().to_ascii_lowercase();
    match p.as_str() {
        "-1" | "all" => "-1".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        "1" => "icmp".into(),
        "58" => "icmpv6".into(),
        _ => p,
    }
}

/// Checks that `cidr` is an IPv4 (or, with `v6`, IPv6) network address: host bits zero.
/// The error names the canonical network when the address part has host bits set.
pub fn check_cidr(cidr: &str, v6: bool) -> Result<(), String> {
    let family = if v6 { "IPv6" } else { "IPv4" };
    let invalid = || format!("\"{cidr}\" is not a valid {family} CIDR block");
    let (addr, len) = cidr.split_once('/').ok_or_else(invalid)?;
    let len: u32 = len.parse().map_err(|_| invalid())?;
    let canonical = if v6 {
        let a: Ipv6Addr = addr.parse().map_err(|_| invalid())?;
        if len > 128 {
            return Err(invalid());
        }
        let net = Ipv6Addr::from(u128::from(a) & u128::MAX.checked_shl(128 - len).unwrap_or(0));
        (net != a).then(|| format!("{net}/{len}"))
    } else {
        let a: Ipv4Addr = addr.parse().map_err(|_| invalid())?;
        if len > 32 {
            return Err(invalid());
        }
        let net = Ipv4Addr::from(u32::from(a) & u32::MAX.checked_shl(32 - len).unwrap_or(0));
        (net != a).then(|| format!("{net}/{len}"))
    };
    match canonical {
        None => Ok(()),
        Some(c) => Err(format!(
            "\"{cidr}\" is not a network address (its host bits are not zero); did you mean \"{c}\"?"
        )),
    }
}

/// A `check` of a CIDR block, or of a list of them.
pub fn cidrs(v: &Value, v6: bool) -> Option<String> {
    let items = match v {
        Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
        v => vec![v.as_str()?],
    };
    items.into_iter().find_map(|c| check_cidr(c, v6).err())
}

/// Terraform's rule-description rule: at most 255 characters from a fixed set.
pub fn check_rule_description(d: &str) -> Result<(), String> {
    if d.chars().count() > 255 {
        return Err("a rule description must be at most 255 characters".into());
    }
    const EXTRA: &str = " ._-:/()#,@[]+=&;{}!$*";
    match d.chars().find(|c| !(c.is_ascii_alphanumeric() || EXTRA.contains(*c))) {
        None => Ok(()),
        Some(c) => Err(format!(
            "rule description \"{d}\" contains '{c}'; allowed are letters, digits, spaces and {EXTRA}"
        )),
    }
}

/// One source of one rule: what AWS calls a rule (`sgr-…`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    /// `[account/]sg-…`: the account only when it is another than the group's.
    Group(String),
    /// The group itself.
    SelfRef,
}

impl Source {
    /// A referenced group's id, without its account.
    pub fn group_id(name: &str) -> &str {
        name.rsplit('/').next().unwrap_or(name)
    }
}

/// A permission's protocol and ports as state holds them: normalised, and 0/0 for "all".
pub fn ports(p: &IpPermission) -> (String, i32, i32) {
    let protocol = normalize_protocol(p.ip_protocol().unwrap_or("-1"));
    match protocol.as_str() {
        "-1" => (protocol, 0, 0),
        _ => (
            protocol,
            p.from_port().unwrap_or(0),
            p.to_port().unwrap_or(0),
        ),
    }
}

/// A permission builder for a protocol and ports (AWS takes none for "all").
pub fn permission(protocol: &str, from: i32, to: i32) -> IpPermissionBuilder {
    let b = IpPermission::builder().ip_protocol(protocol);
    match protocol {
        "-1" => b,
        _ => b.from_port(from).to_port(to),
    }
}

/// `b` with one more source; `group_id` is the group's own (for `SelfRef`).
pub fn with_source(
    b: IpPermissionBuilder,
    group_id: &str,
    source: &Source,
    desc: Option<String>,
) -> IpPermissionBuilder {
    let pair = |gid: &str| {
        UserIdGroupPair::builder()
            .group_id(gid)
            .set_description(desc.clone())
    };
    match source {
        Source::Cidr(c) => b.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build()),
        Source::Ipv6(c) => b.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(c)
                .set_description(desc)
                .build(),
        ),
        Source::PrefixList(p) => b.prefix_list_ids(
            PrefixListId::builder()
                .prefix_list_id(p)
                .set_description(desc)
                .build(),
        ),
        Source::Group(g) => match g.split_once('/') {
            Some((user, gid)) => b.user_id_group_pairs(pair(gid).user_id(user).build()),
            None => b.user_id_group_pairs(pair(g).build()),
        },
        Source::SelfRef => b.user_id_group_pairs(pair(group_id).build()),
    }
}

/// A source with its description (empty for none).
pub type Described = (Source, String);

/// The sources of an AWS permission of `group`, each with its description.
pub fn sources(group: &Ec2Group, p: &IpPermission) -> Vec<Described> {
    let (own, owner) = (
        group.group_id().unwrap_or_default(),
        group.owner_id().unwrap_or_default(),
    );
    let d = |s: Option<&str>| s.unwrap_or_default().to_string();
    let mut out: Vec<Described> = Vec::new();
    out.extend(
        p.ip_ranges()
            .iter()
            .filter_map(|r| Some((Source::Cidr(r.cidr_ip()?.into()), d(r.description())))),
    );
    out.extend(
        p.ipv6_ranges()
            .iter()
            .filter_map(|r| Some((Source::Ipv6(r.cidr_ipv6()?.into()), d(r.description())))),
    );
    let lists = p.prefix_list_ids().iter();
    out.extend(lists.filter_map(|r| {
        Some((
            Source::PrefixList(r.prefix_list_id()?.into()),
            d(r.description()),
        ))
    }));
    for pair in p.user_id_group_pairs() {
        let gid = pair.group_id().unwrap_or_default();
        let source = match pair.user_id() {
            _ if gid == own => Source::SelfRef,
            Some(user) if !user.is_empty() && user != owner => {
                Source::Group(format!("{user}/{gid}"))
            }
            _ => Source::Group(gid.to_string()),
        };
        out.push((source, d(pair.description())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_normalise_like_terraform() {
        for (given, want) in [
            ("-1", "-1"),
            ("all", "-1"),
            ("ALL", "-1"),
            ("6", "tcp"),
            ("TCP", "tcp"),
            ("17", "udp"),
            ("1", "icmp"),
            ("58", "icmpv6"),
            ("icmpv6", "icmpv6"),
            ("92", "92"),
            ("gre", "gre"),
        ] {
            assert_eq!(normalize_protocol(given), want, "{given}");
        }
    }

    #[test]
    fn cidrs_must_be_network_addresses() {
        assert!(check_cidr("10.0.0.0/8", false).is_ok());
        assert!(check_cidr("0.0.0.0/0", false).is_ok());
        assert!(check_cidr("203.0.113.7/32", false).is_ok());
        let err = check_cidr("10.0.0.1/8", false).unwrap_err();
        assert!(err.contains("\"10.0.0.0/8\""), "{err}");
        assert!(check_cidr("10.0.0.0/33", false).is_err());
        assert!(check_cidr("10.0.0.0", false).is_err());
        assert!(check_cidr("::/0", true).is_ok());
        assert!(check_cidr("2001:db8::/32", true).is_ok());
        // Not compressed, but the same network.
        assert!(check_cidr("2001:0db8:0000::/32", true).is_ok());
        let err = check_cidr("2001:db8::1/64", true).unwrap_err();
        assert!(err.contains("\"2001:db8::/64\""), "{err}");
        assert!(check_cidr("10.0.0.0/8", true).is_err());
    }
}
