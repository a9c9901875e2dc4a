//! Data sources `aws_vpc` (exactly one VPC) and `aws_subnets` (subnet ids matching filters).

use super::Ctx;
use crate::provider::{obj, DataSourceType, ProviderError, ProviderResult};
use crate::schema::{Attribute, BlockType, Schema};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, Tag, VpcAttributeName};
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub struct VpcData;
pub struct SubnetsData;

fn filter_block() -> BlockType {
    BlockType::set(
        "filter",
        Schema::new()
            .attr(
                Attribute::string("name")
                    .required()
                    .describe("An EC2 filter name, e.g. vpc-id or tag:Name."),
            )
            .attr(Attribute::string_set("values").required()),
    )
    .describe("EC2 filters; a resource must match every one.")
}

static VPC_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("Looks up exactly one VPC.")
        .attr(Attribute::string("id").computed())
        .attr(Attribute::bool("default").computed())
        .attr(Attribute::string("cidr_block").computed())
        .attr(Attribute::string("dhcp_options_id").computed())
        .attr(Attribute::string("state").computed())
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string("arn").output())
        .attr(Attribute::string("owner_id").output())
        .attr(Attribute::string("instance_tenancy").output())
        .attr(Attribute::string("ipv6_association_id").output())
        .attr(Attribute::string("ipv6_cidr_block").output())
        .attr(Attribute::string("main_route_table_id").output())
        .attr(Attribute::bool("enable_dns_support").output())
        .attr(Attribute::bool("enable_dns_hostnames").output())
        .block(filter_block())
});

static SUBNETS_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    Schema::new()
        .describe("The ids of the subnets matching the filters.")
        .attr(Attribute::string("id").output())
        .attr(Attribute::string_map("tags").computed())
        .attr(Attribute::string_list("ids").output())
        .block(filter_block())
});

/// `filter` blocks plus `tags` (as `tag:<key>` filters).
fn filters(config: &Value) -> Vec<Filter> {
    let mut out: Vec<Filter> = config
        .get("filter")
        .and_then(Value::as_list)
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some(
                Filter::builder()
                    .name(obj::str(f, "name")?)
                    .set_values(Some(obj::strings(f, "values")))
                    .build(),
            )
        })
        .collect();
    for (k, v) in obj::string_map(config, "tags") {
        out.push(Filter::builder().name(format!("tag:{k}")).values(v).build());
    }
    out
}

fn tags_value(tags: &[Tag]) -> Value {
    obj::map(
        tags.iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or("").to_string())))
            .filter(|(k, _)| !k.starts_with("aws:")),
    )
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `None` when the filter list is empty: EC2 rejects an empty list.
fn non_empty(filters: Vec<Filter>) -> Option<Vec<Filter>> {
    (!filters.is_empty()).then_some(filters)
}

