//! `aws_kms_alias` (resource and data source): a name (`alias/...`) for a key. The state id is
//! the alias name. Every alias of a Region is read with one paginated ListAliases.

use crate::provider::aws::kit::naming::prefix_from_name;
use crate::provider::aws::kit::prelude::*;
use aws_sdk_kms::types::AliasListEntry;

pub struct KmsAlias;
pub static KMS_ALIAS: KmsAlias = KmsAlias;
pub struct KmsAliasData;
pub static KMS_ALIAS_DATA: KmsAliasData = KmsAliasData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A KMS alias: a name for a key.";
        regional;
        id             string output "The alias name.";
        name           string computed force_new conflicts_with(&["name_prefix"]) check(alias_name) name_from_prefix("name_prefix", "alias/") "The alias, alias/NAME (not alias/aws/).";
        name_prefix    string computed force_new check(alias_name) "Creates a unique alias beginning with this prefix (alias/...).";
        target_key_id  string required equivalent(same_key) "The key it names (id or ARN; either spelling of one key is no change).";
        arn            string output "The alias ARN.";
        target_key_arn string output "The ARN of the key it names.";
    }
});

static DATA_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up a KMS alias (alias/aws/rds, alias/my-key).";
        regional;
        name           string required "The alias name.";
        id             string output "The alias ARN.";
        arn            string output "The alias ARN.";
        target_key_id  string output "The id of the key it names.";
        target_key_arn string output "The ARN of the key it names.";
    }
});

/// A key id and the key's ARN (`arn:…:key/ID`) name the same key.
fn same_key(configured: &str, prior: &str) -> bool {
    let id = |k: &str| {
        k.rsplit_once(":key/")
            .map_or(k.to_string(), |(_, id)| id.to_string())
    };
    id(configured) == id(prior)
}

/// AWS's rules: `alias/` then letters, digits, `/_-`; `alias/aws/` is AWS's own.
fn alias_name(v: &Value) -> Option<String> {
    let name = v.as_str()?;
    if !name.starts_with("alias/") {
        return Some("must begin with alias/".into());
    }
    if name.starts_with("alias/aws/") {
        return Some("alias/aws/ is reserved for AWS managed keys".into());
    }
    name.chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-')))
        .map(|c| format!("only letters, digits and /_- are allowed, found {c:?}"))
}

async fn aliases(ctx: &Ctx) -> ProviderResult<Vec<AliasListEntry>> {
    let pages = ctx.kms().list_aliases().into_paginator().send();
    let pages = all("listing KMS aliases", pages).await?;
    Ok(pages.iter().flat_map(|p| p.aliases().to_vec()).collect())
}

/// The ARN of the key an alias names: the alias's own ARN with `key/ID` for `alias/NAME`.
fn key_arn(a: &AliasListEntry) -> Option<String> {
    let (arn, key) = (a.alias_arn()?, a.target_key_id()?);
    let (base, _) = arn.split_once(":alias/")?;
    Some(format!("{base}:key/{key}"))
}

fn state_of(a: &AliasListEntry) -> Value {
    let name = a.alias_name().unwrap_or_default();
    Value::Map(object! {
        "id" => name,
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "target_key_id" => a.target_key_id(),
        "arn" => a.alias_arn(),
        "target_key_arn" => key_arn(a),
    })
}

#[async_trait]
impl ResourceType for KmsAlias {
    named!("aws_kms_alias", SCHEMA);

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let all = aliases(ctx).await?;
        Ok(state::by_id(
            all.into_iter()
                .filter(|a| a.alias_name().is_some_and(|n| ids.iter().any(|i| i == n))),
            |a| a.alias_name(),
            |a| state_of(&a),
        ))
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let key = state::required(planned, "target_key_id", self.type_name())?;
        ctx.kms()
            .create_alias()
            .alias_name(&name)
            .target_key_id(&key)
            .send()
            .await
            .during(&format!("creating KMS alias {name}"))?;
        state::read_back(ctx, &KMS_ALIAS, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        if let Some(key) = obj::str(planned, "target_key_id")
            .filter(|_| modify::differs(prior, planned, "target_key_id"))
        {
            ctx.kms()
                .update_alias()
                .alias_name(&name)
                .target_key_id(key)
                .send()
                .await
                .during(&format!("pointing KMS alias {name} at key {key}"))?;
        }
        state::read_back(ctx, &KMS_ALIAS, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let name = state::id(prior, self.type_name())?;
        let deleted = ctx
            .kms()
            .delete_alias()
            .alias_name(&name)
            .send()
            .await
            .map(drop)
            .during(&format!("deleting KMS alias {name}"));
        unless(deleted, &["NotFoundException"]).map(drop)
    }
}

#[async_trait]
impl DataSourceType for KmsAliasData {
    named!("aws_kms_alias", DATA_SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let name = state::required(config, "name", self.type_name())?;
        let found = aliases(ctx).await?;
        let a = found
            .iter()
            .find(|a| a.alias_name() == Some(name.as_str()))
            .ok_or_else(|| ProviderError::not_found(format!("KMS alias {name} not found")))?;
        // An AWS managed alias names its key only once the key exists: describe through it.
        let key = match a.target_key_id() {
            Some(k) => Some(k.to_string()),
            None => {
                let d = ctx.kms().describe_key().key_id(&name).send().await;
                let d = d.during(&format!("describing the key of {name}"))?;
                d.key_metadata().map(|k| k.key_id().to_string())
            }
        };
        let mut m = match state_of(a) {
            Value::Map(m) => m,
            _ => Map::new(),
        };
        m.insert("id".into(), obj::opt_str(a.alias_arn()));
        m.insert("target_key_id".into(), obj::opt_str(key.as_deref()));
        m.remove("name_prefix");
        if m.get("target_key_arn").is_none_or(Value::is_null) {
            let arn = key.and_then(|k| {
                Some(format!(
                    "{}:key/{k}",
                    a.alias_arn()?.split_once(":alias/")?.0
                ))
            });
            m.insert("target_key_arn".into(), obj::opt_str(arn.as_deref()));
        }
        Ok(Value::Map(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: an alias with neither name nor prefix was named `alias/terraform-…`; the
    /// provider names it `alias/` and a unique suffix.
    #[test]
    fn an_unnamed_alias_was_prefixed_terraform() {
        let config = Value::object(&[("target_key_id", "k".into())]);
        let mut planned = Value::object(&[("name", Value::Unknown), ("target_key_id", "k".into())]);
        SCHEMA.modify_plan(None, &config, &mut planned);
        let name = planned.get("name").and_then(Value::as_str).unwrap();
        assert!(
            name.starts_with("alias/") && !name.starts_with("alias/terraform-"),
            "{name}"
        );
    }

    #[test]
    fn a_key_id_and_its_arn_are_one_key() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234-abcd";
        assert!(same_key(arn, "1234-abcd") && same_key("1234-abcd", arn));
        assert!(!same_key(arn, "5678-ef01"));
    }
}
