//! `aws_iam_role_policy_attachment`: a managed policy attached to a role. The state `id` is
//! `ROLE/POLICY_ARN`, the provider's import id. A refresh lists each role's attached policies
//! once (ListAttachedRolePolicies), however many of its attachments are asked about.

use super::role::GONE;
use crate::provider::aws::kit::prelude::*;

pub struct IamRolePolicyAttachment;
pub static IAM_ROLE_POLICY_ATTACHMENT: IamRolePolicyAttachment = IamRolePolicyAttachment;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A managed policy attached to an IAM role.";
        id         string output "`ROLE/POLICY_ARN`.";
        role       string required force_new "Name of the role.";
        policy_arn string required force_new "ARN of the policy.";
    }
});

/// `ROLE/POLICY_ARN` → (role, policy ARN): a role name holds no `/`.
fn split(id: &str) -> ProviderResult<(&str, &str)> {
    let parts = id
        .split_once('/')
        .filter(|(r, a)| !r.is_empty() && a.starts_with("arn:"));
    let what = || format!("IAM role policy attachment id {id:?}: expected ROLE/POLICY_ARN");
    parts.ok_or_else(|| ProviderError::new(what()))
}

fn state_of(role: &str, arn: &str) -> Value {
    Value::Map(object! { "id" => format!("{role}/{arn}"), "role" => role, "policy_arn" => arn })
}

/// The ARNs of the policies attached to `role`; `None` when the role is gone.
async fn attached(ctx: &Ctx, role: String) -> ProviderResult<Option<Vec<String>>> {
    let call = ctx.iam().list_attached_role_policies().role_name(&role);
    let what = format!("listing the policies attached to IAM role {role}");
    let found = unless(all(&what, call.into_paginator().items().send()).await, GONE)?;
    Ok(found.map(|ps| {
        ps.iter()
            .filter_map(|p| p.policy_arn())
            .map(str::to_string)
            .collect()
    }))
}

#[async_trait]
impl ResourceType for IamRolePolicyAttachment {
    named!("aws_iam_role_policy_attachment", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: Vec<(&str, &str)> = ids.iter().map(|id| split(id)).collect::<Result<_, _>>()?;
        let roles: BTreeSet<String> = wanted.iter().map(|(r, _)| r.to_string()).collect();
        let lists = read_each(roles.into_iter().collect(), |role| attached(ctx, role)).await?;
        let present = |(role, arn): &&(&str, &str)| {
            lists
                .get(*role)
                .and_then(Option::as_ref)
                .is_some_and(|l| l.iter().any(|a| a == arn))
        };
        let found = wanted
            .iter()
            .filter(present)
            .map(|(r, a)| (format!("{r}/{a}"), state_of(r, a)));
        Ok(found.collect())
    }

    fn customize_plan(&self, _prior: Option<&Value>, planned: &mut Value) {
        if let (Some(role), Some(arn)) =
            (obj::str(planned, "role"), obj::str(planned, "policy_arn"))
        {
            let id = Value::from(format!("{role}/{arn}"));
            if let Value::Map(m) = planned {
                m.insert("id".into(), id);
            }
        }
    }

    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::string(planned, "id")
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let role = state::required(planned, "role", self.type_name())?;
        let arn = state::required(planned, "policy_arn", self.type_name())?;
        let call = ctx
            .iam()
            .attach_role_policy()
            .role_name(&role)
            .policy_arn(&arn);
        let what = format!("attaching {arn} to IAM role {role}");
        // IAM refuses concurrent changes of one role for a moment: retried, as the provider.
        let busy = |e: &ProviderError| e.is(&["ConcurrentModification"]);
        ctx.retry_while(&what, super::role::PROPAGATION, busy, || async {
            call.clone().send().await.during(&what).map(drop)
        })
        .await?;
        state::read_back(
            ctx,
            &IAM_ROLE_POLICY_ATTACHMENT,
            &format!("{role}/{arn}"),
            planned,
        )
        .await
    }

    /// Every argument replaces the attachment: nothing changes in place.
    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        state::read_back(ctx, &IAM_ROLE_POLICY_ATTACHMENT, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let (role, arn) = split(&id)?;
        let call = ctx
            .iam()
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn);
        let done = call
            .send()
            .await
            .during(&format!("detaching {arn} from IAM role {role}"));
        unless(done, GONE).map(drop)
    }
}
