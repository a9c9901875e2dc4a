//! `aws_db_option_group`: options (with their settings) for instances of one engine and
//! major version.
//!
//! The state `id` is the group's name, lower-cased as AWS stores it. Options change through
//! ModifyOptionGroup (always ApplyImmediately): new or changed options are included, options
//! whose name is gone are removed.
//!
//! AWS reports every setting of an option and its default port and version; a setting, port
//! or version that is not configured plans no change (it is taken from the prior state), so
//! only what the user wrote is ever sent as a change.

use super::naming::{self, unique_name, DEFAULT_PREFIX};
use super::tagging::{self, Service};
use super::{rds_tags, Ctx};
use crate::provider::{
    obj, Attribute, BlockType, ConfigProblem, ProviderError, ProviderResult, ResourceType, Schema,
};
use crate::value::{Map, Value};
use async_trait::async_trait;
use aws_sdk_rds::error::ProvideErrorMetadata;
use aws_sdk_rds::types::{
    Option as SdkOption, OptionConfiguration, OptionGroup as SdkGroup, OptionSetting,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;
use std::time::Duration;

pub struct DbOptionGroup;

const DEFAULT_DESCRIPTION: &str = "Managed by Terraform";
const DELETE_TIMEOUT: Duration = Duration::from_secs(15 * 60);
const UPDATE_RETRY: Duration = Duration::from_secs(2 * 60);

/// Value AWS shows for a secret option setting.
const MASKED: &str = "****";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let setting = Schema::new()
        .attr(
            Attribute::string("name")
                .required()
                .describe("Setting name."),
        )
        .attr(
            Attribute::string("value")
                .required()
                .describe("Setting value."),
        );
    let option = Schema::new()
        .attr(
            Attribute::string("option_name")
                .required()
                .describe("Name of the option, e.g. MARIADB_AUDIT_PLUGIN."),
        )
        .attr(Attribute::number("port").describe("Port of the option, where it has one."))
        .attr(Attribute::string("version").describe("Version of the option."))
        .attr(
            Attribute::string_set("db_security_group_memberships")
                .describe("DB security groups (EC2-Classic) for the option."),
        )
        .attr(
            Attribute::string_set("vpc_security_group_memberships")
                .describe("VPC security groups for the option."),
        )
        .block(BlockType::set("option_settings", setting).describe("Settings of the option."));
    Schema::new()
        .describe("An RDS option group.")
        .attr(
            Attribute::string("id")
                .output()
                .describe("The group's name (lower-cased)."),
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
            Attribute::string("option_group_description")
                .default(DEFAULT_DESCRIPTION)
                .force_new()
                .describe("Description of the group."),
        )
        .attr(
            Attribute::string("engine_name")
                .required()
                .force_new()
                .describe("Engine the group is for, e.g. mysql."),
        )
        .attr(
            Attribute::string("major_engine_version")
                .required()
                .force_new()
                .describe("Major engine version, e.g. 8.0."),
        )
        .attr(
            Attribute::bool("skip_destroy")
                .default(false)
                .describe("Leave the group in AWS on destroy."),
        )
        .attr(
            Attribute::string("arn")
                .output()
                .describe("The group's ARN."),
        )
        .block(BlockType::set("option", option).describe("Options of the group."))
        .tags()
});

// ----------------------------------------------------------------------------------------
// Pure rules (unit tested)
// ----------------------------------------------------------------------------------------

/// Why an option group name (or prefix) is invalid: a letter first, `[0-9a-z-]`, no `--`, no
/// trailing `-` (except a prefix), at most 255 (prefix 229) characters.
fn name_problem(name: &str, prefix: bool) -> Option<String> {
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lowercase letter".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Some(format!(
            "only lowercase letters, digits and hyphens are allowed, found {c:?}"
        ));
    }
    if name.contains("--") {
        return Some("must not contain two consecutive hyphens".into());
    }
    if !prefix && name.ends_with('-') {
        return Some("must not end with a hyphen".into());
    }
    let max = if prefix { 229 } else { 255 };
    if name.len() > max {
        return Some(format!("must be at most {max} characters"));
    }
    None
}

/// One option, in a form that compares the way AWS sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OptionSpec {
    pub name: String,
    pub port: Option<i32>,
    pub version: Option<String>,
    pub db_security_groups: BTreeSet<String>,
    pub vpc_security_groups: BTreeSet<String>,
    pub settings: BTreeMap<String, String>,
}

