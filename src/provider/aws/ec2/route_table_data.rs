//! `aws_route_table` (data source): exactly one route table, found by its id, a subnet or edge
//! gateway associated with it, its VPC, `filter` blocks and tags; with its routes (AWS's own
//! `local` and propagated routes left out, as the provider does) and associations.

use super::network_data::{answer, exactly_one, filters_of};
use super::{filter_block, route_table};
use crate::provider::aws::kit::prelude::*;

pub struct RouteTableData;
pub static ROUTE_TABLE_DATA: RouteTableData = RouteTableData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up exactly one route table.";
        regional;
        id               string output;
        route_table_id   string computed;
        subnet_id        string computed "A subnet associated with the table.";
        gateway_id       string computed "An edge gateway associated with the table.";
        vpc_id           string computed;
        arn              string output;
        owner_id         string output;
        propagating_vgws string_set output;
        routes           map_list output "Each route's destination (cidr_block, ipv6_cidr_block, destination_prefix_list_id) and target.";
        associations     map_list output "Each association's route_table_association_id, route_table_id, subnet_id, gateway_id and main.";
        tags             string_map computed;
        block filter_block();
    }
});

#[async_trait]
impl DataSourceType for RouteTableData {
    named!("aws_route_table", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let pairs = [
            ("route_table_id", "route-table-id"),
            ("vpc_id", "vpc-id"),
            ("subnet_id", "association.subnet-id"),
            ("gateway_id", "association.gateway-id"),
        ];
        let call = ctx
            .ec2()
            .describe_route_tables()
            .set_filters(filters_of(config, &pairs));
        let found = all(
            "describing route tables",
            call.into_paginator().items().send(),
        )
        .await?;
        let t = exactly_one(found, "aws_route_table")?;
        let associations = t.associations().iter().map(|a| {
            Value::Map(object! {
                "route_table_association_id" => a.route_table_association_id(),
                "route_table_id" => a.route_table_id(),
                "subnet_id" => a.subnet_id().unwrap_or_default(),
                "gateway_id" => a.gateway_id().unwrap_or_default(),
                "main" => a.main().unwrap_or(false),
            })
        });
        let state = route_table::state_of(ctx, &t, true);
        let extra = object! {
            "route_table_id" => t.route_table_id(),
            // The argument as given: a table has many associations.
            "subnet_id" => config.get("subnet_id").cloned().unwrap_or(Value::Null),
            "gateway_id" => config.get("gateway_id").cloned().unwrap_or(Value::Null),
            "routes" => state.get("route").cloned().unwrap_or(Value::List(vec![])),
            "associations" => Value::List(associations.collect()),
            "tags" => state.get("tags").cloned().unwrap_or(Value::Null),
        };
        Ok(answer(&SCHEMA, &state, config, extra))
    }
}