#[async_trait]
impl DataSourceType for VpcData {
    fn type_name(&self) -> &'static str {
        "aws_vpc"
    }

    fn schema(&self) -> &Schema {
        &VPC_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let ec2 = ctx.ec2();
        let mut fs = filters(config);
        let mut add = |name: &str, value: Option<String>| {
            if let Some(v) = value {
                fs.push(Filter::builder().name(name).values(v).build());
            }
        };
        add("cidr", obj::string(config, "cidr_block"));
        add("dhcp-options-id", obj::string(config, "dhcp_options_id"));
        add("state", obj::string(config, "state"));
        // Only `default = true` filters; false means "any VPC".
        if obj::bool(config, "default") == Some(true) {
            add("is-default", Some("true".into()));
        }
        let resp = ec2
            .describe_vpcs()
            .set_vpc_ids(obj::string(config, "id").map(|id| vec![id]))
            .set_filters(non_empty(fs))
            .send()
            .await;
        let vpcs = match resp {
            Ok(r) => r.vpcs.unwrap_or_default(),
            Err(e)
                if aws_sdk_ec2::error::ProvideErrorMetadata::code(&e)
                    == Some("InvalidVpcID.NotFound") =>
            {
                Vec::new()
            }
            Err(e) => return Err(ProviderError::sdk("describing VPCs", e)),
        };
        let vpc = match vpcs.as_slice() {
            [one] => one,
            [] => return Err(ProviderError::new("no VPC matches the aws_vpc arguments")),
            many => {
                return Err(ProviderError::new(format!(
                    "{} VPCs match the aws_vpc arguments; exactly one must match: add \
                     filters (ids: {})",
                    many.len(),
                    many.iter()
                        .filter_map(|v| v.vpc_id())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        };
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        let owner = vpc.owner_id().unwrap_or_default();

        let mut dns = BTreeMap::new();
        for (attr, name) in [
            (VpcAttributeName::EnableDnsSupport, "enable_dns_support"),
            (VpcAttributeName::EnableDnsHostnames, "enable_dns_hostnames"),
        ] {
            let r = ec2
                .describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(attr)
                .send()
                .await
                .map_err(|e| ProviderError::sdk(&format!("reading {name} of {id}"), e))?;
            let v = match name {
                "enable_dns_support" => r.enable_dns_support(),
                _ => r.enable_dns_hostnames(),
            };
            dns.insert(name, v.and_then(AttributeBooleanValue::value));
        }
        // The main route table is informative only: a failure leaves it null, as Terraform does.
        let main_rt = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&id).build())
            .filters(
                Filter::builder()
                    .name("association.main")
                    .values("true")
                    .build(),
            )
            .send()
            .await
            .ok()
            .and_then(|r| {
                r.route_tables()
                    .first()
                    .and_then(|t| t.route_table_id())
                    .map(str::to_string)
            });
        let ipv6 = vpc.ipv6_cidr_block_association_set().first();

        let mut m = Map::new();
        m.insert("id".into(), Value::from(id.as_str()));
        m.insert(
            "arn".into(),
            Value::from(format!(
                "arn:{}:ec2:{}:{owner}:vpc/{id}",
                partition(ctx.region()),
                ctx.region()
            )),
        );
        m.insert("owner_id".into(), Value::from(owner));
        m.insert(
            "default".into(),
            Value::Bool(vpc.is_default().unwrap_or(false)),
        );
        m.insert("cidr_block".into(), obj::opt_str(vpc.cidr_block()));
        m.insert(
            "dhcp_options_id".into(),
            obj::opt_str(vpc.dhcp_options_id()),
        );
        m.insert(
            "state".into(),
            obj::opt_str(vpc.state().map(|s| s.as_str())),
        );
        m.insert(
            "instance_tenancy".into(),
            obj::opt_str(vpc.instance_tenancy().map(|t| t.as_str())),
        );
        m.insert(
            "ipv6_association_id".into(),
            obj::opt_str(ipv6.and_then(|a| a.association_id())),
        );
        m.insert(
            "ipv6_cidr_block".into(),
            obj::opt_str(ipv6.and_then(|a| a.ipv6_cidr_block())),
        );
        m.insert(
            "main_route_table_id".into(),
            obj::opt_str(main_rt.as_deref()),
        );
        for (name, v) in dns {
            m.insert(name.into(), obj::opt_bool(v));
        }
        m.insert("tags".into(), tags_value(vpc.tags()));
        m.insert(
            "filter".into(),
            config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        );
        Ok(Value::Map(m))
    }
}

#[async_trait]
impl DataSourceType for SubnetsData {
    fn type_name(&self) -> &'static str {
        "aws_subnets"
    }

    fn schema(&self) -> &Schema {
        &SUBNETS_SCHEMA
    }

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let mut pages = ctx
            .ec2()
            .describe_subnets()
            .set_filters(non_empty(filters(config)))
            .into_paginator()
            .send();
        let mut ids = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ProviderError::sdk("describing subnets", e))?;
            ids.extend(
                page.subnets()
                    .iter()
                    .filter_map(|s| s.subnet_id().map(str::to_string)),
            );
        }
        ids.sort();
        ids.dedup();
        let mut m = Map::new();
        m.insert("id".into(), Value::from(ctx.region()));
        m.insert("ids".into(), obj::list(ids));
        m.insert(
            "tags".into(),
            config
                .get("tags")
                .filter(|t| !t.is_null())
                .cloned()
                .unwrap_or(Value::Map(Map::new())),
        );
        m.insert(
            "filter".into(),
            config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        );
        Ok(Value::Map(m))
    }
}
