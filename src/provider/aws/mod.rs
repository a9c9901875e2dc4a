//! The AWS provider: the registry of resource and data source types, each in its service's
//! folder (`ec2/`, `rds/`, `elasticache/`, `kms/`, `iam/`, `logs/`, `meta/`, `redshift/`), on the kit (`kit/`: clients, tags,
//! waiters, modify tables, state, errors) and the runtime under every call (`runtime/`).

pub mod ec2;
pub mod elasticache;
pub mod iam;
pub mod kit;
pub mod kms;
pub mod logs;
pub mod meta;
mod provider;
pub mod rds;
pub mod redshift;
pub mod runtime;
pub mod secretsmanager;

pub use ec2::*;
pub use elasticache::*;
pub use iam::*;
pub use kit::client::{ApiCounter, Aws, Ctx};
pub use kit::{errors, naming, ownership, read_each, tagging, READ_CONCURRENCY};
pub use kms::*;
pub use logs::*;
pub use meta::*;
pub use provider::AwsProvider;
pub use rds::*;
pub use redshift::*;
pub use runtime::{attempts, memo, poller, ratelimit};
pub use secretsmanager::*;

use super::{DataSourceType, ResourceType};

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
    &LOG_GROUP,
    &IAM_ROLE,
    &IAM_ROLE_POLICY,
    &IAM_ROLE_POLICY_ATTACHMENT,
    &IAM_POLICY,
    &DB_INSTANCE_ROLE_ASSOCIATION,
    &RDS_CLUSTER_ROLE_ASSOCIATION,
    &DB_INSTANCE_AUTOMATED_BACKUPS_REPLICATION,
    &SECRET,
    &SECRET_VERSION,
    &SECRET_ROTATION,
    &KMS_KEY,
    &KMS_ALIAS,
    &VPC,
    &SUBNET,
    &INTERNET_GATEWAY,
    &INTERNET_GATEWAY_ATTACHMENT,
    &ROUTE_TABLE,
    &ROUTE,
    &ROUTE_TABLE_ASSOCIATION,
    &EIP,
    &NAT_GATEWAY,
    &NETWORK_ACL,
    &NETWORK_ACL_RULE,
    &DEFAULT_VPC,
    &DEFAULT_SUBNET,
    &DEFAULT_SECURITY_GROUP,
    &DEFAULT_ROUTE_TABLE,
    &DEFAULT_NETWORK_ACL,
    &EGRESS_ONLY_INTERNET_GATEWAY,
    &VPC_IPV4_CIDR_BLOCK_ASSOCIATION,
    &VPC_DHCP_OPTIONS,
    &VPC_DHCP_OPTIONS_ASSOCIATION,
    &MAIN_ROUTE_TABLE_ASSOCIATION,
    &NETWORK_ACL_ASSOCIATION,
    &VPC_ENDPOINT,
    &VPC_PEERING_CONNECTION,
    &CUSTOMER_GATEWAY,
    &FLOW_LOG,
    &REDSHIFT_SUBNET_GROUP,
    &VPC_BLOCK_PUBLIC_ACCESS_EXCLUSION,
    &VPC_BLOCK_PUBLIC_ACCESS_OPTIONS,
    &VPN_GATEWAY,
    &VPN_GATEWAY_ATTACHMENT,
    &VPN_GATEWAY_ROUTE_PROPAGATION,
];

pub static DATA_SOURCES: &[&dyn DataSourceType] = &[
    &VPC_DATA,
    &SUBNETS_DATA,
    &SUBNET_DATA,
    &INTERNET_GATEWAY_DATA,
    &NAT_GATEWAY_DATA,
    &ROUTE_TABLE_DATA,
    &VPC_ENDPOINT_SERVICE_DATA,
    &SECURITY_GROUP_DATA,
    &DB_INSTANCE_DATA,
    &DB_SUBNET_GROUP_DATA,
    &RDS_CLUSTER_DATA,
    &DB_SNAPSHOT_DATA,
    &ELASTICACHE_REPLICATION_GROUP_DATA,
    &KMS_KEY_DATA,
    &KMS_ALIAS_DATA,
    &PARTITION_DATA,
    &CALLER_IDENTITY_DATA,
    &REGION_DATA,
    &REGIONS_DATA,
    &AVAILABILITY_ZONES_DATA,
    &SERVICE_PRINCIPAL_DATA,
    &POLICY_DOCUMENT_DATA,
    &IAM_ROLE_DATA,
    &SECRET_DATA,
    &SECRET_VERSION_DATA,
];

pub use crate::eval::ProviderSettings;
