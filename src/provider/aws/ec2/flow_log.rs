//! `aws_flow_log`: the IP traffic of a VPC, subnet, network interface or transit gateway
//! (attachment) delivered to CloudWatch Logs, S3 or Firehose. Every argument but the tags
//! replaces it. Which object it watches is the one of `vpc_id`, `subnet_id`, `eni_id`,
//! `transit_gateway_id`, `transit_gateway_attachment_id` that is set (read back from the
//! resource id AWS reports, by its prefix).

use super::network::{self, describe_filtered};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_ec2::types::{
    DestinationFileFormat, DestinationOptionsRequest, FlowLog as SdkFlowLog, FlowLogsResourceType,
    LogDestinationType, ResourceType as Ec2Kind, TrafficType,
};

pub struct FlowLog;
pub static FLOW_LOG: FlowLog = FlowLog;

const GONE: &[&str] = &["InvalidFlowLogId.NotFound"];

/// The attributes naming what a flow log watches: (attribute, id prefix, resource type).
const WATCHED: [(&str, &str, FlowLogsResourceType); 5] = [
    (
        "transit_gateway_attachment_id",
        "tgw-attach-",
        FlowLogsResourceType::TransitGatewayAttachment,
    ),
    (
        "transit_gateway_id",
        "tgw-",
        FlowLogsResourceType::TransitGateway,
    ),
    ("vpc_id", "vpc-", FlowLogsResourceType::Vpc),
    ("subnet_id", "subnet-", FlowLogsResourceType::Subnet),
    ("eni_id", "eni-", FlowLogsResourceType::NetworkInterface),
];

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let options = schema! {
        "";
        file_format                string default("plain-text") one_of(&["plain-text", "parquet"]) "Format of the log files.";
        hive_compatible_partitions bool   default(false) "Hive-compatible S3 prefixes.";
        per_hour_partition         bool   default(false) "Partition by the hour instead of the day.";
    };
    schema! {
        "A VPC flow log.";
        regional;
        id                            string output;
        arn                           string output;
        vpc_id                        string force_new exactly_one_of(&["subnet_id", "eni_id", "transit_gateway_id", "transit_gateway_attachment_id"]);
        subnet_id                     string force_new;
        eni_id                        string force_new;
        transit_gateway_id            string force_new;
        transit_gateway_attachment_id string force_new;
        traffic_type                  string force_new one_of(&["ACCEPT", "REJECT", "ALL"]) "Which traffic to log (not for transit gateways).";
        log_destination_type          string default("cloud-watch-logs") force_new one_of(&["cloud-watch-logs", "s3", "kinesis-data-firehose"]);
        log_destination               string computed force_new "ARN of the log group, bucket or delivery stream.";
        iam_role_arn                  string force_new "Role that delivers to CloudWatch Logs (or another account).";
        deliver_cross_account_role    string force_new "Role that delivers logs across accounts.";
        log_format                    string computed force_new "Fields of a record (AWS's default format when unset).";
        max_aggregation_interval      number default(600) force_new check(interval_problem) "Seconds a record aggregates: 60 or 600.";
        tags;
        block BlockType::list("destination_options", options).max_one().force_new().computed().describe("S3 delivery options (AWS reports its defaults for S3 when unset).");
    }
});

/// AWS aggregates records over 60 or 600 seconds, nothing else.
fn interval_problem(v: &Value) -> Option<String> {
    let n = v.as_i64()?;
    (n != 60 && n != 600).then(|| format!("{n} is not an aggregation interval: use 60 or 600"))
}

