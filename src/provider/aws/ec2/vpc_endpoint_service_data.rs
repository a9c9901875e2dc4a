//! `aws_vpc_endpoint_service` (data source): exactly one service a VPC endpoint can connect
//! to, named in full (`service_name`) or by its AWS service (`service = "s3"`:
//! `com.amazonaws.<region>.s3`), narrowed by `service_type` (S3 and DynamoDB are offered both
//! as Gateway and Interface services), `filter` blocks and tags.

use super::filter_block;
use super::network::{self, arn};
use super::network_data::{exactly_one, filters_of};
use crate::provider::aws::kit::prelude::*;

pub struct VpcEndpointServiceData;
pub static VPC_ENDPOINT_SERVICE_DATA: VpcEndpointServiceData = VpcEndpointServiceData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up exactly one VPC endpoint service.";
        regional;
        id                            string output;
        service                       string conflicts_with(&["service_name"]) "An AWS service's short name (s3, dynamodb, kms, …).";
        service_name                  string computed "The service's full name (com.amazonaws.<region>.s3).";
        service_type                  string computed one_of(&["Gateway", "Interface", "GatewayLoadBalancer"]);
        service_regions               string_set "Regions to look the service up in (for a cross-Region endpoint); this one when not set.";
        service_id                    string output;
        arn                           string output;
        acceptance_required           bool output;
        availability_zones            string_set output;
        base_endpoint_dns_names       string_set output;
        manages_vpc_endpoints         bool output;
        owner                         string output;
        private_dns_name              string output;
        private_dns_names             string_list output;
        supported_ip_address_types    string_set output;
        vpc_endpoint_policy_supported bool output;
        tags                          string_map computed;
        block filter_block();
    }
});

#[async_trait]
impl DataSourceType for VpcEndpointServiceData {
    named!("aws_vpc_endpoint_service", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let name = obj::string(config, "service_name").or_else(|| {
            let service = obj::str(config, "service")?;
            Some(format!("com.amazonaws.{}.{service}", ctx.region()))
        });
        let mut filters =
            filters_of(config, &[("service_type", "service-type")]).unwrap_or_default();
        filters.extend(name.map(|n| network::filter("service-name", &[n])));
        let call = ctx
            .ec2()
            .describe_vpc_endpoint_services()
            .set_filters((!filters.is_empty()).then_some(filters))
            .set_service_regions(
                Some(obj::strings(config, "service_regions")).filter(|r| !r.is_empty()),
            );
        // The call is paginated by token without a paginator in the SDK: follow the tokens.
        let mut found = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let page = call
                .clone()
                .set_next_token(next.take())
                .send()
                .await
                .during("describing VPC endpoint services")?;
            found.extend(page.service_details().iter().cloned());
            match page.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => break,
            }
        }
        let s = exactly_one(found, "aws_vpc_endpoint_service")?;
        let id = s.service_id().unwrap_or_default();
        let account = ctx.account_id().await?;
        let strings = |items: &[String]| obj::set(items.iter().map(|i| Value::from(i.as_str())));
        let mut m = object! {
            "id" => id,
            "service" => config.get("service").cloned().unwrap_or(Value::Null),
            "service_name" => s.service_name(),
            "service_regions" => config.get("service_regions").cloned().unwrap_or(Value::Null),
            "service_type" => s.service_type().first().and_then(|t| t.service_type()).map(|t| t.as_str()),
            "service_id" => id,
            "arn" => arn(ctx, &account, "vpc-endpoint-service", id),
            "acceptance_required" => s.acceptance_required().unwrap_or(false),
            "availability_zones" => strings(s.availability_zones()),
            "base_endpoint_dns_names" => strings(s.base_endpoint_dns_names()),
            "manages_vpc_endpoints" => s.manages_vpc_endpoints().unwrap_or(false),
            "owner" => s.owner(),
            "private_dns_name" => s.private_dns_name(),
            "private_dns_names" => obj::list(s.private_dns_names().iter().filter_map(|d| d.private_dns_name()).map(Value::from)),
            "supported_ip_address_types" => obj::set(s.supported_ip_address_types().iter().map(|t| Value::from(t.as_str()))),
            "vpc_endpoint_policy_supported" => s.vpc_endpoint_policy_supported().unwrap_or(false),
            "filter" => config.get("filter").cloned().unwrap_or(Value::List(vec![])),
        };
        let tags = s.tags().iter().filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        });
        m.insert("tags".into(), obj::map(tags));
        Ok(state::complete(&SCHEMA, m))
    }
}
