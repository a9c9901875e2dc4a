//! An evaluated provider configuration: what a `provider "aws"` block (or its absence) says,
//! as every resource and data source instance that uses it sees it. The block's arguments are
//! checked against the catalog's provider schema like any body; this reads the few that steer
//! the calls.

use crate::value::Value;
use std::collections::BTreeMap;

/// One evaluated `provider "aws"` block.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ProviderSettings {
    pub alias: Option<String>,
    /// The module instance whose `provider` block this is (`module.legacy`); empty for the
    /// root module's configurations, which child modules inherit or are passed.
    pub module: String,
    pub region: String,
    /// Service name (`ec2`, `rds`, `elasticache`, `resourcegroupstaggingapi`, `sts`, `kms`,
    /// `s3`: terraform-provider-aws's names) → endpoint URL.
    pub endpoints: BTreeMap<String, String>,
    pub default_tags: BTreeMap<String, String>,
}

impl ProviderSettings {
    /// A configuration that sets nothing: the region is the environment's, as the AWS SDK
    /// finds it (`AWS_REGION`, then `AWS_DEFAULT_REGION`).
    pub fn unconfigured(alias: Option<String>) -> ProviderSettings {
        ProviderSettings {
            alias,
            region: std::env::var("AWS_REGION")
                .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
                .unwrap_or_default(),
            ..ProviderSettings::default()
        }
    }

    /// `provider["registry.terraform.io/hashicorp/aws"].dr` as Terraform writes it in state.
    pub fn address(&self) -> String {
        let module = if self.module.is_empty() {
            String::new()
        } else {
            format!("{}.", self.module)
        };
        match &self.alias {
            Some(a) => format!("{module}provider[\"registry.terraform.io/hashicorp/aws\"].{a}"),
            None => format!("{module}provider[\"registry.terraform.io/hashicorp/aws\"]"),
        }
    }
}

impl ProviderSettings {
    /// The settings an evaluated block body gives: `region`, `endpoints {}` and
    /// `default_tags { tags }`; the rest (credentials, retries) is the SDK's default chain's.
    /// `None` for the region when it is not known yet.
    pub fn from_body(
        alias: Option<String>,
        module: String,
        body: &Value,
    ) -> (ProviderSettings, bool) {
        let mut settings = ProviderSettings {
            module,
            ..ProviderSettings::unconfigured(alias)
        };
        let mut region_known = true;
        match body.get("region").map(Value::unmarked) {
            Some(Value::String(r)) => settings.region = r.clone(),
            Some(Value::Unknown) => {
                settings.region.clear();
                region_known = false;
            }
            _ => {}
        }
        let strings = |v: Option<&Value>| -> BTreeMap<String, String> {
            v.and_then(Value::as_map)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.to_template_string()?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        settings.endpoints = strings(body.get("endpoints"));
        settings.default_tags = strings(body.get("default_tags").and_then(|b| b.get("tags")));
        (settings, region_known)
    }
}
