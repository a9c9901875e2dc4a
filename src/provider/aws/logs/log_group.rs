//! `aws_cloudwatch_log_group`: where a database's exported logs go. The state `id` is the
//! group's name. A refresh of many groups is one paginated DescribeLogGroups (narrowed to the
//! names' common prefix) and one GetResources for their tags, not a call per group.

use crate::provider::aws::kit::naming::{prefix_from_name, DEFAULT_PREFIX};
use crate::provider::aws::kit::prelude::*;
use aws_sdk_cloudwatchlogs::types::{LogGroup as SdkGroup, LogGroupClass};

pub struct LogGroup;
pub static LOG_GROUP: LogGroup = LogGroup;

/// The retention periods CloudWatch Logs accepts (`0`: never expire).
const RETENTION_DAYS: &[i64] = &[
    0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A DELIVERY group's retention is AWS's (2 days), never set by the user.
const DELIVERY: &str = "DELIVERY";

/// terraform-provider-aws retries a delete this long while AWS answers "try again".
const DELETE_TIMEOUT: Duration = Duration::from_secs(60);

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "A CloudWatch Logs log group.";
        regional;
        id                string output "The group's name.";
        name              string computed force_new conflicts_with(&["name_prefix"]) check(|v| name_problem(v.as_str()?, 512)) name_from_prefix("name_prefix", DEFAULT_PREFIX) "Name; generated from name_prefix (or `terraform-`) when not set.";
        name_prefix       string computed force_new check(|v| name_problem(v.as_str()?, 483)) "Creates a unique name beginning with this prefix.";
        retention_in_days number default(0) check(retention_problem) "Days to keep log events (0: never expire).";
        kms_key_id        string "ARN of the KMS key that encrypts the log data.";
        log_group_class   string computed force_new one_of(&["STANDARD", "INFREQUENT_ACCESS", DELIVERY]) "STANDARD, INFREQUENT_ACCESS or DELIVERY.";
        skip_destroy      bool   default(false) virtual_ "Keep the group in AWS when it is destroyed (only removed from state).";
        arn               string output "The group's ARN (without the trailing `:*`).";
        tags;
        id_from name;
    }
});

