//! IAM: roles, their inline and managed policies, customer managed policies.

mod policy;
mod policy_json;
mod role;
mod role_data;
mod role_policy;
mod role_policy_attachment;

pub use policy::*;
pub use role::*;
pub use role_data::*;
pub use role_policy::*;
pub use role_policy_attachment::*;
