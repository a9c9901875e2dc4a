//! `aws_iam_role`: a role a service assumes (RDS enhanced monitoring, S3 import, ...). IAM is
//! global: no `region` argument, and the client is the provider configuration's IAM endpoint.
//! The state `id` is the role's name. IAM has no call that reads several roles with their
//! description and session duration (GetAccountAuthorizationDetails leaves both out), so a
//! refresh is one GetRole per role, as the provider does, `READ_CONCURRENCY` at a time.

use super::policy_json;
use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_iam::types::Role;

pub struct IamRole;
pub static IAM_ROLE: IamRole = IamRole;

/// How long IAM may take to see what was just made (a new role named as a principal, a
/// policy just detached): terraform-provider-aws's propagation timeout.
pub(super) const PROPAGATION: Duration = Duration::from_secs(2 * 60);

/// What IAM answers about an object it does not have.
pub(super) const GONE: &[&str] = &["NoSuchEntity"];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An IAM role (global: not in a region).";
        id                    string output "The role's name.";
        name                  string computed force_new conflicts_with(&["name_prefix"]) check(|v| policy_json::name_problem(v.as_str()?, 64)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix           string computed force_new check(|v| policy_json::name_problem(v.as_str()?, 38)) "Creates a unique name beginning with this prefix.";
        assume_role_policy    string required check(policy_json::problem) equivalent(policy_json::equivalent) "Trust policy (JSON); an equivalent document is no change.";
        description           string check(|v| (v.as_str()?.chars().count() > 1000).then(|| "must be at most 1000 characters".into())) "Description of the role.";
        max_session_duration  number default(3600) range(3600.0, 43200.0) "Maximum session length in seconds (1 to 12 hours).";
        path                  string default("/") force_new "Path of the role.";
        permissions_boundary  string "ARN of the policy that bounds the role's permissions.";
        force_detach_policies bool   default(false) virtual_ "Detach managed and delete inline policies before deleting the role.";
        arn                   string output "The role's ARN.";
        unique_id             string output "The role's stable unique id.";
        create_date           string output "When the role was created (RFC 3339).";
        tags;
        id_from name;
    }
});

/// What the resource and the data source read of a role (tags aside).
pub(super) fn attributes(r: &Role) -> Map {
    let policy = r.assume_role_policy_document().map(policy_json::decode);
    object! {
        "id" => r.role_name(),
        "name" => r.role_name(),
        "assume_role_policy" => policy,
        "description" => r.description(),
        "max_session_duration" => r.max_session_duration(),
        "path" => r.path(),
        "permissions_boundary" => r.permissions_boundary().and_then(|b| b.permissions_boundary_arn()),
        "arn" => r.arn(),
        "unique_id" => r.role_id(),
        "create_date" => state::time(Some(r.create_date())),
    }
}

fn state_of(ctx: &Ctx, r: &Role) -> Value {
    let mut m = attributes(r);
    m.insert(
        "name_prefix".into(),
        prefix_from_name(r.role_name()).to_value(),
    );
    tags::put(ctx, &mut m, tags::read(r.tags()));
    Value::Map(m)
}

/// GetRole; `None` when there is no such role.
pub(super) async fn get_role(ctx: &Ctx, name: String) -> ProviderResult<Option<Role>> {
    let out = ctx.iam().get_role().role_name(&name).send().await;
    let out = unless(out.during(&format!("reading IAM role {name}")), GONE)?;
    Ok(out.and_then(|o| o.role))
}

