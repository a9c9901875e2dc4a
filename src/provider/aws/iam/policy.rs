//! `aws_iam_policy`: a customer managed policy. The state `id` is its ARN. A change of the
//! document is a new default version; IAM keeps at most five, so the oldest non-default one
//! goes first, as the provider does. IAM reads one policy per call, and its document by
//! another (GetPolicy, GetPolicyVersion): a refresh is two calls per policy,
//! `READ_CONCURRENCY` at a time.

use super::policy_json;
use super::role::{GONE, PROPAGATION};
use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_iam::types::{Policy, PolicyVersion};

pub struct IamPolicy;
pub static IAM_POLICY: IamPolicy = IamPolicy;

/// The most versions IAM keeps of a managed policy.
const MAX_VERSIONS: usize = 5;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A customer managed IAM policy (global: not in a region).";
        id               string output "The policy's ARN.";
        name             string computed force_new conflicts_with(&["name_prefix"]) check(|v| policy_json::name_problem(v.as_str()?, 128)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix      string computed force_new check(|v| policy_json::name_problem(v.as_str()?, 102)) "Creates a unique name beginning with this prefix.";
        path             string default("/") force_new "Path of the policy.";
        description      string force_new "Description of the policy.";
        policy           string required check(policy_json::problem) equivalent(policy_json::equivalent) "The policy document (JSON); an equivalent document is no change.";
        arn              string output "The policy's ARN.";
        policy_id        string output "The policy's stable unique id.";
        attachment_count number output "How many users, groups and roles it is attached to.";
        tags;
    }
});

fn state_of(ctx: &Ctx, p: &Policy, document: Option<&str>) -> Value {
    let name = p.policy_name().unwrap_or_default();
    let mut m = object! {
        "id" => p.arn(),
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "path" => p.path(),
        "description" => p.description(),
        "policy" => document.map(policy_json::decode),
        "arn" => p.arn(),
        "policy_id" => p.policy_id(),
        "attachment_count" => p.attachment_count(),
    };
    tags::put(ctx, &mut m, tags::read(p.tags()));
    Value::Map(m)
}

/// GetPolicy and its default version's document; `None` when there is no such policy.
async fn get(ctx: &Ctx, arn: String) -> ProviderResult<Option<Value>> {
    let iam = ctx.iam();
    let what = format!("reading IAM policy {arn}");
    let out = unless(
        iam.get_policy().policy_arn(&arn).send().await.during(&what),
        GONE,
    )?;
    let Some(p) = out.and_then(|o| o.policy) else {
        return Ok(None);
    };
    let version = iam.get_policy_version().policy_arn(&arn);
    let version = version.set_version_id(p.default_version_id().map(str::to_string));
    let version = unless(version.send().await.during(&what), GONE)?;
    let document = version
        .as_ref()
        .and_then(|v| v.policy_version()?.document());
    Ok(Some(state_of(ctx, &p, document)))
}

async fn versions(ctx: &Ctx, arn: &str) -> ProviderResult<Vec<PolicyVersion>> {
    let call = ctx.iam().list_policy_versions().policy_arn(arn);
    let out = call
        .send()
        .await
        .during(&format!("listing the versions of IAM policy {arn}"))?;
    Ok(out.versions.unwrap_or_default())
}

async fn delete_version(ctx: &Ctx, arn: &str, v: &PolicyVersion) -> ProviderResult<()> {
    let call = ctx.iam().delete_policy_version().policy_arn(arn);
    let call = call.set_version_id(v.version_id().map(str::to_string));
    let done = call
        .send()
        .await
        .during(&format!("deleting a version of IAM policy {arn}"));
    unless(done, GONE).map(drop)
}

#[async_trait]
impl ResourceType for IamPolicy {
    named!("aws_iam_policy", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = read_each(state::unique(ids), |arn| get(ctx, arn)).await?;
        Ok(found
            .into_iter()
            .filter_map(|(id, p)| Some((id, p?)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let document = state::required(planned, "policy", self.type_name())?;
        let out = ctx
            .iam()
            .create_policy()
            .policy_name(&name)
            .policy_document(policy_json::compact(&document))
            .set_path(obj::string(planned, "path"))
            .set_description(obj::string(planned, "description"))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating IAM policy {name}"))?;
        let arn = out.policy().and_then(Policy::arn);
        let arn = arn.ok_or_else(|| ProviderError::new(format!("IAM policy {name}: no ARN")))?;
        read_back(ctx, arn, planned).await
    }

    /// The ARN IAM gives a policy follows from its name, but its path is in it too: a lost
    /// create is found by name among the account's own policies.
    async fn find_by_natural_id(&self, ctx: &Ctx, name: &str) -> ProviderResult<Option<Value>> {
        let call = ctx
            .iam()
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local);
        let listed = all("listing IAM policies", call.into_paginator().items().send()).await?;
        match listed
            .iter()
            .find(|p| p.policy_name() == Some(name))
            .and_then(Policy::arn)
        {
            Some(arn) => self.import(ctx, arn).await,
            None => Ok(None),
        }
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let arn = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "policy") {
            let document = state::required(planned, "policy", self.type_name())?;
            let held = versions(ctx, &arn).await?;
            if held.len() >= MAX_VERSIONS {
                let old = held.iter().filter(|v| !v.is_default_version());
                if let Some(oldest) = old.min_by_key(|v| v.create_date().map(|d| d.as_nanos())) {
                    delete_version(ctx, &arn, oldest).await?;
                }
            }
            let call = ctx.iam().create_policy_version().policy_arn(&arn);
            let call = call
                .policy_document(policy_json::compact(&document))
                .set_as_default(true);
            call.send()
                .await
                .during(&format!("writing a new version of IAM policy {arn}"))?;
        }
        tags::update(ctx, Service::Iam, prior, planned).await?;
        read_back(ctx, &arn, planned).await
    }

    /// Its other versions first (IAM refuses to delete a policy that has some), then the
    /// policy, again while IAM still sees an attachment just removed (DeleteConflict).
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let arn = state::id(prior, self.type_name())?;
        let held = unless(versions(ctx, &arn).await, GONE)?.unwrap_or_default();
        for v in held.iter().filter(|v| !v.is_default_version()) {
            delete_version(ctx, &arn, v).await?;
        }
        let busy = |e: &ProviderError| e.is(&["DeleteConflict"]);
        let waiting = format!("IAM policy {arn} to be attached nowhere");
        let call = || async {
            let call = ctx.iam().delete_policy().policy_arn(&arn);
            let done = call.send().await;
            done.during(&format!("deleting IAM policy {arn}")).map(drop)
        };
        lifecycle::delete(ctx, &waiting, PROPAGATION, busy, GONE, call)
            .await
            .map(drop)
    }
}

/// The policy as IAM has it after a write, its document spelled as planned when equivalent.
async fn read_back(ctx: &Ctx, arn: &str, planned: &Value) -> ProviderResult<Value> {
    let mut state = state::read_back(ctx, &IAM_POLICY, arn, planned).await?;
    policy_json::keep_planned(&mut state, planned, "policy");
    Ok(state)
}
