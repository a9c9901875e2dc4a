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

use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::{ApplyMethod, Parameter};

/// Modify and Reset take at most 20 parameters per call.
const PARAMETER_BATCH: usize = 20;

/// How long a group still in use (or with pending changes) is retried.
const BUSY_RETRY: Duration = Duration::from_secs(3 * 60);

const GONE: &[&str] = &[
    "DBParameterGroupNotFound",
    "DBParameterGroupNotFoundFault",
    "DBClusterParameterGroupNotFound",
    "DBClusterParameterGroupNotFoundFault",
];

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

pub static DB_PARAMETER_GROUP: ParameterGroup = ParameterGroup {
    flavour: Flavour::Db,
};
pub static RDS_CLUSTER_PARAMETER_GROUP: ParameterGroup = ParameterGroup {
    flavour: Flavour::Cluster,
};

/// The same call in both flavours: `$db` (a DB…ParameterGroup operation and its name setter)
/// or `$cluster`, then `$rest` on it.
macro_rules! each_flavour {
    ($flavour:expr, $ctx:expr, $name:expr, $db:ident . $db_name:ident | $cluster:ident . $cluster_name:ident, |$c:ident| $rest:expr) => {
        match $flavour {
            Flavour::Db => {
                let $c = $ctx.rds().$db().$db_name($name);
                $rest
            }
            Flavour::Cluster => {
                let $c = $ctx.rds().$cluster().$cluster_name($name);
                $rest
            }
        }
    };
}

fn schema(flavour: Flavour) -> Schema {
    let s = schema! {
        "";
        regional;
        id          string output                                  "The group's name.";
        name        string computed force_new check(|v| name_problem(v.as_str()?, false)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix string computed force_new conflicts_with(&["name"]) check(|v| name_problem(v.as_str()?, true)) "Creates a unique name beginning with this prefix.";
        family      string required force_new                      "Parameter group family, e.g. mysql8.0 or aurora-mysql8.0.";
        description string default("Managed by Terraform") force_new "Description of the group.";
        arn         string output                                  "The group's ARN.";
        id_from name;
    };
    let s = match flavour {
        Flavour::Db => s
            .describe("An RDS DB parameter group.")
            // Never read from AWS: a refresh keeps what state has.
            .attr(
                Attribute::bool("skip_destroy")
                    .default(false)
                    .virtual_()
                    .describe("Leave the group in AWS on destroy."),
            ),
        Flavour::Cluster => s.describe("An RDS DB cluster parameter group (Aurora)."),
    };
    let parameter = schema! {
        "";
        name         string required lowercase                 "Parameter name (case-insensitive; stored lower-cased).";
        value        string required                           "Parameter value.";
        apply_method string default("immediate") lowercase regex("(?i)^(immediate|pending-reboot)$", "immediate or pending-reboot") "immediate or pending-reboot.";
    };
    s.block(
        BlockType::set("parameter", parameter)
            .describe("Parameters to set; others keep the family's defaults."),
    )
    .tags()
}

static DB_SCHEMA: LazyLock<Schema> = LazyLock::new(|| schema(Flavour::Db));
static CLUSTER_SCHEMA: LazyLock<Schema> = LazyLock::new(|| schema(Flavour::Cluster));

/// Why a parameter group name (or prefix) is invalid: `[0-9a-z.-]` (no periods in a prefix),
/// first a letter, no `--`, no trailing `-` (except a prefix), at most 255 characters.
fn name_problem(name: &str, prefix: bool) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    let allowed =
        |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || (!prefix && c == '.');
    if let Some(c) = name.chars().find(|c| !allowed(*c)) {
        let periods = if prefix { "" } else { ", periods" };
        return Some(format!(
            "only lowercase letters, digits{periods} and hyphens are allowed, found {c:?}"
        ));
    }
    super::identifier_shape(name, prefix)
        .or_else(|| (name.len() > 255).then(|| "must be at most 255 characters".into()))
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
        Value::Map(
            object! { "name" => &self.name, "value" => &self.value, "apply_method" => &self.apply_method },
        )
    }

    fn to_sdk(&self) -> Parameter {
        let method = ApplyMethod::from(self.apply_method.as_str());
        Parameter::builder()
            .parameter_name(&self.name)
            .parameter_value(&self.value)
            .apply_method(method)
            .build()
    }

    fn from_sdk(p: &Parameter) -> Option<Param> {
        Some(Param {
            name: p.parameter_name()?.to_lowercase(),
            value: p.parameter_value().unwrap_or_default().to_string(),
            apply_method: p
                .apply_method()
                .map_or("immediate".into(), |m| m.as_str().to_lowercase()),
        })
    }
}

/// The parameters of a planned or prior object.
fn params_of(v: &Value) -> BTreeSet<Param> {
    let items = state::items(v, "parameter");
    items
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
}

