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

use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::{
    Option as SdkOption, OptionConfiguration, OptionGroup as SdkGroup, OptionSetting,
};

pub struct DbOptionGroup;
pub static DB_OPTION_GROUP: DbOptionGroup = DbOptionGroup;

const UPDATE_RETRY: Duration = Duration::from_secs(2 * 60);

/// Value AWS shows for a secret option setting.
const MASKED: &str = "****";

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    let setting = schema! {
        "";
        name  string required "Setting name.";
        value string required "Setting value.";
    };
    let option = schema! {
        "";
        option_name                    string     required "Name of the option, e.g. MARIADB_AUDIT_PLUGIN.";
        port                           number              "Port of the option, where it has one.";
        version                        string              "Version of the option.";
        db_security_group_memberships  string_set          "DB security groups (EC2-Classic) for the option.";
        vpc_security_group_memberships string_set          "VPC security groups for the option.";
        block BlockType::set("option_settings", setting).describe("Settings of the option.");
    };
    schema! {
        "An RDS option group.";
        regional;
        id                       string output                    "The group's name (lower-cased).";
        name                     string computed force_new check(|v| name_problem(v.as_str()?, false)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix              string computed force_new conflicts_with(&["name"]) check(|v| name_problem(v.as_str()?, true)) "Creates a unique name beginning with this prefix.";
        option_group_description string default("Managed by Terraform") force_new "Description of the group.";
        engine_name              string required force_new        "Engine the group is for, e.g. mysql.";
        major_engine_version     string required force_new        "Major engine version, e.g. 8.0.";
        skip_destroy             bool   default(false) virtual_   "Leave the group in AWS on destroy.";
        arn                      string output                    "The group's ARN.";
        block BlockType::set("option", option).describe("Options of the group.");
        tags;
        id_from name;
        timeouts delete(15);
    }
});

/// Why an option group name (or prefix) is invalid: a letter first, `[0-9a-z-]`, no `--`, no
/// trailing `-` (except a prefix), at most 255 (prefix 229) characters.
fn name_problem(name: &str, prefix: bool) -> Option<String> {
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Some("must start with a lowercase letter".into());
    }
    let max = if prefix { 229 } else { 255 };
    super::identifier_problem(name, prefix)
        .or_else(|| (name.len() > max).then(|| format!("must be at most {max} characters")))
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
        let settings = state::items(v, "option_settings");
        let setting = |s: &Value| {
            Some((
                obj::string(s, "name")?,
                obj::str(s, "value").unwrap_or_default().to_string(),
            ))
        };
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
            settings: settings.filter_map(setting).collect(),
        })
    }

    fn from_sdk(o: &SdkOption) -> OptionSpec {
        let setting = |s: &OptionSetting| {
            Some((
                s.name()?.to_string(),
                s.value().unwrap_or_default().to_string(),
            ))
        };
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
            settings: o.option_settings().iter().filter_map(setting).collect(),
        }
    }

    fn to_value(&self) -> Value {
        let settings = self
            .settings
            .iter()
            .map(|(k, v)| Value::Map(object! { "name" => k, "value" => v }));
        Value::Map(object! {
            "option_name" => &self.name,
            "port" => self.port,
            "version" => self.version.as_deref(),
            "db_security_group_memberships" => obj::set(self.db_security_groups.iter().cloned()),
            "vpc_security_group_memberships" => obj::set(self.vpc_security_groups.iter().cloned()),
            "option_settings" => obj::set(settings),
        })
    }

    fn to_sdk(&self) -> OptionConfiguration {
        let settings: Vec<OptionSetting> = self
            .settings
            .iter()
            .map(|(k, v)| OptionSetting::builder().name(k).value(v).build())
            .collect();
        let some = |s: &BTreeSet<String>| (!s.is_empty()).then(|| s.iter().cloned().collect());
        OptionConfiguration::builder()
            .option_name(&self.name)
            .set_port(self.port)
            .set_option_version(self.version.clone())
            .set_db_security_group_memberships(some(&self.db_security_groups))
            .set_vpc_security_group_memberships(some(&self.vpc_security_groups))
            .set_option_settings((!settings.is_empty()).then_some(settings))
            .build()
    }
}

fn options_of(v: &Value) -> Vec<OptionSpec> {
    let items = state::items(v, "option");
    items.filter_map(OptionSpec::from_value).collect()
}

/// (to include, to remove) for a change of options.
pub fn option_changes(old: &[OptionSpec], new: &[OptionSpec]) -> (Vec<OptionSpec>, Vec<String>) {
    let include: Vec<OptionSpec> = new.iter().filter(|o| !old.contains(o)).cloned().collect();
    let new_names: BTreeSet<&str> = new.iter().map(|o| o.name.as_str()).collect();
    let remove = old
        .iter()
        .filter(|o| !new_names.contains(o.name.as_str()))
        .map(|o| o.name.clone())
        .collect();
    (include, remove)
}

/// An option completed from `known` (another state of the option of the same name): unset
/// port and version are `known`'s; a masked secret setting is `known`'s too, and with
/// `all_settings` so is every setting not there (AWS's defaults, when planning).
fn complete_option(option: &OptionSpec, known: &OptionSpec, all_settings: bool) -> OptionSpec {
    let mut out = option.clone();
    out.port = out.port.or(known.port);
    if out.version.is_none() {
        out.version.clone_from(&known.version);
    }
    for (k, v) in &known.settings {
        match out.settings.get_mut(k) {
            Some(masked) if masked == MASKED => masked.clone_from(v),
            None if all_settings => drop(out.settings.insert(k.clone(), v.clone())),
            _ => {}
        }
    }
    out
}

