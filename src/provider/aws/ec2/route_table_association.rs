//! `aws_route_table_association`: a subnet's (or an edge gateway's) route table. Moving it to
//! another table is in place (ReplaceRouteTableAssociation, which gives the association a new
//! id). `strata import` takes `subnet-…/rtb-…` or `igw-…/rtb-…`, as the provider does.

use super::network;
use super::route_table;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::RouteTableAssociation as SdkAssociation;

pub struct RouteTableAssociation;
pub static ROUTE_TABLE_ASSOCIATION: RouteTableAssociation = RouteTableAssociation;

const GONE: &[&str] = &["InvalidAssociationID.NotFound"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The association of a subnet or gateway with a route table.";
        regional;
        id             string output;
        subnet_id      string force_new exactly_one_of(&["gateway_id"]);
        gateway_id     string force_new;
        route_table_id string required "Changed in place (ReplaceRouteTableAssociation).";
        timeouts create(5) update(2) delete(5);
    }
});

fn state_of(a: &SdkAssociation) -> Value {
    Value::Map(object! {
        "id" => a.route_table_association_id(),
        "subnet_id" => a.subnet_id(),
        "gateway_id" => a.gateway_id(),
        "route_table_id" => a.route_table_id(),
    })
}

/// The live associations of the route tables answered (not the main one: that is
/// `aws_main_route_table_association`'s).
fn associations(
    tables: Vec<aws_sdk_ec2::types::RouteTable>,
) -> impl Iterator<Item = SdkAssociation> {
    let live = |a: &SdkAssociation| {
        a.main() != Some(true)
            && a.association_state()
                .and_then(|s| s.state())
                .is_none_or(|s| matches!(s.as_str(), "associated" | "associating"))
    };
    tables
        .into_iter()
        .flat_map(|t| t.associations.unwrap_or_default())
        .filter(live)
}

#[async_trait]
impl ResourceType for RouteTableAssociation {
    named!("aws_route_table_association", SCHEMA);

    /// One DescribeRouteTables for all the associations.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let tables = super::route_model::tables_of_associations(ctx, &ids).await?;
        let wanted = associations(tables).filter(|a| {
            a.route_table_association_id()
                .is_some_and(|i| ids.iter().any(|w| w == i))
        });
        Ok(state::by_id(
            wanted,
            |a| a.route_table_association_id(),
            |a| state_of(&a),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let table = state::required(planned, "route_table_id", self.type_name())?;
        let call = ctx
            .ec2()
            .associate_route_table()
            .route_table_id(&table)
            .set_subnet_id(obj::string(planned, "subnet_id"))
            .set_gateway_id(obj::string(planned, "gateway_id"));
        let out = call
            .send()
            .await
            .during(&format!("associating route table {table}"))?;
        let id = network::created(out.association_id(), "AssociateRouteTable")?.to_string();
        state::read_back(ctx, &ROUTE_TABLE_ASSOCIATION, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let mut id = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "route_table_id") {
            let table = state::required(planned, "route_table_id", self.type_name())?;
            let call = ctx
                .ec2()
                .replace_route_table_association()
                .association_id(&id)
                .route_table_id(&table);
            let out = call
                .send()
                .await
                .during(&format!("moving association {id} to {table}"))?;
            id = network::created(out.new_association_id(), "ReplaceRouteTableAssociation")?
                .to_string();
        }
        state::read_back(ctx, &ROUTE_TABLE_ASSOCIATION, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().disassociate_route_table().association_id(&id);
        let sent = call
            .send()
            .await
            .during(&format!("deleting route table association {id}"));
        unless(sent, GONE).map(drop)
    }

    /// `subnet-…/rtb-…` or `igw-…/rtb-…` (a gateway association).
    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        let Some((target, table)) = id.split_once('/').filter(|(_, t)| t.starts_with("rtb-"))
        else {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not a route table association import id: use SUBNETID/ROUTETABLEID or GATEWAYID/ROUTETABLEID"
            )));
        };
        let tables = route_table::describe(ctx, &[table.to_string()]).await?;
        let found = associations(tables)
            .find(|a| a.subnet_id() == Some(target) || a.gateway_id() == Some(target));
        Ok(found.map(|a| state_of(&a)))
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