/// Splits parameters to send into Modify calls of at most 20: dependent parameters together
/// and first, then `immediate` ones, then `pending-reboot` ones.
pub fn modify_batches(params: &[Param]) -> Vec<Vec<Param>> {
    let dependent = |p: &Param| DEPENDENT.iter().position(|g| g.contains(&p.name.as_str()));
    let mut units: Vec<Vec<Param>> = Vec::new();
    for (i, _) in DEPENDENT.iter().enumerate() {
        let unit: Vec<Param> = params
            .iter()
            .filter(|p| dependent(p) == Some(i))
            .cloned()
            .collect();
        if !unit.is_empty() {
            units.push(unit);
        }
    }
    let mut rest: Vec<Param> = params
        .iter()
        .filter(|p| dependent(p).is_none())
        .cloned()
        .collect();
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
    let reset = old
        .iter()
        .filter(|p| !new_names.contains(p.name.as_str()))
        .cloned()
        .collect();
    (modify, reset)
}

/// AWS refuses the call for now: the group is in use, or has changes pending.
fn busy(e: &ProviderError) -> bool {
    e.code
        .as_deref()
        .is_some_and(|c| c.starts_with("InvalidDBParameterGroupState"))
}

/// A group as both flavours describe it.
struct GroupInfo {
    name: String,
    family: Option<String>,
    description: Option<String>,
    arn: Option<String>,
}

impl ParameterGroup {
    fn what(&self) -> &'static str {
        match self.flavour {
            Flavour::Db => "DB parameter group",
            Flavour::Cluster => "DB cluster parameter group",
        }
    }

    fn registered(&self) -> &'static ParameterGroup {
        match self.flavour {
            Flavour::Db => &DB_PARAMETER_GROUP,
            Flavour::Cluster => &RDS_CLUSTER_PARAMETER_GROUP,
        }
    }

    async fn list_groups(&self, ctx: &Ctx) -> ProviderResult<Vec<GroupInfo>> {
        let what = format!("describing {}s", self.what());
        Ok(match self.flavour {
            Flavour::Db => {
                let found = all(
                    &what,
                    ctx.rds()
                        .describe_db_parameter_groups()
                        .into_paginator()
                        .items()
                        .send(),
                );
                let info = |g: aws_sdk_rds::types::DbParameterGroup| GroupInfo {
                    name: g.db_parameter_group_name.unwrap_or_default(),
                    family: g.db_parameter_group_family,
                    description: g.description,
                    arn: g.db_parameter_group_arn,
                };
                found.await?.into_iter().map(info).collect()
            }
            Flavour::Cluster => {
                let found = all(
                    &what,
                    ctx.rds()
                        .describe_db_cluster_parameter_groups()
                        .into_paginator()
                        .items()
                        .send(),
                );
                let info = |g: aws_sdk_rds::types::DbClusterParameterGroup| GroupInfo {
                    name: g.db_cluster_parameter_group_name.unwrap_or_default(),
                    family: g.db_parameter_group_family,
                    description: g.description,
                    arn: g.db_cluster_parameter_group_arn,
                };
                found.await?.into_iter().map(info).collect()
            }
        })
    }

    /// The user-set parameters of a group, or `None` when the group is gone.
    async fn user_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
    ) -> ProviderResult<Option<Vec<Parameter>>> {
        let what = format!("describing parameters of {} {name}", self.what());
        let found = each_flavour! {
            self.flavour, ctx, name,
            describe_db_parameters.db_parameter_group_name | describe_db_cluster_parameters.db_cluster_parameter_group_name,
            |c| all(&what, c.source("user").into_paginator().items().send()).await
        };
        unless(found, GONE)
    }

    async fn create_group(&self, ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<()> {
        let (family, description) = (
            obj::string(planned, "family"),
            obj::string(planned, "description"),
        );
        let tags = tags::for_create(ctx, planned);
        let what = format!("creating {} {name}", self.what());
        each_flavour! {
            self.flavour, ctx, name,
            create_db_parameter_group.db_parameter_group_name | create_db_cluster_parameter_group.db_cluster_parameter_group_name,
            |c| c.set_db_parameter_group_family(family).set_description(description).set_tags(tags).send().await.during(&what).map(drop)
        }
    }

    /// Sends a change of parameters: Reset for removed ones (sent again while AWS says the
    /// group is busy), Modify for new or changed ones.
    async fn apply_parameters(
        &self,
        ctx: &Ctx,
        name: &str,
        old: &BTreeSet<Param>,
        new: &BTreeSet<Param>,
    ) -> ProviderResult<()> {
        let (modify, reset) = parameter_changes(old, new);
        let what = format!("{} {name} to accept a parameter reset", self.what());
        for batch in reset.chunks(PARAMETER_BATCH) {
            let params: Vec<Parameter> = batch.iter().map(Param::to_sdk).collect();
            let action = format!("resetting parameters of {} {name}", self.what());
            ctx.retry_while(&what, BUSY_RETRY, busy, || async {
                each_flavour! {
                    self.flavour, ctx, name,
                    reset_db_parameter_group.db_parameter_group_name | reset_db_cluster_parameter_group.db_cluster_parameter_group_name,
                    |c| c.reset_all_parameters(false).set_parameters(Some(params.clone())).send().await.during(&action).map(drop)
                }
            })
            .await?;
        }
        for batch in modify_batches(&modify) {
            let params: Vec<Parameter> = batch.iter().map(Param::to_sdk).collect();
            let action = format!("modifying {} {name}", self.what());
            each_flavour! {
                self.flavour, ctx, name,
                modify_db_parameter_group.db_parameter_group_name | modify_db_cluster_parameter_group.db_cluster_parameter_group_name,
                |c| c.set_parameters(Some(params)).send().await.during(&action).map(drop)
            }?;
        }
        Ok(())
    }
}

