//! Data source `aws_service_principal`: a service's principal name in a region, computed as
//! terraform-provider-aws computes it (the exceptions of the AWS CDK's region-info), with no
//! call to AWS.

use crate::provider::aws::kit::prelude::*;
use crate::provider::regions;

pub struct ServicePrincipalData;
pub static SERVICE_PRINCIPAL_DATA: ServicePrincipalData = ServicePrincipalData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A service principal name (logs.amazonaws.com) for a service in a region.";
        regional;
        service_name string required "The service, e.g. logs or s3.";
        id           string output   "service.region.suffix, e.g. logs.us-east-1.amazonaws.com.";
        name         string output   "The service principal name, e.g. logs.amazonaws.com.";
        suffix       string output   "The principal's suffix: amazonaws.com, or the partition's DNS suffix for the services that use it.";
    }
});

/// The suffix of `service`'s principal in `region`: `amazonaws.com` everywhere but for the
/// few services whose principals take the partition's DNS suffix in China and the ISO clouds.
pub fn suffix(service: &str, region: &str) -> &'static str {
    let p = regions::partition(region);
    let own = match p.id {
        "aws-iso" => ["cloudhsm", "config", "logs", "workspaces"].contains(&service),
        "aws-iso-b" => ["dms", "logs"].contains(&service),
        "aws-cn" => ["codedeploy", "elasticmapreduce", "logs"].contains(&service),
        _ => false,
    };
    if own {
        p.dns_suffix
    } else {
        "amazonaws.com"
    }
}

#[async_trait]
impl DataSourceType for ServicePrincipalData {
    named!("aws_service_principal", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let service = state::required(config, "service_name", self.type_name())?;
        let region = ctx.region();
        let suffix = suffix(&service, region);
        Ok(Value::Map(object! {
            "service_name" => service.as_str(),
            "id" => format!("{service}.{region}.{suffix}"),
            "name" => format!("{service}.{suffix}"),
            "suffix" => suffix,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::suffix;

    /// The cases of terraform-provider-aws's service_principal_data_source_test
    /// (TestAccMetaServicePrincipal_ByRegion and _UniqueForServiceInRegion), with the service
    /// lists of its current servicePrincipalNameForPartition (which no longer lists `states`).
    #[test]
    fn the_suffix_is_the_partitions_only_for_the_listed_services() {
        assert_eq!(suffix("s3", "us-east-1"), "amazonaws.com");
        assert_eq!(suffix("logs", "us-east-1"), "amazonaws.com");
        assert_eq!(suffix("logs", "cn-north-1"), "amazonaws.com.cn");
        assert_eq!(suffix("s3", "cn-north-1"), "amazonaws.com");
        assert_eq!(
            suffix("elasticmapreduce", "cn-northwest-1"),
            "amazonaws.com.cn"
        );
        assert_eq!(suffix("logs", "us-iso-east-1"), "c2s.ic.gov");
        assert_eq!(suffix("cloudhsm", "us-iso-east-1"), "c2s.ic.gov");
        assert_eq!(suffix("s3", "us-iso-east-1"), "amazonaws.com");
        assert_eq!(suffix("dms", "us-isob-east-1"), "sc2s.sgov.gov");
        assert_eq!(suffix("logs", "us-gov-west-1"), "amazonaws.com");
        assert_eq!(suffix("logs", "us-isof-south-1"), "amazonaws.com");
    }
}
