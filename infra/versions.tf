terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
      # Written for, and checked offline against, provider 6.50 (test/unit/infra/provider-schema/):
      # 7.x changes resources this module uses, so it is not allowed until checked.
      version = "~> 6.50"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
