//! The meta data sources: where and as whom the provider configuration runs. `aws_partition`,
//! `aws_region` and `aws_service_principal` answer from the SDK's partition data
//! (`provider::regions`) without calling AWS, as terraform-provider-aws does;
//! `aws_caller_identity` asks STS once per provider configuration; `aws_regions` asks EC2.

mod caller_identity;
mod partition;
mod region;
mod regions;
mod service_principal;

pub use caller_identity::CALLER_IDENTITY_DATA;
pub use partition::PARTITION_DATA;
pub use region::REGION_DATA;
pub use regions::REGIONS_DATA;
pub use service_principal::SERVICE_PRINCIPAL_DATA;