/// The flow logs with these ids, every page (per 200).
async fn describe(ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<SdkFlowLog>> {
    Ok(describe_filtered!(
        ctx,
        ids,
        "flow-log-id",
        "flow logs",
        |c| c.describe_flow_logs(),
        filter
    ))
}

fn state_of(ctx: &Ctx, account: &str, f: &SdkFlowLog) -> Value {
    let id = f.flow_log_id().unwrap_or_default();
    let resource = f.resource_id().unwrap_or_default();
    let watched = WATCHED
        .iter()
        .find(|(_, prefix, _)| resource.starts_with(prefix))
        .map(|(attr, _, _)| *attr);
    let options = f.destination_options().map(|o| {
        Value::Map(object! {
            "file_format" => o.file_format().map(|f| f.as_str()),
            "hive_compatible_partitions" => o.hive_compatible_partitions().unwrap_or(false),
            "per_hour_partition" => o.per_hour_partition().unwrap_or(false),
        })
    });
    let mut m = object! {
        "id" => id,
        "arn" => network::arn(ctx, account, "vpc-flow-log", id),
        "traffic_type" => f.traffic_type().map(|t| t.as_str()),
        "log_destination_type" => f.log_destination_type().map(|t| t.as_str()),
        "log_destination" => f.log_destination(),
        "iam_role_arn" => f.deliver_logs_permission_arn(),
        "deliver_cross_account_role" => f.deliver_cross_account_role(),
        "log_format" => f.log_format(),
        "max_aggregation_interval" => f.max_aggregation_interval(),
        "destination_options" => Value::List(options.into_iter().collect()),
    };
    for (attr, _, _) in WATCHED {
        let v = (watched == Some(attr)).then_some(resource);
        m.insert(attr.to_string(), state::ToValue::to_value(v));
    }
    network::with_tags(ctx, m, f.tags())
}

/// The S3 options of `planned`, when it has a `destination_options` block.
fn destination_options(planned: &Value) -> Option<DestinationOptionsRequest> {
    let o = state::items(planned, "destination_options").next()?;
    Some(
        DestinationOptionsRequest::builder()
            .set_file_format(obj::str(o, "file_format").map(DestinationFileFormat::from))
            .set_hive_compatible_partitions(obj::bool(o, "hive_compatible_partitions"))
            .set_per_hour_partition(obj::bool(o, "per_hour_partition"))
            .build(),
    )
}

#[async_trait]
impl ResourceType for FlowLog {
    named!("aws_flow_log", SCHEMA);

    /// One DescribeFlowLogs for all the flow logs.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        if ids.is_empty() {
            return Ok(BTreeMap::new());
        }
        let found = describe(ctx, &ids).await?;
        network::states_in_account(ctx, found, |f| f.flow_log_id(), state_of).await
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let (resource, kind) = WATCHED
            .iter()
            .find_map(|(attr, _, kind)| Some((obj::string(planned, attr)?, kind.clone())))
            .ok_or_else(|| {
                ProviderError::new(
                    "aws_flow_log: one of vpc_id, subnet_id, eni_id, transit_gateway_id, transit_gateway_attachment_id must be known",
                )
            })?;
        let call = ctx
            .ec2()
            .create_flow_logs()
            .resource_ids(&resource)
            .resource_type(kind)
            .set_traffic_type(obj::str(planned, "traffic_type").map(TrafficType::from))
            .set_log_destination_type(
                obj::str(planned, "log_destination_type").map(LogDestinationType::from),
            )
            .set_log_destination(obj::string(planned, "log_destination"))
            .set_deliver_logs_permission_arn(obj::string(planned, "iam_role_arn"))
            .set_deliver_cross_account_role(obj::string(planned, "deliver_cross_account_role"))
            .set_log_format(obj::string(planned, "log_format"))
            .set_max_aggregation_interval(obj::i32(planned, "max_aggregation_interval"))
            .set_destination_options(destination_options(planned))
            .set_tag_specifications(network::create_tags(ctx, planned, Ec2Kind::VpcFlowLog));
        let doing = format!("creating flow log of {resource}");
        let out = call.send().await.during(&doing)?;
        // The call answers per resource: a refusal is in `Unsuccessful`, not an error.
        if let Some(e) = out.unsuccessful().first().and_then(|u| u.error()) {
            return Err(ProviderError::new(format!(
                "{doing}: {}: {}",
                e.code().unwrap_or("refused"),
                e.message().unwrap_or_default()
            )));
        }
        let id = network::created(out.flow_log_ids().first(), "CreateFlowLogs")?;
        state::read_back(ctx, &FLOW_LOG, id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        lifecycle::tags_then_read_back(self, ctx, Service::Ec2, &id, prior, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        let call = ctx.ec2().delete_flow_logs().flow_log_ids(&id);
        let out = call.send().await.during(&format!("deleting flow log {id}"));
        let out = unless(out, GONE)?;
        // Like a create, a delete answers per flow log; one that is gone already is deleted.
        let refused = out
            .iter()
            .flat_map(|o| o.unsuccessful())
            .filter_map(|u| u.error())
            .find(|e| !e.code().is_some_and(|c| GONE.contains(&c)));
        match refused {
            Some(e) => Err(ProviderError::new(format!(
                "deleting flow log {id}: {}: {}",
                e.code().unwrap_or("refused"),
                e.message().unwrap_or_default()
            ))),
            None => Ok(()),
        }
    }

    fn natural_id(&self, _planned: &Value) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn intervals_are_one_or_ten_minutes() {
        assert!(super::interval_problem(&60.into()).is_none());
        assert!(super::interval_problem(&600.into()).is_none());
        assert!(super::interval_problem(&300.into()).is_some());
    }
}
