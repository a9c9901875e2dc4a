terraform {
  required_providers {
    aws = {
      source                = "hashicorp/aws"
      configuration_aliases = [aws.dr]
    }
  }
}

locals {
  tags           = merge(var.tags, { Stack = var.name })
  is_aurora      = startswith(var.engine, "aurora")
  is_postgres    = contains(["postgres", "aurora-postgresql"], var.engine)
  port           = local.is_postgres ? 5432 : 3306
  final_snapshot = var.skip_final_snapshot ? null : "${var.name}-db-final"
}

# The web tier: HTTP and HTTPS from anywhere, SSH only from the admin network.
resource "aws_security_group" "webserver_group" {
  name        = "${var.name}-webserver"
  description = "Web tier: HTTP and HTTPS from anywhere, SSH from the admin network"
  vpc_id      = var.vpc_id

  ingress {
    description = "HTTP"
    from_port   = 80
    to_port     = 80
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }

  ingress {
    description = "SSH from the admin network"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [var.admin_cidr]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.tags, { Name = "${var.name}-webserver" })
}

# The database tier: reachable on its port only from the web tier — no CIDR at all.
resource "aws_security_group" "db_group" {
  name        = "${var.name}-db"
  description = "Database tier: only the web tier may connect"
  vpc_id      = var.vpc_id

  ingress {
    description     = "Database from the web tier"
    from_port       = local.port
    to_port         = local.port
    protocol        = "tcp"
    security_groups = [aws_security_group.webserver_group.id]
  }

  tags = merge(local.tags, { Name = "${var.name}-db" })
}

resource "aws_db_subnet_group" "db" {
  name        = "${var.name}-db"
  description = "Subnets of the ${var.name} database"
  subnet_ids  = var.subnet_ids
  tags        = local.tags
}

# MySQL, PostgreSQL or MariaDB: one encrypted instance with backups retained.
resource "aws_db_instance" "db" {
  count = local.is_aurora ? 0 : 1

  identifier        = "${var.name}-db"
  engine            = var.engine
  engine_version    = var.engine_version
  instance_class    = var.instance_class
  allocated_storage = var.allocated_storage
  storage_encrypted = true

  username = var.db_username
  password = var.db_password
  port     = local.port

  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db_group.id]
  publicly_accessible    = false

  backup_retention_period   = var.backup_retention_period
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = local.final_snapshot

  tags = local.tags
}

# Aurora: an encrypted cluster and its instances.
resource "aws_rds_cluster" "db" {
  count = local.is_aurora ? 1 : 0

  cluster_identifier = "${var.name}-db"
  engine             = var.engine
  engine_version     = var.engine_version
  master_username    = var.db_username
  master_password    = var.db_password
  port               = local.port
  storage_encrypted  = true

  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db_group.id]

  backup_retention_period   = var.backup_retention_period
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = local.final_snapshot

  tags = local.tags
}

resource "aws_rds_cluster_instance" "db" {
  count = local.is_aurora ? var.aurora_instances : 0

  identifier          = "${var.name}-db-${count.index}"
  cluster_identifier  = aws_rds_cluster.db[0].cluster_identifier
  engine              = var.engine
  instance_class      = var.instance_class
  publicly_accessible = false
  tags                = local.tags
}
