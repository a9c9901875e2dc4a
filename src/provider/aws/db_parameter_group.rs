//! `aws_db_parameter_group` and `aws_rds_cluster_parameter_group`: one implementation, two
//! API flavours (DB…ParameterGroup and DBCluster…ParameterGroup calls).
//!
//! The state `id` is the group's name (AWS stores it lower-cased). Only user-set parameters
//! are tracked: `read` asks DescribeDB[Cluster]Parameters for Source=user, so parameters AWS
//! fills in never show up as drift. Parameter names and apply methods are lower-cased; values
//! are kept as written.
//!
//! Changed or new parameters go out in Modify calls of at most 20, parameters AWS wants
//! together (`character_set_server` with `collation_server`, …) in the same call; removed
//! ones are reset.

use super::naming::{self, unique_name, DEFAULT_PREFIX};
use super::tagging::{self, Service};
use super::{rds_tags, Ctx};
use crate::provider::{
    obj, Attribute, BlockType, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::error::ProvideErrorMetadata;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";

/// Modify and Reset take at most 20 parameters per call.
const PARAMETER_BATCH: usize = 20;

/// How long a group still in use (or with pending changes) is retried.
const BUSY_RETRY: Duration = Duration::from_secs(3 * 60);

/// Parameters AWS only accepts in the same Modify call.
const DEPENDENT: &[&[&str]] = &[
    &["collation_server", "character_set_server"],
    &["gtid-mode", "enforce_gtid_consistency"],
    &["password_encryption", "rds.accepted_password_auth_method"],
    &["ssl_max_protocol_version", "ssl_min_protocol_version"],
    &["rds.change_data_capture_streaming", "binlog_format"],
    &[
        "aurora_enhanced_binlog",
        "binlog_backup",
        "binlog_replication_globaldb",
    ],
];

/// Which family of RDS calls a group uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    Db,
    Cluster,
}

pub struct ParameterGroup {
    flavour: Flavour,
}

impl ParameterGroup {
    pub const DB: ParameterGroup = ParameterGroup {
        flavour: Flavour::Db,
    };
    pub const CLUSTER: ParameterGroup = ParameterGroup {
        flavour: Flavour::Cluster,
    };

    fn what(&self) -> &'static str {
        match self.flavour {
            Flavour::Db => "DB parameter group",
            Flavour::Cluster => "DB cluster parameter group",
        }
    }
}

fn schema(flavour: Flavour) -> Schema {
    let parameter = Schema::new()
        .attr(
            Attribute::string("name")
                .required()
                .describe("Parameter name (case-insensitive; stored lower-cased)."),
        )
        .attr(
            Attribute::string("value")
                .required()
                .describe("Parameter value."),
        )
        .attr(
            Attribute::string("apply_method")
                .default("immediate")
                .describe("immediate or pending-reboot."),
        );
    let s = Schema::new()
        .describe(match flavour {
            Flavour::Db => "An RDS DB parameter group.",
            Flavour::Cluster => "An RDS DB cluster parameter group (Aurora).",
        })
        .attr(
            Attribute::string("id")
                .output()
                .describe("The group's name."),
        )
        .attr(
            Attribute::string("name")
                .computed()
                .force_new()
                .describe("Name; generated from name_prefix (or `terraform-`) when not set."),
        )
        .attr(
            Attribute::string("name_prefix")
                .computed()
                .force_new()
                .describe("Creates a unique name beginning with this prefix."),
        )
        .attr(
            Attribute::string("family")
                .required()
                .force_new()
                .describe("Parameter group family, e.g. mysql8.0 or aurora-mysql8.0."),
        )
        .attr(
            Attribute::string("description")
                .default(DEFAULT_DESCRIPTION)
                .force_new()
                .describe("Description of the group."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The group's ARN."),
        );
    let s = if flavour == Flavour::Db {
        s.attr(
            Attribute::bool("skip_destroy")
                .default(false)
                .describe("Leave the group in AWS on destroy."),
        )
    } else {
        s
    };
    s.block(
        BlockType::set("parameter", parameter)
            .describe("Parameters to set; others keep the family's defaults."),
    )
    .tags()
}

static DB_SCHEMA: LazyLock<Schema> = LazyLock::new(|| schema(Flavour::Db));
static CLUSTER_SCHEMA: LazyLock<Schema> = LazyLock::new(|| schema(Flavour::Cluster));

// ----------------------------------------------------------------------------------------
// Pure rules (unit tested)
// ----------------------------------------------------------------------------------------

/// Why a parameter group name (or prefix) is invalid: `[0-9a-z.-]` (no periods in a prefix),
/// first a letter, no `--`, no trailing `-` (except a prefix), at most 255 characters.
fn name_problem(name: &str, prefix: bool) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if let Some(c) = name.chars().find(|c| {
        !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || (!prefix && *c == '.'))
    }) {
        return Some(format!(
            "only lowercase letters, digits{} and hyphens are allowed, found {c:?}",
            if prefix { "" } else { ", periods" }
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a letter".into());
    }
    if name.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if !prefix && name.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    if name.len() > 255 {
        return Some("must be at most 255 characters".into());
    }
    None
}

/// One parameter as tracked in state: lower-cased name and apply method.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Param {
    pub name: String,
    pub value: String,
    pub apply_method: String,
}

