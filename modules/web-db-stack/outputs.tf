output "webserver_group_id" {
  description = "Security group to attach to the web servers."
  value       = aws_security_group.webserver_group.id
}

output "db_group_id" {
  value = aws_security_group.db_group.id
}

output "db_endpoint" {
  description = "host:port of the database (the Aurora writer endpoint for aurora-*)."
  value       = local.is_aurora ? "${aws_rds_cluster.db[0].endpoint}:${local.port}" : aws_db_instance.db[0].endpoint
}

output "db_reader_endpoint" {
  description = "The Aurora reader endpoint (null for single-instance engines)."
  value       = local.is_aurora ? aws_rds_cluster.db[0].reader_endpoint : null
}

output "cache_endpoint" {
  description = "Primary endpoint of the Redis replication group (null without a cache)."
  value       = var.cache.enabled ? aws_elasticache_replication_group.cache[0].primary_endpoint_address : null
}

output "dr_snapshot_arn" {
  description = "ARN of the encrypted copy in the DR region (null without DR)."
  value = !var.dr.enabled ? null : (
    local.is_aurora ? aws_db_cluster_snapshot_copy.dr[0].db_cluster_snapshot_arn : aws_db_snapshot_copy.dr[0].db_snapshot_arn
  )
}
