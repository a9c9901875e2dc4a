//! The provider contract: one trait for every resource type, one for data sources, and the
//! registry that maps Terraform type names to them.
//!
//! Resource files stay small: the schema drives validation and the generic differ
//! (`plan::diff`); a resource file only adds what is specific to its AWS API.

pub mod aws;
mod catalog;
pub mod local;
pub mod preflight;
pub mod regions;
mod run;

pub use crate::schema::{AttrType, Attribute, BlockType, Nesting, Schema};
use crate::value::Value;
use async_trait::async_trait;
use aws::kit::wait::Waiter;
pub use aws::{ApiCounter, Aws, Ctx, ProviderSettings};
pub use catalog::catalog;
pub use run::{Created, Provider};
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

/// A failed AWS operation, already phrased for the user.
#[derive(Debug, Clone)]
pub struct ProviderError {
    pub message: String,
    /// The resource was not found (deleted outside strata).
    pub not_found: bool,
    /// AWS refused a create because an object with that name or identity exists already
    /// (`DBInstanceAlreadyExists`, `InvalidGroup.Duplicate`, ...).
    pub already_exists: bool,
    /// AWS's error code, when AWS answered.
    pub code: Option<String>,
    /// The run was interrupted (Ctrl-C, SIGTERM) while this operation waited for AWS: the
    /// AWS call itself was made, its outcome is still settling.
    pub interrupted: bool,
}

impl ProviderError {
    pub fn new(message: impl Into<String>) -> ProviderError {
        ProviderError {
            message: message.into(),
            not_found: false,
            already_exists: false,
            code: None,
            interrupted: false,
        }
    }

    pub fn not_found(message: impl Into<String>) -> ProviderError {
        ProviderError {
            not_found: true,
            ..ProviderError::new(message)
        }
    }

    pub fn interrupted(message: impl Into<String>) -> ProviderError {
        ProviderError {
            interrupted: true,
            ..ProviderError::new(message)
        }
    }

    /// Phrases an SDK error (see `aws::errors`): the service's error code and message when AWS
    /// answered with one; else the service, operation, HTTP status and request id — never the
    /// raw response.
    pub fn sdk<E: crate::sdk_error::ServiceError>(
        action: &str,
        err: aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    ) -> ProviderError {
        use aws_smithy_types::error::metadata::ProvideErrorMetadata as _;
        ProviderError {
            already_exists: err.code().is_some_and(is_already_exists_code),
            code: err.code().map(str::to_string),
            ..ProviderError::new(aws::errors::describe(action, &err))
        }
    }
}

/// The error codes AWS answers a create with when the name is taken: EC2's `*.Duplicate`,
/// RDS's and ElastiCache's `*AlreadyExists` / `*AlreadyExistsFault`, IAM's `EntityAlreadyExists`,
/// CloudWatch Logs' `ResourceAlreadyExistsException`.
pub fn is_already_exists_code(code: &str) -> bool {
    code.ends_with(".Duplicate")
        || code.ends_with("AlreadyExists")
        || code.ends_with("AlreadyExistsFault")
        || code.ends_with("AlreadyExistsException")
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProviderError {}

pub type ProviderResult<T> = Result<T, ProviderError>;

pub use crate::schema::ConfigProblem;

/// An object a create or an update has just written, to be read back
/// (`ResourceType::state_after_write`).
#[derive(Clone, Copy, Debug)]
pub struct Written<'a> {
    pub id: &'a str,
    /// The object's state before the write; `None` after a create.
    pub prior: Option<&'a Value>,
    /// What was planned: the values AWS does not return are taken from it.
    pub planned: &'a Value,
}

/// Every problem of one resource's configuration that the provider finds before planning:
/// its schema's validators, then the type's own rules.
pub fn config_problems(rt: &dyn ResourceType, config: &Value) -> Vec<ConfigProblem> {
    let mut problems = rt.schema().problems(config);
    problems.extend(rt.validate(config));
    problems
}

