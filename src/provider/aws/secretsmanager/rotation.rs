//! `aws_secretsmanager_secret_rotation`: a secret rotated on a schedule, by a Lambda function
//! or, for a secret RDS manages (`manage_master_user_password`), by RDS itself. The state id
//! is the secret's ARN. Rotations are read from the Region's one ListSecrets.

use super::{secrets_by_id, GONE};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_secretsmanager::types::{RotationRulesType, SecretListEntry};

pub struct SecretRotation;
pub static SECRET_ROTATION: SecretRotation = SecretRotation;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let rules = schema! {
        "";
        automatically_after_days number range(1.0, 1000.0) conflicts_with(&["schedule_expression"]) "Rotate this many days after the last rotation.";
        duration                 string "How long the rotation window stays open, e.g. 3h.";
        schedule_expression      string "A rate() or cron() expression for the rotation.";
    };
    schema! {
        "The rotation schedule of a Secrets Manager secret.";
        regional;
        id                  string output "The secret's ARN.";
        secret_id           string required force_new "The secret's ARN or name.";
        rotation_lambda_arn string "The Lambda function that rotates the secret (none for a secret RDS manages).";
        rotate_immediately  bool default(true) virtual_ "Rotate once as soon as the rotation is set up.";
        rotation_enabled    bool output "Whether rotation is on.";
        block BlockType::list("rotation_rules", rules).required().max_one().describe("When to rotate.");
    }
});

fn rules_of(r: &RotationRulesType) -> Value {
    Value::Map(object! {
        "automatically_after_days" => r.automatically_after_days().map(|d| Value::Number(d as f64)),
        "duration" => r.duration(),
        "schedule_expression" => r.schedule_expression(),
    })
}

fn state_of(id: &str, s: &SecretListEntry) -> Value {
    Value::Map(object! {
        "id" => s.arn().unwrap_or(id),
        "secret_id" => id,
        "rotation_lambda_arn" => s.rotation_lambda_arn().filter(|a| !a.is_empty()),
        "rotation_enabled" => s.rotation_enabled().unwrap_or(false),
        "rotation_rules" => obj::list(s.rotation_rules().map(rules_of)),
    })
}

impl SecretRotation {
    async fn rotate(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<String> {
        let secret = state::required(planned, "secret_id", self.type_name())?;
        let rules = planned
            .get("rotation_rules")
            .and_then(Value::as_list)
            .and_then(|l| l.first())
            .ok_or_else(|| ProviderError::new("rotation_rules is required: say when to rotate"))?;
        let rules = RotationRulesType::builder()
            .set_automatically_after_days(
                obj::i32(rules, "automatically_after_days").map(i64::from),
            )
            .set_duration(obj::string(rules, "duration"))
            .set_schedule_expression(obj::string(rules, "schedule_expression"))
            .build();
        let rotated = ctx
            .secretsmanager()
            .rotate_secret()
            .secret_id(&secret)
            .set_rotation_lambda_arn(obj::string(planned, "rotation_lambda_arn"))
            .rotation_rules(rules)
            .set_rotate_immediately(obj::bool(planned, "rotate_immediately"))
            .send()
            .await
            .during(&format!("setting the rotation of secret {secret}"))?;
        Ok(rotated.arn().unwrap_or(&secret).to_string())
    }

    async fn read_one(&self, ctx: &Ctx, secret: &str, planned: &Value) -> ProviderResult<Value> {
        let found = self.read(ctx, &[secret.to_string()]).await?;
        let state = found.into_values().next().ok_or_else(|| {
            ProviderError::not_found(format!(
                "secret {secret} not found after setting its rotation"
            ))
        })?;
        Ok(state::with_virtual(&SCHEMA, state, planned))
    }
}

#[async_trait]
impl ResourceType for SecretRotation {
    named!("aws_secretsmanager_secret_rotation", SCHEMA);

    fn natural_id(&self, planned: &Value) -> Option<String> {
        obj::string(planned, "secret_id")
    }

    /// A secret without rotation has no rotation resource: absent.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = secrets_by_id(ctx, ids).await?;
        Ok(found
            .into_iter()
            .filter(|(_, s)| s.rotation_enabled() == Some(true))
            .map(|(id, s)| (id.clone(), state_of(&id, &s)))
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let arn = self.rotate(ctx, planned).await?;
        self.read_one(ctx, &arn, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.rotate(ctx, planned).await?;
        self.read_one(ctx, &id, planned).await
    }

    /// CancelRotateSecret. A secret another service manages (RDS's master password) has no
    /// rotation function to cancel, and AWS refuses: its owner keeps rotating it, and the
    /// rotation is only forgotten.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let cancelled = ctx
            .secretsmanager()
            .cancel_rotate_secret()
            .secret_id(&id)
            .send()
            .await
            .map(drop)
            .during(&format!("stopping the rotation of secret {id}"));
        match unless(cancelled, GONE) {
            Err(e) if e.is(&["InvalidRequestException"]) => {
                let owner = ctx
                    .secretsmanager()
                    .describe_secret()
                    .secret_id(&id)
                    .send()
                    .await;
                match owner
                    .ok()
                    .and_then(|s| s.owning_service().map(str::to_string))
                {
                    Some(_) => Ok(()),
                    None => Err(e),
                }
            }
            other => other.map(drop),
        }
    }
}
