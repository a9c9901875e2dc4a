//! `aws_iam_role_policy`: an inline policy of a role. The state `id` is `ROLE:NAME`, the
//! provider's. IAM reads one inline policy per call (GetRolePolicy), so a refresh is one call
//! per policy, `READ_CONCURRENCY` at a time.

use super::policy_json;
use super::role::GONE;
use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;

pub struct IamRolePolicy;
pub static IAM_ROLE_POLICY: IamRolePolicy = IamRolePolicy;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An inline policy of an IAM role.";
        id          string output "`ROLE:NAME`.";
        role        string required force_new "Name of the role.";
        name        string computed force_new conflicts_with(&["name_prefix"]) check(|v| policy_json::name_problem(v.as_str()?, 128)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix string computed force_new check(|v| policy_json::name_problem(v.as_str()?, 102)) "Creates a unique name beginning with this prefix.";
        policy      string required check(policy_json::problem) equivalent(policy_json::equivalent) "The policy document (JSON); an equivalent document is no change.";
    }
});

/// `ROLE:NAME` → (role, name).
fn split(id: &str) -> ProviderResult<(&str, &str)> {
    let parts = id
        .split_once(':')
        .filter(|(r, n)| !r.is_empty() && !n.is_empty());
    parts
        .ok_or_else(|| ProviderError::new(format!("IAM role policy id {id:?}: expected ROLE:NAME")))
}

/// GetRolePolicy of `ROLE:NAME`; `None` when the role or the policy is gone.
async fn get(ctx: &Ctx, id: String) -> ProviderResult<Option<Value>> {
    let (role, name) = split(&id)?;
    let call = ctx
        .iam()
        .get_role_policy()
        .role_name(role)
        .policy_name(name);
    let out = call
        .send()
        .await
        .during(&format!("reading IAM role policy {id}"));
    Ok(unless(out, GONE)?.map(|p| {
        Value::Map(object! {
            "id" => id.as_str(),
            "role" => p.role_name(),
            "name" => p.policy_name(),
            "name_prefix" => prefix_from_name(p.policy_name()),
            "policy" => policy_json::decode(p.policy_document()),
        })
    }))
}

#[async_trait]
impl ResourceType for IamRolePolicy {
    named!("aws_iam_role_policy", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = read_each(state::unique(ids), |id| get(ctx, id)).await?;
        Ok(found
            .into_iter()
            .filter_map(|(id, p)| Some((id, p?)))
            .collect())
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        if let (Some(role), Some(name)) = (obj::str(planned, "role"), obj::str(planned, "name")) {
            let id = Value::from(format!("{role}:{name}"));
            if let Value::Map(m) = planned {
                m.insert("id".into(), id);
            }
        }
    }

    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::string(planned, "id")
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        self.update(ctx, &Value::Null, planned).await
    }

    /// PutRolePolicy creates and replaces alike.
    async fn update(&self, ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let what = self.type_name();
        let role = state::required(planned, "role", what)?;
        let name = state::required(planned, "name", what)?;
        let policy = state::required(planned, "policy", what)?;
        let call = ctx
            .iam()
            .put_role_policy()
            .role_name(&role)
            .policy_name(&name);
        let call = call.policy_document(policy_json::compact(&policy));
        let id = format!("{role}:{name}");
        call.send()
            .await
            .during(&format!("writing IAM role policy {id}"))?;
        let mut state = state::read_back(ctx, &IAM_ROLE_POLICY, &id, planned).await?;
        policy_json::keep_planned(&mut state, planned, "policy");
        Ok(state)
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let (role, name) = split(&id)?;
        let call = ctx
            .iam()
            .delete_role_policy()
            .role_name(role)
            .policy_name(name);
        let done = call
            .send()
            .await
            .during(&format!("deleting IAM role policy {id}"));
        unless(done, GONE).map(drop)
    }
}