impl Param {
    fn to_value(&self) -> Value {
        Value::Map(Map::from([
            ("name".to_string(), Value::from(self.name.as_str())),
            ("value".to_string(), Value::from(self.value.as_str())),
            (
                "apply_method".to_string(),
                Value::from(self.apply_method.as_str()),
            ),
        ]))
    }

    fn to_sdk(&self) -> Parameter {
        Parameter::builder()
            .parameter_name(&self.name)
            .parameter_value(&self.value)
            .apply_method(ApplyMethod::from(self.apply_method.as_str()))
            .build()
    }
}

/// The parameters of a planned or prior object.
fn params_of(v: &Value) -> BTreeSet<Param> {
    v.get("parameter")
        .and_then(Value::as_list)
        .map(|items| {
            items
                .iter()
                .filter_map(|p| {
                    Some(Param {
                        name: obj::str(p, "name")?.to_lowercase(),
                        value: p
                            .get("value")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        apply_method: obj::str(p, "apply_method")
                            .unwrap_or("immediate")
                            .to_lowercase(),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Splits parameters to send into Modify calls of at most 20: dependent parameters together
/// and first, then `immediate` ones, then `pending-reboot` ones.
pub fn modify_batches(params: &[Param]) -> Vec<Vec<Param>> {
    let mut units: Vec<Vec<Param>> = Vec::new();
    let mut rest: Vec<Param> = Vec::new();
    let mut grouped: BTreeSet<String> = BTreeSet::new();
    for group in DEPENDENT {
        let unit: Vec<Param> = params
            .iter()
            .filter(|p| group.contains(&p.name.as_str()))
            .cloned()
            .collect();
        if !unit.is_empty() {
            grouped.extend(unit.iter().map(|p| p.name.clone()));
            units.push(unit);
        }
    }
    for p in params {
        if !grouped.contains(&p.name) {
            rest.push(p.clone());
        }
    }
    rest.sort_by_key(|p| p.apply_method != "immediate");
    units.extend(rest.into_iter().map(|p| vec![p]));
    let mut batches: Vec<Vec<Param>> = Vec::new();
    for unit in units {
        match batches.last_mut() {
            Some(b) if b.len() + unit.len() <= PARAMETER_BATCH => b.extend(unit),
            _ => batches.push(unit),
        }
    }
    batches
}

/// What to send for a change of parameters: (to modify, to reset).
pub fn parameter_changes(old: &BTreeSet<Param>, new: &BTreeSet<Param>) -> (Vec<Param>, Vec<Param>) {
    let modify: Vec<Param> = new.difference(old).cloned().collect();
    let new_names: BTreeSet<&str> = new.iter().map(|p| p.name.as_str()).collect();
    let reset: Vec<Param> = old
        .iter()
        .filter(|p| !new_names.contains(p.name.as_str()))
        .cloned()
        .collect();
    (modify, reset)
}

// ----------------------------------------------------------------------------------------
// AWS calls, per flavour
// ----------------------------------------------------------------------------------------

/// A group as both flavours describe it.
struct GroupInfo {
    name: String,
    family: Option<String>,
    description: Option<String>,
    arn: Option<String>,
}

fn code_of<E: ProvideErrorMetadata>(e: &aws_sdk_rds::error::SdkError<E>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

fn is_not_found(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "DBParameterGroupNotFound"
                | "DBParameterGroupNotFoundFault"
                | "DBClusterParameterGroupNotFound"
                | "DBClusterParameterGroupNotFoundFault"
        )
    )
}

impl ParameterGroup {
    async fn list_groups(&self, ctx: &Ctx) -> ProviderResult<Vec<GroupInfo>> {
        let mut out = Vec::new();
        match self.flavour {
            Flavour::Db => {
                let mut pages = ctx
                    .rds()
                    .describe_db_parameter_groups()
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page =
                        page.map_err(|e| ProviderError::sdk("describing DB parameter groups", e))?;
                    out.extend(
                        page.db_parameter_groups
                            .unwrap_or_default()
                            .into_iter()
                            .map(|g| GroupInfo {
                                name: g.db_parameter_group_name.unwrap_or_default(),
                                family: g.db_parameter_group_family,
                                description: g.description,
                                arn: g.db_parameter_group_arn,
                            }),
                    );
                }
            }
            Flavour::Cluster => {
                let mut pages = ctx
                    .rds()
                    .describe_db_cluster_parameter_groups()
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    let page = page.map_err(|e| {
                        ProviderError::sdk("describing DB cluster parameter groups", e)
                    })?;
                    out.extend(
                        page.db_cluster_parameter_groups
                            .unwrap_or_default()
                            .into_iter()
                            .map(|g| GroupInfo {
                                name: g.db_cluster_parameter_group_name.unwrap_or_default(),
                                family: g.db_parameter_group_family,
                                description: g.description,
                                arn: g.db_cluster_parameter_group_arn,
                            }),
                    );
                }
            }
        }
        Ok(out)
    }

    /// The user-set parameters of a group, or `None` when the group is gone.
    async fn user_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> ProviderResult<Option<Vec<Parameter>>> {
        let mut out = Vec::new();
        let action = format!("describing parameters of {} {name}", self.what());
        match self.flavour {
            Flavour::Db => {
                let mut pages = ctx
                    .rds()
                    .describe_db_parameters()
                    .db_parameter_group_name(name)
                    .source("user")
                    .into_paginator()
                    .send();
                while let Some(page) = pages.next().await {
                    match page {
                        Ok(p) => out.extend(p.parameters.unwrap_or_default()),
                        Err(e) if is_not_found(code_of(&e)) => return Ok(None),
                        Err(e) => return Err(ProviderError::sdk(&action, e)),
                    }
                }
            }
            Flavour::Cluster => {
                let mut marker: Option<String> = None;
                loop {
                    let page = match ctx
                        .rds()
                        .describe_db_cluster_parameters()
                        .db_cluster_parameter_group_name(name)
                        .source("user")
                        .set_marker(marker.take())
                        .send()
                        .await
                    {
                        Ok(p) => p,
                        Err(e) if is_not_found(code_of(&e)) => return Ok(None),
                        Err(e) => return Err(ProviderError::sdk(&action, e)),
                    };
                    out.extend(page.parameters.unwrap_or_default());
                    match page.marker {
                        Some(m) if !m.is_empty() => marker = Some(m),
                        _ => break,
                    }
                }
            }
        }
        Ok(Some(out))
    }

    async fn create_group(&self, ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<()> {
        let tags = rds_tags::create_tags(ctx, planned);
        let family = obj::string(planned, "family");
        let description = obj::str(planned, "description").unwrap_or(DEFAULT_DESCRIPTION);
        let action = format!("creating {} {name}", self.what());
        match self.flavour {
            Flavour::Db => {
                ctx.rds()
                    .create_db_parameter_group()
                    .db_parameter_group_name(name)
                    .set_db_parameter_group_family(family)
                    .description(description)
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&action, e))?;
            }
            Flavour::Cluster => {
                ctx.rds()
                    .create_db_cluster_parameter_group()
                    .db_cluster_parameter_group_name(name)
                    .set_db_parameter_group_family(family)
                    .description(description)
                    .set_tags(tags)
                    .send()
                    .await
                    .map_err(|e| ProviderError::sdk(&action, e))?;
            }
        }
        Ok(())
    }

    async fn modify(&self, ctx: &Ctx, name: &str, params: Vec<Parameter>) -> ProviderResult<()> {
        let action = format!("modifying {} {name}", self.what());
        match self.flavour {
            Flavour::Db => ctx
                .rds()
                .modify_db_parameter_group()
                .db_parameter_group_name(name)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ProviderError::sdk(&action, e)),
            Flavour::Cluster => ctx
                .rds()
                .modify_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(name)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| ProviderError::sdk(&action, e)),
        }
    }

    /// Resets parameters; `Ok(false)` when AWS says the group is busy (retry later).
    async fn reset(&self, ctx: &Ctx, name: &str, params: Vec<Parameter>) -> ProviderResult<bool> {
        let action = format!("resetting parameters of {} {name}", self.what());
        let result = match self.flavour {
            Flavour::Db => ctx
                .rds()
                .reset_db_parameter_group()
                .db_parameter_group_name(name)
                .reset_all_parameters(false)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        code_of(&e).map(str::to_string),
                        ProviderError::sdk(&action, e),
                    )
                }),
            Flavour::Cluster => ctx
                .rds()
                .reset_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(name)
                .reset_all_parameters(false)
                .set_parameters(Some(params))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| {
                    (
                        code_of(&e).map(str::to_string),
                        ProviderError::sdk(&action, e),
                    )
                }),
        };
        match result {
            Ok(()) => Ok(true),
            Err((Some(c), _)) if c.starts_with("InvalidDBParameterGroupState") => Ok(false),
            Err((_, e)) => Err(e),
        }
    }

    /// Deletes the group; `Ok(false)` while AWS says it is in use.
    async fn delete_group(&self, ctx: &Ctx, name: &str) -> ProviderResult<bool> {
        let action = format!("deleting {} {name}", self.what());
        let code = match self.flavour {
            Flavour::Db => match ctx
                .rds()
                .delete_db_parameter_group()
                .db_parameter_group_name(name)
                .send()
                .await
            {
                Ok(_) => return Ok(true),
                Err(e) => (
                    code_of(&e).map(str::to_string),
                    ProviderError::sdk(&action, e),
                ),
            },
            Flavour::Cluster => match ctx
                .rds()
                .delete_db_cluster_parameter_group()
                .db_cluster_parameter_group_name(name)
                .send()
                .await
            {
                Ok(_) => return Ok(true),
                Err(e) => (
                    code_of(&e).map(str::to_string),
                    ProviderError::sdk(&action, e),
                ),
            },
        };
        match code {
            (c, _) if is_not_found(c.as_deref()) => Ok(true),
            (Some(c), _) if c.starts_with("InvalidDBParameterGroupState") => Ok(false),
            (_, e) => Err(e),
        }
    }

    /// Sends a change of parameters: Modify for new or changed ones, Reset for removed ones.
    async fn apply_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
        old: &BTreeSet<Param>,
        new: &BTreeSet<Param>,
    ) -> ProviderResult<()> {
        let (modify, reset) = parameter_changes(old, new);
        for batch in reset.chunks(PARAMETER_BATCH) {
            let params: Vec<Parameter> = batch.iter().map(Param::to_sdk).collect();
            ctx.wait_until(
                &format!("{} {name} to accept a parameter reset", self.what()),
                BUSY_RETRY,
                || self.reset(ctx, name, params.clone()),
            )
            .await?;
        }
        for batch in modify_batches(&modify) {
            self.modify(ctx, name, batch.iter().map(Param::to_sdk).collect())
                .await?;
        }
        Ok(())
    }

    async fn read_one(&self, ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<Value> {
        let registered: &'static ParameterGroup = match self.flavour {
            Flavour::Db => &super::DB_PARAMETER_GROUP,
            Flavour::Cluster => &super::RDS_CLUSTER_PARAMETER_GROUP,
        };
        let mut state = ctx.read_back(registered, name).await?;
        obj::keep_from(&mut state, planned, &["skip_destroy"]);
        Ok(state)
    }
}

