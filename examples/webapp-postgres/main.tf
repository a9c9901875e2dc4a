# The web tier and a PostgreSQL database (port 5432, reachable only from the web tier).

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

module "stack" {
  source = "../../modules/web-db-stack"
  # The module's DR copy is off here, but every provider configuration it declares must be
  # passed (Terraform's rule): the default one stands in for aws.dr.
  providers = {
    aws    = aws
    aws.dr = aws
  }

  name           = "webapp-pg"
  engine         = "postgres"
  engine_version = "16"
  vpc_id         = data.aws_vpc.default.id
  subnet_ids     = data.aws_subnets.default.ids
  admin_cidr     = var.admin_cidr
  db_username    = "app"
  db_password    = var.db_password

  skip_final_snapshot = true
}

output "db_endpoint" {
  value = module.stack.db_endpoint
}
