//! Data source `aws_vpc`: exactly one VPC.

use super::{filters, non_empty};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, VpcAttributeName};

pub struct VpcData;
pub static VPC_DATA: VpcData = VpcData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up exactly one VPC.";
        regional;
        id                   string     computed;
        default              bool       computed;
        cidr_block           string     computed;
        dhcp_options_id      string     computed;
        state                string     computed;
        tags                 string_map computed;
        arn                  string     output;
        owner_id             string     output;
        instance_tenancy     string     output;
        ipv6_association_id  string     output;
        ipv6_cidr_block      string     output;
        main_route_table_id  string     output;
        enable_dns_support   bool       output;
        enable_dns_hostnames bool       output;
        block super::filter_block();
    }
});

#[async_trait]
impl DataSourceType for VpcData {
    named!("aws_vpc", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let ec2 = ctx.ec2();
        let mut fs = filters(config);
        let mut add = |name: &str, value: Option<String>| {
            fs.extend(value.map(|v| Filter::builder().name(name).values(v).build()));
        };
        add("cidr", obj::string(config, "cidr_block"));
        add("dhcp-options-id", obj::string(config, "dhcp_options_id"));
        add("state", obj::string(config, "state"));
        // Only `default = true` filters; false means "any VPC".
        add(
            "is-default",
            (obj::bool(config, "default") == Some(true)).then(|| "true".into()),
        );
        let ids = obj::string(config, "id").map(|id| vec![id]);
        let resp = ec2
            .describe_vpcs()
            .set_vpc_ids(ids)
            .set_filters(non_empty(fs))
            .send()
            .await;
        let vpcs = unless(resp.during("describing VPCs"), &["InvalidVpcID.NotFound"])?;
        let vpcs = vpcs.map(|r| r.vpcs.unwrap_or_default()).unwrap_or_default();
        let vpc = match vpcs.as_slice() {
            [one] => one,
            [] => return Err(ProviderError::new("no VPC matches the aws_vpc arguments")),
            many => {
                let ids: Vec<&str> = many.iter().filter_map(|v| v.vpc_id()).collect();
                return Err(ProviderError::new(format!(
                    "{} VPCs match the aws_vpc arguments; exactly one must match: add filters (ids: {})",
                    many.len(),
                    ids.join(", ")
                )));
            }
        };
        let id = vpc.vpc_id().unwrap_or_default().to_string();
        let owner = vpc.owner_id().unwrap_or_default();
        let mut dns = Map::new();
        for (attr, name) in [
            (VpcAttributeName::EnableDnsSupport, "enable_dns_support"),
            (VpcAttributeName::EnableDnsHostnames, "enable_dns_hostnames"),
        ] {
            let r = ec2
                .describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(attr)
                .send()
                .await;
            let r = r.during(&format!("reading {name} of {id}"))?;
            let v = match name {
                "enable_dns_support" => r.enable_dns_support(),
                _ => r.enable_dns_hostnames(),
            };
            dns.insert(
                name.into(),
                v.and_then(AttributeBooleanValue::value).to_value(),
            );
        }
        // The main route table is informative only: a failure leaves it null, as Terraform does.
        let main = Filter::builder()
            .name("association.main")
            .values("true")
            .build();
        let tables = ec2
            .describe_route_tables()
            .filters(Filter::builder().name("vpc-id").values(&id).build());
        let main_rt = tables.filters(main).send().await.ok();
        let main_rt = main_rt
            .as_ref()
            .and_then(|r| r.route_tables().first())
            .and_then(|t| t.route_table_id());
        let ipv6 = vpc.ipv6_cidr_block_association_set().first();
        let mut m = object! {
            "id" => id.as_str(),
            "arn" => format!("arn:{}:ec2:{}:{owner}:vpc/{id}", ctx.partition(), ctx.region()),
            "owner_id" => owner,
            "default" => vpc.is_default().unwrap_or(false),
            "cidr_block" => vpc.cidr_block(),
            "dhcp_options_id" => vpc.dhcp_options_id(),
            "state" => vpc.state().map(|s| s.as_str()),
            "instance_tenancy" => vpc.instance_tenancy().map(|t| t.as_str()),
            "ipv6_association_id" => ipv6.and_then(|a| a.association_id()),
            "ipv6_cidr_block" => ipv6.and_then(|a| a.ipv6_cidr_block()),
            "main_route_table_id" => main_rt,
            "tags" => obj::map(tags::read(vpc.tags())),
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        };
        m.extend(dns);
        Ok(Value::Map(m))
    }
}
