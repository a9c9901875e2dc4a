//! `aws_vpn_gateway_route_propagation`: a route table takes the routes of a VPN gateway
//! (EnableVgwRoutePropagation, sent again while the gateway is not yet attached to the
//! table's VPC, as the provider does). Read from the table's `PropagatingVgws`. Its id is the
//! provider's, `vgw-…_rtb-…`, which `strata import` takes too.

use super::route_table;
use crate::provider::aws::kit::prelude::*;

pub struct VpnGatewayRoutePropagation;
pub static VPN_GATEWAY_ROUTE_PROPAGATION: VpnGatewayRoutePropagation = VpnGatewayRoutePropagation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The propagation of a VPN gateway's routes into a route table.";
        regional;
        id             string output;
        vpn_gateway_id string required force_new;
        route_table_id string required force_new;
        timeouts create(2) delete(2);
    }
});

/// (gateway, table) of an id `vgw-…_rtb-…`.
fn parse_id(id: &str) -> Option<(&str, &str)> {
    let (gateway, table) = id.split_once('_')?;
    (!gateway.is_empty() && !table.is_empty() && !table.contains('_')).then_some((gateway, table))
}

fn object_of(gateway: &str, table: &str) -> Value {
    Value::Map(object! {
        "id" => format!("{gateway}_{table}"),
        "vpn_gateway_id" => gateway,
        "route_table_id" => table,
    })
}

/// Whether table `table` takes gateway `gateway`'s routes (`None`: the table is gone).
async fn propagating(ctx: &Ctx, table: &str, gateway: &str) -> ProviderResult<Option<bool>> {
    let found = route_table::describe(ctx, &[table.to_string()]).await?;
    Ok(found.first().map(|t| {
        t.propagating_vgws()
            .iter()
            .any(|v| v.gateway_id() == Some(gateway))
    }))
}

#[async_trait]
impl ResourceType for VpnGatewayRoutePropagation {
    named!("aws_vpn_gateway_route_propagation", SCHEMA);

    /// One DescribeRouteTables of all the propagations' tables.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let pairs: Vec<(&String, (&str, &str))> =
            ids.iter().filter_map(|i| Some((i, parse_id(i)?))).collect();
        let tables: Vec<String> = pairs.iter().map(|(_, (_, t))| t.to_string()).collect();
        let tables = state::unique(&tables);
        if tables.is_empty() {
            return Ok(BTreeMap::new());
        }
        let found = route_table::describe(ctx, &tables).await?;
        let takes = |gateway: &str, table: &str| {
            found.iter().any(|t| {
                t.route_table_id() == Some(table)
                    && t.propagating_vgws()
                        .iter()
                        .any(|v| v.gateway_id() == Some(gateway))
            })
        };
        Ok(pairs
            .into_iter()
            .filter(|(_, (g, t))| takes(g, t))
            .map(|(id, (g, t))| (id.clone(), object_of(g, t)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let gateway = state::required(planned, "vpn_gateway_id", self.type_name())?;
        let table = state::required(planned, "route_table_id", self.type_name())?;
        let timeout = SCHEMA.timeout(planned, "create");
        route_table::propagate(ctx, &table, &gateway, true, timeout).await?;
        state::read_back(
            ctx,
            &VPN_GATEWAY_ROUTE_PROPAGATION,
            &format!("{gateway}_{table}"),
            planned,
        )
        .await
    }

    /// Every argument replaces the propagation.
    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        Ok(planned.clone())
    }

    /// Turned off, then waited for until the table no longer shows it; a table that is gone
    /// takes no routes.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let (Some(gateway), Some(table)) = (
            obj::str(prior, "vpn_gateway_id"),
            obj::str(prior, "route_table_id"),
        ) else {
            return Ok(());
        };
        let off = route_table::propagate(ctx, table, gateway, false, Duration::ZERO).await;
        if unless(off, &["InvalidRouteTableID.NotFound"])?.is_none() {
            return Ok(());
        }
        let what = format!("route table {table} to stop taking routes from {gateway}");
        let timeout = SCHEMA.timeout(prior, "delete");
        ctx.wait_until(&what, timeout, || async {
            Ok(propagating(ctx, table, gateway).await? != Some(true))
        })
        .await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if parse_id(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a VPN gateway route propagation id: use VPN_GATEWAY_ID_ROUTE_TABLE_ID (vgw-0123_rtb-0456)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_gateway_then_table() {
        assert_eq!(super::parse_id("vgw-1_rtb-2"), Some(("vgw-1", "rtb-2")));
        assert_eq!(super::parse_id("vgw-1"), None);
        assert_eq!(super::parse_id("_rtb-2"), None);
    }
}