/// One managed resource type.
///
/// State objects are `Value::Map`s holding every schema attribute; `id` is the identifier the
/// type is read, imported and deleted by.
#[async_trait]
pub trait ResourceType: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    /// Rules the schema cannot express (conflicts between arguments, formats). `config` may
    /// contain unknown values: only judge what is known.
    fn validate(&self, _config: &Value) -> Vec<ConfigProblem> {
        Vec::new()
    }

    /// Checks the provider makes only when it plans or creates an instance, not when it
    /// validates the configuration: they judge the instances that exist, with their values,
    /// never the body of a resource without instances (an optional Aurora cluster's
    /// placeholder engine in a module that runs MySQL is not wrong).
    fn plan_checks(&self, _config: &Value) -> Vec<ConfigProblem> {
        Vec::new()
    }

    /// Adjusts a planned object after the generic diff: names generated from prefixes,
    /// normalised spellings, values derived from other arguments. `prior` is `None` on create.
    fn customize_plan(&self, _prior: Option<&Value>, _planned: &mut Value) {}

    /// Refuses a delete at plan time when it could not succeed (an RDS instance without a
    /// final-snapshot choice), so destroy never fails half-way.
    fn check_delete(&self, _prior: &Value) -> Result<(), ConfigProblem> {
        Ok(())
    }

    /// Reads the objects with these ids in as few calls as the API allows. Ids that do not
    /// exist are absent from the answer; they never fail the batch.
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>>;

    /// Reads objects known from state (`prior`, each with its `id`) again, in as few calls
    /// as `read`; keyed by the prior `id`. By default `read` of their ids. A type whose id
    /// alone does not say what to look for (a classic rule's id is a hash of what it holds)
    /// matches what AWS has against the prior object instead, as terraform-provider-aws
    /// reads with the prior state.
    async fn read_prior(
        &self,
        ctx: &Ctx,
        prior: &[Value],
    ) -> ProviderResult<BTreeMap<String, Value>> {
        let ids: Vec<String> = prior.iter().filter_map(|p| obj::string(p, "id")).collect();
        self.read(ctx, &ids).await
    }

    /// Creates the object, waits until it is usable, and returns its full state.
    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value>;

    /// Applies an in-place change and returns the new full state.
    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value>;

    /// Finishes a create whose AWS create call was carried out on an attempt whose answer was
    /// lost (the SDK's retry was then told the object exists; see `aws::attempts`). `found`
    /// is the object as AWS has it, made by that call from `planned`; what `create` does after
    /// the call (waits, rules, parameters) did not run. Returns the full state.
    ///
    /// By default an update from `found` to `planned`, which converges a type whose create is
    /// the call plus changes an update also makes. A type with a `waiter` does what its create
    /// does after the call instead (`aws::kit::lifecycle::ready_after_create`): an update
    /// could not start from an object still being created.
    async fn settle_retried_create(
        &self,
        ctx: &Ctx,
        found: &Value,
        planned: &Value,
    ) -> ProviderResult<Value> {
        match self.waiter() {
            Some(waiter) => {
                let id = aws::kit::state::id(found, self.type_name())?;
                self.complete_after_call(ctx, &id, planned).await?;
                aws::kit::lifecycle::ready_after_create(self, waiter, ctx, &id, planned).await
            }
            None => self.update(ctx, found, planned).await,
        }
    }

    /// What a create does between its call and the wait for the new object: the Modify that
    /// completes an object whose call took less than the plan asks (a restore, a replica).
    /// Run by `settle_retried_create`'s default, so an interrupted create finishes the same.
    async fn complete_after_call(
        &self,
        _ctx: &Ctx,
        _id: &str,
        _planned: &Value,
    ) -> ProviderResult<()> {
        Ok(())
    }

    /// How to wait for a new object of this type until it is usable, for types whose create
    /// waits after its call (a DB instance `creating` until `available`); `wait_usable` and
    /// `settle_retried_create` wait with it. `None`: usable as soon as it exists.
    fn waiter(&self) -> Option<&'static Waiter> {
        None
    }

    /// The full state of the object just written, read back and completed from the plan
    /// (write-only and virtual arguments). By default the type's `read`, waited for until the
    /// object is visible (`aws::kit::state::read_back`).
    async fn state_after_write(&self, ctx: &Ctx, written: Written<'_>) -> ProviderResult<Value> {
        let registered = resource_type(self.type_name()).ok_or_else(|| {
            ProviderError::new(format!("{} is not a registered type", self.type_name()))
        })?;
        aws::kit::state::read_back(ctx, registered, written.id, written.planned).await
    }

    /// Deletes the object and waits until it is gone. Already gone counts as success.
    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()>;

    /// Looks up an existing object by the id a user gives `strata import`.
    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }

    /// Every object of this type in the provider's region, as `read` would return it (for
    /// `strata discover`): one paginated describe, no per-object calls, so attributes that
    /// need one (RDS tags) may be missing. Objects AWS creates by itself (default security
    /// groups, the `default` DB subnet group) are left out.
    async fn list(&self, _ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        Err(ProviderError::new(format!(
            "{} is unsupported for discovery",
            self.type_name()
        )))
    }

    /// The name strata chooses before creating an object (identifier, group name,
    /// replication group id), recorded in the journal before the AWS call so an interrupted
    /// create can be found again. `None` when AWS alone names the object.
    fn natural_id(&self, planned: &Value) -> Option<String> {
        name_of(planned)
    }

    /// Waits until an object found again by its natural id is usable, as `create` and
    /// `update` wait after their AWS call: a run interrupted during that wait left the object
    /// provisioning (a DB instance `creating`), and whatever depends on it needs it
    /// `available`. Default: with the type's `waiter`, until it says ready (the `create`
    /// timeout); without one, usable as soon as it exists.
    async fn wait_usable(&self, ctx: &Ctx, found: &Value) -> ProviderResult<()> {
        let Some(waiter) = self.waiter() else {
            return Ok(());
        };
        let id = aws::kit::state::id(found, self.type_name())?;
        let timeout = self.schema().timeout(found, "create");
        waiter.ready(ctx, &id, timeout).await
    }

    /// Finds an object by its natural id (journal reconciliation). By default the natural id
    /// is the id; types whose id AWS assigns (security groups) look it up by name.
    async fn find_by_natural_id(
        &self,
        ctx: &Ctx,
        natural_id: &str,
    ) -> ProviderResult<Option<Value>> {
        self.import(ctx, natural_id).await
    }
}

