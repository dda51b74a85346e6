# Cloud Build: a push to the branch starts a cycle; a deploy-requested message (a redeploy
# verdict, or `tdl rerun`) deploys again. Both run cloudbuild.yaml, which ends by publishing
# deploy-finished.

resource "google_service_account" "build" {
  account_id   = "tdl-build"
  display_name = "test-deploy-loop: Cloud Build deployer"
}

resource "google_project_iam_member" "build_roles" {
  for_each = toset(["roles/run.developer", "roles/artifactregistry.writer", "roles/logging.logWriter", "roles/storage.objectViewer"])
  project  = var.project
  role     = each.value
  member   = "serviceAccount:${google_service_account.build.email}"
}

# `gcloud run deploy` as tdl-build acts as the services' runtime account; on that account only.
resource "google_service_account_iam_member" "build_acts_as_services_runtime" {
  service_account_id = "projects/${var.project}/serviceAccounts/${local.services_runtime_account}"
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.build.email}"
}

resource "google_pubsub_topic_iam_member" "build_publishes_deploy_finished" {
  topic  = google_pubsub_topic.topic["deploy-finished"].name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.build.email}"
}

resource "google_cloudbuild_trigger" "push" {
  name            = "tdl-${var.loop_id}-push"
  location        = var.region
  service_account = google_service_account.build.id
  filename        = "cloudbuild.yaml"

  github {
    owner = var.github_owner
    name  = var.github_repo
    push {
      branch = var.branch_regex
    }
  }

  substitutions = {
    _LOOP_ID  = var.loop_id
    _SERVICES = var.services
    _REGION   = var.region
    _TRIGGER  = "push"
    _CYCLE    = ""
    _REASON   = "push"
  }
}

resource "google_cloudbuild_trigger" "deploy_requested" {
  name            = "tdl-${var.loop_id}-deploy-requested"
  location        = var.region
  service_account = google_service_account.build.id

  pubsub_config {
    topic = google_pubsub_topic.topic["deploy-requested"].id
  }

  source_to_build {
    uri       = "https://github.com/${var.github_owner}/${var.github_repo}"
    ref       = "refs/heads/main"
    repo_type = "GITHUB"
  }

  git_file_source {
    path      = "cloudbuild.yaml"
    uri       = "https://github.com/${var.github_owner}/${var.github_repo}"
    revision  = "refs/heads/main"
    repo_type = "GITHUB"
  }

  # Payload bindings read the JSON of the deploy-requested message.
  substitutions = {
    _LOOP_ID  = "$(body.message.data.loopId)"
    _CYCLE    = "$(body.message.data.cycle)"
    _TRIGGER  = "$(body.message.data.trigger)"
    _REASON   = "$(body.message.data.reason)"
    _BRANCH   = "$(body.message.data.branch)"
    _SERVICES = var.services
    _REGION   = var.region
  }

  # A message for another loop of the project is not ours to build.
  filter = "_LOOP_ID == \"${var.loop_id}\""
}

resource "google_service_account" "scheduler" {
  account_id   = "tdl-scheduler"
  display_name = "test-deploy-loop: watchdog tick"
}

resource "google_pubsub_topic_iam_member" "scheduler_publishes_tick" {
  topic  = google_pubsub_topic.topic["watchdog-tick"].name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.scheduler.email}"
}

resource "google_cloud_scheduler_job" "watchdog_tick" {
  name     = "tdl-watchdog-tick"
  region   = var.region
  schedule = "* * * * *"
  pubsub_target {
    topic_name = google_pubsub_topic.topic["watchdog-tick"].id
    data       = base64encode("{}")
  }
  depends_on = [google_project_service.apis]
}
