variable "name" {
  description = "Prefix for every resource name."
  type        = string
  default     = "webapp"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC for the security groups; null means the region's default VPC."
  type        = string
  default     = null
}

variable "subnet_ids" {
  description = "Subnets for the database subnet group (at least two availability zones)."
  type        = list(string)
}

variable "admin_cidr" {
  description = "The only network allowed to SSH into the web tier."
  type        = string
}

variable "engine" {
  description = "Database engine: mysql, postgres, mariadb, aurora-mysql or aurora-postgresql."
  type        = string
  default     = "mysql"

  validation {
    condition     = contains(["mysql", "postgres", "mariadb", "aurora-mysql", "aurora-postgresql"], var.engine)
    error_message = "engine must be one of mysql, postgres, mariadb, aurora-mysql, aurora-postgresql."
  }
}

variable "aurora_instances" {
  description = "Instances in the Aurora cluster (writer + readers), for the aurora-* engines."
  type        = number
  default     = 2
}

variable "engine_version" {
  description = "Engine version; null picks the engine's default (a major version like 8.0 follows minor upgrades)."
  type        = string
  default     = null
}

variable "instance_class" {
  type    = string
  default = "db.t3.micro"
}

variable "allocated_storage" {
  type    = number
  default = 20
}

variable "db_username" {
  type    = string
  default = "admin"
}

variable "db_password" {
  description = "Master password of the database."
  type        = string
  sensitive   = true
}

variable "backup_retention_period" {
  description = "Days of automated backups to keep."
  type        = number
  default     = 7
}

variable "skip_final_snapshot" {
  description = "Destroy without a final snapshot (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "cache" {
  description = "A Redis replication group reachable only from the web tier on 6379."
  type = object({
    enabled    = optional(bool, false)
    node_type  = optional(string, "cache.t3.micro")
    replicas   = optional(number, 2)
    engine     = optional(string, "redis")
  })
  default = {}
}

variable "cache_auth_token" {
  description = "AUTH token of the Redis replication group (transit encryption is always on)."
  type        = string
  default     = null
  sensitive   = true
}

variable "dr" {
  description = "Disaster recovery: snapshot the database and copy it, encrypted with kms_key_id, to the region of the aws.dr provider."
  type = object({
    enabled    = optional(bool, false)
    kms_key_id = optional(string)
  })
  default = {}
}