#[async_trait]
impl ResourceType for IamRole {
    named!("aws_iam_role", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = read_each(state::unique(ids), |name| get_role(ctx, name)).await?;
        let found = found
            .into_iter()
            .filter_map(|(id, r)| Some((id, state_of(ctx, &r?))));
        Ok(found.collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let policy = state::required(planned, "assume_role_policy", self.type_name())?;
        let call = ctx
            .iam()
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(policy_json::compact(&policy))
            .set_path(obj::string(planned, "path"))
            .set_description(obj::string(planned, "description"))
            .set_max_session_duration(obj::i32(planned, "max_session_duration"))
            .set_permissions_boundary(obj::string(planned, "permissions_boundary"))
            .set_tags(tags::for_create(ctx, planned));
        let what = format!("creating IAM role {name}");
        ctx.retry_while(&what, PROPAGATION, principal_unknown, || async {
            call.clone().send().await.during(&what).map(drop)
        })
        .await?;
        read_back(ctx, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        let iam = ctx.iam();
        if modify::differs(prior, planned, "assume_role_policy") {
            let policy = state::required(planned, "assume_role_policy", self.type_name())?;
            let call = iam.update_assume_role_policy().role_name(&name);
            let call = call.policy_document(policy_json::compact(&policy));
            let what = format!("updating the trust policy of IAM role {name}");
            ctx.retry_while(&what, PROPAGATION, principal_unknown, || async {
                call.clone().send().await.during(&what).map(drop)
            })
            .await?;
        }
        // Both in one UpdateRole: a description left out would be kept by AWS, but sending
        // both keeps the call whole whichever changed.
        if ["description", "max_session_duration"]
            .iter()
            .any(|k| modify::differs(prior, planned, k))
        {
            let description = obj::string(planned, "description").unwrap_or_default();
            let call = iam.update_role().role_name(&name).description(description);
            let call = call.set_max_session_duration(obj::i32(planned, "max_session_duration"));
            call.send()
                .await
                .during(&format!("updating IAM role {name}"))?;
        }
        if modify::differs(prior, planned, "permissions_boundary") {
            let what = format!("changing the permissions boundary of IAM role {name}");
            match obj::string(planned, "permissions_boundary") {
                Some(arn) => {
                    let call = iam.put_role_permissions_boundary().role_name(&name);
                    call.permissions_boundary(arn)
                        .send()
                        .await
                        .during(&what)
                        .map(drop)?
                }
                None => {
                    let call = iam.delete_role_permissions_boundary().role_name(&name);
                    call.send().await.during(&what).map(drop)?
                }
            }
        }
        tags::update(ctx, Service::Iam, prior, planned).await?;
        read_back(ctx, &name, planned).await
    }

    /// As the provider: out of its instance profiles first; with `force_detach_policies`, its
    /// managed policies detached and inline ones deleted; then DeleteRole, again while IAM
    /// still sees what was just detached (DeleteConflict).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        let iam = ctx.iam();
        let what = format!("emptying IAM role {name}");
        let profiles = iam.list_instance_profiles_for_role().role_name(&name);
        let profiles = all(&what, profiles.into_paginator().items().send());
        for p in unless(profiles.await, GONE)?.unwrap_or_default() {
            let call = iam.remove_role_from_instance_profile().role_name(&name);
            let call = call.instance_profile_name(p.instance_profile_name());
            unless(call.send().await.during(&what), GONE)?;
        }
        if obj::bool(prior, "force_detach_policies") == Some(true) {
            let attached = iam.list_attached_role_policies().role_name(&name);
            let attached = all(&what, attached.into_paginator().items().send());
            for p in unless(attached.await, GONE)?.unwrap_or_default() {
                let call = iam.detach_role_policy().role_name(&name);
                let call = call.set_policy_arn(p.policy_arn().map(str::to_string));
                unless(call.send().await.during(&what), GONE)?;
            }
            let inline = iam.list_role_policies().role_name(&name);
            let inline = all(&what, inline.into_paginator().items().send());
            for policy in unless(inline.await, GONE)?.unwrap_or_default() {
                let call = iam
                    .delete_role_policy()
                    .role_name(&name)
                    .policy_name(policy);
                unless(call.send().await.during(&what), GONE)?;
            }
        }
        let busy = |e: &ProviderError| e.is(&["DeleteConflict"]);
        let waiting = format!("IAM role {name} to have nothing attached");
        let call = || async {
            let call = iam.delete_role().role_name(&name);
            let done = call.send().await;
            done.during(&format!("deleting IAM role {name}")).map(drop)
        };
        lifecycle::delete(ctx, &waiting, PROPAGATION, busy, GONE, call)
            .await
            .map(drop)
    }
}

/// IAM refuses a trust policy naming a principal it does not see yet (a role made a moment
/// ago): retried, as the provider does.
fn principal_unknown(e: &ProviderError) -> bool {
    e.says("MalformedPolicyDocument", "Invalid principal in policy")
}

/// The role as IAM has it after a write, its trust policy spelled as planned when equivalent.
async fn read_back(ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<Value> {
    let mut state = state::read_back(ctx, &IAM_ROLE, name, planned).await?;
    policy_json::keep_planned(&mut state, planned, "assume_role_policy");
    Ok(state)
}
