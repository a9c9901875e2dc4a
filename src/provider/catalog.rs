//! What the evaluator asks of the provider: the schema of each supported type, and of the
//! `provider "aws"` block.

use super::{data_source_type, data_source_types, resource_type, resource_types};
use crate::addr::Mode;
use crate::eval::walk::Catalog;
use crate::schema::{Attribute, BlockType, Schema};
use std::sync::LazyLock;

pub struct AwsCatalog;

/// The catalog every walk checks bodies against.
pub fn catalog() -> &'static dyn Catalog {
    &AwsCatalog
}

impl Catalog for AwsCatalog {
    fn schema(&self, mode: Mode, type_: &str) -> Option<&'static Schema> {
        match mode {
            Mode::Managed => resource_type(type_).map(|t| t.schema()),
            Mode::Data => data_source_type(type_).map(|t| t.schema()),
        }
    }

    fn type_names(&self, mode: Mode) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = match mode {
            Mode::Managed => resource_types().iter().map(|t| t.type_name()).collect(),
            Mode::Data => data_source_types().iter().map(|t| t.type_name()).collect(),
        };
        names.sort_unstable();
        names
    }

    fn provider_schema(&self) -> &'static Schema {
        &PROVIDER
    }

    fn region_problem(&self, region: &str) -> Option<Vec<&'static str>> {
        (!super::regions::is_known(region)).then(|| super::regions::nearest(region))
    }
}

/// Services whose endpoint a configuration may point elsewhere (an emulator), by
/// terraform-provider-aws's names.
const ENDPOINTS: &[&str] = &[
    "ec2",
    "rds",
    "elasticache",
    "kms",
    "s3",
    "sts",
    "iam",
    "logs",
    "cloudwatch",
    "secretsmanager",
    "redshift",
    "appautoscaling",
    "resourcegroupstaggingapi",
];

/// Arguments accepted and left to the SDK's own chain (credentials, retries, account checks):
/// strata reads only region, endpoints and default_tags.
const LEFT_TO_THE_SDK: &[&str] = &[
    "access_key",
    "secret_key",
    "token",
    "profile",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_requesting_account_id",
    "max_retries",
    "retry_mode",
    "s3_use_path_style",
    "allowed_account_ids",
    "forbidden_account_ids",
    "version",
];

static PROVIDER: LazyLock<Schema> = LazyLock::new(|| {
    let mut endpoints = Schema::new();
    for name in ENDPOINTS {
        endpoints = endpoints.attr(Attribute::string(name));
    }
    let mut schema = Schema::new()
        .describe("The aws provider: region, endpoints and default tags.")
        .attr(Attribute::string("alias"))
        .attr(Attribute::string("region"))
        .block(BlockType::single("endpoints", endpoints))
        .block(BlockType::single(
            "default_tags",
            Schema::new().attr(Attribute::string_map("tags")),
        ))
        .block(BlockType::single(
            "ignore_tags",
            Schema::new()
                .attr(Attribute::string_set("keys"))
                .attr(Attribute::string_set("key_prefixes")),
        ))
        .block(BlockType::single(
            "assume_role",
            Schema::new()
                .attr(Attribute::string("role_arn"))
                .attr(Attribute::string("session_name"))
                .attr(Attribute::string("external_id"))
                .attr(Attribute::string("duration"))
                .attr(Attribute::string("policy"))
                .attr(Attribute::string_set("policy_arns"))
                .attr(Attribute::string("source_identity"))
                .attr(Attribute::string_map("tags"))
                .attr(Attribute::string_set("transitive_tag_keys")),
        ));
    for name in LEFT_TO_THE_SDK {
        schema = schema.attr(Attribute::string(name));
    }
    schema
});
