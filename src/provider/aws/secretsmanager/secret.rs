//! `aws_secretsmanager_secret`: a secret's metadata (its value is a version's). The state id
//! is the secret's ARN, as the provider's; a delete waits `recovery_window_in_days` (0:
//! deleted at once).

use super::{list_secrets, secrets_by_id, GONE};
use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_secretsmanager::types::SecretListEntry;

pub struct Secret;
pub static SECRET: Secret = Secret;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A Secrets Manager secret (its value is an aws_secretsmanager_secret_version).";
        regional;
        id                      string output "The secret's ARN.";
        arn                     string output "The secret's ARN.";
        name                    string computed force_new conflicts_with(&["name_prefix"]) regex(r"^[A-Za-z0-9/_+=.@-]{1,512}$", "letters, digits and /_+=.@-, at most 512") name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix             string computed force_new "Creates a unique name beginning with this prefix.";
        description             string "Description of the secret.";
        kms_key_id              string computed "KMS key that encrypts the secret's values (default: aws/secretsmanager).";
        recovery_window_in_days number default(30) virtual_ check(recovery_window) "Days a deleted secret can be restored: 0 (deleted at once) or 7 to 30.";
        force_overwrite_replica_secret bool default(false) virtual_ "Overwrite a secret of the same name in a replica Region.";
        tags;
    }
});

fn recovery_window(v: &Value) -> Option<String> {
    let days = v.as_f64()?;
    (days != 0.0 && !(7.0..=30.0).contains(&days)).then(|| "must be 0 or 7 to 30".into())
}

fn state_of(ctx: &Ctx, s: &SecretListEntry) -> Value {
    let name = s.name().unwrap_or_default();
    let mut m = object! {
        "id" => s.arn(),
        "arn" => s.arn(),
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "description" => s.description(),
        "kms_key_id" => s.kms_key_id(),
    };
    let pairs = s.tags().iter().map(|t| (t.key(), t.value()));
    tags::put(ctx, &mut m, tags::from_pairs(pairs));
    Value::Map(m)
}

#[async_trait]
impl ResourceType for Secret {
    named!("aws_secretsmanager_secret", SCHEMA);

    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::string(planned, "name")
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = secrets_by_id(ctx, ids).await?;
        Ok(found
            .into_iter()
            .map(|(id, s)| (id, state_of(ctx, &s)))
            .collect())
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let secrets = list_secrets(ctx).await?;
        // Secrets another service owns (RDS's master passwords) are not the user's to adopt.
        Ok(secrets
            .iter()
            .filter(|s| s.owning_service().is_none())
            .map(|s| state_of(ctx, s))
            .collect())
    }

    async fn find_by_natural_id(&self, ctx: &Ctx, name: &str) -> ProviderResult<Option<Value>> {
        Ok(self
            .read(ctx, &[name.to_string()])
            .await?
            .into_values()
            .next())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let created = ctx
            .secretsmanager()
            .create_secret()
            .name(&name)
            .set_description(obj::string(planned, "description"))
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_force_overwrite_replica_secret(obj::bool(
                planned,
                "force_overwrite_replica_secret",
            ))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating secret {name}"))?;
        let arn = created.arn().unwrap_or_default().to_string();
        state::read_back(ctx, &SECRET, &arn, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let arn = state::id(prior, self.type_name())?;
        let ch = |k| modify::differs(prior, planned, k);
        if ch("description") || ch("kms_key_id") {
            ctx.secretsmanager()
                .update_secret()
                .secret_id(&arn)
                .description(obj::string(planned, "description").unwrap_or_default())
                .set_kms_key_id(obj::string(planned, "kms_key_id"))
                .send()
                .await
                .during(&format!("updating secret {arn}"))?;
        }
        tags::update_at(ctx, Service::SecretsManager, Some(&arn), prior, planned).await?;
        state::read_back(ctx, &SECRET, &arn, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let arn = state::id(prior, self.type_name())?;
        let window = obj::i32(prior, "recovery_window_in_days").unwrap_or(30);
        let call = ctx.secretsmanager().delete_secret().secret_id(&arn);
        let call = if window == 0 {
            call.force_delete_without_recovery(true)
        } else {
            call.recovery_window_in_days(window.into())
        };
        let deleted = call
            .send()
            .await
            .map(drop)
            .during(&format!("deleting secret {arn}"));
        unless(deleted, GONE).map(drop)
    }
}
