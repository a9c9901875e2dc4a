//! CloudWatch Logs: `aws_cloudwatch_log_group`.

mod log_group;

pub use log_group::*;
