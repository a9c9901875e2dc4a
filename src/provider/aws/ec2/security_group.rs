//! `aws_security_group`: an EC2 security group with inline `ingress` / `egress` rules, as
//! terraform-provider-aws manages it.
//!
//! Rules are stored in a canonical shape so that a configuration read back from AWS compares
//! equal to the configuration that made it: every nested attribute present, source lists
//! sorted and de-duplicated, the protocol normalised (`6` → `tcp`, `all` → `-1`), and blocks
//! that share (protocol, ports, description) merged into one, which is how a read groups the
//! `IpPermissions` AWS returns.

use super::inline_rules::*;
use super::rule_model::{
    check_rule_description, cidrs, normalize_protocol, permission, with_source,
};
use super::rule_model::{Direction, Source, ALL_IPV4, ALL_IPV6};
use super::{DESCRIBE_CHUNK, NOT_FOUND_CODES};
use crate::provider::aws::kit::naming::{prefix_from_name, unique_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    Filter, IpPermission, ResourceType as Ec2ResourceType, SecurityGroup as Ec2Group,
};

pub struct SecurityGroup;
pub static SECURITY_GROUP: SecurityGroup = SecurityGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

const IN_USE_CODES: &[&str] = &["DependencyViolation", "InvalidGroup.InUse"];

/// What EC2 answers a call about a group it does not know (yet, right after its creation).
const VISIBILITY_CODES: &[&str] = &["InvalidGroup.NotFound", "InvalidSecurityGroupID.NotFound"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let rule = || {
        schema! {
            "";
            from_port        number      required;
            to_port          number      required;
            protocol         string      required "tcp, udp, icmp, icmpv6, -1 (all) or a protocol number.";
            cidr_blocks      string_list check(|v| cidrs(v, false));
            ipv6_cidr_blocks string_list check(|v| cidrs(v, true));
            prefix_list_ids  string_list;
            security_groups  string_set  "Source group ids.";
            self             bool        default(false) "Adds the group itself as a source.";
            description      string      check(|v| check_rule_description(v.as_str()?).err());
        }
    };
    schema! {
        "An EC2 security group with inline ingress and egress rules.";
        regional;
        id          string output;
        arn         string output;
        owner_id    string output;
        name        string computed force_new check(|v| name_problem(v.as_str()?, 255)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Group name; generated from name_prefix or \"terraform-\" when unset.";
        name_prefix string computed force_new conflicts_with(&["name"]) check(|v| name_problem(v.as_str()?, 229));
        description string force_new default(DEFAULT_DESCRIPTION) check(|v| (v.as_str()?.len() > 255).then(|| "must be at most 255 characters".into()));
        vpc_id      string computed force_new "The VPC; the region's default VPC when unset.";
        revoke_rules_on_delete bool default(false) virtual_ "Revoke every rule before deleting the group.";
        tags;
        block BlockType::set("ingress", rule()).computed();
        block BlockType::set("egress", rule()).computed();
        // create: how long a new group may take to become visible; delete: how long a delete
        // retries while the group is still in use (another group's rule, an RDS instance or
        // a cache cluster that is itself going away).
        timeouts create(10) delete(15);
    }
});

/// A name (or a prefix, at most `max` characters: a 26-character suffix is added) AWS takes.
fn name_problem(name: &str, max: usize) -> Option<String> {
    if name.starts_with("sg-") {
        return Some(
            "must not start with \"sg-\": AWS reserves the sg- prefix for group ids".into(),
        );
    }
    (name.len() > max).then(|| format!("must be at most {max} characters"))
}

/// The outcome of a rule authorize or revoke: `done_code` (a duplicate, a rule not found)
/// after an attempt AWS may have carried out unseen means that attempt did the work; a group
/// AWS does not show yet is `not_found`, for the caller to read it again and retry.
fn settle_rule_call<T>(
    (result, calls): (ProviderResult<T>, crate::provider::aws::attempts::Calls),
    done_code: &str,
) -> ProviderResult<()> {
    let Err(e) = result else { return Ok(()) };
    match e.code.as_deref() {
        Some(code) if code == done_code && calls.failed_after_unseen().is_some() => Ok(()),
        Some(code) if VISIBILITY_CODES.contains(&code) => Err(ProviderError {
            not_found: true,
            ..e
        }),
        _ => Err(e),
    }
}

