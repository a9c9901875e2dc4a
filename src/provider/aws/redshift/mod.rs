//! Redshift: the subnet groups a data-tier network sets aside for Redshift clusters.

mod subnet_group;

pub use subnet_group::{RedshiftSubnetGroup, REDSHIFT_SUBNET_GROUP};
