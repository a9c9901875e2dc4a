//! KMS: keys and their aliases (the keys encrypted databases, their snapshots and their DR
//! copies name), and the `aws_kms_key` / `aws_kms_alias` data sources.

mod alias;
mod key;
mod key_data;

pub use alias::{KmsAlias, KMS_ALIAS, KMS_ALIAS_DATA};
pub use key::{KmsKey, KMS_KEY};
pub use key_data::{KmsKeyData, KMS_KEY_DATA};
