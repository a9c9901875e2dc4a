//! `aws_vpc_security_group_egress_rule`: one outbound AWS rule (`sgr-…`). The same
//! implementation as the ingress rule (`vpc_ingress_rule::VpcRule`), the other direction.

use super::rule_model::Direction;
use super::vpc_ingress_rule::{schema, VpcRule};
use crate::provider::aws::kit::prelude::*;

pub static VPC_EGRESS_RULE: VpcRule = VpcRule {
    direction: Direction::Egress,
    schema: &EGRESS_SCHEMA,
};

static EGRESS_SCHEMA: LazyLock<Schema> =
    LazyLock::new(|| schema("One outbound rule of a VPC security group."));
