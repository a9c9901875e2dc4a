//! Data source `aws_rds_cluster`: one RDS (Aurora) DB cluster by identifier.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::Filter;

pub struct RdsClusterData;
pub static RDS_CLUSTER_DATA: RdsClusterData = RdsClusterData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one RDS (Aurora) DB cluster by identifier.";
        regional;
        cluster_identifier     string     required;
        tags                   string_map computed;
        id                     string     output;
        port                   number     output;
        storage_encrypted      bool       output;
        cluster_members        string_set output;
        vpc_security_group_ids string_set output;
        availability_zones     string_set output;
        arn                    string     output;
        endpoint               string     output;
        reader_endpoint        string     output;
        hosted_zone_id         string     output;
        engine                 string     output;
        engine_version         string     output;
        engine_mode            string     output;
        database_name          string     output;
        master_username        string     output;
        db_subnet_group_name   string     output;
        db_cluster_parameter_group_name string output;
        kms_key_id             string     output;
        cluster_resource_id    string     output;
        status                 string     output;
    }
});

#[async_trait]
impl DataSourceType for RdsClusterData {
    named!("aws_rds_cluster", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let id = state::required(config, "cluster_identifier", self.type_name())?;
        let filter = Filter::builder().name("db-cluster-id").values(&id).build();
        let resp = ctx
            .rds()
            .describe_db_clusters()
            .filters(filter)
            .send()
            .await;
        let resp = resp.during("describing DB clusters")?;
        let c = resp
            .db_clusters()
            .iter()
            .find(|c| c.db_cluster_identifier() == Some(id.as_str()));
        let c = c.ok_or_else(|| ProviderError::new(format!("no DB cluster \"{id}\" found")))?;
        Ok(Value::Map(object! {
            "cluster_identifier" => id.as_str(),
            "id" => id.as_str(),
            "tags" => obj::map(tags::read(c.tag_list())),
            "port" => c.port(),
            "storage_encrypted" => c.storage_encrypted().unwrap_or(false),
            "cluster_members" => state::strings(c.db_cluster_members(), |x| x.db_instance_identifier()),
            "vpc_security_group_ids" => state::strings(c.vpc_security_groups(), |g| g.vpc_security_group_id()),
            "availability_zones" => state::strings(c.availability_zones(), |z| Some(z.as_str())),
            "arn" => c.db_cluster_arn(),
            "endpoint" => c.endpoint(),
            "reader_endpoint" => c.reader_endpoint(),
            "hosted_zone_id" => c.hosted_zone_id(),
            "engine" => c.engine(),
            "engine_version" => c.engine_version(),
            "engine_mode" => c.engine_mode(),
            "database_name" => c.database_name(),
            "master_username" => c.master_username(),
            "db_subnet_group_name" => c.db_subnet_group(),
            "db_cluster_parameter_group_name" => c.db_cluster_parameter_group(),
            "kms_key_id" => c.kms_key_id(),
            "cluster_resource_id" => c.db_cluster_resource_id(),
            "status" => c.status(),
        }))
    }
}
