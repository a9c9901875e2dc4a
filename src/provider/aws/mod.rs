//! The AWS provider: the registry of resource and data source types, each in its service's
//! folder (`ec2/`, `rds/`, `elasticache/`, `kms/`), on the kit (`kit/`: clients, tags,
//! waiters, modify tables, state, errors) and the runtime under every call (`runtime/`).

pub mod ec2;
pub mod elasticache;
pub mod kit;
pub mod kms;
pub mod rds;
pub mod runtime;

pub use ec2::*;
pub use elasticache::*;
pub use kit::client::{ApiCounter, Aws, Ctx};
pub use kit::{errors, naming, ownership, read_each, tagging, READ_CONCURRENCY};
pub use kms::*;
pub use rds::*;
pub use runtime::{attempts, memo, poller, ratelimit};

use super::{DataSourceType, ResourceType};
use std::collections::BTreeMap;

pub static RESOURCES: &[&dyn ResourceType] = &[
    &DB_INSTANCE,
    &DB_SUBNET_GROUP,
    &ELASTICACHE_CLUSTER,
    &ELASTICACHE_PARAMETER_GROUP,
    &ELASTICACHE_REPLICATION_GROUP,
    &ELASTICACHE_SUBNET_GROUP,
    &SECURITY_GROUP,
    &DB_SNAPSHOT,
    &DB_SNAPSHOT_COPY,
    &DB_CLUSTER_SNAPSHOT,
    &DB_CLUSTER_SNAPSHOT_COPY,
    &SECURITY_GROUP_RULE,
    &VPC_INGRESS_RULE,
    &VPC_EGRESS_RULE,
    &DB_OPTION_GROUP,
    &DB_PARAMETER_GROUP,
    &RDS_CLUSTER,
    &RDS_CLUSTER_INSTANCE,
    &RDS_CLUSTER_PARAMETER_GROUP,
];

pub static DATA_SOURCES: &[&dyn DataSourceType] = &[
    &VPC_DATA,
    &SUBNETS_DATA,
    &SECURITY_GROUP_DATA,
    &DB_INSTANCE_DATA,
    &RDS_CLUSTER_DATA,
    &DB_SNAPSHOT_DATA,
    &KMS_KEY_DATA,
];

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
