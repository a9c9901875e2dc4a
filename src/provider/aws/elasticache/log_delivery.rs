//! `log_delivery_configuration {}` of replication groups and cache clusters: where Redis and
//! Valkey send their slow log and engine log (CloudWatch Logs or Kinesis Data Firehose).

use crate::provider::aws::kit::prelude::*;
use aws_sdk_elasticache::types::{
    CloudWatchLogsDestinationDetails, DestinationDetails, KinesisFirehoseDestinationDetails,
    LogDeliveryConfiguration, LogDeliveryConfigurationRequest,
};

const NAME: &str = "log_delivery_configuration";

/// The block, as the provider declares it (a set of at most two: one per log type).
pub fn block() -> BlockType {
    let config = schema! {
        "";
        destination      string required "Log group name (cloudwatch-logs) or delivery stream name (kinesis-firehose).";
        destination_type string required one_of(&["cloudwatch-logs", "kinesis-firehose"]) "cloudwatch-logs or kinesis-firehose.";
        log_format       string required one_of(&["text", "json"]) "text or json.";
        log_type         string required one_of(&["slow-log", "engine-log"]) "slow-log or engine-log.";
    };
    let mut b = BlockType::set(NAME, config).describe("Where the slow log and the engine log go.");
    b.max_items = Some(2);
    b
}

fn request(c: &Value, enabled: bool) -> LogDeliveryConfigurationRequest {
    let destination = obj::string(c, "destination");
    let details = match obj::str(c, "destination_type") {
        Some("kinesis-firehose") => DestinationDetails::builder().kinesis_firehose_details(
            KinesisFirehoseDestinationDetails::builder()
                .set_delivery_stream(destination)
                .build(),
        ),
        _ => DestinationDetails::builder().cloud_watch_logs_details(
            CloudWatchLogsDestinationDetails::builder()
                .set_log_group(destination)
                .build(),
        ),
    };
    LogDeliveryConfigurationRequest::builder()
        .set_log_type(obj::str(c, "log_type").map(Into::into))
        .set_destination_type(obj::str(c, "destination_type").map(Into::into))
        .set_log_format(obj::str(c, "log_format").map(Into::into))
        .destination_details(details.build())
        .enabled(enabled)
        .build()
}

fn configs(v: &Value) -> Vec<Value> {
    v.get(NAME)
        .and_then(Value::as_list)
        .map(|l| l.iter().filter(|c| c.is_known()).cloned().collect())
        .unwrap_or_default()
}

/// What a create sends: every configured delivery.
pub fn for_create(planned: &Value) -> Option<Vec<LogDeliveryConfigurationRequest>> {
    let all: Vec<_> = configs(planned).iter().map(|c| request(c, true)).collect();
    (!all.is_empty()).then_some(all)
}

/// What a modify sends: each new or changed delivery, and each log type no longer
/// delivered turned off (`Enabled = false`, its type alone).
pub fn changes(prior: &Value, planned: &Value) -> Option<Vec<LogDeliveryConfigurationRequest>> {
    let (old, new) = (configs(prior), configs(planned));
    let log_type = |c: &Value| obj::string(c, "log_type");
    let mut out: Vec<_> = new
        .iter()
        .filter(|c| !old.contains(c))
        .map(|c| request(c, true))
        .collect();
    let kept: Vec<_> = new.iter().map(log_type).collect();
    out.extend(
        old.iter()
            .filter(|c| !kept.contains(&log_type(c)))
            .map(|c| {
                LogDeliveryConfigurationRequest::builder()
                    .set_log_type(obj::str(c, "log_type").map(Into::into))
                    .enabled(false)
                    .build()
            }),
    );
    (!out.is_empty()).then_some(out)
}

/// The block in state, from what AWS reports (deliveries being disabled left out).
pub fn state(found: &[LogDeliveryConfiguration]) -> Value {
    let active = found
        .iter()
        .filter(|c| !matches!(c.status().map(|s| s.as_str()), Some("disabling" | "error")));
    obj::set(active.map(|c| {
        let details = c.destination_details();
        let destination = details
            .and_then(|d| d.cloud_watch_logs_details())
            .and_then(|d| d.log_group())
            .or_else(|| {
                details
                    .and_then(|d| d.kinesis_firehose_details())
                    .and_then(|d| d.delivery_stream())
            });
        Value::Map(object! {
            "destination" => destination,
            "destination_type" => c.destination_type().map(|t| t.as_str()),
            "log_format" => c.log_format().map(|f| f.as_str()),
            "log_type" => c.log_type().map(|t| t.as_str()),
        })
    }))
}
