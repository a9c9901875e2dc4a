//! `aws_route_table`: a VPC route table with inline `route` blocks and the virtual private
//! gateways it takes routes from. `route` is computed when not written: a table whose routes
//! are `aws_route` resources keeps them out of its own diff, as the provider's
//! attributes-as-blocks do; written (even empty), the blocks are the table's whole route list.

use super::network::{self, describe_filtered};
use super::route_model::{self, with_destination, with_targets, Destination, TARGETS};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{ResourceType as Ec2Kind, RouteTable as SdkTable};

pub struct RouteTable;
pub static ROUTE_TABLE: RouteTable = RouteTable;

/// The destination attributes of an inline route.
const DESTINATIONS: [&str; 3] = [
    "cidr_block",
    "ipv6_cidr_block",
    "destination_prefix_list_id",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC route table with inline routes.";
        regional;
        id               string output;
        arn              string output;
        owner_id         string output;
        vpc_id           string required force_new;
        propagating_vgws string_set computed "Virtual private gateways whose routes the table takes.";
        tags;
        block route_block(false);
        timeouts create(5) update(2) delete(5);
    }
});

/// The attributes of an inline route; the default route table's also have `instance_id`.
fn route_keys(instance: bool) -> impl Iterator<Item = &'static str> {
    let extra = instance.then_some("instance_id");
    DESTINATIONS.into_iter().chain(TARGETS).chain(extra)
}

/// The `route` block, with `instance_id` for the default route table.
pub(super) fn route_block(instance: bool) -> BlockType {
    let mut route = Schema::new();
    for k in route_keys(instance) {
        route = route.attr(Attribute::string(k));
    }
    BlockType::set("route", route)
        .computed()
        .describe("Routes; unmanaged here when not written (aws_route resources).")
}

/// An inline route with every attribute present (`""` when unset), as a read shows it.
pub(super) fn canonical(route: &Value, instance: bool) -> Value {
    let mut m = Map::new();
    for k in route_keys(instance) {
        let v = route.get(k).filter(|v| !v.is_null()).cloned();
        m.insert(k.to_string(), v.unwrap_or_else(|| Value::from("")));
    }
    Value::Map(m)
}

fn destination(route: &Value) -> Destination {
    let g = |k| route_model::given(route, k);
    (
        g("cidr_block"),
        g("ipv6_cidr_block"),
        g("destination_prefix_list_id"),
    )
}

/// The table's own routes (not AWS's), as the `route` block keeps them.
pub(super) fn routes_of(t: &SdkTable, instance: bool) -> Value {
    let routes = t
        .routes()
        .iter()
        .filter(|r| !route_model::made_by_aws(r))
        .map(|r| {
            let d = route_model::destination_of(r);
            let mut m = object! {
                "cidr_block" => d.0.unwrap_or_default(),
                "ipv6_cidr_block" => d.1.unwrap_or_default(),
                "destination_prefix_list_id" => d.2.unwrap_or_default(),
            };
            m.extend(route_model::targets_of(r));
            if instance {
                m.insert(
                    "instance_id".into(),
                    Value::from(r.instance_id().unwrap_or_default()),
                );
            }
            Value::Map(m)
        });
    obj::set(routes)
}

pub(super) fn state_of(ctx: &Ctx, t: &SdkTable, instance: bool) -> Value {
    let (id, owner) = (
        t.route_table_id().unwrap_or_default(),
        t.owner_id().unwrap_or_default(),
    );
    let m = object! {
        "id" => id,
        "arn" => network::arn(ctx, owner, "route-table", id),
        "owner_id" => owner,
        "vpc_id" => t.vpc_id(),
        "propagating_vgws" => state::strings(t.propagating_vgws(), |v| v.gateway_id()),
        "route" => routes_of(t, instance),
    };
    network::with_tags(ctx, m, t.tags())
}

/// The route tables with these ids, in one DescribeRouteTables (per 200).
pub async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkTable>> {
    Ok(describe_filtered!(
        ctx,
        ids,
        "route-table-id",
        "route tables",
        |c| c.describe_route_tables()
    ))
}

impl RouteTable {
    /// Brings the table's routes from `old` to `new`: routes whose destination went are
    /// deleted, new destinations created, a changed target replaced.
    pub(super) async fn sync_routes(
        &self,
        ctx: &Ctx,
        id: &str,
        old: &[Value],
        new: &[Value],
    ) -> ProviderResult<()> {
        let ec2 = ctx.ec2();
        let by_dest = |routes: &[Value]| -> BTreeMap<Destination, Value> {
            routes
                .iter()
                .map(|r| (destination(r), canonical(r, r.get("instance_id").is_some())))
                .collect()
        };
        let (old, new) = (by_dest(old), by_dest(new));
        for d in old.keys().filter(|d| !new.contains_key(*d)) {
            let call = with_destination!(ec2.delete_route().route_table_id(id), d);
            let sent = call
                .send()
                .await
                .during(&format!("deleting a route of {id}"));
            unless(sent, route_model::ROUTE_GONE)?;
        }
        for (d, r) in &new {
            match old.get(d) {
                Some(o) if o == r => {}
                Some(_) => {
                    let call = with_targets!(
                        with_destination!(ec2.replace_route().route_table_id(id), d),
                        r
                    );
                    network::send(call.send(), &format!("replacing a route of {id}")).await?;
                }
                None => {
                    let call = with_targets!(
                        with_destination!(ec2.create_route().route_table_id(id), d),
                        r
                    );
                    network::send(call.send(), &format!("adding a route to {id}")).await?;
                }
            }
        }
        Ok(())
    }

