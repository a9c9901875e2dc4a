//! Secrets Manager: secrets, their versions and their rotation. Every secret of a Region is
//! read with one paginated ListSecrets (it carries descriptions, keys, tags and rotation), so
//! refreshing many secrets or rotations costs a page per hundred secrets, not a call each.

mod rotation;
mod secret;
mod secret_data;
mod secret_version;
mod secret_version_data;

pub use rotation::{SecretRotation, SECRET_ROTATION};
pub use secret::{Secret, SECRET};
pub use secret_data::{SecretData, SECRET_DATA};
pub use secret_version::{SecretVersion, SECRET_VERSION};
pub use secret_version_data::{SecretVersionData, SECRET_VERSION_DATA};

use crate::provider::aws::kit::prelude::*;
use aws_sdk_secretsmanager::types::SecretListEntry;

/// Every secret of the Region `ctx` calls (not those scheduled for deletion).
async fn list_secrets(ctx: &Ctx) -> ProviderResult<Vec<SecretListEntry>> {
    // Its paginator yields pages only.
    let pages = ctx.secretsmanager().list_secrets().into_paginator().send();
    let pages = all("listing secrets", pages).await?;
    Ok(pages
        .iter()
        .flat_map(|p| p.secret_list().to_vec())
        .collect())
}

/// The secrets among `ids` (ARNs, or names as a secret id may be), by the id asked.
async fn secrets_by_id(
    ctx: &Ctx,
    ids: &[String],
) -> ProviderResult<BTreeMap<String, SecretListEntry>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let secrets = list_secrets(ctx).await?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            let found = secrets
                .iter()
                .find(|s| s.arn() == Some(id.as_str()) || s.name() == Some(id.as_str()))?;
            Some((id.clone(), found.clone()))
        })
        .collect())
}

/// What Secrets Manager answers about a secret it does not have.
const GONE: &[&str] = &["ResourceNotFoundException"];
