# MySQL in us-east-1 with a disaster-recovery copy of its snapshot in us-west-2, encrypted
# with a us-west-2 key (KMS keys are regional: an encrypted snapshot cannot leave its region
# without a key of the destination).

provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "dr"
  region = var.dr_region
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "dr_region" {
  type    = string
  default = "us-west-2"
}

variable "admin_cidr" {
  type    = string
  default = "203.0.113.0/24"
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

# The AWS-managed RDS key of the DR region.
data "aws_kms_key" "dr" {
  provider = aws.dr
  key_id   = "alias/aws/rds"
}

module "stack" {
  source = "../../modules/web-db-stack"
  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  name        = "webapp-dr"
  vpc_id      = data.aws_vpc.default.id
  subnet_ids  = data.aws_subnets.default.ids
  admin_cidr  = var.admin_cidr
  db_password = var.db_password
  dr          = { enabled = true, kms_key_id = data.aws_kms_key.dr.arn }

  skip_final_snapshot = true
}

output "db_endpoint" {
  value = module.stack.db_endpoint
}

output "dr_snapshot_arn" {
  value = module.stack.dr_snapshot_arn
}
