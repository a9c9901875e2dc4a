//! `aws_db_instance_role_association` and `aws_rds_cluster_role_association`: an IAM role a
//! database uses for a feature (S3 import and export, Lambda, Comprehend). The state id is
//! `DATABASE,ROLE_ARN`, as the provider imports it. Reads come from the databases' describe
//! answers (`AssociatedRoles`): one batched describe for every association asked.

use crate::provider::aws::kit::prelude::*;

pub struct RoleAssociation {
    cluster: bool,
}
pub static DB_INSTANCE_ROLE_ASSOCIATION: RoleAssociation = RoleAssociation { cluster: false };
pub static RDS_CLUSTER_ROLE_ASSOCIATION: RoleAssociation = RoleAssociation { cluster: true };

static INSTANCE_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An IAM role associated with an RDS DB instance for a feature.";
        regional;
        id                     string output             "DB_INSTANCE_IDENTIFIER,ROLE_ARN.";
        db_instance_identifier string required force_new "The DB instance.";
        feature_name           string required force_new "The feature the role serves (s3Import, Lambda, ...).";
        role_arn               string required force_new "The IAM role's ARN.";
        timeouts create(10) delete(10);
    }
});

static CLUSTER_SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "An IAM role associated with an RDS (Aurora) cluster for a feature.";
        regional;
        id                    string output             "DB_CLUSTER_IDENTIFIER,ROLE_ARN.";
        db_cluster_identifier string required force_new "The DB cluster.";
        feature_name          string force_new          "The feature the role serves (s3Import, Lambda, ...); some engines need none.";
        role_arn              string required force_new "The IAM role's ARN.";
        timeouts create(10) delete(10);
    }
});

impl RoleAssociation {
    fn database_key(&self) -> &'static str {
        if self.cluster {
            "db_cluster_identifier"
        } else {
            "db_instance_identifier"
        }
    }

    /// Every role associated with each of these databases: database → [(role ARN, feature,
    /// status)].
    async fn roles_of(
        &self,
        ctx: &Ctx,
        databases: &[String],
    ) -> ProviderResult<BTreeMap<String, Vec<(String, Option<String>, Option<String>)>>> {
        macro_rules! roles {
            ($items:expr, $id:ident) => {
                $items
                    .iter()
                    .filter_map(|d| {
                        let roles = d.associated_roles().iter().filter_map(|r| {
                            Some((
                                r.role_arn()?.to_string(),
                                r.feature_name().map(str::to_string),
                                r.status().map(str::to_string),
                            ))
                        });
                        Some((d.$id()?.to_string(), roles.collect()))
                    })
                    .collect()
            };
        }
        Ok(if self.cluster {
            roles!(
                super::describe_clusters(ctx, databases).await?,
                db_cluster_identifier
            )
        } else {
            roles!(
                super::describe_instances(ctx, databases).await?,
                db_instance_identifier
            )
        })
    }

    /// The associations among `ids` that AWS has, from one describe of every database the
    /// ids name.
    async fn associations(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<Vec<Found>> {
        let wanted: Vec<(&str, &str)> = ids.iter().filter_map(|i| split_id(i)).collect();
        let databases: Vec<String> = wanted.iter().map(|(d, _)| d.to_string()).collect();
        let databases = state::unique(&databases);
        if databases.is_empty() {
            return Ok(Vec::new());
        }
        let roles = self.roles_of(ctx, &databases).await?;
        Ok(wanted
            .into_iter()
            .filter_map(|(database, role)| {
                let (_, feature, status) = roles
                    .get(database)?
                    .iter()
                    .find(|(arn, _, _)| arn == role)?;
                Some(Found {
                    id: format!("{database},{role}"),
                    database: database.to_string(),
                    role: role.to_string(),
                    feature: feature.clone(),
                    status: status.clone(),
                })
            })
            .collect())
    }

    fn state(&self, database: &str, role: &str, feature: Option<&str>) -> Value {
        Value::Map(object! {
            "id" => format!("{database},{role}"),
            self.database_key() => database,
            "feature_name" => feature,
            "role_arn" => role,
        })
    }

    fn waiter(&self) -> &'static Waiter {
        if self.cluster {
            &CLUSTER_WAITER
        } else {
            &INSTANCE_WAITER
        }
    }
}

/// An association's status (`ACTIVE`, `PENDING`, `INVALID`), read from its databases.
fn statuses(
    rt: &'static RoleAssociation,
    ctx: Ctx,
    ids: Vec<String>,
) -> futures::future::BoxFuture<'static, ProviderResult<BTreeMap<String, Value>>> {
    Box::pin(async move {
        let found = rt.associations(&ctx, &ids).await?;
        Ok(found
            .into_iter()
            .map(|a| (a.id, wait::status_value(a.status.as_deref(), false)))
            .collect())
    })
}

const PENDING: &[&str] = &["PENDING"];
const ACTIVE: &[&str] = &["ACTIVE"];

static INSTANCE_WAITER: Waiter = Waiter {
    noun: "DB instance role association",
    key: "aws_db_instance_role_association/status",
    statuses: |ctx, ids| statuses(&DB_INSTANCE_ROLE_ASSOCIATION, ctx, ids),
    pending: PENDING,
    ready: ACTIVE,
};

