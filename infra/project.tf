data "google_project" "this" {}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  # What each function publishes; nothing else is granted.
  publishes = {
    "run-tests" = ["loop-events", "tests-finished"]
    "analyze"   = ["loop-events", "analysis-finished"]
    "report"    = ["loop-events", "deploy-requested"]
    "watchdog"  = ["loop-events", "tests-finished", "analysis-finished", "deploy-requested"]
    "control"   = ["loop-events", "deploy-requested"]
  }
}

resource "google_project_service" "apis" {
  for_each = toset([
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "pubsub.googleapis.com",
    "firestore.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

resource "google_firestore_database" "default" {
  count       = var.create_firestore_database ? 1 : 0
  name        = "(default)"
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"
  depends_on  = [google_project_service.apis]
}

# The watchdog's sweep: cycles that ended recently, for messages a dead step left unpublished.
resource "google_firestore_index" "cycles_by_phase_done" {
  collection  = "cycles"
  query_scope = "COLLECTION_GROUP"
  fields {
    field_path = "phase"
    order      = "ASCENDING"
  }
  fields {
    field_path = "phaseAt.done"
    order      = "ASCENDING"
  }
  depends_on = [google_firestore_database.default]
}

# The watchdog's query: active cycles of every loop whose phase deadline has passed.
resource "google_firestore_index" "cycles_by_phase_deadline" {
  collection  = "cycles"
  query_scope = "COLLECTION_GROUP"
  fields {
    field_path = "phase"
    order      = "ASCENDING"
  }
  fields {
    field_path = "deadline"
    order      = "ASCENDING"
  }
  depends_on = [google_firestore_database.default]
}