impl SecurityGroup {
    /// Describes the groups with these ids; missing ids are absent from the answer.
    async fn describe(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<Ec2Group>> {
        let ec2 = ctx.ec2();
        let mut out = Vec::new();
        for chunk in ids.chunks(DESCRIBE_CHUNK) {
            let by_ids = ec2
                .describe_security_groups()
                .set_group_ids(Some(chunk.to_vec()))
                .send()
                .await;
            match by_ids.during("describing security groups") {
                Ok(resp) => out.extend(resp.security_groups.unwrap_or_default()),
                // One missing id fails the whole call: a filter never does.
                Err(e) if e.is(NOT_FOUND_CODES) => {
                    let filter = Filter::builder()
                        .name("group-id")
                        .set_values(Some(chunk.to_vec()))
                        .build();
                    let pages = ec2
                        .describe_security_groups()
                        .filters(filter)
                        .into_paginator()
                        .items()
                        .send();
                    out.extend(all("describing security groups", pages).await?);
                }
                Err(e) => return Err(e),
            }
        }
        // A filter may match more loosely than the ids asked for.
        out.retain(|g| g.group_id().is_some_and(|id| ids.iter().any(|i| i == id)));
        Ok(out)
    }

    fn state(&self, ctx: &Ctx, g: &Ec2Group) -> Value {
        let (id, owner) = (
            g.group_id().unwrap_or_default(),
            g.owner_id().unwrap_or_default(),
        );
        let name = g.group_name().unwrap_or_default();
        let mut m = object! {
            "id" => id,
            "arn" => format!("arn:{}:ec2:{}:{owner}:security-group/{id}", ctx.partition(), ctx.region()),
            "owner_id" => owner,
            "name" => name,
            "name_prefix" => prefix_from_name(name),
            "description" => g.description().unwrap_or_default(),
            "vpc_id" => g.vpc_id(),
            "revoke_rules_on_delete" => false,
            "ingress" => rules_from_permissions(g, g.ip_permissions()),
            "egress" => rules_from_permissions(g, g.ip_permissions_egress()),
        };
        tags::put(ctx, &mut m, tags::read(g.tags()));
        Value::Map(m)
    }

    /// Revokes (`add` false) or authorizes permissions of one direction. A duplicate rule or
    /// one not found after an attempt AWS may have carried out unseen: that attempt did the
    /// work.
    async fn send(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
        add: bool,
        perms: Vec<IpPermission>,
    ) -> ProviderResult<()> {
        if perms.is_empty() {
            return Ok(());
        }
        if add {
            settle_rule_call(
                dir.authorize(ctx, id, perms, None).await,
                "InvalidPermission.Duplicate",
            )
        } else {
            settle_rule_call(
                dir.revoke(ctx, id, None, Some(perms)).await,
                "InvalidPermission.NotFound",
            )
        }
    }

    /// Revokes what `old` has and `new` lacks, then authorises the reverse, one source at a
    /// time so unchanged sources are never touched.
    async fn apply_rule_diff(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
        old: &[Rule],
        new: &[Rule],
    ) -> ProviderResult<()> {
        let (old, new) = (flat(old), flat(new));
        // `old` may be out of date: a rule call of a run killed mid-create can land after a
        // later run read the group (AWS carries out a request whose caller is gone). Told that
        // a rule to revoke is not there, or that one to add is there already, the group's rules
        // as AWS has them now decide what is still to do.
        for (add, code, wanted) in [
            (false, "InvalidPermission.NotFound", &old - &new),
            (true, "InvalidPermission.Duplicate", &new - &old),
        ] {
            match self.send(ctx, id, dir, add, permissions(id, &wanted)).await {
                Err(e) if e.is(&[code]) => {
                    let now = self.flat_rules(ctx, id, dir).await?;
                    let left: BTreeSet<FlatRule> =
                        if add { &wanted - &now } else { &wanted & &now };
                    self.send(ctx, id, dir, add, permissions(id, &left)).await?;
                }
                done => done?,
            }
        }
        Ok(())
    }

    /// The group's rules of one direction as AWS has them now, one source each.
    async fn flat_rules(
        &self,
        ctx: &Ctx,
        id: &str,
        dir: Direction,
    ) -> ProviderResult<BTreeSet<FlatRule>> {
        let groups = self.describe(ctx, &[id.to_string()]).await?;
        let g = groups
            .first()
            .ok_or_else(|| ProviderError::not_found(format!("security group {id} not found")))?;
        let rules = Value::Map(object! { dir.word() => rules_from_permissions(g, dir.of(g)) });
        Ok(flat(&rules_of(&rules, dir)))
    }

    /// Everything create does after `CreateSecurityGroup`. `ipv6`: the VPC has an IPv6 CIDR.
    async fn finish_create(
        &self,
        ctx: &Ctx,
        id: &str,
        planned: &Value,
        ipv6: bool,
    ) -> ProviderResult<()> {
        // Terraform removes AWS's default allow-all egress rules and authorises the
        // configured egress. A default rule the configuration asks for too (the usual
        // `egress { protocol = "-1" ... cidr_blocks = ["0.0.0.0/0"] }`) is kept instead:
        // revoking it to authorise it again costs two calls and leaves the group without
        // egress in between. The revoke and the configured ingress go out at once, right
        // after the create: they touch different rules, so a new group costs one round trip
        // after CreateSecurityGroup. EC2 is eventually consistent: a call right after the
        // create may be told the group does not exist; such a call goes again once a
        // describe (batched with every other new group's) shows the group.
        let egress_rules = rules_of(planned, Direction::Egress);
        let configured = flat(&egress_rules);
        let (kept, unwanted): (Vec<Rule>, Vec<Rule>) = default_egress(ipv6)
            .into_iter()
            .partition(|r| flat(std::slice::from_ref(r)).is_subset(&configured));
        let v4 = unwanted.iter().any(|r| r.cidr_blocks.contains(ALL_IPV4));
        let v6 = unwanted
            .iter()
            .any(|r| r.ipv6_cidr_blocks.contains(ALL_IPV6));
        let ingress_rules = rules_of(planned, Direction::Ingress);
        let limit = SCHEMA.timeout(planned, "create");
        let revoke = || self.revoke_default_egress(ctx, id, (v4, v6), limit);
        let ingress = || self.apply_rule_diff(ctx, id, Direction::Ingress, &[], &ingress_rules);
        let (mut revoked, mut authorized) = tokio::join!(revoke(), ingress());
        let invisible = |r: &ProviderResult<()>| matches!(r, Err(e) if e.not_found);
        if invisible(&revoked) || invisible(&authorized) {
            let what = format!("security group {id} to exist");
            ctx.read_visible(&SECURITY_GROUP, id, &what, limit).await?;
            if invisible(&revoked) {
                revoked = revoke().await;
            }
            if invisible(&authorized) {
                authorized = ingress().await;
            }
        }
        revoked?;
        authorized?;
        // Configured egress goes last, as it may re-add what the revoke removed.
        self.apply_rule_diff(ctx, id, Direction::Egress, &kept, &egress_rules)
            .await
    }

    /// Revokes the allow-all egress rules AWS gives a new group that the configuration does
    /// not keep: `v4` (0.0.0.0/0), `v6` (::/0, only in a VPC with an IPv6 CIDR) — one call
    /// for both, where Terraform sends two, the IPv6 one failing outside IPv6 VPCs (twice the
    /// mutating calls, and their share of EC2's rate limit, for nothing). Should AWS refuse
    /// it (the VPC's IPv6 changed since it was looked up), the group is described and
    /// exactly the named default rules it has are revoked: an unwanted allow-all rule must
    /// never survive.
    async fn revoke_default_egress(
        &self,
        ctx: &Ctx,
        id: &str,
        (v4, v6): (bool, bool),
        limit: Duration,
    ) -> ProviderResult<()> {
        // One RevokeSecurityGroupEgress of the allow-all rules named.
        let revoke = |v4: bool, v6: bool| {
            let v4 = v4.then(|| Source::Cidr(ALL_IPV4.into()));
            let v6 = v6.then(|| Source::Ipv6(ALL_IPV6.into()));
            let add = |b, s: Source| with_source(b, id, &s, None);
            let all = v4
                .into_iter()
                .chain(v6)
                .fold(permission("-1", 0, 0), add)
                .build();
            self.send(ctx, id, Direction::Egress, false, vec![all])
        };
        if !v4 && !v6 {
            return Ok(());
        }
        match revoke(v4, v6).await {
            Ok(()) => return Ok(()),
            // Not visible yet: the caller sends it again once it is.
            Err(e) if e.not_found => return Err(e),
            // Refused over the IPv6 rule (a VPC without IPv6 answers InvalidParameterValue
            // about `remote-ipv6-range`), or a rule not there: the group's rules decide.
            Err(e) if v6 || e.is(&["InvalidPermission.NotFound"]) => {}
            Err(e) => return Err(e),
        }
        let what = format!("security group {id} to exist");
        let group = ctx.read_visible(&SECURITY_GROUP, id, &what, limit).await?;
        let has = |cidr: &str| {
            rules_of(&group, Direction::Egress).iter().any(|r| {
                r.protocol == "-1"
                    && (r.cidr_blocks.contains(cidr) || r.ipv6_cidr_blocks.contains(cidr))
            })
        };
        let (v4, v6) = (v4 && has(ALL_IPV4), v6 && has(ALL_IPV6));
        if !v4 && !v6 {
            return Ok(());
        }
        match revoke(v4, v6).await {
            Err(e) if e.is(&["InvalidPermission.NotFound"]) => Ok(()),
            done => done,
        }
    }

    /// A VPC's `id` and `ipv6` (whether it has an IPv6 CIDR), the region's default VPC when
    /// `vpc` is `None` (as for a group created without `vpc_id`); null when there is no such
    /// VPC. One DescribeVpcs per VPC and run, shared by every group created in it.
    async fn vpc_facts(&self, ctx: &Ctx, vpc: Option<&str>) -> ProviderResult<Value> {
        let key = format!("vpc/{}/{}", ctx.region(), vpc.unwrap_or("default"));
        ctx.aws
            .memo
            .get_or_look_up(key, || async {
                let req = ctx.ec2().describe_vpcs();
                let req = match vpc {
                    Some(v) => req.vpc_ids(v),
                    None => {
                        req.filters(Filter::builder().name("is-default").values("true").build())
                    }
                };
                let out = req
                    .send()
                    .await
                    .during("describing the VPC of a security group")?;
                Ok(out.vpcs().first().map_or(Value::Null, |v| {
                    let ipv6 = v.ipv6_cidr_block_association_set().iter().any(|a| {
                        a.ipv6_cidr_block_state()
                            .and_then(|s| s.state())
                            .is_some_and(|s| s.as_str() == "associated")
                    });
                    Value::Map(object! { "id" => v.vpc_id(), "ipv6" => ipv6 })
                }))
            })
            .await
    }

    /// Deletes the group, retrying while it is still in use for at most `retry_for`.
    pub async fn delete_within(
        &self,
        ctx: &Ctx,
        prior: &Value,
        retry_for: Duration,
    ) -> ProviderResult<()> {
        let Some(id) = obj::str(prior, "id") else {
            return Ok(());
        };
        if obj::bool(prior, "revoke_rules_on_delete").unwrap_or(false) {
            let Some(g) = self.describe(ctx, &[id.to_string()]).await?.pop() else {
                return Ok(());
            };
            for dir in [Direction::Ingress, Direction::Egress] {
                self.send(ctx, id, dir, false, dir.of(&g).to_vec()).await?;
            }
        }
        let what = format!("security group {id} to be no longer in use");
        let call = || async {
            let call = ctx.ec2().delete_security_group().group_id(id).send().await;
            call.during(&format!("deleting security group {id}"))
                .map(drop)
        };
        match lifecycle::delete(ctx, &what, retry_for, |e| e.is(IN_USE_CODES), NOT_FOUND_CODES, call).await {
            Err(e) if e.is(IN_USE_CODES) => Err(ProviderError {
                message: format!(
                    "deleting security group {id}: still in use after {}s (another group's rule or a database may still reference it): {}",
                    retry_for.as_secs(),
                    e.message
                ),
                ..e
            }),
            done => done.map(drop),
        }
    }
}

#[async_trait]
impl ResourceType for SecurityGroup {
    named!("aws_security_group", SCHEMA);

