//! `aws_route`: one route of a route table. Its id is the provider's (`r-` + table id + a
//! hash of the destination); `strata import` takes `rtb-…_<destination>` as the provider does.

use super::route_model::{self, route_id, with_destination, with_targets, Destination, TARGETS};
use super::route_table;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::Route as SdkRoute;

pub struct Route;
pub static ROUTE: Route = Route;

const DESTINATIONS: &[&str] = &[
    "destination_cidr_block",
    "destination_ipv6_cidr_block",
    "destination_prefix_list_id",
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let mut s = schema! {
        "A route in a route table.";
        regional;
        id                          string output;
        route_table_id              string required force_new;
        destination_cidr_block      string force_new exactly_one_of(&DESTINATIONS[1..]);
        destination_ipv6_cidr_block string force_new;
        destination_prefix_list_id  string force_new;
        instance_id                 string output;
        instance_owner_id           string output;
        origin                      string output;
        state                       string output;
        timeouts create(5) update(2) delete(5);
    };
    for t in TARGETS {
        s = s.attr(Attribute::string(t).describe("A target; changed in place (ReplaceRoute)."));
    }
    s
});

fn destination(v: &Value) -> Destination {
    let g = |k| route_model::given(v, k);
    (
        g("destination_cidr_block"),
        g("destination_ipv6_cidr_block"),
        g("destination_prefix_list_id"),
    )
}

fn state_of(table: &str, r: &SdkRoute) -> Value {
    let d = route_model::destination_of(r);
    let id = route_id(table, route_model::destination_text(&d).unwrap_or_default());
    let mut m = object! {
        "id" => id,
        "route_table_id" => table,
        "destination_cidr_block" => d.0,
        "destination_ipv6_cidr_block" => d.1,
        "destination_prefix_list_id" => d.2,
        "instance_id" => r.instance_id(),
        "instance_owner_id" => r.instance_owner_id(),
        "origin" => r.origin().map(|o| o.as_str()),
        "state" => r.state().map(|s| s.as_str()),
    };
    // An unset target is null here (the configuration's null), not the table block's "".
    let targets = route_model::targets_of(r).into_iter();
    m.extend(targets.map(|(k, v)| match v.as_str() {
        Some("") => (k, Value::Null),
        _ => (k, v),
    }));
    Value::Map(m)
}

/// The table and destination an import id names: `rtb-…_<destination>`.
fn split_import_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('_')
        .filter(|(t, d)| t.starts_with("rtb-") && !d.is_empty())
}

#[async_trait]
impl ResourceType for Route {
    named!("aws_route", SCHEMA);

    /// One DescribeRouteTables for the tables of all the routes; a route id names its table
    /// (`r-rtb-…<hash>`), an import id its table and destination.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let mut tables = BTreeSet::new();
        for id in ids {
            match split_import_id(id) {
                Some((t, _)) => drop(tables.insert(t.to_string())),
                None => tables.extend(route_model::tables_of_route_id(id)),
            }
        }
        let tables: Vec<String> = tables.into_iter().collect();
        let mut out = BTreeMap::new();
        for t in route_table::describe(ctx, &tables).await? {
            let table = t.route_table_id().unwrap_or_default();
            for r in t.routes().iter().filter(|r| !route_model::made_by_aws(r)) {
                let d = route_model::destination_of(r);
                let dest = route_model::destination_text(&d).unwrap_or_default();
                let state = state_of(table, r);
                let import = format!("{table}_{dest}");
                for key in [route_id(table, dest), import] {
                    if ids.contains(&key) {
                        out.insert(key, state.clone());
                    }
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let table = state::required(planned, "route_table_id", self.type_name())?;
        let d = destination(planned);
        let dest = route_model::destination_text(&d)
            .unwrap_or_default()
            .to_string();
        let call = with_targets!(
            with_destination!(ctx.ec2().create_route().route_table_id(&table), &d),
            planned
        );
        call.send()
            .await
            .during(&format!("adding route {dest} to {table}"))?;
        state::read_back(ctx, &ROUTE, &route_id(&table, &dest), planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        if TARGETS.iter().any(|t| modify::differs(prior, planned, t)) {
            let table = state::required(prior, "route_table_id", self.type_name())?;
            let d = destination(prior);
            let call = with_targets!(
                with_destination!(ctx.ec2().replace_route().route_table_id(&table), &d),
                planned
            );
            call.send().await.during(&format!("replacing route {id}"))?;
        }
        state::read_back(ctx, &ROUTE, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let table = state::required(prior, "route_table_id", self.type_name())?;
        let d = destination(prior);
        let call = with_destination!(ctx.ec2().delete_route().route_table_id(&table), &d);
        let sent = call
            .send()
            .await
            .during(&format!("deleting a route of {table}"));
        unless(sent, route_model::ROUTE_GONE).map(drop)
    }

    /// `rtb-…_<destination>`, read under that id and recorded under the route's own.
    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if split_import_id(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a route import id: use ROUTETABLEID_DESTINATION (rtb-0123_10.0.0.0/16)"
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
