//! `aws_kms_key`: a customer managed key. The state id is the key id. KMS has no call that
//! describes many keys, so a refresh reads each key (DescribeKey, its rotation, its policy,
//! its tags) with the kit's bounded concurrency. A delete schedules the deletion
//! (`deletion_window_in_days`), as AWS allows no other.

use crate::provider::aws::iam::policy_json;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_kms::types::{KeySpec, KeyState, KeyUsageType};

pub struct KmsKey;
pub static KMS_KEY: KmsKey = KmsKey;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A KMS customer managed key.";
        regional;
        id                       string output "The key id.";
        key_id                   string output "The key id.";
        arn                      string output "The key's ARN.";
        description              string computed "Description of the key.";
        key_usage                string force_new default("ENCRYPT_DECRYPT") one_of(&["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]) "What the key is for.";
        customer_master_key_spec string force_new default("SYMMETRIC_DEFAULT") "The key spec (SYMMETRIC_DEFAULT, RSA_2048, ...).";
        policy                   string computed check(policy_json::problem) equivalent(policy_json::equivalent) "Key policy (JSON); an equivalent document is no change.";
        bypass_policy_lockout_safety_check bool default(false) virtual_ "Skip AWS's check that the policy does not lock you out.";
        deletion_window_in_days  number default(30) virtual_ range(7.0, 30.0) "Days before a destroyed key is deleted (7 to 30).";
        is_enabled               bool default(true) "Whether the key can be used.";
        enable_key_rotation      bool default(false) "Rotate the key material every rotation_period_in_days.";
        rotation_period_in_days  number computed range(90.0, 2560.0) "Days between rotations (90 to 2560).";
        multi_region             bool force_new default(false) "A multi-Region primary key.";
        tags;
    }
});

/// One key as AWS has it, from its four reads.
async fn read_key(ctx: &Ctx, id: String) -> ProviderResult<Option<Value>> {
    let kms = ctx.kms();
    let described = kms.describe_key().key_id(&id).send().await;
    let Some(described) = unless(
        described.during(&format!("describing KMS key {id}")),
        &["NotFoundException"],
    )?
    else {
        return Ok(None);
    };
    let Some(k) = described.key_metadata() else {
        return Ok(None);
    };
    // A key scheduled for deletion is gone as far as its configuration is concerned.
    if matches!(
        k.key_state(),
        Some(KeyState::PendingDeletion) | Some(KeyState::PendingReplicaDeletion)
    ) {
        return Ok(None);
    }
    let rotation = kms.get_key_rotation_status().key_id(&id).send().await;
    let rotation = rotation.during(&format!("reading the rotation of KMS key {id}"))?;
    let policy = kms
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await;
    let policy = policy.during(&format!("reading the policy of KMS key {id}"))?;
    let tags = tagging::list(ctx, Service::Kms, &id).await?;
    let mut m = object! {
        "id" => k.key_id(),
        "key_id" => k.key_id(),
        "arn" => k.arn(),
        "description" => k.description(),
        "key_usage" => k.key_usage().map(KeyUsageType::as_str),
        "customer_master_key_spec" => k.key_spec().map(KeySpec::as_str),
        "policy" => policy.policy().map(policy_json::decode),
        "is_enabled" => k.enabled(),
        "enable_key_rotation" => rotation.key_rotation_enabled(),
        "rotation_period_in_days" => rotation.rotation_period_in_days(),
        "multi_region" => k.multi_region().unwrap_or(false),
    };
    tags::put(ctx, &mut m, tags);
    Ok(Some(Value::Map(m)))
}

