# Cloud Build: a push to the branch starts a cycle; a deploy-requested message (a redeploy
# verdict, or `tdl rerun`) deploys again. Both run cloudbuild.yaml, which ends by publishing
# deploy-finished.
#
# The GitHub repository is reached through a 2nd-gen connection (the console's default since
# 2023: Cloud Build -> Repositories -> 2nd gen), var.github_connection, which must live in
# var.region: a trigger on a 2nd-gen repository is regional and must be in its connection's
# region. github_generation = 1 uses a 1st-gen connection (the Cloud Build GitHub App) instead.

resource "google_service_account" "build" {
  account_id   = "tdl-build"
  display_name = "test-deploy-loop: Cloud Build deployer"
}

resource "google_project_iam_member" "build_roles" {
  for_each = toset(["roles/run.developer", "roles/logging.logWriter"])
  project  = var.project
  role     = each.value
  member   = "serviceAccount:${google_service_account.build.email}"
}

# The build pushes the services' images to our repository, and only there.
resource "google_artifact_registry_repository_iam_member" "build_writes_images" {
  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.build.email}"
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

locals {
  github_uri = "https://github.com/${var.github_owner}/${var.github_repo}"
}

# The repository in the 2nd-gen connection (absent with github_generation = 1).
resource "google_cloudbuildv2_repository" "repo" {
  count             = var.github_generation == 2 ? 1 : 0
  name              = var.github_repo
  location          = var.region
  parent_connection = "projects/${var.project}/locations/${var.region}/connections/${var.github_connection}"
  remote_uri        = "${local.github_uri}.git"

  lifecycle {
    precondition {
      condition     = var.github_connection != ""
      error_message = "github_generation = 2 needs github_connection: the name of a 2nd-gen Cloud Build connection to GitHub in var.region (or set github_generation = 1)."
    }
  }
}

resource "google_cloudbuild_trigger" "push" {
  name            = "tdl-${var.loop_id}-push"
  location        = var.region
  service_account = google_service_account.build.id
  filename        = "cloudbuild.yaml"

  dynamic "repository_event_config" {
    for_each = google_cloudbuildv2_repository.repo
    content {
      repository = repository_event_config.value.id
      push {
        branch = var.branch_regex
      }
    }
  }

  dynamic "github" {
    for_each = var.github_generation == 1 ? [1] : []
    content {
      owner = var.github_owner
      name  = var.github_repo
      push {
        branch = var.branch_regex
      }
    }
  }

  substitutions = {
    _LOOP_ID    = var.loop_id
    _SERVICES   = var.services
    _REGION     = var.region
    _REPOSITORY = google_artifact_registry_repository.images.repository_id
    _TRIGGER    = "push"
    _CYCLE      = ""
    _REASON     = "push"
  }
}

# A deploy-requested message builds the branch it names, at the commit it names if any, not
# before its notBefore. Payload bindings read only what every deploy-requested carries: the
# message's required fields (loopId, trigger, branch, reason) and the attributes the publisher
# sets on every deploy-requested (cycle, commit, notBefore; empty when the message has none,
# as a `tdl rerun` has no cycle). test/unit/infra checks both against shared/chain/messages.ts.
resource "google_cloudbuild_trigger" "deploy_requested" {
  name            = "tdl-${var.loop_id}-deploy-requested"
  location        = var.region
  service_account = google_service_account.build.id

  pubsub_config {
    topic = google_pubsub_topic.topic["deploy-requested"].id
  }

  source_to_build {
    repository = var.github_generation == 2 ? google_cloudbuildv2_repository.repo[0].id : null
    uri        = var.github_generation == 1 ? local.github_uri : null
    ref        = "refs/heads/$_BRANCH"
    repo_type  = "GITHUB"
  }

  git_file_source {
    path       = "cloudbuild.yaml"
    repository = var.github_generation == 2 ? google_cloudbuildv2_repository.repo[0].id : null
    uri        = var.github_generation == 1 ? local.github_uri : null
    revision   = "refs/heads/$_BRANCH"
    repo_type  = "GITHUB"
  }

  substitutions = {
    _LOOP_ID    = "$(body.message.data.loopId)"
    _TRIGGER    = "$(body.message.data.trigger)"
    _REASON     = "$(body.message.data.reason)"
    _BRANCH     = "$(body.message.data.branch)"
    _CYCLE      = "$(body.message.attributes.cycle)"
    _COMMIT     = "$(body.message.attributes.commit)"
    _NOT_BEFORE = "$(body.message.attributes.notBefore)"
    _SERVICES   = var.services
    _REGION     = var.region
    _REPOSITORY = google_artifact_registry_repository.images.repository_id
  }

  # A message for another loop of the project is not ours to build.
  filter = "_LOOP_ID == \"${var.loop_id}\""
}

# Cloud Scheduler publishes the tick as its service agent, whose own role
# (roles/cloudscheduler.serviceAgent) allows publishing: no account of ours is needed.
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
