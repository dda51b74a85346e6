# The dashboard (`tdl ui`) on Cloud Run behind Identity-Aware Proxy: off unless ui_enabled.
# It reads the loops from Firestore (a read-only role) and follows loop-events on a pull
# subscription made here (its account may not create subscriptions); with ui_allow_actions its
# re-run and cancel buttons publish what `tdl rerun` and `tdl cancel` publish
# (local.operator_topics), and nothing more.
#
# IAP on the service itself (`iap_enabled`) is a beta field in provider 6.50: the GA provider
# this module pins has no such argument, so the service alone is created with google-beta
# (versions.tf pins it like google), as is the IAP service agent it needs. Everything else
# here is GA.

locals {
  ui_image = var.ui_image != "" ? var.ui_image : var.test_image
  # The port Cloud Run sends requests to, which it also gives the container as $PORT.
  ui_port = 8080
}

resource "google_service_account" "ui" {
  count        = var.ui_enabled ? 1 : 0
  account_id   = "tdl-ui"
  display_name = "test-deploy-loop: the dashboard (tdl ui)"
}

# Reads loops and cycles; writes nothing (the buttons publish, the chain writes).
resource "google_project_iam_member" "ui_firestore" {
  count   = var.ui_enabled ? 1 : 0
  project = var.project
  role    = "roles/datastore.viewer"
  member  = "serviceAccount:${google_service_account.ui[0].email}"
}

# One subscription for the dashboard: it runs one instance, which fans the events out to every
# open page. Events nobody read for ten minutes are of no use to a live page.
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

# The buttons send what tdl rerun and tdl cancel send (cli/loop-actions.ts; `tdl ui` holds its
# publisher to PUBLISHES.dashboard, the same topics, and iam.test.ts checks the two agree): only
# with ui_allow_actions.
resource "google_pubsub_topic_iam_member" "ui_publishes" {
  for_each = toset(var.ui_enabled && var.ui_allow_actions ? local.operator_topics : [])
  topic    = google_pubsub_topic.topic[each.value].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.ui[0].email}"
}

resource "google_project_service" "iap" {
  count              = var.ui_enabled ? 1 : 0
  service            = "iap.googleapis.com"
  disable_on_destroy = false
}

# IAP calls the service as its own service agent; this makes sure the agent exists and names it.
resource "google_project_service_identity" "iap" {
  count    = var.ui_enabled ? 1 : 0
  provider = google-beta
  service  = "iap.googleapis.com"

  depends_on = [google_project_service.iap]
}

resource "google_cloud_run_v2_service" "ui" {
  count    = var.ui_enabled ? 1 : 0
  provider = google-beta
  name     = "tdl-ui"
  location = var.region
  # The service holds no data: it is recreated from this file, so `terraform destroy` may remove it.
  deletion_protection = false
  launch_stage        = "BETA"
  iap_enabled         = true
  ingress             = "INGRESS_TRAFFIC_ALL"

  template {
    service_account = google_service_account.ui[0].email
    # Server-sent events hold a request open as long as a page is: let one last an hour (the
    # page reconnects after).
    timeout = "3600s"
    # One instance: it holds the one subscription and every page's event stream.
    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }
    containers {
      image = local.ui_image
      # The installed bin by its path, never `npx tdl` (see test-job.tf). With a command and no
      # args, the image's own ENTRYPOINT and CMD are not used.
      command = concat(
        [var.tdl_bin, "ui", "--host", "0.0.0.0", "--port", tostring(local.ui_port), "--project", var.project, "--subscription", google_pubsub_subscription.ui_events[0].name],
        var.ui_allow_actions ? ["--allow-actions"] : [],
      )
      # The test image sets NODE_OPTIONS to the job's 64 MB heap; the dashboard gets V8's defaults.
      env {
        name  = "NODE_OPTIONS"
        value = ""
      }
      ports {
        container_port = local.ui_port
      }
      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
      }
    }
  }

  depends_on = [google_project_service.apis, google_project_service.iap]
}

# People reach the dashboard through IAP (roles/iap.httpsResourceAccessor below); Cloud Run
# itself lets in only IAP's agent, so the run.app URL serves nobody who went around IAP.
resource "google_cloud_run_v2_service_iam_member" "iap_invokes_ui" {
  count    = var.ui_enabled ? 1 : 0
  name     = google_cloud_run_v2_service.ui[0].name
  location = var.region
  role     = "roles/run.invoker"
  member   = local.iap_agent
}

locals {
  iap_agent = var.ui_enabled ? "serviceAccount:${google_project_service_identity.iap[0].email}" : ""
}

resource "google_iap_web_cloud_run_service_iam_member" "ui_viewers" {
  for_each               = toset(var.ui_enabled ? var.ui_viewers : [])
  cloud_run_service_name = google_cloud_run_v2_service.ui[0].name
  location               = var.region
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value
}
