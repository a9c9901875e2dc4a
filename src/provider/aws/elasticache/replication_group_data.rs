//! Data source `aws_elasticache_replication_group`: one replication group by id, read as the
//! resource reads it (the group, its first member cluster) and cut to what the provider's
//! data source exports.

use crate::provider::aws::ec2::network::project;
use crate::provider::aws::kit::prelude::*;

pub struct ElastiCacheReplicationGroupData;
pub static ELASTICACHE_REPLICATION_GROUP_DATA: ElastiCacheReplicationGroupData =
    ElastiCacheReplicationGroupData;

static SCHEMA: LazyLock<Schema> = LazyLock::new(|| {
    schema! {
        "Looks up one ElastiCache replication group by id.";
        regional;
        replication_group_id           string     required "The group's id.";
        id                             string     output   "The group's id.";
        arn                            string     output;
        description                    string     output;
        auth_token_enabled             bool       output   "Whether clients must send an AUTH token.";
        automatic_failover_enabled     bool       output;
        multi_az_enabled               bool       output;
        port                           number     output;
        configuration_endpoint_address string     output   "Configuration endpoint (cluster mode).";
        primary_endpoint_address       string     output   "Primary endpoint (not in cluster mode).";
        reader_endpoint_address        string     output   "Reader endpoint (not in cluster mode).";
        num_cache_clusters             number     output;
        num_node_groups                number     output;
        replicas_per_node_group        number     output;
        member_clusters                string_set output;
        node_type                      string     output;
        snapshot_retention_limit       number     output;
        snapshot_window                string     output;
        cluster_mode                   string     output   "enabled, disabled or compatible.";
        log_delivery_configuration     map_list   output   "Each delivery's destination, destination_type, log_format and log_type.";
    }
});

#[async_trait]
impl DataSourceType for ElastiCacheReplicationGroupData {
    named!("aws_elasticache_replication_group", SCHEMA);

    async fn read(&self, ctx: &Ctx, config: &Value) -> ProviderResult<Value> {
        // AWS keeps ids lower-cased (the resource creates them so).
        let id = state::required(config, "replication_group_id", self.type_name())?.to_lowercase();
        let ids = [id.clone()];
        let mut found = super::replication_group::read_states(ctx, &ids, false, |_| vec![]).await?;
        let (state, auth_token_enabled) = found.remove(&id).ok_or_else(|| {
            ProviderError::new(format!("no ElastiCache replication group \"{id}\" found"))
        })?;
        let mut v = project(&SCHEMA, &state);
        if let Value::Map(m) = &mut v {
            m.insert("auth_token_enabled".into(), Value::Bool(auth_token_enabled));
        }
        Ok(v)
    }
}
