//! `aws_default_network_acl`: a VPC's default network ACL, adopted and brought to the
//! configuration: its entries become exactly the `ingress` / `egress` blocks written (none
//! written: every entry but AWS's catch-all removed, as the provider does), the subnets named
//! moved to it; never deleted: destroying it forgets it.

use super::network_acl_model as model;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::NetworkAcl as SdkAcl;

pub struct DefaultNetworkAcl;
pub static DEFAULT_NETWORK_ACL: DefaultNetworkAcl = DefaultNetworkAcl;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A VPC's default network ACL, adopted: never created nor deleted; its entries are the blocks written.";
        regional;
        id                     string output;
        arn                    string output;
        owner_id               string output;
        vpc_id                 string output;
        default_network_acl_id string required force_new;
        subnet_ids             string_set computed;
        tags;
        block model::entry_block("ingress");
        block model::entry_block("egress");
    }
});

/// The ACL's state as `aws_network_acl` has it, and the id it is adopted by.
fn state_of(ctx: &Ctx, a: &SdkAcl) -> Value {
    let mut m = model::state_of(ctx, a);
    if let Value::Map(fields) = &mut m {
        fields.insert(
            "default_network_acl_id".into(),
            Value::from(a.network_acl_id().unwrap_or_default()),
        );
    }
    m
}

#[async_trait]
impl ResourceType for DefaultNetworkAcl {
    named!("aws_default_network_acl", SCHEMA);

    /// Blocks not written are no entries (the provider's default ACL keeps only what is written).
    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        if let Value::Map(m) = planned {
            for block in ["ingress", "egress"] {
                let v = m.entry(block.to_string()).or_insert(Value::Null);
                if v.is_null() {
                    *v = Value::List(Vec::new());
                }
            }
        }
        model::canonical_plan(planned);
    }

    /// One DescribeNetworkAcls for all the ACLs.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        model::read(ctx, ids, state_of).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let id = state::required(planned, "default_network_acl_id", self.type_name())?;
        let found = self.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        let found =
            found.ok_or_else(|| ProviderError::not_found(format!("network ACL {id} not found")))?;
        self.update(ctx, &found, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        model::sync_entries(ctx, &id, prior, planned).await?;
        // Only a subnet added means anything: one taken away has no other ACL to go to.
        if planned.get("subnet_ids").is_some_and(Value::is_known) {
            let old = obj::strings(prior, "subnet_ids");
            let added: Vec<String> = obj::strings(planned, "subnet_ids")
                .into_iter()
                .filter(|s| !old.contains(s))
                .collect();
            model::move_subnets(ctx, &id, &added).await?;
        }
        tags::update(ctx, Service::Ec2, prior, planned).await?;
        let found = self.read(ctx, std::slice::from_ref(&id)).await?.remove(&id);
        found.ok_or_else(|| ProviderError::not_found(format!("network ACL {id} not found")))
    }

    /// Forgotten, never deleted.
    async fn delete(&self, _ctx: &Ctx, _prior: &Value) -> ProviderResult<()> {
        Ok(())
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}
