//! Data source `aws_db_instance`: one RDS DB instance by identifier.

use crate::provider::aws::kit::prelude::*;
use aws_sdk_rds::types::Filter;

pub struct DbInstanceData;
pub static DB_INSTANCE_DATA: DbInstanceData = DbInstanceData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one RDS DB instance by identifier.";
        regional;
        db_instance_identifier string      required;
        tags                   string_map  computed;
        id                     string      output;
        port                   number      output;
        allocated_storage      number      output;
        storage_encrypted      bool        output;
        multi_az               bool        output;
        publicly_accessible    bool        output;
        vpc_security_groups    string_list output;
        address                string      output;
        endpoint               string      output;
        hosted_zone_id         string      output;
        engine                 string      output;
        engine_version         string      output;
        db_instance_arn        string      output;
        arn                    string      output;
        resource_id            string      output;
        db_instance_class      string      output;
        db_name                string      output;
        master_username        string      output;
        db_subnet_group        string      output;
        availability_zone      string      output;
        kms_key_id             string      output;
        storage_type           string      output;
        db_instance_status     string      output;
        replicate_source_db    string      output;
    }
});

#[async_trait]
impl DataSourceType for DbInstanceData {
    named!("aws_db_instance", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        let id = state::required(config, "db_instance_identifier", self.type_name())?;
        let filter = Filter::builder().name("db-instance-id").values(&id).build();
        let resp = ctx
            .rds()
            .describe_db_instances()
            .filters(filter)
            .send()
            .await;
        let resp = resp.during("describing DB instances")?;
        let db = resp
            .db_instances()
            .iter()
            .find(|d| d.db_instance_identifier() == Some(id.as_str()));
        let db = db.ok_or_else(|| ProviderError::new(format!("no DB instance \"{id}\" found")))?;
        let endpoint = db.endpoint();
        let address = endpoint.and_then(|e| e.address());
        let port = endpoint.and_then(|e| e.port()).or(db.db_instance_port());
        Ok(Value::Map(object! {
            "db_instance_identifier" => id.as_str(),
            "id" => id.as_str(),
            "tags" => obj::map(tags::read(db.tag_list())),
            "address" => address,
            "endpoint" => state::endpoint(address, port),
            "port" => port,
            "hosted_zone_id" => endpoint.and_then(|e| e.hosted_zone_id()),
            "engine" => db.engine(),
            "engine_version" => db.engine_version(),
            "db_instance_arn" => db.db_instance_arn(),
            "arn" => db.db_instance_arn(),
            "resource_id" => db.dbi_resource_id(),
            "db_instance_class" => db.db_instance_class(),
            "db_name" => db.db_name(),
            "master_username" => db.master_username(),
            "db_subnet_group" => db.db_subnet_group().and_then(|g| g.db_subnet_group_name()),
            "availability_zone" => db.availability_zone(),
            "kms_key_id" => db.kms_key_id(),
            "storage_type" => db.storage_type(),
            "db_instance_status" => db.db_instance_status(),
            "replicate_source_db" => db.read_replica_source_db_instance_identifier(),
            "allocated_storage" => db.allocated_storage(),
            "storage_encrypted" => db.storage_encrypted().unwrap_or(false),
            "multi_az" => db.multi_az(),
            "publicly_accessible" => db.publicly_accessible().unwrap_or(false),
            "vpc_security_groups" => state::strings(db.vpc_security_groups(), |g| g.vpc_security_group_id()),
        }))
    }
}
