# The applied Cargo setup; this change drops the Lambda statement from the role's trust policy.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.70"
    }
  }
}

provider "aws" {
  region = "eu-west-1"
}

variable "cargo_role_arn" {
  type    = string
  default = "arn:aws:iam::999988887777:role/cargo-workspace-acme"
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "Redshift"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com"]
    }
  }
  statement {
    sid     = "Lambda"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cargo" {
  name               = "cargo-redshift"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

resource "aws_iam_policy" "cross_account" {
  name = "cargo-cross-account"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "CrossAccountPolicy"
      Effect   = "Allow"
      Action   = "sts:AssumeRole"
      Resource = var.cargo_role_arn
    }]
  })
}

resource "aws_iam_role_policy_attachment" "cross_account" {
  role       = aws_iam_role.cargo.name
  policy_arn = aws_iam_policy.cross_account.arn
}

resource "aws_iam_role_policy_attachment" "lambda_execute" {
  role       = aws_iam_role.cargo.name
  policy_arn = "arn:aws:iam::aws:policy/AWSLambdaExecute"
}

resource "aws_iam_role_policy_attachment" "lambda_role" {
  role       = aws_iam_role.cargo.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"
}

resource "aws_iam_user" "lambda" {
  name = "cargo_lambda"
}

resource "aws_iam_user_policy_attachment" "lambda" {
  user       = aws_iam_user.lambda.name
  policy_arn = "arn:aws:iam::aws:policy/AWSLambda_FullAccess"
}

resource "aws_iam_access_key" "lambda" {
  user = aws_iam_user.lambda.name
}

resource "aws_security_group" "redshift" {
  name        = "redshift-cargo"
  description = "Redshift access for Cargo"
  vpc_id      = "vpc-0123456789abcdef0"
}

resource "aws_vpc_security_group_ingress_rule" "cargo" {
  security_group_id = aws_security_group.redshift.id
  cidr_ipv4         = "203.0.113.0/24"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  description       = "Cargo"
}

resource "aws_vpc_security_group_ingress_rule" "vpc" {
  security_group_id = aws_security_group.redshift.id
  cidr_ipv4         = "10.0.0.0/16"
  ip_protocol       = "tcp"
  from_port         = 5439
  to_port           = 5439
  description       = "VPC"
}

resource "aws_redshiftserverless_namespace" "cargo" {
  namespace_name       = "cargo-ns"
  db_name              = "dev"
  iam_roles            = [aws_iam_role.cargo.arn]
  default_iam_role_arn = aws_iam_role.cargo.arn
}

resource "aws_redshiftserverless_workgroup" "cargo" {
  workgroup_name      = "cargo-wg"
  namespace_name      = aws_redshiftserverless_namespace.cargo.namespace_name
  publicly_accessible = true
  security_group_ids  = [aws_security_group.redshift.id]
  subnet_ids          = ["subnet-0a1b2c3d4e5f60718", "subnet-1a2b3c4d5e6f70819", "subnet-2a3b4c5d6e7f80910"]
}
