//! IAM: roles, their inline and managed policies, customer managed policies; policy
//! documents (`policy_model`: the provider's model of a policy, parsed, merged and rendered)
//! and the `aws_iam_policy_document` data source.

mod policy;
mod policy_document;
mod policy_json;
pub mod policy_model;
mod role;
mod role_data;
mod role_policy;
mod role_policy_attachment;

pub use policy::*;
pub use policy_document::POLICY_DOCUMENT_DATA;
pub use role::*;
pub use role_data::*;
pub use role_policy::*;
pub use role_policy_attachment::*;
