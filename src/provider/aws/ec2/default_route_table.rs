//! `aws_default_route_table`: a VPC's main route table as AWS made it, adopted and brought to
//! the configuration (its routes, when `route` is written; its propagating gateways; its
//! tags), never deleted: destroying it forgets it. The routes are `aws_route_table`'s.

use super::network;
use super::route_table::{self, ROUTE_TABLE};
use crate::provider::aws::kit::prelude::*;

pub struct DefaultRouteTable;
pub static DEFAULT_ROUTE_TABLE: DefaultRouteTable = DefaultRouteTable;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC's default (main) route table, adopted: never created nor deleted.";
        regional;
        id                     string output;
        arn                    string output;
        owner_id               string output;
        vpc_id                 string output;
        default_route_table_id string required force_new;
        propagating_vgws       string_set computed;
        tags;
        block route_table::route_block(true);
        timeouts create(2) update(2);
    }
});

fn adopted(ctx: &Ctx, t: &aws_sdk_ec2::types::RouteTable) -> Value {
    let mut v = route_table::state_of(ctx, t, true);
    if let Value::Map(m) = &mut v {
        m.insert(
            "default_route_table_id".into(),
            t.route_table_id().to_value(),
        );
    }
    network::project(&SCHEMA, &v)
}

#[async_trait]
impl ResourceType for DefaultRouteTable {
    named!("aws_default_route_table", SCHEMA);

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Some(routes) = route_table::routes(planned) else {
            return;
        };
        if let Value::Map(m) = planned {
            let routes = routes.iter().map(|r| route_table::canonical(r, true));
            m.insert("route".into(), obj::set(routes));
        }
    }

    /// One DescribeRouteTables for all the tables.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let tables = route_table::describe(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(
            tables,
            |t| t.route_table_id(),
            |t| adopted(ctx, &t),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "default_route_table_id", self.type_name())?;
        let found = self.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        let found =
            found.ok_or_else(|| ProviderError::not_found(format!("route table {id} not found")))?;
        self.update(ctx, &found, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if planned.get("propagating_vgws").is_some_and(Value::is_known) {
            ROUTE_TABLE
                .sync_propagation(ctx, &id, prior, planned)
                .await?;
        }
        if let Some(new) = route_table::routes(planned) {
            let old = route_table::routes(prior).unwrap_or_default();
            ROUTE_TABLE.sync_routes(ctx, &id, &old, &new).await?;
        }
        tags::update(ctx, Service::Ec2, prior, planned).await?;
        let found = self.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        let found =
            found.ok_or_else(|| ProviderError::not_found(format!("route table {id} not found")))?;
        Ok(state::with_virtual(&SCHEMA, found, planned))
    }

    /// Forgotten, never deleted.
    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