    pub(super) async fn sync_propagation(
        &self,
        ctx: &Ctx,
        id: &str,
        old: &Value,
        new: &Value,
    ) -> ProviderResult<()> {
        let (old, new) = (
            obj::strings(old, "propagating_vgws"),
            obj::strings(new, "propagating_vgws"),
        );
        for g in old.iter().filter(|g| !new.contains(g)) {
            propagate(ctx, id, g, false, Duration::ZERO).await?;
        }
        for g in new.iter().filter(|g| !old.contains(g)) {
            propagate(ctx, id, g, true, Duration::ZERO).await?;
        }
        Ok(())
    }
}

/// What EnableVgwRoutePropagation answers while the gateway is not attached to the table's
/// VPC (yet: the attachment may be under way).
const GATEWAY_NOT_ATTACHED: &[&str] = &["Gateway.NotAttached"];

/// Turns the propagation of gateway `gateway`'s routes into table `table` on (`on`) or off;
/// turning it on is sent again while the gateway is not yet attached, for up to `retry_for`,
/// as the provider does.
pub(super) async fn propagate(
    ctx: &Ctx,
    table: &str,
    gateway: &str,
    on: bool,
    retry_for: Duration,
) -> ProviderResult<()> {
    let ec2 = ctx.ec2();
    if !on {
        let call = ec2
            .disable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(gateway);
        let doing = format!("stopping propagation from {gateway} to {table}");
        return network::send(call.send(), &doing).await;
    }
    let doing = format!("propagating routes from {gateway} to {table}");
    let call = || async {
        let call = ec2
            .enable_vgw_route_propagation()
            .route_table_id(table)
            .gateway_id(gateway);
        network::send(call.send(), &doing).await
    };
    let waiting = format!("VPN gateway {gateway} to be attached to the VPC of {table}");
    ctx.retry_while(&waiting, retry_for, |e| e.is(GATEWAY_NOT_ATTACHED), call)
        .await
}

/// The routes of `v` when they are known (a plan that leaves them to state has them too).
pub(super) fn routes(v: &Value) -> Option<Vec<Value>> {
    v.get("route")
        .filter(|r| r.is_known() && !r.is_null())
        .map(|_| state::items(v, "route").cloned().collect())
}

#[async_trait]
impl ResourceType for RouteTable {
    named!("aws_route_table", SCHEMA);

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        let Some(routes) = routes(planned) else {
            return;
        };
        if let Value::Map(m) = planned {
            m.insert(
                "route".into(),
                obj::set(routes.iter().map(|r| canonical(r, false))),
            );
        }
    }

    /// One DescribeRouteTables for all the tables.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let tables = describe(ctx, &state::unique(ids)).await?;
        Ok(state::by_id(
            tables,
            |t| t.route_table_id(),
            |t| state_of(ctx, &t, false),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let call = ctx
            .ec2()
            .create_route_table()
            .set_vpc_id(obj::string(planned, "vpc_id"))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::RouteTable));
        let out = call.send().await.during("creating route table")?;
        let id = network::created(
            out.route_table().and_then(|t| t.route_table_id()),
            "CreateRouteTable",
        )?
        .to_string();
        let none = Value::Map(Map::new());
        self.sync_propagation(ctx, &id, &none, planned).await?;
        if let Some(new) = routes(planned) {
            self.sync_routes(ctx, &id, &[], &new).await?;
        }
        state::read_back(ctx, &ROUTE_TABLE, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if planned.get("propagating_vgws").is_some_and(Value::is_known) {
            self.sync_propagation(ctx, &id, prior, planned).await?;
        }
        if let Some(new) = routes(planned) {
            let old = routes(prior).unwrap_or_default();
            self.sync_routes(ctx, &id, &old, &new).await?;
        }
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    /// Retried while still associated (an association of another configuration, or one whose
    /// delete AWS has not settled yet).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = || ctx.ec2().delete_route_table().route_table_id(&id).send();
        let what = format!("route table {id}");
        network::delete_while_in_use(
            ctx,
            &what,
            SCHEMA.timeout(prior, "delete"),
            route_model::TABLE_GONE,
            call,
        )
        .await
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