/// `options`, each completed from the option of the same name in `known`, as a set.
fn completed(options: Vec<OptionSpec>, known: &[OptionSpec], all_settings: bool) -> Value {
    let complete = |o: OptionSpec| match known.iter().find(|k| k.name == o.name) {
        Some(k) => complete_option(&o, k, all_settings),
        None => o,
    };
    obj::set(options.into_iter().map(|o| complete(o).to_value()))
}

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: tags::Tags) -> Value {
    let name = g.option_group_name().unwrap_or_default();
    let mut m = object! {
        "id" => name,
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "option_group_description" => g.option_group_description(),
        "engine_name" => g.engine_name(),
        "major_engine_version" => g.major_engine_version(),
        // Not AWS's: a refresh keeps the state's value (the attribute is virtual).
        "skip_destroy" => false,
        "arn" => g.option_group_arn(),
        "option" => obj::set(g.options().iter().map(|o| OptionSpec::from_sdk(o).to_value())),
    };
    tags::put(ctx, &mut m, tags);
    Value::Map(m)
}

impl DbOptionGroup {
    /// The group after a write: what the plan said where AWS answers less (masked secrets,
    /// port and version AWS does not report).
    async fn read_one(&self, ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<Value> {
        let mut state = state::read_back(ctx, &DB_OPTION_GROUP, name, planned).await?;
        let options = completed(options_of(&state), &options_of(planned), false);
        if let Value::Map(m) = &mut state {
            m.insert("option".into(), options);
        }
        Ok(state)
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
        let include: Vec<OptionConfiguration> = include.iter().map(OptionSpec::to_sdk).collect();
        let call = ctx
            .rds()
            .modify_option_group()
            .option_group_name(name)
            .apply_immediately(true);
        let call = call
            .set_options_to_include((!include.is_empty()).then_some(include))
            .set_options_to_remove((!remove.is_empty()).then_some(remove));
        // IAM roles of options take a while to propagate.
        let propagating = |e: &ProviderError| e.message.contains("IAM role ARN value is invalid");
        let what = format!("option group {name} to accept the change");
        ctx.retry_while(&what, UPDATE_RETRY, propagating, || async {
            call.clone()
                .send()
                .await
                .during(&format!("modifying option group {name}"))
        })
        .await
        .map(drop)
    }
}

#[async_trait]
impl ResourceType for DbOptionGroup {
    named!("aws_db_option_group", SCHEMA);

    fn validate(&self, config: &Value) -> Vec<ConfigProblem> {
        state::duplicates(config, "option", "option_name", false)
    }

    /// A port, version or setting left out of the configuration is what AWS has: no change.
    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        if let (Some(prior), Value::Map(m)) = (prior, &mut *planned) {
            if m.get("option").is_some_and(Value::is_known) {
                let options =
                    completed(options_of(&Value::Map(m.clone())), &options_of(prior), true);
                m.insert("option".into(), options);
            }
        }
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let wanted: BTreeSet<String> = ids.iter().map(|i| i.to_lowercase()).collect();
        let mut out = BTreeMap::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let pages = ctx
            .rds()
            .describe_option_groups()
            .into_paginator()
            .items()
            .send();
        let found = unless(
            all("describing option groups", pages).await,
            &["OptionGroupNotFoundFault"],
        );
        let mut groups = found?.unwrap_or_default();
        groups.retain(|g| g.option_group_name().is_some_and(|n| wanted.contains(n)));
        let arn = SdkGroup::option_group_arn;
        for (g, tags) in tagging::with_tags(ctx, tagging::Service::Rds, groups, arn).await? {
            out.insert(
                g.option_group_name().unwrap_or_default().to_string(),
                state_of(ctx, &g, tags),
            );
        }
        // Ids are looked up as given too (import of a mixed-case name finds the group).
        for id in ids {
            if let Some(v) = out.get(&id.to_lowercase()).cloned() {
                out.insert(id.clone(), v);
            }
        }
        Ok(out)
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let id = name.to_lowercase();
        ctx.rds()
            .create_option_group()
            .option_group_name(&name)
            .set_engine_name(obj::string(planned, "engine_name"))
            .set_major_engine_version(obj::string(planned, "major_engine_version"))
            .set_option_group_description(obj::string(planned, "option_group_description"))
            .set_tags(tags::for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating option group {name}"))?;
        self.apply_options(ctx, &id, &[], &options_of(planned))
            .await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let id = state::id(prior, self.type_name())?;
        self.apply_options(ctx, &id, &options_of(prior), &options_of(planned))
            .await?;
        tags::update(ctx, Service::Rds, prior, planned).await?;
        self.read_one(ctx, &id, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let id = state::id(prior, self.type_name())?;
        if obj::bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        // While instances or snapshots still use the group, AWS refuses: retry.
        let what = format!("option group {id} to be no longer in use");
        let in_use = |e: &ProviderError| e.is(&["InvalidOptionGroupStateFault"]);
        let call = || async {
            let call = ctx
                .rds()
                .delete_option_group()
                .option_group_name(&id)
                .send()
                .await;
            call.during(&format!("deleting option group {id}"))
                .map(drop)
        };
        lifecycle::delete(
            ctx,
            &what,
            SCHEMA.timeout(prior, "delete"),
            in_use,
            &["OptionGroupNotFoundFault"],
            call,
        )
        .await
        .map(drop)
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
        let attrs: Vec<_> = crate::provider::config_problems(&DbOptionGroup, &cfg)
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
        let done = completed(options_of(&state), &options_of(&planned), false);
        assert_eq!(
            options_of(&Value::Map(object! { "option" => done }))[0].settings["PASSWORD"],
            "hunter2"
        );
    }
}
