# Optional Redis: its own group, reachable only from the web tier on 6379.
resource "aws_security_group" "cache_group" {
  count = var.cache.enabled ? 1 : 0

  name        = "${var.name}-cache"
  description = "Cache tier: only the web tier may connect"
  vpc_id      = var.vpc_id

  ingress {
    description     = "Redis from the web tier"
    from_port       = 6379
    to_port         = 6379
    protocol        = "tcp"
    security_groups = [aws_security_group.webserver_group.id]
  }

  tags = merge(local.tags, { Name = "${var.name}-cache" })
}

resource "aws_elasticache_subnet_group" "cache" {
  count = var.cache.enabled ? 1 : 0

  name       = "${var.name}-cache"
  subnet_ids = var.subnet_ids
  tags       = local.tags
}

resource "aws_elasticache_replication_group" "cache" {
  count = var.cache.enabled ? 1 : 0

  replication_group_id       = "${var.name}-cache"
  description                = "Cache of ${var.name}"
  engine                     = var.cache.engine
  node_type                  = var.cache.node_type
  num_cache_clusters         = var.cache.replicas
  automatic_failover_enabled = var.cache.replicas > 1
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.cache_auth_token
  port                       = 6379
  security_group_ids         = [aws_security_group.cache_group[0].id]
  subnet_group_name          = aws_elasticache_subnet_group.cache[0].name
  snapshot_retention_limit   = 1
  tags                       = local.tags
}
