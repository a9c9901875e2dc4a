//! Data source `aws_partition`: the partition of the provider's region, with no call to AWS.

use crate::provider::aws::kit::prelude::*;
use crate::provider::regions;

pub struct PartitionData;
pub static PARTITION_DATA: PartitionData = PartitionData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "The partition (aws, aws-cn, aws-us-gov, ...) of the provider configuration's region.";
        id                 string output "The partition (deprecated alias of partition).";
        partition          string output "The partition id, as ARNs name it: aws, aws-cn, aws-us-gov, ...";
        dns_suffix         string output "The partition's DNS suffix: amazonaws.com, amazonaws.com.cn, ...";
        reverse_dns_prefix string output "The DNS suffix reversed: com.amazonaws, cn.com.amazonaws, ...";
    }
});

#[async_trait]
impl DataSourceType for PartitionData {
    named!("aws_partition", SCHEMA);

    async fn read(&self, ctx: &Ctx, _config: &Value) -> ProviderResult<Value> {
        let p = regions::partition(ctx.region());
        Ok(Value::Map(object! {
            "id" => p.id,
            "partition" => p.id,
            "dns_suffix" => p.dns_suffix,
            "reverse_dns_prefix" => p.reverse_dns_prefix(),
        }))
    }
}