/// An object's own name (identifier, group name, replication group id, ...), as people call
/// it: what `strata discover` names addresses after, and most types' natural id.
pub fn name_of(v: &Value) -> Option<String> {
    [
        "identifier",
        "name",
        "replication_group_id",
        "cluster_id",
        "cluster_identifier",
        "id",
    ]
    .iter()
    .find_map(|k| obj::string(v, k))
}

/// One data source type.
#[async_trait]
pub trait DataSourceType: Send + Sync {
    fn type_name(&self) -> &'static str;

    fn schema(&self) -> &Schema;

    /// Reads the data source for a wholly known configuration object.
    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value>;
}

/// Every supported managed resource type, in a stable order: AWS's, then the local
/// providers'.
pub fn resource_types() -> &'static [&'static dyn ResourceType] {
    static ALL: LazyLock<Vec<&'static dyn ResourceType>> = LazyLock::new(|| {
        aws::RESOURCES
            .iter()
            .chain(local::RESOURCES)
            .copied()
            .collect()
    });
    &ALL
}

/// Every supported data source type.
pub fn data_source_types() -> &'static [&'static dyn DataSourceType] {
    aws::DATA_SOURCES
}

/// AWS provider 6's import id `ID@REGION` for a regional type: the bare id and the region the
/// object is read (and then managed) in; any other id as it is.
pub fn import_id_region<'a>(type_: &str, id: &'a str) -> (&'a str, Option<&'a str>) {
    let regional = resource_type(type_).is_some_and(|rt| rt.schema().regional);
    match id.rsplit_once('@') {
        Some((bare, region)) if regional && regions::is_known(region) => (bare, Some(region)),
        _ => (id, None),
    }
}

/// A type by name: looked up for every instance, several times, on the plan's hot path, so
/// by an index rather than a scan of the 80-odd types.
pub fn resource_type(name: &str) -> Option<&'static dyn ResourceType> {
    static BY_NAME: LazyLock<HashMap<&'static str, &'static dyn ResourceType>> =
        LazyLock::new(|| {
            resource_types()
                .iter()
                .map(|t| (t.type_name(), *t))
                .collect()
        });
    BY_NAME.get(name).copied()
}

pub fn data_source_type(name: &str) -> Option<&'static dyn DataSourceType> {
    static BY_NAME: LazyLock<HashMap<&'static str, &'static dyn DataSourceType>> =
        LazyLock::new(|| {
            data_source_types()
                .iter()
                .map(|t| (t.type_name(), *t))
                .collect()
        });
    BY_NAME.get(name).copied()
}

