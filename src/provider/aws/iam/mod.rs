//! IAM: policy documents (`policy_model`: the provider's model of a policy, parsed, merged
//! and rendered) and the `aws_iam_policy_document` data source.

mod policy_document;
pub mod policy_model;

pub use policy_document::POLICY_DOCUMENT_DATA;
