terraform {
  required_version = ">= 1.5"
  required_providers {
    google = {
      source = "hashicorp/google"
      # Written for, and checked offline against, provider 6.50 (test/unit/infra/provider-schema/):
      # 7.x changes resources this module uses, so it is not allowed until checked.
      version = "~> 6.50"
    }
    # The same provider with its beta fields, for the dashboard's service alone (infra/ui.tf:
    # iap_enabled is beta in 6.50), checked offline against the beta schema; same pin as google.
    google-beta = {
      source  = "hashicorp/google-beta"
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

provider "google-beta" {
  project = var.project
  region  = var.region
}