    /// Protocol "-1" opens every port: its ports must be 0 (a rule's own fields, judged
    /// together).
    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut out = Vec::new();
        for dir in [Direction::Ingress, Direction::Egress] {
            let attr = dir.word();
            for block in state::items(config, attr) {
                let Some(p) = block.get("protocol").and_then(Value::as_str) else {
                    continue;
                };
                let from = block.get("from_port").and_then(Value::as_i64).unwrap_or(0);
                let to = block.get("to_port").and_then(Value::as_i64).unwrap_or(0);
                if normalize_protocol(p) == "-1" && (from != 0 || to != 0) {
                    out.push(ConfigProblem::new(
                        Some(attr),
                        format!("{attr}: from_port and to_port must both be 0 to use the 'ALL' -1 protocol (got {from} and {to})"),
                        "protocol \"-1\" opens every port; set from_port = 0 and to_port = 0",
                    ));
                }
            }
        }
        out
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        if m.get("tags").is_none_or(Value::is_null) {
            m.insert("tags".into(), Value::Map(Map::new()));
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            let v = m.get(dir.word()).cloned().unwrap_or(Value::Null);
            m.insert(dir.word().into(), canonical_rules_value(&v));
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let groups = self.describe(ctx, ids).await?;
        Ok(state::by_id(groups, Ec2Group::group_id, |g| {
            self.state(ctx, &g)
        }))
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let groups = all(
            "describing security groups",
            ctx.ec2()
                .describe_security_groups()
                .into_paginator()
                .items()
                .send(),
        );
        // Every VPC's own group: it comes and goes with the VPC.
        let groups = groups
            .await?
            .into_iter()
            .filter(|g| g.group_name() != Some("default"));
        Ok(groups.map(|g| self.state(ctx, &g)).collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(planned, "name").unwrap_or_else(|| {
            unique_name(obj::str(planned, "name_prefix").unwrap_or(DEFAULT_PREFIX))
        });
        let description =
            obj::string(planned, "description").unwrap_or_else(|| DEFAULT_DESCRIPTION.into());
        let tags = tags::ec2_spec(&ctx.creation_tags(planned), Ec2ResourceType::SecurityGroup);
        let vpc = obj::string(planned, "vpc_id");
        let call = ctx
            .ec2()
            .create_security_group()
            .group_name(&name)
            .description(description)
            .set_vpc_id(vpc.clone());
        let call = call.set_tag_specifications(tags.map(|t| vec![t]));
        // The VPC's IPv6 status (which default egress rules the group gets) is looked up
        // alongside the create, off its critical path.
        let (out, facts) = tokio::join!(call.send(), self.vpc_facts(ctx, vpc.as_deref()));
        let out = out.during(&format!("creating security group {name}"))?;
        let id = out
            .group_id()
            .ok_or_else(|| ProviderError::new("CreateSecurityGroup returned no group id"))?
            .to_string();
        let ipv6 = facts.map(|f| obj::bool(&f, "ipv6").unwrap_or(false));
        if let Err(err) = async { self.finish_create(ctx, &id, planned, ipv6?).await }.await {
            // Do not leave a half-configured group behind: nothing records it.
            let gone = Value::Map(object! { "id" => id.as_str() });
            let note = match self.delete_within(ctx, &gone, Duration::ZERO).await {
                Ok(()) => format!(" (the new group {id} was deleted again)"),
                Err(e) => format!(" (the new group {id} could not be deleted: {e})"),
            };
            return Err(ProviderError::new(format!("{}{note}", err.message)));
        }
        state::read_back(ctx, &SECURITY_GROUP, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        tags::update(ctx, Service::Ec2, prior, planned).await?;
        for dir in [Direction::Ingress, Direction::Egress] {
            let (old, new) = (rules_of(prior, dir), rules_of(planned, dir));
            if old != new {
                self.apply_rule_diff(ctx, &id, dir, &old, &new).await?;
            }
        }
        state::read_back(ctx, &SECURITY_GROUP, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let limit = SCHEMA.timeout(prior, "delete");
        self.delete_within(ctx, prior, limit).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if !id.starts_with("sg-") {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a security group id (sg-…)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    /// A group's name is unique only within its VPC: the natural id carries the VPC when
    /// the configuration names one (`vpc-…/name`), so looking the group up never finds a
    /// same-named group of another VPC. Without `vpc_id` AWS uses the default VPC.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        let name = obj::string(planned, "name")?;
        Some(match obj::str(planned, "vpc_id") {
            Some(vpc) => format!("{vpc}/{name}"),
            None => name,
        })
    }

    /// A group strata was creating when it was interrupted (or whose create answer was lost)
    /// is found again by the name strata chose, and recorded in the journal, before calling
    /// CreateSecurityGroup — in its VPC: the one the natural id names, else the region's
    /// default VPC, where AWS puts a group created without `vpc_id`.
    async fn find_by_natural_id(&self, ctx: &Ctx, natural: &str) -> ProviderResult<Option<Value>> {
        let (vpc, name) = split_natural_id(natural);
        let default_vpc = match vpc {
            Some(_) => None,
            None => obj::string(&self.vpc_facts(ctx, None).await?, "id"),
        };
        let vpc = vpc.or(default_vpc.as_deref());
        let mut filters = vec![Filter::builder().name("group-name").values(name).build()];
        filters.extend(vpc.map(|v| Filter::builder().name("vpc-id").values(v).build()));
        let out = ctx
            .ec2()
            .describe_security_groups()
            .set_filters(Some(filters))
            .send()
            .await;
        let out = out.during("DescribeSecurityGroups")?;
        let found = out
            .security_groups()
            .iter()
            .find(|g| g.group_name() == Some(name) && vpc.is_none_or(|v| g.vpc_id() == Some(v)));
        Ok(found.map(|g| self.state(ctx, g)))
    }
}

/// `(vpc, name)` of a natural id: `vpc-0abc…/name`, or a bare name (a group created without
/// `vpc_id`, in the default VPC).
fn split_natural_id(natural: &str) -> (Option<&str>, &str) {
    static VPC: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"^(vpc-[0-9a-f]+)/(.+)$").expect("valid regex"));
    match VPC.captures(natural) {
        Some(c) => (
            c.get(1).map(|m| m.as_str()),
            c.get(2).map_or(natural, |m| m.as_str()),
        ),
        None => (None, natural),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_ids_carry_the_vpc_when_there_is_one() {
        assert_eq!(
            split_natural_id("vpc-0a1b2c/web"),
            (Some("vpc-0a1b2c"), "web")
        );
        assert_eq!(split_natural_id("web"), (None, "web"));
        // A name may hold a slash; only a VPC id prefix is split off.
        assert_eq!(split_natural_id("a/b"), (None, "a/b"));
        assert_eq!(
            split_natural_id("vpc-0a1b2c/x/y"),
            (Some("vpc-0a1b2c"), "x/y")
        );
    }

    #[test]
    fn generated_names_carry_a_recoverable_prefix() {
        let n = unique_name("web-");
        assert_eq!(n.len(), 4 + 26);
        assert_eq!(prefix_from_name(&n), Some("web-"));
        assert_ne!(n, unique_name("web-"));
        assert_eq!(prefix_from_name("web"), None);
    }

    fn rule(proto: &str, from: i64, to: i64, cidrs: &[&str]) -> Value {
        let mut m = Map::new();
        m.insert("protocol".into(), Value::from(proto));
        m.insert("from_port".into(), Value::from(from));
        m.insert("to_port".into(), Value::from(to));
        m.insert(
            "cidr_blocks".into(),
            obj::list(cidrs.iter().map(|c| c.to_string())),
        );
        Value::Map(m)
    }

    #[test]
    fn planned_rules_are_canonical() {
        let v = Value::List(vec![
            rule("6", 80, 80, &["10.0.0.0/8"]),
            rule("tcp", 80, 80, &["192.168.0.0/16", "1.0.0.0/8"]),
            rule("all", 0, 0, &["0.0.0.0/0"]),
        ]);
        let c = canonical_rules_value(&v);
        let items = c.as_list().unwrap();
        assert_eq!(items.len(), 2, "{c}");
        let tcp = items
            .iter()
            .find(|r| r.get("protocol") == Some(&Value::from("tcp")))
            .unwrap();
        assert_eq!(
            obj::strings(tcp, "cidr_blocks"),
            ["1.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16"]
        );
        assert_eq!(tcp.get("self"), Some(&Value::Bool(false)));
        assert_eq!(tcp.get("description"), Some(&Value::from("")));
        assert_eq!(tcp.get("security_groups"), Some(&Value::List(vec![])));
    }

    #[test]
    fn validation_reports_cidrs_ports_and_names() {
        let mut cfg = Map::new();
        cfg.insert("name".into(), Value::from("sg-web"));
        cfg.insert("name_prefix".into(), Value::from("web-"));
        cfg.insert(
            "ingress".into(),
            Value::List(vec![
                rule("tcp", 80, 80, &["10.0.0.1/8"]),
                rule("-1", 0, 65535, &["0.0.0.0/0"]),
            ]),
        );
        let problems = crate::provider::config_problems(&SecurityGroup, &Value::Map(cfg));
        let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(problems.len(), 4, "{text:?}");
        assert!(text.iter().any(|m| m.contains("cannot both be set")));
        assert!(text.iter().any(|m| m.contains("sg-")));
        assert!(text
            .iter()
            .any(|m| m.contains("did you mean \"10.0.0.0/8\"")));
        assert!(text.iter().any(|m| m.contains("must both be 0")));
    }
}
