# Terraform configuration for the syntaxd artefact bucket.
terraform {
  required_version = ">= 1.5.0"
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

locals {
  tags = {
    project = "syntaxd"
    owner   = "platform"
  }
}

# Storage for build artefacts.
resource "aws_s3_bucket" "artifacts" {
  bucket = "syntaxd-artifacts-${var.region}"
  tags   = local.tags
}

output "bucket_arn" {
  value = aws_s3_bucket.artifacts.arn
}