fn state_of(
    ctx: &Ctx,
    flavour: Flavour,
    g: &GroupInfo,
    params: &[Parameter],
    tags: &BTreeMap<String, String>,
) -> Value {
    let (tags, tags_all) = rds_tags::state_values(ctx, tags);
    let params = params.iter().filter_map(|p| {
        Some(
            Param {
                name: p.parameter_name()?.to_lowercase(),
                value: p.parameter_value().unwrap_or_default().to_string(),
                apply_method: p
                    .apply_method()
                    .map(|m| m.as_str().to_lowercase())
                    .unwrap_or_else(|| "immediate".into()),
            }
            .to_value(),
        )
    });
    let mut m = Map::new();
    m.insert("id".into(), Value::from(g.name.as_str()));
    m.insert("name".into(), Value::from(g.name.as_str()));
    m.insert(
        "name_prefix".into(),
        obj::opt_str(naming::prefix_from_name(&g.name)),
    );
    m.insert("family".into(), obj::opt_str(g.family.as_deref()));
    m.insert("description".into(), obj::opt_str(g.description.as_deref()));
    m.insert("arn".into(), obj::opt_str(g.arn.as_deref()));
    if flavour == Flavour::Db {
        m.insert("skip_destroy".into(), Value::Bool(false));
    }
    m.insert("parameter".into(), obj::set(params));
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}