impl KmsKey {
    async fn set_rotation(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<()> {
        let kms = ctx.kms();
        let what = format!("changing the rotation of KMS key {id}");
        if obj::bool(planned, "enable_key_rotation") == Some(true) {
            let call = kms.enable_key_rotation().key_id(id);
            call.set_rotation_period_in_days(obj::i32(planned, "rotation_period_in_days"))
                .send()
                .await
                .during(&what)
                .map(drop)
        } else {
            kms.disable_key_rotation()
                .key_id(id)
                .send()
                .await
                .during(&what)
                .map(drop)
        }
    }

    async fn set_enabled(&self, ctx: &Ctx, id: &str, planned: &Value) -> ProviderResult<()> {
        let kms = ctx.kms();
        let what = format!("enabling or disabling KMS key {id}");
        if obj::bool(planned, "is_enabled") == Some(false) {
            kms.disable_key()
                .key_id(id)
                .send()
                .await
                .during(&what)
                .map(drop)
        } else {
            kms.enable_key()
                .key_id(id)
                .send()
                .await
                .during(&what)
                .map(drop)
        }
    }
}

#[async_trait]
impl ResourceType for KmsKey {
    named!("aws_kms_key", SCHEMA);

    /// AWS names a key: nothing to find an interrupted create by but its tag.
    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let read = read_each(state::unique(ids), |id| read_key(ctx, id)).await?;
        Ok(read
            .into_iter()
            .filter_map(|(id, v)| Some((id, v?)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let created = ctx
            .kms()
            .create_key()
            .set_description(obj::string(planned, "description"))
            .set_key_usage(obj::str(planned, "key_usage").map(KeyUsageType::from))
            .set_key_spec(obj::str(planned, "customer_master_key_spec").map(KeySpec::from))
            .set_policy(obj::str(planned, "policy").map(policy_json::compact))
            .set_bypass_policy_lockout_safety_check(obj::bool(
                planned,
                "bypass_policy_lockout_safety_check",
            ))
            .set_multi_region(obj::bool(planned, "multi_region"))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during("creating a KMS key")?;
        let id = created
            .key_metadata()
            .map(|k| k.key_id().to_string())
            .ok_or_else(|| ProviderError::new("AWS named no key for the new KMS key"))?;
        if obj::bool(planned, "enable_key_rotation") == Some(true) {
            self.set_rotation(ctx, &id, planned).await?;
        }
        if obj::bool(planned, "is_enabled") == Some(false) {
            self.set_enabled(ctx, &id, planned).await?;
        }
        state::read_back(ctx, &KMS_KEY, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        let ch = |k| modify::differs(prior, planned, k);
        let kms = ctx.kms();
        if ch("is_enabled") && obj::bool(planned, "is_enabled") != Some(false) {
            self.set_enabled(ctx, &id, planned).await?;
        }
        if ch("description") {
            let call = kms.update_key_description().key_id(&id);
            call.description(obj::string(planned, "description").unwrap_or_default())
                .send()
                .await
                .during(&format!("describing KMS key {id}"))?;
        }
        if let Some(policy) = obj::str(planned, "policy").filter(|_| ch("policy")) {
            let call = kms
                .put_key_policy()
                .key_id(&id)
                .policy(policy_json::compact(policy));
            call.set_bypass_policy_lockout_safety_check(obj::bool(
                planned,
                "bypass_policy_lockout_safety_check",
            ))
            .send()
            .await
            .during(&format!("changing the policy of KMS key {id}"))?;
        }
        if ch("enable_key_rotation") || ch("rotation_period_in_days") {
            self.set_rotation(ctx, &id, planned).await?;
        }
        // Disabled last: a disabled key takes no rotation change.
        if ch("is_enabled") && obj::bool(planned, "is_enabled") == Some(false) {
            self.set_enabled(ctx, &id, planned).await?;
        }
        tags::update_at(ctx, Service::Kms, Some(&id), prior, planned).await?;
        state::read_back(ctx, &KMS_KEY, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let window = obj::i32(prior, "deletion_window_in_days").unwrap_or(30);
        let scheduled = ctx
            .kms()
            .schedule_key_deletion()
            .key_id(&id)
            .pending_window_in_days(window)
            .send()
            .await
            .map(drop)
            .during(&format!("scheduling the deletion of KMS key {id}"));
        // Already scheduled (KMSInvalidStateException) or gone: nothing left to do.
        unless(
            scheduled,
            &["NotFoundException", "KMSInvalidStateException"],
        )
        .map(drop)
    }
}
