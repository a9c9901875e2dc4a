# The web tier, MySQL, and a Redis replication group in its own cache_group that only the
# web tier can reach on 6379 (encrypted at rest and in transit, with an AUTH token).

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "admin_cidr" {
  description = "The network allowed to SSH into the web servers."
  type        = string
  default     = "203.0.113.0/24"
}

variable "db_password" {
  type      = string
  sensitive = true
}

data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "default" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
}

variable "cache_auth_token" {
  type      = string
  sensitive = true
}

module "stack" {
  source = "../../modules/web-db-stack"
  # The module's DR copy is off here, but every provider configuration it declares must be
  # passed (Terraform's rule): the default one stands in for aws.dr.
  providers = {
    aws    = aws
    aws.dr = aws
  }

  name             = "webapp-cache"
  vpc_id           = data.aws_vpc.default.id
  subnet_ids       = data.aws_subnets.default.ids
  admin_cidr       = var.admin_cidr
  db_password      = var.db_password
  cache            = { enabled = true, replicas = 2 }
  cache_auth_token = var.cache_auth_token

  skip_final_snapshot = true
}

output "db_endpoint" {
  value = module.stack.db_endpoint
}

output "cache_endpoint" {
  value = module.stack.cache_endpoint
}
