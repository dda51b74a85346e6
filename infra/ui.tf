# The dashboard (`tdl ui`) on Cloud Run behind Identity-Aware Proxy: off unless ui_enabled.
# It reads the loops from Firestore (read-only role) and follows loop-events on a pull
# subscription made here (its account may not create subscriptions); with ui_allow_actions
# its re-run and cancel buttons publish what `tdl rerun` and `tdl cancel` publish
# (local.operator_topics), and nothing more. IAP sets `iap_enabled` on the service itself
# (google provider 6.10 or later, launch stage BETA; the project must be in an organization).

variable "ui_enabled" {
  description = "Deploy the dashboard (tdl ui) to Cloud Run behind IAP."
  type        = bool
  default     = false
}

variable "ui_image" {
  description = "Container image with this package installed (`tdl` on the PATH), e.g. the test image; required when ui_enabled."
  type        = string
  default     = ""
}

variable "ui_viewers" {
  description = "Principals IAP lets through to the dashboard (user:, group:, domain:)."
  type        = list(string)
  default     = []
}

variable "ui_allow_actions" {
  description = "Show the re-run and cancel buttons (tdl ui --allow-actions) and let the dashboard publish those messages."
  type        = bool
  default     = false
}

resource "google_service_account" "ui" {
  count        = var.ui_enabled ? 1 : 0
  account_id   = "tdl-ui"
  display_name = "test-deploy-loop: the dashboard"
}

resource "google_project_iam_member" "ui_firestore" {
  count   = var.ui_enabled ? 1 : 0
  project = var.project
  role    = "roles/datastore.viewer"
  member  = "serviceAccount:${google_service_account.ui[0].email}"
}

# One subscription for the dashboard: one instance fans it out to every open page.
resource "google_pubsub_subscription" "ui_events" {
  count                      = var.ui_enabled ? 1 : 0
  name                       = "tdl-ui"
  topic                      = google_pubsub_topic.topic["loop-events"].id
  ack_deadline_seconds       = 10
  message_retention_duration = "600s"
}

resource "google_pubsub_subscription_iam_member" "ui_reads_events" {
  count        = var.ui_enabled ? 1 : 0
  subscription = google_pubsub_subscription.ui_events[0].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.ui[0].email}"
}

resource "google_pubsub_topic_iam_member" "ui_publishes" {
  for_each = toset(var.ui_enabled && var.ui_allow_actions ? local.operator_topics : [])
  topic    = google_pubsub_topic.topic[each.value].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.ui[0].email}"
}

resource "google_cloud_run_v2_service" "ui" {
  count        = var.ui_enabled ? 1 : 0
  name         = "tdl-ui"
  location     = var.region
  launch_stage = "BETA"
  iap_enabled  = true
  ingress      = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = google_service_account.ui[0].email
    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }
    containers {
      image = var.ui_image
      command = concat(
        ["npx", "tdl", "ui", "--host", "0.0.0.0", "--project", var.project, "--subscription", google_pubsub_subscription.ui_events[0].name],
        var.ui_allow_actions ? ["--allow-actions"] : [],
      )
      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
      }
    }
    # Server-sent events hold a request open: let one last an hour.
    timeout = "3600s"
  }

  lifecycle {
    precondition {
      condition     = var.ui_image != ""
      error_message = "ui_enabled needs ui_image: a container image with this package installed."
    }
  }

  depends_on = [google_project_service.apis]
}

locals {
  iap_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-iap.iam.gserviceaccount.com"
}

# IAP calls the service as its own service agent; people are let through by IAP, not run.invoker.
resource "google_project_service" "iap" {
  count              = var.ui_enabled ? 1 : 0
  service            = "iap.googleapis.com"
  disable_on_destroy = false
}

resource "google_cloud_run_v2_service_iam_member" "iap_invokes_ui" {
  count    = var.ui_enabled ? 1 : 0
  name     = google_cloud_run_v2_service.ui[0].name
  location = var.region
  role     = "roles/run.invoker"
  member   = local.iap_agent
}

resource "google_iap_web_cloud_run_service_iam_member" "ui_viewers" {
  for_each               = toset(var.ui_enabled ? var.ui_viewers : [])
  cloud_run_service_name = google_cloud_run_v2_service.ui[0].name
  location               = var.region
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value
}

output "ui_url" {
  description = "The dashboard behind IAP (empty unless ui_enabled)."
  value       = var.ui_enabled ? google_cloud_run_v2_service.ui[0].uri : ""
}
