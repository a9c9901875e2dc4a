//! `aws_main_route_table_association`: which route table is a VPC's main one. Create remembers
//! the table AWS made main (`original_route_table_id`); delete makes it main again, as the
//! provider does.

use super::network;
use crate::provider::aws::kit::prelude::*;

pub struct MainRouteTableAssociation;
pub static MAIN_ROUTE_TABLE_ASSOCIATION: MainRouteTableAssociation = MainRouteTableAssociation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The main route table of a VPC.";
        regional;
        id                      string output;
        vpc_id                  string required force_new;
        route_table_id          string required "Changed in place (ReplaceRouteTableAssociation).";
        original_route_table_id string output "The main table before; made main again on delete.";
        timeouts create(5) update(2) delete(5);
    }
});

/// (association id, table id) of a VPC's main association.
async fn main_of(ctx: &Ctx, vpc: &str) -> ProviderResult<(String, String)> {
    let call = ctx
        .ec2()
        .describe_route_tables()
        .filters(network::filter("vpc-id", &[vpc.to_string()]))
        .filters(network::filter("association.main", &["true".into()]));
    let out = call
        .send()
        .await
        .during(&format!("finding the main route table of {vpc}"))?;
    let main = out
        .route_tables()
        .iter()
        .flat_map(|t| t.associations())
        .find(|a| a.main() == Some(true));
    let main = network::created(main, "the VPC's main route table association")?;
    let pair = (main.route_table_association_id(), main.route_table_id());
    match pair {
        (Some(a), Some(t)) => Ok((a.to_string(), t.to_string())),
        _ => Err(ProviderError::new(format!(
            "the main route table association of {vpc} has no id"
        ))),
    }
}

/// Makes `table` main in place of association `assoc`; the new association's id.
async fn make_main(ctx: &Ctx, assoc: &str, table: &str) -> ProviderResult<String> {
    let call = ctx
        .ec2()
        .replace_route_table_association()
        .association_id(assoc)
        .route_table_id(table);
    let out = call
        .send()
        .await
        .during(&format!("making {table} the main route table"))?;
    Ok(network::created(out.new_association_id(), "ReplaceRouteTableAssociation")?.to_string())
}

#[async_trait]
impl ResourceType for MainRouteTableAssociation {
    named!("aws_main_route_table_association", SCHEMA);

    /// One DescribeRouteTables for all the associations (`original_route_table_id` is state's).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let tables = super::route_model::tables_of_associations(ctx, &ids).await?;
        let mut out = BTreeMap::new();
        for t in &tables {
            for a in t.associations().iter().filter(|a| a.main() == Some(true)) {
                let Some(id) = a
                    .route_table_association_id()
                    .filter(|i| ids.iter().any(|w| w == i))
                else {
                    continue;
                };
                let state = object! { "id" => id, "vpc_id" => t.vpc_id(), "route_table_id" => a.route_table_id() };
                out.insert(id.to_string(), state::complete(&SCHEMA, state));
            }
        }
        Ok(out)
    }

    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let mut found = self.read(ctx, &obj::ids(prior)).await?;
        for p in prior {
            if let (Some(id), Some(orig)) = (obj::str(p, "id"), p.get("original_route_table_id")) {
                if let Some(Value::Map(m)) = found.get_mut(id) {
                    m.insert("original_route_table_id".into(), orig.clone());
                }
            }
        }
        Ok(found)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let vpc = state::required(planned, "vpc_id", self.type_name())?;
        let table = state::required(planned, "route_table_id", self.type_name())?;
        let (assoc, original) = main_of(ctx, &vpc).await?;
        let id = make_main(ctx, &assoc, &table).await?;
        let mut state = state::read_back(ctx, &MAIN_ROUTE_TABLE_ASSOCIATION, &id, planned).await?;
        if let Value::Map(m) = &mut state {
            m.insert("original_route_table_id".into(), Value::from(original));
        }
        Ok(state)
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let mut id = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "route_table_id") {
            let table = state::required(planned, "route_table_id", self.type_name())?;
            id = make_main(ctx, &id, &table).await?;
        }
        let mut state = state::read_back(ctx, &MAIN_ROUTE_TABLE_ASSOCIATION, &id, planned).await?;
        if let (Value::Map(m), Some(orig)) = (&mut state, prior.get("original_route_table_id")) {
            m.insert("original_route_table_id".into(), orig.clone());
        }
        Ok(state)
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let (Some(id), Some(original)) = (
            obj::str(prior, "id"),
            obj::str(prior, "original_route_table_id"),
        ) else {
            return Ok(());
        };
        match make_main(ctx, id, original).await {
            Err(e)
                if e.is(&[
                    "InvalidAssociationID.NotFound",
                    "InvalidRouteTableID.NotFound",
                ]) =>
            {
                Ok(())
            }
            done => done.map(drop),
        }
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
