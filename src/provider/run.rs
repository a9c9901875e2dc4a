//! What the engine asks of a provider while it runs: the calls `plan`, `apply` and `adopt`
//! make, keyed by a provider configuration and a type name, behind one object-safe trait.
//!
//! The engine holds an `Arc<dyn Provider>` and never the AWS implementation's clients, so the
//! layers above `provider` do not depend on how a provider reaches its API, and the engine's
//! own logic (scheduling, the journal) can be tested with a stand-in. What a type *is* —
//! its schema, validation, plan modifiers, natural id — stays static metadata, reached through
//! [`super::resource_type`] without a run.

use super::{ApiCounter, ProviderError, ProviderResult, ProviderSettings};
use crate::diag::Diagnostic;
use crate::value::Value;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::time::Duration;

/// The outcome of a create, with what the engine needs to settle one whose answer was lost.
pub struct Created {
    pub result: ProviderResult<Value>,
    /// The call (its action, e.g. `CreateSecurityGroup`) that failed after an earlier attempt
    /// of it may have been carried out unseen: the failure ("already exists") may describe
    /// that attempt's own success.
    pub lost_attempt: Option<String>,
}

/// A provider for one run. Every call names the provider configuration it runs in and the
/// type it concerns; a type the provider does not have is a [`ProviderError`].
#[async_trait]
pub trait Provider: Send + Sync {
    /// Checks made once before anything asks the provider (regions, reachable endpoints,
    /// credentials), for the provider configurations the run uses.
    async fn preflight(&self, providers: &[ProviderSettings]) -> Result<(), Diagnostic>;

    /// Reads objects known from state again, in as few calls as the API allows; keyed by
    /// their prior `id`, a missing object absent (`ResourceType::read_prior`).
    async fn read_prior(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>>;

    /// Looks up an existing object by the id a user gives to import it.
    async fn import(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        id: &str,
    ) -> ProviderResult<Option<Value>>;

    /// Every object of the type (discovery).
    async fn list(&self, settings: &ProviderSettings, type_: &str) -> ProviderResult<Vec<Value>>;

    /// Creates the object as journal operation `operation`, which it carries as proof of
    /// ownership ([`Provider::operation_of`]).
    async fn create(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        planned: &Value,
        operation: &str,
    ) -> Created;

    async fn update(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &Value,
        planned: &Value,
    ) -> ProviderResult<Value>;

    async fn delete(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        prior: &Value,
    ) -> ProviderResult<()>;

    /// Finishes a create whose call was carried out on an attempt whose answer was lost
    /// (`ResourceType::settle_retried_create`).
    async fn settle_retried_create(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value>;

    /// Finds an object by its natural id (`ResourceType::find_by_natural_id`).
    async fn find_by_natural_id(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        natural: &str,
    ) -> ProviderResult<Option<Value>>;

    /// [`Provider::find_by_natural_id`] until the object shows (the provider said it exists;
    /// its reads may lag), polling up to `timeout`. `None` when it never showed.
    async fn find_visible(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        natural: &str,
        timeout: Duration,
    ) -> ProviderResult<Option<Value>>;

    /// Waits until an object found again by its natural id is usable
    /// (`ResourceType::wait_usable`).
    async fn wait_usable(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        found: &Value,
    ) -> ProviderResult<()>;

    /// The journal operation that created `found`, from the proof of ownership it carries;
    /// `None` when it carries none.
    async fn operation_of(
        &self,
        settings: &ProviderSettings,
        found: &Value,
    ) -> ProviderResult<Option<String>>;

    /// Reads a data source for a wholly known configuration object.
    async fn read_data(
        &self,
        settings: &ProviderSettings,
        type_: &str,
        config: &Value,
    ) -> ProviderResult<Value>;

    /// The API calls made so far in this run, by action.
    fn api_calls(&self) -> ApiCounter;

    /// The run was interrupted: waits for the provider to finish provisioning end early
    /// (with `ProviderError::interrupted`); calls already sent are not taken back.
    fn interrupt(&self);
}

impl ProviderError {
    /// A call for a type the provider does not have (`what`: "resource type", "data source").
    pub fn unsupported(what: &str, type_: &str) -> ProviderError {
        ProviderError::new(format!(
            "{what} {type_} is not supported by this version of strata"
        ))
    }
}
