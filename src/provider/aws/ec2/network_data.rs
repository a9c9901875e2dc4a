//! The network data sources: `aws_subnet`, `aws_internet_gateway`, `aws_nat_gateway`. Each
//! is exactly one object found by its arguments and `filter` blocks, read as its resource type
//! reads it; its schema is the resource's with every attribute computed.

use super::{filter_block, filters, internet_gateway, nat_gateway, network, non_empty, subnet};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::Filter;

/// A data source's schema from resource schema `from`: every attribute computed, those in
/// `args` (and `tags`) also arguments the look-up filters by; `extra` outputs added.
pub(super) fn data_schema(
    desc: &'static str,
    from: &Schema,
    args: &[&str],
    extra: &[&'static str],
) -> Schema {
    let mut s = Schema::new().describe(desc).regional();
    for a in from
        .attributes
        .iter()
        .filter(|a| !matches!(a.name, "region" | "tags_all"))
    {
        let mut a = a.clone();
        a.required = false;
        a.optional = args.contains(&a.name) || a.name == "tags";
        a.computed = true;
        a.force_new = false;
        a.default = None;
        a.virtual_ = false;
        a.validators.clear();
        a.modifiers.clear();
        s = s.attr(a);
    }
    for name in extra {
        s = s.attr(Attribute::string(name).computed());
    }
    s.block(filter_block())
}

/// The EC2 filters of a data source's arguments: `(argument, filter name)` pairs, then its
/// `filter` blocks and `tags`.
pub(super) fn filters_of(config: &Value, pairs: &[(&str, &str)]) -> Option<Vec<Filter>> {
    let mut out = filters(config);
    for (arg, name) in pairs {
        let value = match config.get(arg) {
            Some(Value::Bool(b)) => Some(b.to_string()),
            _ => obj::string(config, arg),
        };
        out.extend(value.map(|v| network::filter(name, &[v])));
    }
    non_empty(out)
}

/// Exactly one of `items`, or the error the provider gives.
pub(super) fn exactly_one<T>(items: Vec<T>, type_: &str) -> ProviderResult<T> {
    let n = items.len();
    let mut items = items.into_iter();
    match (items.next(), n) {
        (Some(one), 1) => Ok(one),
        (None, _) => Err(ProviderError::new(format!(
            "no object matches the {type_} arguments"
        ))),
        _ => Err(ProviderError::new(format!(
            "{n} objects match the {type_} arguments; exactly one must match: add filters"
        ))),
    }
}

/// The state of `found` cut to the data source's schema, with the configuration's filters.
pub(super) fn answer(schema: &Schema, found: &Value, config: &Value, extra: Map) -> Value {
    let mut v = network::project(schema, found);
    if let Value::Map(m) = &mut v {
        m.extend(extra);
        m.insert(
            "filter".into(),
            config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        );
    }
    v
}

pub struct SubnetData;
pub static SUBNET_DATA: SubnetData = SubnetData;

static SUBNET_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let args = [
        "id",
        "vpc_id",
        "cidr_block",
        "availability_zone",
        "availability_zone_id",
        "ipv6_cidr_block",
    ];
    let mut s = data_schema(
        "Looks up exactly one subnet.",
        &subnet::SCHEMA,
        &args,
        &["state"],
    );
    s = s.attr(Attribute::bool("default_for_az").computed());
    s.attr(Attribute::number("available_ip_address_count").output())
});

#[async_trait]
impl DataSourceType for SubnetData {
    named!("aws_subnet", SUBNET_SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let pairs = [
            ("id", "subnet-id"),
            ("vpc_id", "vpc-id"),
            ("cidr_block", "cidr-block"),
            ("availability_zone", "availability-zone"),
            ("availability_zone_id", "availability-zone-id"),
            (
                "ipv6_cidr_block",
                "ipv6-cidr-block-association.ipv6-cidr-block",
            ),
            ("default_for_az", "default-for-az"),
            ("state", "state"),
        ];
        let call = ctx
            .ec2()
            .describe_subnets()
            .set_filters(filters_of(config, &pairs));
        let found = all("describing subnets", call.into_paginator().items().send()).await?;
        let s = exactly_one(found, "aws_subnet")?;
        let extra = object! {
            "default_for_az" => s.default_for_az().unwrap_or(false),
            "state" => s.state().map(|s| s.as_str()),
            "available_ip_address_count" => s.available_ip_address_count(),
        };
        Ok(answer(
            &SUBNET_SCHEMA,
            &subnet::state_of(ctx, &s),
            config,
            extra,
        ))
    }
}

pub struct NatGatewayData;
pub static NAT_GATEWAY_DATA: NatGatewayData = NatGatewayData;

static NAT_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let (args, extra) = (["id", "subnet_id"], ["vpc_id", "state"]);
    data_schema(
        "Looks up exactly one NAT gateway.",
        &nat_gateway::SCHEMA,
        &args,
        &extra,
    )
});

#[async_trait]
impl DataSourceType for NatGatewayData {
    named!("aws_nat_gateway", NAT_SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let pairs = [
            ("id", "nat-gateway-id"),
            ("subnet_id", "subnet-id"),
            ("vpc_id", "vpc-id"),
            ("state", "state"),
        ];
        let call = ctx
            .ec2()
            .describe_nat_gateways()
            .set_filter(filters_of(config, &pairs));
        let found = all(
            "describing NAT gateways",
            call.into_paginator().items().send(),
        )
        .await?;
        let g = exactly_one(found, "aws_nat_gateway")?;
        let extra = object! { "vpc_id" => g.vpc_id(), "state" => g.state().map(|s| s.as_str()) };
        Ok(answer(
            &NAT_SCHEMA,
            &nat_gateway::state_of(ctx, &g),
            config,
            extra,
        ))
    }
}

pub struct InternetGatewayData;
pub static INTERNET_GATEWAY_DATA: InternetGatewayData = InternetGatewayData;

static IGW_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up exactly one internet gateway.";
        regional;
        id                  string output;
        internet_gateway_id string computed;
        arn                 string output;
        owner_id            string output;
        tags                string_map computed;
        attachments         map_list output "Each attachment's vpc_id and state.";
        block filter_block();
    }
});

#[async_trait]
impl DataSourceType for InternetGatewayData {
    named!("aws_internet_gateway", IGW_SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let pairs = [("internet_gateway_id", "internet-gateway-id")];
        let call = ctx
            .ec2()
            .describe_internet_gateways()
            .set_filters(filters_of(config, &pairs));
        let found = all(
            "describing internet gateways",
            call.into_paginator().items().send(),
        )
        .await?;
        let g = exactly_one(found, "aws_internet_gateway")?;
        let attachments = g.attachments().iter().map(|a| {
            Value::Map(object! { "vpc_id" => a.vpc_id(), "state" => a.state().map(|s| s.as_str()) })
        });
        let state = internet_gateway::state_of(ctx, &g);
        let extra = object! {
            "internet_gateway_id" => g.internet_gateway_id(),
            "attachments" => Value::List(attachments.collect()),
            "tags" => state.get("tags").cloned().unwrap_or(Value::Null),
        };
        Ok(answer(&IGW_SCHEMA, &state, config, extra))
    }
}
