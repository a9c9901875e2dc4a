//! The AWS provider as the engine runs it: [`Provider`] over one run's [`Aws`], each call
//! given the clients of its provider configuration (a [`Ctx`]) and handed to its type.

use super::kit::client::{ApiCounter, Aws, Ctx};
use super::{attempts, ownership, ProviderSettings};
use crate::diag::Diagnostic;
use crate::provider::{
    Created, DataSourceType, Provider, ProviderError, ProviderResult, ResourceType,
};
use crate::value::Value;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One run's AWS side behind the engine's [`Provider`] trait.
pub struct AwsProvider {
    aws: Arc<Aws>,
}

impl AwsProvider {
    pub fn new(aws: Arc<Aws>) -> AwsProvider {
        AwsProvider { aws }
    }

    /// The engine's handle on `aws`.
    pub fn shared(aws: Arc<Aws>) -> Arc<dyn Provider> {
        Arc::new(AwsProvider::new(aws))
    }

    fn ctx(&self, settings: &ProviderSettings) -> Ctx {
        Ctx {
            aws: self.aws.clone(),
            settings: settings.clone(),
        }
    }

    fn resource(type_: &str) -> ProviderResult<&'static dyn ResourceType> {
        crate::provider::resource_type(type_)
            .ok_or_else(|| ProviderError::unsupported("resource type", type_))
    }

    fn data_source(type_: &str) -> ProviderResult<&'static dyn DataSourceType> {
        crate::provider::data_source_type(type_)
            .ok_or_else(|| ProviderError::unsupported("data source", type_))
    }
}

#[async_trait]
impl Provider for AwsProvider {
    async fn preflight(&self, providers: &[ProviderSettings]) -> Result<(), Diagnostic> {
        let aws: Vec<ProviderSettings> = providers
            .iter()
            .filter(|p| !p.kind.is_local())
            .cloned()
            .collect();
        crate::provider::preflight::check(&self.aws, &aws).await
    }

    async fn read_prior(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        Self::resource(type_)?
            .read_prior(&self.ctx(settings), prior)
            .await
    }

    async fn import(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        id: &str,
    ) -> ProviderResult<Option<Value>> {
        Self::resource(type_)?.import(&self.ctx(settings), id).await
    }

    async fn list(&self, settings: &ProviderSettings, type_: &str) -> ProviderResult<Vec<Value>> {
        Self::resource(type_)?.list(&self.ctx(settings)).await
    }

    /// The create runs inside the operation's ownership scope (its create call tags the
    /// object) and under the SDK's attempt watch (`attempts`).
    async fn create(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        planned: &Value,
        operation: &str,
    ) -> Created {
        let rt = match Self::resource(type_) {
            Ok(rt) => rt,
            Err(e) => {
                return Created {
                    result: Err(e),
                    lost_attempt: None,
                }
            }
        };
        let ctx = self.ctx(settings);
        let (result, calls) =
            attempts::observe(ownership::creating(operation, rt.create(&ctx, planned))).await;
        Created {
            result,
            lost_attempt: calls.failed_after_unseen().map(|c| c.action().to_string()),
        }
    }

    async fn update(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        Self::resource(type_)?
            .update(&self.ctx(settings), prior, planned)
            .await
    }

    async fn delete(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &Value,
    ) -> ProviderResult<()> {
        Self::resource(type_)?
            .delete(&self.ctx(settings), prior)
            .await
    }

    async fn settle_retried_create(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        Self::resource(type_)?
            .settle_retried_create(&self.ctx(settings), found, planned)
            .await
    }

    async fn find_by_natural_id(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        natural: &str,
    ) -> ProviderResult<Option<Value>> {
        Self::resource(type_)?
            .find_by_natural_id(&self.ctx(settings), natural)
            .await
    }

    async fn find_visible(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        natural: &str,
        timeout: Duration,
    ) -> ProviderResult<Option<Value>> {
        let rt = Self::resource(type_)?;
        let ctx = self.ctx(settings);
        let found = Mutex::new(None);
        ctx.wait_until(&format!("{natural} to be visible"), timeout, || async {
            let f = rt.find_by_natural_id(&ctx, natural).await?;
            let done = f.is_some();
            *found.lock().unwrap_or_else(|e| e.into_inner()) = f;
            Ok(done)
        })
        .await?;
        Ok(found.into_inner().unwrap_or_else(|e| e.into_inner()))
    }

    async fn wait_usable(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        found: &Value,
    ) -> ProviderResult<()> {
        Self::resource(type_)?
            .wait_usable(&self.ctx(settings), found)
            .await
    }

    async fn operation_of(
        &self,
        settings: &ProviderSettings,
        found: &Value,
    ) -> ProviderResult<Option<String>> {
        ownership::operation_of(&self.ctx(settings), found).await
    }

    async fn read_data(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        config: &Value,
    ) -> ProviderResult<Value> {
        Self::data_source(type_)?
            .read(&self.ctx(settings), config)
            .await
    }

    fn api_calls(&self) -> ApiCounter {
        self.aws.api_calls.clone()
    }

    fn interrupt(&self) {
        self.aws.interrupt.raise();
    }
}
