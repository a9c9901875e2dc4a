# A new environment from an empty region, in one apply: a VPC with public and data subnets in
# two availability zones, an internet gateway for the public ones only, then the web tier's and
# the database's security groups, a DB subnet group on the data subnets and the database.
#
#   STRATA_VAR_db_password=... strata -C examples/bootstrap apply
#
# The data subnets have a route table of their own with no route out: nothing in them can be
# reached from the internet, whatever an address or a security group says (the guardrail
# DB_IN_PUBLIC_SUBNET refuses a publicly accessible database in a subnet that routes to an
# internet gateway).

terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "name" {
  description = "Prefix of every name, and the Name tag of the network's objects."
  type        = string
  default     = "bootstrap"
}

variable "cidr" {
  description = "The VPC's address range; each subnet takes a /24 of it."
  type        = string
  default     = "10.40.0.0/16"
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

data "aws_availability_zones" "available" {
  state = "available"
}

locals {
  azs  = slice(data.aws_availability_zones.available.names, 0, 2)
  tags = { Environment = terraform.workspace, Stack = var.name }
}

resource "aws_vpc" "main" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = var.name })
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = merge(local.tags, { Name = var.name })
}

# Public subnets: the web tier, and whatever must be reached from the internet.
resource "aws_subnet" "public" {
  count                   = length(local.azs)
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(var.cidr, 8, count.index)
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { Name = "${var.name}-public-${local.azs[count.index]}" })
}

# Data subnets: the database only.
resource "aws_subnet" "data" {
  count             = length(local.azs)
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(var.cidr, 8, 10 + count.index)
  availability_zone = local.azs[count.index]
  tags              = merge(local.tags, { Name = "${var.name}-data-${local.azs[count.index]}" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = merge(local.tags, { Name = "${var.name}-public" })
}

resource "aws_route_table_association" "public" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# No route out: the data tier is private.
resource "aws_route_table" "data" {
  vpc_id = aws_vpc.main.id
  tags   = merge(local.tags, { Name = "${var.name}-data" })
}

resource "aws_route_table_association" "data" {
  count          = length(local.azs)
  subnet_id      = aws_subnet.data[count.index].id
  route_table_id = aws_route_table.data.id
}

module "stack" {
  source = "../../modules/web-db-stack"
  # The module's DR copy is off here, but every provider configuration it declares must be
  # passed (Terraform's rule): the default one stands in for aws.dr.
  providers = {
    aws    = aws
    aws.dr = aws
  }

  name        = var.name
  vpc_id      = aws_vpc.main.id
  subnet_ids  = aws_subnet.data[*].id
  admin_cidr  = var.admin_cidr
  db_password = var.db_password

  # A fresh environment to try things in: destroy it without keeping a final snapshot.
  skip_final_snapshot = true

  tags = local.tags
}

output "vpc_id" {
  value = aws_vpc.main.id
}

output "public_subnet_ids" {
  value = aws_subnet.public[*].id
}

output "data_subnet_ids" {
  value = aws_subnet.data[*].id
}

output "db_endpoint" {
  value = module.stack.db_endpoint
}

output "webserver_group_id" {
  value = module.stack.webserver_group_id
}

output "db_group_id" {
  value = module.stack.db_group_id
}