static CLUSTER_WAITER: Waiter = Waiter {
    noun: "DB cluster role association",
    key: "aws_rds_cluster_role_association/status",
    statuses: |ctx, ids| statuses(&RDS_CLUSTER_ROLE_ASSOCIATION, ctx, ids),
    pending: PENDING,
    ready: ACTIVE,
};

/// An association as AWS reports it.
struct Found {
    id: String,
    database: String,
    role: String,
    feature: Option<String>,
    status: Option<String>,
}

/// `DATABASE,ROLE_ARN`.
fn split_id(id: &str) -> Option<(&str, &str)> {
    id.split_once(',')
        .filter(|(d, r)| !d.is_empty() && r.starts_with("arn:"))
}

/// One of the four role calls (add or remove, on an instance or a cluster), sent: their
/// builders differ in type and in the argument naming the database, nothing else.
macro_rules! role_call {
    ($ctx:expr, $call:ident, $database_arg:ident, $database:expr, $role:expr, $feature:expr, $what:expr) => {
        $ctx.rds()
            .$call()
            .$database_arg($database)
            .role_arn(&$role)
            .set_feature_name($feature)
            .send()
            .await
            .map(drop)
            .during($what)
    };
}

#[async_trait]
impl ResourceType for RoleAssociation {
    fn type_name(&self) -> &'static str {
        if self.cluster {
            "aws_rds_cluster_role_association"
        } else {
            "aws_db_instance_role_association"
        }
    }

    fn schema(&self) -> &Schema {
        if self.cluster {
            &CLUSTER_SCHEMA
        } else {
            &INSTANCE_SCHEMA
        }
    }

    fn natural_id(&self, planned: &Value) -> Option<String> {
        let database = obj::str(planned, self.database_key())?;
        Some(format!("{database},{}", obj::str(planned, "role_arn")?))
    }

    async fn read(&self, ctx: &Ctx, ids: &[String]) -> ProviderResult<BTreeMap<String, Value>> {
        let found = self.associations(ctx, ids).await?;
        Ok(found
            .into_iter()
            .map(|a| {
                let state = self.state(&a.database, &a.role, a.feature.as_deref());
                (a.id, state)
            })
            .collect())
    }

    async fn create(&self, ctx: &Ctx, planned: &Value) -> ProviderResult<Value> {
        let database = state::required(planned, self.database_key(), self.type_name())?;
        let role = state::required(planned, "role_arn", self.type_name())?;
        let feature = obj::string(planned, "feature_name");
        let what = format!("associating IAM role {role} with {database}");
        let (db, f, w) = (&database, feature.clone(), &what);
        match self.cluster {
            true => role_call!(
                ctx,
                add_role_to_db_cluster,
                db_cluster_identifier,
                db,
                role,
                f,
                w
            ),
            false => role_call!(
                ctx,
                add_role_to_db_instance,
                db_instance_identifier,
                db,
                role,
                f,
                w
            ),
        }?;
        let id = format!("{database},{role}");
        let timeout = self.schema().timeout(planned, "create");
        self.waiter().ready(ctx, &id, timeout).await?;
        Ok(self.state(&database, &role, feature.as_deref()))
    }

    async fn update(&self, _ctx: &Ctx, _prior: &Value, planned: &Value) -> ProviderResult<Value> {
        // Every argument replaces the association: only `timeouts` can change in place.
        Ok(planned.clone())
    }

    async fn delete(&self, ctx: &Ctx, prior: &Value) -> ProviderResult<()> {
        let database = state::required(prior, self.database_key(), self.type_name())?;
        let role = state::required(prior, "role_arn", self.type_name())?;
        let feature = obj::string(prior, "feature_name");
        let what = format!("removing IAM role {role} from {database}");
        let gone = [
            "DBInstanceRoleNotFound",
            "DBClusterRoleNotFound",
            "DBInstanceNotFound",
            "DBClusterNotFoundFault",
        ];
        let (db, f, w) = (&database, feature, &what);
        let sent = match self.cluster {
            true => role_call!(
                ctx,
                remove_role_from_db_cluster,
                db_cluster_identifier,
                db,
                role,
                f,
                w
            ),
            false => role_call!(
                ctx,
                remove_role_from_db_instance,
                db_instance_identifier,
                db,
                role,
                f,
                w
            ),
        };
        if unless(sent, &gone)?.is_none() {
            return Ok(());
        }
        let id = format!("{database},{role}");
        let timeout = self.schema().timeout(prior, "delete");
        self.waiter().gone(ctx, &id, timeout).await
    }

    async fn import(&self, ctx: &Ctx, id: &str) -> ProviderResult<Option<Value>> {
        if split_id(id).is_none() {
            return Err(ProviderError::new(format!(
                "\"{id}\" is not an import id of {}: write DATABASE_IDENTIFIER,ROLE_ARN",
                self.type_name()
            )));
        }
        Ok(self.read(ctx, &[id.to_string()]).await?.remove(id))
    }
}