/// Log group names: `[.\-_/#A-Za-z0-9]`, at most `max` characters, not under `aws/`.
fn name_problem(name: &str, max: usize) -> Option<String> {
    if name.len() > max {
        return Some(format!("must be at most {max} characters"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/' | '#')))
    {
        return Some(format!(
            "only letters, digits and . - _ / # are allowed, found {c:?}"
        ));
    }
    name.starts_with("aws/")
        .then(|| "names beginning with aws/ are reserved by AWS".into())
}

fn retention_problem(v: &Value) -> Option<String> {
    let days = v.as_i64()?;
    (!RETENTION_DAYS.contains(&days)).then(|| format!("must be one of {RETENTION_DAYS:?}"))
}

fn state_of(ctx: &Ctx, g: &SdkGroup, tags: tags::Tags) -> Value {
    let name = g.log_group_name().unwrap_or_default();
    let mut m = object! {
        "id" => name,
        "name" => name,
        "name_prefix" => prefix_from_name(name),
        "retention_in_days" => g.retention_in_days().unwrap_or(0),
        "kms_key_id" => g.kms_key_id(),
        "log_group_class" => g.log_group_class().map(LogGroupClass::as_str),
        "arn" => arn_of(g),
    };
    tags::put(ctx, &mut m, tags);
    Value::Map(m)
}

/// The ARN tags and state name the group by: DescribeLogGroups' `arn` ends in `:*`.
fn arn_of(g: &SdkGroup) -> Option<&str> {
    g.arn().map(|a| a.strip_suffix(":*").unwrap_or(a))
}

/// Every group whose name begins with `prefix` (all of the region's for an empty one).
async fn describe(ctx: &Ctx, prefix: String) -> ProviderResult<Vec<SdkGroup>> {
    let call = ctx.logs().describe_log_groups();
    let call = call.set_log_group_name_prefix((!prefix.is_empty()).then_some(prefix));
    all(
        "describing log groups",
        call.into_paginator().items().send(),
    )
    .await
}

/// The longest prefix all `names` share.
fn common_prefix(names: &[String]) -> String {
    let Some(first) = names.first() else {
        return String::new();
    };
    let len = names.iter().fold(first.len(), |len, n| {
        first
            .bytes()
            .zip(n.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    // Names are ASCII (`name_problem`); a cut inside a character would only widen the prefix.
    first.get(..len).unwrap_or_default().to_string()
}

#[async_trait]
impl ResourceType for LogGroup {
    named!("aws_cloudwatch_log_group", SCHEMA);

    /// Up to `DIRECT_READ_MAX` groups: one describe each, by their own name as prefix; more:
    /// one listing of the names' common prefix. Then their tags (`tagging`: the describe
    /// answer carries none).
    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let ids = state::unique(ids);
        let mut groups = match ids.len() {
            0 => return Ok(BTreeMap::new()),
            n if n <= DIRECT_READ_MAX => {
                let each = read_each(ids.clone(), |name| describe(ctx, name)).await?;
                each.into_values().flatten().collect()
            }
            _ => describe(ctx, common_prefix(&ids)).await?,
        };
        groups.retain(|g| {
            g.log_group_name()
                .is_some_and(|n| ids.iter().any(|i| i == n))
        });
        let found = tagging::with_tags(ctx, Service::Logs, groups, arn_of).await?;
        let state = |(g, tags): (SdkGroup, _)| state_of(ctx, &g, tags);
        Ok(state::by_id(found, |(g, _)| g.log_group_name(), state))
    }

    async fn list(&self, ctx: &Ctx) -> ProviderResult<Vec<Value>> {
        let groups = describe(ctx, String::new()).await?;
        Ok(groups
            .iter()
            .map(|g| state_of(ctx, g, BTreeMap::new()))
            .collect())
    }

    /// A DELIVERY group's retention is AWS's: the configured one plans as the prior, as the
    /// provider suppresses the difference.
    fn customize_plan(&self, prior: Option<&Value>, planned: &mut Value) {
        let delivery = obj::str(planned, "log_group_class") == Some(DELIVERY);
        if let (true, Some(old), Value::Map(m)) = (delivery, prior, planned) {
            let kept = old.get("retention_in_days").cloned().unwrap_or(Value::Null);
            m.insert("retention_in_days".into(), kept);
        }
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let name = state::required(planned, "name", self.type_name())?;
        let class = obj::str(planned, "log_group_class");
        ctx.logs()
            .create_log_group()
            .log_group_name(&name)
            .set_kms_key_id(obj::string(planned, "kms_key_id"))
            .set_log_group_class(class.map(LogGroupClass::from))
            .set_tags(tags::map_for_create(ctx, planned))
            .send()
            .await
            .during(&format!("creating log group {name}"))?;
        if class != Some(DELIVERY) {
            set_retention(ctx, &name, planned).await?;
        }
        state::read_back(ctx, &LOG_GROUP, &name, planned).await
    }

    async fn update(&self, ctx: &Ctx, prior: &Value, planned: &Value) -> ProviderResult<Value> {
        let name = state::id(prior, self.type_name())?;
        if modify::differs(prior, planned, "retention_in_days") {
            set_retention(ctx, &name, planned).await?;
        }
        if modify::differs(prior, planned, "kms_key_id") {
            let logs = ctx.logs();
            let what = format!("changing the KMS key of log group {name}");
            match obj::string(planned, "kms_key_id") {
                Some(key) => {
                    let call = logs
                        .associate_kms_key()
                        .log_group_name(&name)
                        .kms_key_id(key);
                    call.send().await.during(&what).map(drop)?
                }
                None => {
                    let call = logs.disassociate_kms_key().log_group_name(&name);
                    call.send().await.during(&what).map(drop)?
                }
            }
        }
        tags::update(ctx, Service::Logs, prior, planned).await?;
        state::read_back(ctx, &LOG_GROUP, &name, planned).await
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        if obj::bool(prior, "skip_destroy") == Some(true) {
            return Ok(());
        }
        let name = state::id(prior, self.type_name())?;
        let busy = |e: &ProviderError| e.is(&["OperationAbortedException"]);
        let what = format!("log group {name} to accept its delete");
        let call = || async {
            let call = ctx.logs().delete_log_group().log_group_name(&name);
            let done = call.send().await;
            done.during(&format!("deleting log group {name}")).map(drop)
        };
        let gone = &["ResourceNotFoundException"];
        lifecycle::delete(ctx, &what, DELETE_TIMEOUT, busy, gone, call)
            .await
            .map(drop)
    }
}

/// The planned retention: PutRetentionPolicy, or DeleteRetentionPolicy for 0 (never expire),
/// which AWS has without a policy.
async fn set_retention(ctx: &Ctx, name: &str, planned: &Value) -> ProviderResult<()> {
    let logs = ctx.logs();
    let what = format!("setting the retention of log group {name}");
    match obj::i32(planned, "retention_in_days").filter(|d| *d != 0) {
        Some(days) => {
            let call = logs.put_retention_policy().log_group_name(name);
            call.retention_in_days(days)
                .send()
                .await
                .during(&what)
                .map(drop)
        }
        None => {
            let call = logs.delete_retention_policy().log_group_name(name);
            let done = call.send().await.during(&what).map(drop);
            // A group without a policy: nothing to delete.
            unless(done, &["ResourceNotFoundException"]).map(drop)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_retention_and_common_prefixes() {
        assert_eq!(name_problem("/aws/rds/instance/db-1/postgresql", 512), None);
        assert!(name_problem("aws/rds", 512).is_some());
        assert!(name_problem("a b", 512).is_some());
        assert!(name_problem(&"a".repeat(484), 483).is_some());
        assert_eq!(retention_problem(&Value::from(30)), None);
        assert!(retention_problem(&Value::from(31)).is_some());
        let names = [
            "/aws/rds/a".to_string(),
            "/aws/rds/ab".into(),
            "/aws/x".into(),
        ];
        assert_eq!(common_prefix(&names), "/aws/");
        assert_eq!(common_prefix(&names[..1]), "/aws/rds/a");
        assert_eq!(common_prefix(&["a".into(), "b".into()]), "");
    }

    #[test]
    fn a_delivery_group_keeps_its_retention() {
        let prior = Value::Map(object! { "retention_in_days" => 2, "log_group_class" => DELIVERY });
        let mut planned =
            Value::Map(object! { "retention_in_days" => 0, "log_group_class" => DELIVERY });
        LOG_GROUP.customize_plan(Some(&prior), &mut planned);
        assert_eq!(obj::i32(&planned, "retention_in_days"), Some(2));
    }
}