#[async_trait]
impl ResourceType for ParameterGroup {
    fn type_name(&self) -> &'static str {
        match self.flavour {
            Flavour::Db => "aws_db_parameter_group",
            Flavour::Cluster => "aws_rds_cluster_parameter_group",
        }
    }

    fn schema(&self) -> &Schema {
        match self.flavour {
            Flavour::Db => &DB_SCHEMA,
            Flavour::Cluster => &CLUSTER_SCHEMA,
        }
    }

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let name = config.get("name").and_then(Value::as_str);
        let prefix = config.get("name_prefix").and_then(Value::as_str);
        if name.is_some() && prefix.is_some() {
            problems.push(ConfigProblem::new(
                Some("name_prefix"),
                "\"name\" and \"name_prefix\" cannot both be set",
                "set one of them: name for a fixed name, name_prefix for a generated one",
            ));
        }
        if let Some(p) = name.and_then(|n| name_problem(n, false)) {
            problems.push(ConfigProblem::new(
                Some("name"),
                format!("invalid {} name: {p}", self.what()),
                "use lowercase letters, digits, periods and single hyphens, starting with a letter",
            ));
        }
        if let Some(p) = prefix.and_then(|n| name_problem(n, true)) {
            problems.push(ConfigProblem::new(
                Some("name_prefix"),
                format!("invalid {} name prefix: {p}", self.what()),
                "use lowercase letters, digits and single hyphens, starting with a letter",
            ));
        }
        let params = config
            .get("parameter")
            .and_then(Value::as_list)
            .cloned()
            .unwrap_or_default();
        let mut seen = BTreeSet::new();
        for p in &params {
            if let Some(m) = p.get("apply_method").and_then(Value::as_str) {
                let lower = m.to_lowercase();
                if lower != "immediate" && lower != "pending-reboot" {
                    problems.push(ConfigProblem::new(
                        Some("parameter"),
                        format!("invalid apply_method \"{m}\""),
                        "use \"immediate\" or \"pending-reboot\"",
                    ));
                }
            }
            if let Some(n) = p.get("name").and_then(Value::as_str) {
                if !seen.insert(n.to_lowercase()) {
                    problems.push(ConfigProblem::new(
                        Some("parameter"),
                        format!("parameter \"{n}\" is set more than once"),
                        "parameter names are case-insensitive: keep one block per parameter",
                    ));
                }
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let Value::Map(m) = planned else { return };
        // Names and apply methods are case-insensitive: lower-case them as state does.
        if let Some(Value::List(items)) = m.get_mut("parameter") {
            for item in items.iter_mut() {
                if let Value::Map(p) = item {
                    for key in ["name", "apply_method"] {
                        if let Some(s) = p.get(key).and_then(Value::as_str) {
                            let lower = s.to_lowercase();
                            p.insert(key.into(), Value::from(lower));
                        }
                    }
                }
            }
            crate::value::sort_dedup(items);
        }
        if prior.is_some() {
            return;
        }
        let name = m.get("name").cloned().unwrap_or(Value::Null);
        if !name.is_known() || name.is_null() {
            let prefix = m
                .get("name_prefix")
                .and_then(Value::as_str)
                .unwrap_or(DEFAULT_PREFIX)
                .to_string();
            let generated = unique_name(&prefix);
            m.insert("name".into(), Value::from(generated.as_str()));
            m.insert("id".into(), Value::from(generated.as_str()));
            m.insert("name_prefix".into(), Value::from(prefix.as_str()));
        } else if let Some(n) = name.as_str() {
            m.insert("id".into(), Value::from(n.to_lowercase()));
            if m.get("name_prefix").is_none_or(|p| !p.is_known()) {
                m.insert(
                    "name_prefix".into(),
                    obj::opt_str(naming::prefix_from_name(n)),
                );
            }
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let groups: Vec<GroupInfo> = self
            .list_groups(ctx)
            .await?
            .into_iter()
            .filter(|g| wanted.contains(g.name.as_str()))
            .collect();
        let arns: Vec<String> = groups.iter().filter_map(|g| g.arn.clone()).collect();
        // DescribeDB[Cluster]Parameters takes exactly one group name (the API has no
        // multi-group read), so parameters stay one call (or a few pages) per group: the
        // groups are read side by side, READ_CONCURRENCY at a time, with the tags of all of
        // them in the meantime.
        let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        let params = super::read_each(names, |name| async move {
            self.user_parameters(ctx, &name).await
        });
        let (mut params, mut tags) =
            futures::try_join!(params, tagging::list_many(ctx, Service::Rds, &arns))?;
        for g in &groups {
            // None: deleted between the two calls.
            let Some(params) = params.remove(&g.name).flatten() else {
                continue;
            };
            let tags = g
                .arn
                .as_ref()
                .and_then(|a| tags.remove(a))
                .unwrap_or_default();
            out.insert(
                g.name.clone(),
                state_of(ctx, self.flavour, g, &params, &tags),
            );
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(planned, "name").ok_or_else(|| {
            ProviderError::new(format!("{}: the name is not known", self.type_name()))
        })?;
        let id = name.to_lowercase();
        self.create_group(ctx, &name, planned).await?;
        self.apply_parameters(ctx, &id, &BTreeSet::new(), &params_of(planned))
            .await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new(format!("{}: prior state has no id", self.type_name()))
        })?;
        self.apply_parameters(ctx, &id, &params_of(prior), &params_of(planned))
            .await?;
        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, "arn").ok_or_else(|| {
                ProviderError::new(format!("{} {id}: no ARN in state", self.what()))
            })?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.read_one(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id").ok_or_else(|| {
            ProviderError::new(format!("{}: prior state has no id", self.type_name()))
        })?;
        if self.flavour == Flavour::Db && obj::bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        ctx.wait_until(
            &format!("{} {id} to be no longer in use", self.what()),
            BUSY_RETRY,
            || self.delete_group(ctx, &id),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, value: &str, method: &str) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
            apply_method: method.into(),
        }
    }

    #[test]
    fn name_rules() {
        assert_eq!(name_problem("mysql8.0-app", false), None);
        assert!(name_problem("Upper", false).is_some());
        assert!(name_problem("1abc", false).is_some());
        assert!(name_problem("a--b", false).is_some());
        assert!(name_problem("ab-", false).is_some());
        assert_eq!(name_problem("ab-", true), None);
        assert!(name_problem("a.b-", true).is_some());
        assert!(name_problem(&"a".repeat(256), false).is_some());
    }

    #[test]
    fn validate_checks_names_and_parameters() {
        let cfg = Value::Map(Map::from([
            ("name".to_string(), Value::from("pg")),
            ("name_prefix".to_string(), Value::from("pg-")),
            (
                "parameter".to_string(),
                Value::List(vec![
                    p("a", "1", "sometime").to_value(),
                    p("B", "1", "immediate").to_value(),
                    p("b", "2", "immediate").to_value(),
                ]),
            ),
        ]));
        let attrs: Vec<_> = ParameterGroup::DB
            .validate(&cfg)
            .into_iter()
            .map(|p| p.attribute)
            .collect();
        assert_eq!(
            attrs,
            [Some("name_prefix"), Some("parameter"), Some("parameter")]
        );
    }

    #[test]
    fn changes_modify_new_values_and_reset_removed_names() {
        let old: BTreeSet<Param> = [p("a", "1", "immediate"), p("b", "1", "immediate")].into();
        let new: BTreeSet<Param> = [p("a", "2", "immediate"), p("c", "1", "pending-reboot")].into();
        let (modify, reset) = parameter_changes(&old, &new);
        assert_eq!(
            modify,
            [p("a", "2", "immediate"), p("c", "1", "pending-reboot")]
        );
        assert_eq!(reset, [p("b", "1", "immediate")]);
    }

    #[test]
    fn batches_keep_dependent_parameters_together() {
        let mut params: Vec<Param> = (0..25)
            .map(|i| {
                p(
                    &format!("p{i:02}"),
                    "1",
                    if i % 2 == 0 {
                        "pending-reboot"
                    } else {
                        "immediate"
                    },
                )
            })
            .collect();
        params.push(p("character_set_server", "utf8mb4", "immediate"));
        params.push(p("collation_server", "utf8mb4_bin", "immediate"));
        let batches = modify_batches(&params);
        assert_eq!(batches.len(), 2);
        assert!(batches.iter().all(|b| b.len() <= 20));
        assert_eq!(batches[0][0].name, "character_set_server");
        assert_eq!(batches[0][1].name, "collation_server");
        // immediate before pending-reboot
        let methods: Vec<&str> = batches
            .iter()
            .flatten()
            .skip(2)
            .map(|p| p.apply_method.as_str())
            .collect();
        let first_reboot = methods.iter().position(|m| *m == "pending-reboot").unwrap();
        assert!(methods[first_reboot..]
            .iter()
            .all(|m| *m == "pending-reboot"));
    }

    #[test]
    fn plan_lower_cases_parameters_and_generates_names() {
        let mut planned = Value::Map(Map::from([
            ("name".to_string(), Value::Unknown),
            (
                "parameter".to_string(),
                Value::List(vec![
                    p("Character_Set_Server", "utf8", "Immediate").to_value()
                ]),
            ),
        ]));
        ParameterGroup::CLUSTER.customize_plan(None, &mut planned);
        assert!(obj::str(&planned, "name")
            .unwrap()
            .starts_with("terraform-"));
        assert_eq!(
            params_of(&planned).into_iter().collect::<Vec<_>>(),
            [p("character_set_server", "utf8", "immediate")]
        );
        assert!(ParameterGroup::CLUSTER
            .schema()
            .attribute("skip_destroy")
            .is_none());
        assert!(ParameterGroup::DB
            .schema()
            .attribute("skip_destroy")
            .is_some());
    }
}
