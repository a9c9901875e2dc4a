# Disaster recovery: a snapshot of the database, copied encrypted (with a key of the DR region:
# KMS keys are regional) to the region of the aws.dr provider the caller passes in.
resource "aws_db_snapshot" "dr" {
  count = var.dr.enabled && !local.is_aurora ? 1 : 0

  db_instance_identifier = aws_db_instance.db[0].identifier
  db_snapshot_identifier = "${var.name}-dr-source"
  tags                   = local.tags
}

resource "aws_db_snapshot_copy" "dr" {
  count    = var.dr.enabled && !local.is_aurora ? 1 : 0
  provider = aws.dr

  source_db_snapshot_identifier = aws_db_snapshot.dr[0].db_snapshot_arn
  target_db_snapshot_identifier = "${var.name}-dr-copy"
  kms_key_id                    = var.dr.kms_key_id
  copy_tags                     = true
  tags                          = local.tags
}

resource "aws_db_cluster_snapshot" "dr" {
  count = var.dr.enabled && local.is_aurora ? 1 : 0

  db_cluster_identifier          = aws_rds_cluster.db[0].cluster_identifier
  db_cluster_snapshot_identifier = "${var.name}-dr-source"
  tags                           = local.tags
}

resource "aws_db_cluster_snapshot_copy" "dr" {
  count    = var.dr.enabled && local.is_aurora ? 1 : 0
  provider = aws.dr

  source_db_cluster_snapshot_identifier = aws_db_cluster_snapshot.dr[0].db_cluster_snapshot_arn
  target_db_cluster_snapshot_identifier = "${var.name}-dr-copy"
  kms_key_id                            = var.dr.kms_key_id
  copy_tags                             = true
  tags                                  = local.tags
}