fn state_of(
    ctx: &Ctx,
    flavour: Flavour,
    g: &GroupInfo,
    params: &[Parameter],
    tags: tags::Tags,
) -> Value {
    let mut m = object! {
        "id" => &g.name,
        "name" => &g.name,
        "name_prefix" => prefix_from_name(&g.name),
        "family" => g.family.as_deref(),
        "description" => g.description.as_deref(),
        "arn" => g.arn.as_deref(),
        "parameter" => obj::set(params.iter().filter_map(Param::from_sdk).map(|p| p.to_value())),
    };
    if flavour == Flavour::Db {
        // Not AWS's: a refresh keeps the state's value (the attribute is virtual).
        m.insert("skip_destroy".into(), Value::Bool(false));
    }
    tags::put(ctx, &mut m, tags);
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

    /// Parameter names are case-insensitive: two blocks for one name are one parameter set
    /// twice.
    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        state::duplicates(config, "parameter", "name", true)
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut groups = self.list_groups(ctx).await?;
        groups.retain(|g| ids.contains(&g.name));
        let arns: Vec<String> = groups.iter().filter_map(|g| g.arn.clone()).collect();
        // DescribeDB[Cluster]Parameters takes exactly one group name (the API has no
        // multi-group read), so parameters stay one call (or a few pages) per group: the
        // groups are read side by side, READ_CONCURRENCY at a time, with the tags of all of
        // them in the meantime.
        let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        let params = read_each(names, |name| async move {
            self.user_parameters(ctx, &name).await
        });
        let tags = tagging::list_many(ctx, tagging::Service::Rds, &arns);
        let (mut params, mut tags) = futures::try_join!(params, tags)?;
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
                state_of(ctx, self.flavour, g, &params, tags),
            );
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let id = name.to_lowercase();
        self.create_group(ctx, &name, planned).await?;
        self.apply_parameters(ctx, &id, &BTreeSet::new(), &params_of(planned))
            .await?;
        state::read_back(ctx, self.registered(), &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.apply_parameters(ctx, &id, &params_of(prior), &params_of(planned))
            .await?;
        tags::update(ctx, Service::Rds, prior, planned).await?;
        state::read_back(ctx, self.registered(), &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        if self.flavour == Flavour::Db && obj::bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        let (what, action) = (
            format!("{} {id} to be no longer in use", self.what()),
            format!("deleting {} {id}", self.what()),
        );
        let call = || async {
            each_flavour! {
                self.flavour, ctx, &id,
                delete_db_parameter_group.db_parameter_group_name | delete_db_cluster_parameter_group.db_cluster_parameter_group_name,
                |c| c.send().await.during(&action).map(drop)
            }
        };
        lifecycle::delete(ctx, &what, BUSY_RETRY, busy, GONE, call)
            .await
            .map(drop)
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
        let attrs: Vec<_> = crate::provider::config_problems(&DB_PARAMETER_GROUP, &cfg)
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
        RDS_CLUSTER_PARAMETER_GROUP
            .schema()
            .modify_plan(None, &planned.clone(), &mut planned);
        assert!(obj::str(&planned, "name")
            .unwrap()
            .starts_with("terraform-"));
        assert_eq!(
            params_of(&planned).into_iter().collect::<Vec<_>>(),
            [p("character_set_server", "utf8", "immediate")]
        );
        assert!(RDS_CLUSTER_PARAMETER_GROUP
            .schema()
            .attribute("skip_destroy")
            .is_none());
        assert!(DB_PARAMETER_GROUP
            .schema()
            .attribute("skip_destroy")
            .is_some());
    }
}