/// Object field helpers shared by resource files.
pub mod obj {
    use crate::value::{Map, Value};

    pub fn str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    pub fn string(v: &Value, key: &str) -> Option<String> {
        str(v, key).map(str::to_string)
    }

    pub fn bool(v: &Value, key: &str) -> Option<bool> {
        v.get(key).and_then(Value::as_bool)
    }

    pub fn i32(v: &Value, key: &str) -> Option<i32> {
        v.get(key).and_then(Value::as_i64).map(|n| n as i32)
    }

    pub fn strings(v: &Value, key: &str) -> Vec<String> {
        v.get(key)
            .and_then(Value::as_list)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn string_map(v: &Value, key: &str) -> std::collections::BTreeMap<String, String> {
        v.get(key)
            .and_then(Value::as_map)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn list(items: impl IntoIterator<Item = impl Into<Value>>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    pub fn set(items: impl IntoIterator<Item = impl Into<Value>>) -> Value {
        let mut items: Vec<Value> = items.into_iter().map(Into::into).collect();
        crate::value::sort_dedup(&mut items);
        Value::List(items)
    }

    pub fn map(pairs: impl IntoIterator<Item = (String, String)>) -> Value {
        Value::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect::<Map>(),
        )
    }

    pub fn opt_str(s: Option<&str>) -> Value {
        s.map(|s| Value::String(s.to_string()))
            .unwrap_or(Value::Null)
    }

    pub fn opt_i32(n: Option<i32>) -> Value {
        n.map(|n| Value::Number(n as f64)).unwrap_or(Value::Null)
    }

    pub fn opt_bool(b: Option<bool>) -> Value {
        b.map(Value::Bool).unwrap_or(Value::Null)
    }

    /// Copies arguments that AWS never returns (passwords, apply_immediately,
    /// skip_final_snapshot) from the planned object into a state read back from AWS.
    pub fn keep_from(state: &mut Value, planned: &Value, keys: &[&str]) {
        if let (Value::Map(s), Some(p)) = (state, planned.as_map()) {
            for k in keys {
                if let Some(v) = p.get(*k) {
                    s.insert((*k).to_string(), v.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod schema_tests {
    fn unique(names: Vec<&str>, what: &str) {
        let mut seen = std::collections::BTreeSet::new();
        for n in names {
            assert!(seen.insert(n), "{what} declares \"{n}\" twice");
        }
    }

    fn check(schema: &super::Schema, what: &str) {
        unique(
            schema
                .attributes
                .iter()
                .map(|a| a.name)
                .chain(schema.blocks.iter().map(|b| b.name))
                .collect(),
            what,
        );
        for b in &schema.blocks {
            check(&b.schema, &format!("{what}.{}", b.name));
        }
    }

    /// Regression: aws_db_snapshot_copy declared its source both as an argument and as a
    /// read-only attribute, and the second declaration made the configured source unknown.
    #[test]
    fn every_name_is_declared_once() {
        for t in super::resource_types() {
            check(t.schema(), t.type_name());
        }
        for t in super::data_source_types() {
            check(t.schema(), t.type_name());
        }
    }
}

#[cfg(test)]
mod docs_tests {
    /// docs/resources/TYPE.md and docs/data-sources/TYPE.md are generated from the schemas;
    /// this test fails when they drift. `STRATA_BLESS=1 cargo test --lib docs` rewrites them.
    #[test]
    fn reference_docs_match_the_schemas() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        let bless = std::env::var_os("STRATA_BLESS").is_some();
        let mut pages: Vec<(std::path::PathBuf, String)> = Vec::new();
        for t in super::resource_types() {
            pages.push((
                root.join("resources").join(format!("{}.md", t.type_name())),
                crate::schema::render_text(t.type_name(), t.schema()),
            ));
        }
        for t in super::data_source_types() {
            pages.push((
                root.join("data-sources")
                    .join(format!("{}.md", t.type_name())),
                crate::schema::render_text(t.type_name(), t.schema()),
            ));
        }
        let mut stale = Vec::new();
        for (path, text) in pages {
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "reference pages out of date (run STRATA_BLESS=1 cargo test --lib docs): {stale:?}"
        );
    }
}