impl OptionSpec {
    fn from_value(v: &Value) -> Option<OptionSpec> {
        let settings = v
            .get("option_settings")
            .and_then(Value::as_list)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|s| {
                        Some((
                            obj::string(s, "name")?,
                            s.get("value")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(OptionSpec {
            name: obj::string(v, "option_name")?,
            port: obj::i32(v, "port"),
            version: obj::string(v, "version"),
            db_security_groups: obj::strings(v, "db_security_group_memberships")
                .into_iter()
                .collect(),
            vpc_security_groups: obj::strings(v, "vpc_security_group_memberships")
                .into_iter()
                .collect(),
            settings,
        })
    }

    fn from_sdk(o: &SdkOption) -> OptionSpec {
        OptionSpec {
            name: o.option_name().unwrap_or_default().to_string(),
            port: o.port(),
            version: o.option_version().map(str::to_string),
            db_security_groups: o
                .db_security_group_memberships()
                .iter()
                .filter_map(|m| m.db_security_group_name().map(str::to_string))
                .collect(),
            vpc_security_groups: o
                .vpc_security_group_memberships()
                .iter()
                .filter_map(|m| m.vpc_security_group_id().map(str::to_string))
                .collect(),
            settings: o
                .option_settings()
                .iter()
                .filter_map(|s| {
                    Some((
                        s.name()?.to_string(),
                        s.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
        }
    }

    fn to_value(&self) -> Value {
        let settings = self.settings.iter().map(|(k, v)| {
            Value::Map(Map::from([
                ("name".to_string(), Value::from(k.as_str())),
                ("value".to_string(), Value::from(v.as_str())),
            ]))
        });
        Value::Map(Map::from([
            ("option_name".to_string(), Value::from(self.name.as_str())),
            ("port".to_string(), obj::opt_i32(self.port)),
            ("version".to_string(), obj::opt_str(self.version.as_deref())),
            (
                "db_security_group_memberships".to_string(),
                obj::set(
                    self.db_security_groups
                        .iter()
                        .map(|s| Value::from(s.as_str())),
                ),
            ),
            (
                "vpc_security_group_memberships".to_string(),
                obj::set(
                    self.vpc_security_groups
                        .iter()
                        .map(|s| Value::from(s.as_str())),
                ),
            ),
            ("option_settings".to_string(), obj::set(settings)),
        ]))
    }

    fn to_sdk(&self) -> ProviderResult<OptionConfiguration> {
        let settings: Vec<OptionSetting> = self
            .settings
            .iter()
            .map(|(k, v)| OptionSetting::builder().name(k).value(v).build())
            .collect();
        Ok(OptionConfiguration::builder()
            .option_name(&self.name)
            .set_port(self.port)
            .set_option_version(self.version.clone())
            .set_db_security_group_memberships(
                (!self.db_security_groups.is_empty())
                    .then(|| self.db_security_groups.iter().cloned().collect()),
            )
            .set_vpc_security_group_memberships(
                (!self.vpc_security_groups.is_empty())
                    .then(|| self.vpc_security_groups.iter().cloned().collect()),
            )
            .set_option_settings((!settings.is_empty()).then_some(settings))
            .build())
    }
}

fn options_of(v: &Value) -> Vec<OptionSpec> {
    v.get("option")
        .and_then(Value::as_list)
        .map(|items| items.iter().filter_map(OptionSpec::from_value).collect())
        .unwrap_or_default()
}

/// (to include, to remove) for a change of options.
pub fn option_changes(old: &[OptionSpec], new: &[OptionSpec]) -> (Vec<OptionSpec>, Vec<String>) {
    let include: Vec<OptionSpec> = new.iter().filter(|o| !old.contains(o)).cloned().collect();
    let new_names: BTreeSet<&str> = new.iter().map(|o| o.name.as_str()).collect();
    let remove: Vec<String> = old
        .iter()
        .filter(|o| !new_names.contains(o.name.as_str()))
        .map(|o| o.name.clone())
        .collect();
    (include, remove)
}

/// A planned option completed from the prior one of the same name: unset port and version,
/// and settings not configured, are what AWS has; a masked secret setting is unchanged.
fn complete_option(planned: &OptionSpec, prior: &OptionSpec) -> OptionSpec {
    let mut out = planned.clone();
    out.port = out.port.or(prior.port);
    if out.version.is_none() {
        out.version.clone_from(&prior.version);
    }
    for (k, v) in &prior.settings {
        out.settings.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out
}

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: &BTreeMap<String, String>) -> Value {
    let name = g.option_group_name().unwrap_or_default();
    let (tags, tags_all) = rds_tags::state_values(ctx, tags);
    let mut m = Map::new();
    m.insert("id".into(), Value::from(name));
    m.insert("name".into(), Value::from(name));
    m.insert(
        "name_prefix".into(),
        obj::opt_str(naming::prefix_from_name(name)),
    );
    m.insert(
        "option_group_description".into(),
        obj::opt_str(g.option_group_description()),
    );
    m.insert("engine_name".into(), obj::opt_str(g.engine_name()));
    m.insert(
        "major_engine_version".into(),
        obj::opt_str(g.major_engine_version()),
    );
    m.insert("skip_destroy".into(), Value::Bool(false));
    m.insert("arn".into(), obj::opt_str(g.option_group_arn()));
    m.insert(
        "option".into(),
        obj::set(
            g.options()
                .iter()
                .map(|o| OptionSpec::from_sdk(o).to_value()),
        ),
    );
    m.insert("tags".into(), tags);
    m.insert("tags_all".into(), tags_all);
    Value::Map(m)
}

/// After a write: state carries what the plan said where AWS answers less (masked secrets,
/// port and version AWS does not report).
fn finish_state(mut state: Value, planned: &Value) -> Value {
    obj::keep_from(&mut state, planned, &["skip_destroy"]);
    let planned_opts = options_of(planned);
    let opts: Vec<Value> = options_of(&state)
        .into_iter()
        .map(|mut o| {
            if let Some(p) = planned_opts.iter().find(|p| p.name == o.name) {
                for (k, v) in o.settings.iter_mut() {
                    if v == MASKED {
                        if let Some(pv) = p.settings.get(k) {
                            v.clone_from(pv);
                        }
                    }
                }
                o.port = o.port.or(p.port);
                if o.version.is_none() {
                    o.version.clone_from(&p.version);
                }
            }
            o.to_value()
        })
        .collect();
    if let Value::Map(m) = &mut state {
        m.insert("option".into(), obj::set(opts));
    }
    state
}

fn code_of<E: ProvideErrorMetadata>(e: &aws_sdk_rds::error::SdkError<E>) -> Option<&str> {
    e.as_service_error().and_then(|s| s.code())
}

impl DbOptionGroup {
    async fn read_one(&self, ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<Value> {
        let state = ctx.read_back(&super::DB_OPTION_GROUP, name).await?;
        Ok(finish_state(state, planned))
    }

    async fn apply_options(
        &self,
        ctx: &Ctx,
        name: &str,
        old: &[OptionSpec],
        new: &[OptionSpec],
    ) -> ProviderResult<()> {
        let (include, remove) = option_changes(old, new);
        // AWS rejects a Modify that changes nothing.
        if include.is_empty() && remove.is_empty() {
            return Ok(());
        }
        let include = include
            .iter()
            .map(OptionSpec::to_sdk)
            .collect::<ProviderResult<Vec<_>>>()?;
        let last_error: std::sync::Mutex<Option<ProviderError>> = std::sync::Mutex::new(None);
        ctx.wait_until(
            &format!("option group {name} to accept the change"),
            UPDATE_RETRY,
            || {
                let include = include.clone();
                let remove = remove.clone();
                let last_error = &last_error;
                async move {
                    let result = ctx
                        .rds()
                        .modify_option_group()
                        .option_group_name(name)
                        .apply_immediately(true)
                        .set_options_to_include((!include.is_empty()).then_some(include))
                        .set_options_to_remove((!remove.is_empty()).then_some(remove))
                        .send()
                        .await;
                    match result {
                        Ok(_) => Ok(true),
                        // IAM roles of options take a while to propagate.
                        Err(e)
                            if e.as_service_error()
                                .and_then(|s| s.message())
                                .is_some_and(|m| m.contains("IAM role ARN value is invalid")) =>
                        {
                            *last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(
                                ProviderError::sdk(&format!("modifying option group {name}"), e),
                            );
                            Ok(false)
                        }
                        Err(e) => Err(ProviderError::sdk(
                            &format!("modifying option group {name}"),
                            e,
                        )),
                    }
                }
            },
        )
        .await
        .map_err(|timeout| {
            last_error
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or(timeout)
        })
    }
}

#[async_trait]
impl ResourceType for DbOptionGroup {
    fn type_name(&self) -> &'static str {
        "aws_db_option_group"
    }

    fn schema(&self) -> &Schema {
        &SCHEMA
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
        const HELP: &str =
            "use lowercase letters, digits and single hyphens, starting with a letter";
        if let Some(p) = name.and_then(|n| name_problem(n, false)) {
            problems.push(ConfigProblem::new(
                Some("name"),
                format!("invalid option group name: {p}"),
                HELP,
            ));
        }
        if let Some(p) = prefix.and_then(|n| name_problem(n, true)) {
            problems.push(ConfigProblem::new(
                Some("name_prefix"),
                format!("invalid option group name prefix: {p}"),
                HELP,
            ));
        }
        let mut seen = BTreeSet::new();
        for o in config
            .get("option")
            .and_then(Value::as_list)
            .into_iter()
            .flatten()
        {
            if let Some(n) = o.get("option_name").and_then(Value::as_str) {
                if !seen.insert(n.to_string()) {
                    problems.push(ConfigProblem::new(
                        Some("option"),
                        format!("option \"{n}\" is configured more than once"),
                        "keep one option block per option_name",
                    ));
                }
            }
        }
        problems
    }

    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        if let Some(prior) = prior {
            let prior_opts = options_of(prior);
            let opts: Vec<Value> = options_of(planned)
                .into_iter()
                .map(|o| match prior_opts.iter().find(|p| p.name == o.name) {
                    Some(p) => complete_option(&o, p).to_value(),
                    None => o.to_value(),
                })
                .collect();
            if let Value::Map(m) = planned {
                if m.get("option").is_some_and(Value::is_known) {
                    m.insert("option".into(), obj::set(opts));
                }
            }
            return;
        }
        let Value::Map(m) = planned else { return };
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
        let wanted: BTreeSet<String> = ids.iter().map(|i| i.to_lowercase()).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let mut groups = Vec::new();
        let mut pages = ctx.rds().describe_option_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            match page {
                Ok(p) => groups.extend(
                    p.option_groups_list
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|g| g.option_group_name().is_some_and(|n| wanted.contains(n))),
                ),
                Err(e) if code_of(&e) == Some("OptionGroupNotFoundFault") => break,
                Err(e) => return Err(ProviderError::sdk("describing option groups", e)),
            }
        }
        for (g, tags) in
            tagging::with_tags(ctx, Service::Rds, groups, |g| g.option_group_arn()).await?
        {
            let name = g.option_group_name().unwrap_or_default().to_string();
            out.insert(name, state_of(ctx, &g, &tags));
        }
        // Ids are looked up as given too (import of a mixed-case name finds the group).
        for id in ids {
            let lower = id.to_lowercase();
            if &lower != id {
                if let Some(v) = out.get(&lower).cloned() {
                    out.insert(id.clone(), v);
                }
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = obj::string(planned, "name")
            .ok_or_else(|| ProviderError::new("aws_db_option_group: the name is not known"))?;
        let id = name.to_lowercase();
        let tags = rds_tags::create_tags(ctx, planned);
        ctx.rds()
            .create_option_group()
            .option_group_name(&name)
            .set_engine_name(obj::string(planned, "engine_name"))
            .set_major_engine_version(obj::string(planned, "major_engine_version"))
            .option_group_description(
                obj::str(planned, "option_group_description").unwrap_or(DEFAULT_DESCRIPTION),
            )
            .set_tags(tags)
            .send()
            .await
            .map_err(|e| ProviderError::sdk(&format!("creating option group {name}"), e))?;
        self.apply_options(ctx, &id, &[], &options_of(planned))
            .await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_option_group: prior state has no id"))?;
        self.apply_options(ctx, &id, &options_of(prior), &options_of(planned))
            .await?;
        let old_tags = obj::string_map(prior, "tags_all");
        let new_tags = rds_tags::planned_all(ctx, planned);
        if old_tags != new_tags {
            let arn = obj::string(prior, "arn")
                .ok_or_else(|| ProviderError::new(format!("option group {id}: no ARN in state")))?;
            rds_tags::update(ctx, &arn, &old_tags, &new_tags).await?;
        }
        self.read_one(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = obj::string(prior, "id")
            .ok_or_else(|| ProviderError::new("aws_db_option_group: prior state has no id"))?;
        if obj::bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        // While instances or snapshots still use the group, AWS refuses: retry.
        ctx.wait_until(
            &format!("option group {id} to be no longer in use"),
            DELETE_TIMEOUT,
            || async {
                match ctx
                    .rds()
                    .delete_option_group()
                    .option_group_name(&id)
                    .send()
                    .await
                {
                    Ok(_) => Ok(true),
                    Err(e) => match code_of(&e) {
                        Some("OptionGroupNotFoundFault") => Ok(true),
                        Some("InvalidOptionGroupStateFault") => Ok(false),
                        _ => Err(ProviderError::sdk(
                            &format!("deleting option group {id}"),
                            e,
                        )),
                    },
                }
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, settings: &[(&str, &str)]) -> OptionSpec {
        OptionSpec {
            name: name.into(),
            port: None,
            version: None,
            db_security_groups: BTreeSet::new(),
            vpc_security_groups: BTreeSet::new(),
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn name_rules() {
        assert_eq!(name_problem("mysql-options-1", false), None);
        assert!(name_problem("1abc", false).is_some());
        assert!(name_problem("a.b", false).is_some());
        assert!(name_problem("a--b", false).is_some());
        assert!(name_problem("ab-", false).is_some());
        assert_eq!(name_problem("ab-", true), None);
        assert!(name_problem(&"a".repeat(230), true).is_some());
        let cfg = Value::Map(Map::from([
            ("name".to_string(), Value::from("Opts")),
            (
                "option".to_string(),
                Value::List(vec![
                    spec("MEMCACHED", &[]).to_value(),
                    spec("MEMCACHED", &[]).to_value(),
                ]),
            ),
        ]));
        let attrs: Vec<_> = DbOptionGroup
            .validate(&cfg)
            .into_iter()
            .map(|p| p.attribute)
            .collect();
        assert_eq!(attrs, [Some("name"), Some("option")]);
    }

    #[test]
    fn changes_include_new_or_changed_and_remove_gone_names() {
        let old = vec![spec("A", &[("x", "1")]), spec("B", &[])];
        let new = vec![spec("A", &[("x", "2")]), spec("C", &[])];
        let (include, remove) = option_changes(&old, &new);
        assert_eq!(include, [spec("A", &[("x", "2")]), spec("C", &[])]);
        assert_eq!(remove, ["B"]);
        assert_eq!(option_changes(&old, &old), (vec![], vec![]));
    }

    #[test]
    fn aws_defaults_plan_no_change() {
        let mut prior_opt = spec(
            "MEMCACHED",
            &[
                ("CHUNK_SIZE", "48"),
                ("MAX_SIMULTANEOUS_CONNECTIONS", "1024"),
            ],
        );
        prior_opt.port = Some(11211);
        prior_opt.version = Some("1.4.14".into());
        let prior = Value::Map(Map::from([(
            "option".to_string(),
            obj::set([prior_opt.to_value()]),
        )]));
        let mut planned = Value::Map(Map::from([(
            "option".to_string(),
            Value::List(vec![spec("MEMCACHED", &[("CHUNK_SIZE", "48")]).to_value()]),
        )]));
        DbOptionGroup.customize_plan(Some(&prior), &mut planned);
        assert_eq!(options_of(&planned), [prior_opt.clone()]);

        let mut planned = Value::Map(Map::from([(
            "option".to_string(),
            Value::List(vec![spec("MEMCACHED", &[("CHUNK_SIZE", "64")]).to_value()]),
        )]));
        DbOptionGroup.customize_plan(Some(&prior), &mut planned);
        assert_eq!(options_of(&planned)[0].settings["CHUNK_SIZE"], "64");
    }

    #[test]
    fn masked_settings_keep_the_planned_value() {
        let state = Value::Map(Map::from([(
            "option".to_string(),
            obj::set([spec("O", &[("PASSWORD", MASKED)]).to_value()]),
        )]));
        let planned = Value::Map(Map::from([(
            "option".to_string(),
            obj::set([spec("O", &[("PASSWORD", "hunter2")]).to_value()]),
        )]));
        let done = finish_state(state, &planned);
        assert_eq!(options_of(&done)[0].settings["PASSWORD"], "hunter2");
    }
}
