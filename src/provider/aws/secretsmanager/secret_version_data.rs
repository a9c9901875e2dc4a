//! Data source `aws_secretsmanager_secret_version`: a secret's value, by version id or staging
//! label (AWSCURRENT when neither is given), with one GetSecretValue. The value is sensitive:
//! the schema marks it, so no plan, output or log shows it (state keeps it, as Terraform's
//! does for every data source).

use super::GONE;
use crate::provider::aws::kit::prelude::*;

pub struct SecretVersionData;
pub static SECRET_VERSION_DATA: SecretVersionData = SecretVersionData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Reads a value of a Secrets Manager secret (sensitive).";
        regional;
        secret_id      string     required "The secret's ARN or name.";
        version_id     string     computed "The version to read; else the one labelled version_stage.";
        version_stage  string     default("AWSCURRENT") "The staging label of the version to read.";
        id             string     output   "SECRET_ID|VERSION (the version id or label asked).";
        arn            string     output   "The secret's ARN.";
        secret_string  string     output sensitive "The value, when stored as text.";
        secret_binary  string     output sensitive "The value, when stored as binary (its bytes as text, as the provider gives them).";
        version_stages string_set output   "The staging labels of the version.";
        created_date   string     output;
    }
});

#[async_trait]
impl DataSourceType for SecretVersionData {
    named!("aws_secretsmanager_secret_version", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let secret = state::required(config, "secret_id", self.type_name())?;
        let version_id = obj::string(config, "version_id");
        let stage = obj::string(config, "version_stage").unwrap_or_else(|| "AWSCURRENT".into());
        let asked = version_id.clone().unwrap_or_else(|| stage.clone());
        let call = ctx.secretsmanager().get_secret_value().secret_id(&secret);
        let call = match &version_id {
            Some(v) => call.version_id(v),
            None => call.version_stage(&stage),
        };
        // The error names the secret and the version asked, never the answer.
        let got = call.send().await;
        let got = unless(
            got.during(&format!("reading version {asked} of secret {secret}")),
            GONE,
        )?
        .ok_or_else(|| {
            ProviderError::new(format!(
                "no version \"{asked}\" of secret \"{secret}\" found"
            ))
        })?;
        let binary = got
            .secret_binary()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned());
        Ok(Value::Map(object! {
            "secret_id" => secret.as_str(),
            "version_stage" => stage.as_str(),
            "id" => format!("{secret}|{asked}"),
            "arn" => got.arn(),
            "version_id" => got.version_id(),
            "secret_string" => got.secret_string(),
            "secret_binary" => binary,
            "version_stages" => obj::set(got.version_stages().iter().map(|s| Value::from(s.as_str()))),
            "created_date" => state::time(got.created_date()),
        }))
    }
}
