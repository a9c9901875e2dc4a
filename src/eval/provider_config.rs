//! An evaluated provider configuration: what a `provider "aws"` block (or its absence) says,
//! as every resource and data source instance that uses it sees it. The block's arguments are
//! checked against the catalog's provider schema like any body; this reads the few that steer
//! the calls. Types of the local providers (hashicorp/random, hashicorp/null, the built-in
//! `terraform_data`) need no configuration: they run in one fixed one ([`ProviderKind`]).

use crate::value::Value;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which provider a type belongs to: AWS, or one of the local providers whose objects live
/// only in state (random values, triggers) and which need no configuration.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    #[default]
    Aws,
    Random,
    Null,
    /// Terraform's built-in provider (`terraform_data`).
    Terraform,
}

impl ProviderKind {
    /// The provider a type name implies, as Terraform derives it: the word before the first
    /// underscore (`random_id` → random); `terraform_data` is the built-in provider's.
    pub fn of_type(type_: &str) -> ProviderKind {
        match type_.split('_').next() {
            Some("random") => ProviderKind::Random,
            Some("null") => ProviderKind::Null,
            Some("terraform") => ProviderKind::Terraform,
            _ => ProviderKind::Aws,
        }
    }

    /// The provider's source address, as state and plan JSON name it.
    pub fn source(self) -> &'static str {
        match self {
            ProviderKind::Aws => "registry.terraform.io/hashicorp/aws",
            ProviderKind::Random => "registry.terraform.io/hashicorp/random",
            ProviderKind::Null => "registry.terraform.io/hashicorp/null",
            ProviderKind::Terraform => "terraform.io/builtin/terraform",
        }
    }

    /// The local name configuration uses (`provider "random"`, `random.x`).
    pub fn local_name(self) -> &'static str {
        match self {
            ProviderKind::Aws => "aws",
            ProviderKind::Random => "random",
            ProviderKind::Null => "null",
            ProviderKind::Terraform => "terraform",
        }
    }

    pub fn is_aws(&self) -> bool {
        *self == ProviderKind::Aws
    }

    /// A provider whose objects exist only in state: no region, no endpoint, no API call.
    pub fn is_local(self) -> bool {
        self != ProviderKind::Aws
    }

    /// The provider a state address (`module.m.provider["registry.terraform.io/hashicorp/random"]`)
    /// names.
    pub fn of_address(address: &str) -> ProviderKind {
        [
            ProviderKind::Random,
            ProviderKind::Null,
            ProviderKind::Terraform,
        ]
        .into_iter()
        .find(|k| address.contains(&format!("provider[\"{}\"]", k.source())))
        .unwrap_or_default()
    }
}

/// One evaluated `provider "aws"` block (a saved plan records it with each change).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct ProviderSettings {
    #[serde(default, skip_serializing_if = "ProviderKind::is_aws")]
    pub kind: ProviderKind,
    pub alias: Option<String>,
    /// The module instance whose `provider` block this is (`module.legacy`); empty for the
    /// root module's configurations, which child modules inherit or are passed.
    #[serde(default, skip_serializing_if = "String::is_empty")]
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

    /// The one configuration of a local provider's types.
    pub fn local(kind: ProviderKind) -> ProviderSettings {
        ProviderSettings {
            kind,
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
        let source = self.kind.source();
        match &self.alias {
            Some(a) => format!("{module}provider[\"{source}\"].{a}"),
            None => format!("{module}provider[\"{source}\"]"),
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
