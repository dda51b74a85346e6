# One 2nd-gen function per entry of var.topology.functions (key: the deployed name, kebab-case;
# entry_point: the name functions-framework registers, camelCase), each with its own runtime
# account. They are HTTP-triggered and fed by our push subscriptions (pubsub.tf), not by
# Eventarc triggers: the subscriptions carry the topology's ack deadline, retry and dead-letter
# policy, and the functions receive the very pushes they receive locally.

resource "google_service_account" "fn" {
  for_each     = var.topology.functions
  account_id   = "tdl-fn-${each.key}"
  display_name = "test-deploy-loop: ${each.key} function"
}

# Cloud Build builds the functions' source as this account (build_config.service_account):
# projects created since Cloud Build's default-account change have no usable default. It reads
# the source zip, writes the image to our repository and writes build logs; nothing more.
resource "google_service_account" "function_build" {
  account_id   = "tdl-fn-build"
  display_name = "test-deploy-loop: builds the functions' source"
}

resource "google_storage_bucket_iam_member" "function_build_reads_source" {
  bucket = google_storage_bucket.function_source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.function_build.email}"
}

resource "google_artifact_registry_repository_iam_member" "function_build_writes_images" {
  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${google_service_account.function_build.email}"
}

resource "google_project_iam_member" "function_build_logs" {
  project = var.project
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.function_build.email}"
}

locals {
  # The analyze function streams a cycle's results (the previous cycle's outcome maps, then the
  # cases chunk by chunk, keeping only failing ones): peak RSS 207.7 MB at 500,000 tests a cycle
  # and 224.7 MB at 1,000,000, measured with the production wiring against the Firestore
  # emulator (npm run bench -- --only analysis-memory --json). 512Mi is that peak plus about 2x
  # headroom, for a larger failing share (kept with its text), the HTTP server and model calls.
  # One CPU: the analysis is CPU-bound (about a minute at 1,000,000 tests). The others hold
  # one message and one cycle document.
  function_resources = {
    analyze = { memory = "512Mi", cpu = "1" }
  }
  default_function_resources = { memory = "512Mi", cpu = "0.333" }
  # The deployed runtime; package.json's engines.node allows it (a test checks the two agree).
  function_runtime = "nodejs22"
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = var.topology.functions
  name     = "tdl-${each.key}"
  location = var.region

  build_config {
    runtime           = local.function_runtime
    entry_point       = each.value.entry_point
    service_account   = google_service_account.function_build.id
    docker_repository = google_artifact_registry_repository.images.id
    source {
      storage_source {
        bucket = google_storage_bucket_object.function_source.bucket
        object = google_storage_bucket_object.function_source.name
      }
    }
  }

  service_config {
    max_instance_count = 10
    available_memory   = lookup(local.function_resources, each.key, local.default_function_resources).memory
    available_cpu      = lookup(local.function_resources, each.key, local.default_function_resources).cpu
    timeout_seconds    = 120
    # Pub/Sub push from this project counts as internal traffic; nothing from the internet
    # reaches the functions, whatever token it carries.
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
    service_account_email = google_service_account.fn[each.key].email
    environment_variables = merge({
      GOOGLE_CLOUD_PROJECT = var.project
      TDL_REGION           = var.region
      TDL_TEST_JOB         = google_cloud_run_v2_job.tests.name
      # Health and latency probes carry an ID token of the function's account, so private
      # services (the gcloud run deploy default) answer them.
      TDL_ID_TOKENS = "metadata"
      # The services' own log, for the five whys (analysis.tf grants the read).
    }, each.key == "analyze" && var.read_service_logs ? { TDL_SERVICE_LOGS = "cloud-logging" } : {})
  }

  depends_on = [google_project_service.apis, google_storage_bucket_iam_member.function_build_reads_source, google_artifact_registry_repository_iam_member.function_build_writes_images, google_project_iam_member.function_build_logs]
}

# Only the pusher account may invoke the functions.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = var.topology.functions
  name     = google_cloudfunctions2_function.fn[each.key].service_config[0].service
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.pusher.email}"
}

resource "google_project_iam_member" "fn_firestore" {
  for_each = var.topology.functions
  project  = var.project
  role     = "roles/datastore.user"
  member   = "serviceAccount:${google_service_account.fn[each.key].email}"
}

resource "google_pubsub_topic_iam_member" "fn_publisher" {
  for_each = { for pair in flatten([for fn, topics in local.publishes : [for t in topics : { fn = fn, topic = t }]]) : "${pair.fn}/${pair.topic}" => pair }
  topic    = google_pubsub_topic.topic[each.value.topic].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.fn[each.value.fn].email}"
}

# run-tests starts the test job with overrides, after looking for an execution it already
# started (a redelivery), and nothing else in Cloud Run: exactly CLOUD_RUN_JOB_LAUNCHER_PERMISSIONS
# of shared/adapters/cloud-run/cloud-run-job-launcher.ts (a test checks the two agree). The
# watchdog does the same for a cycle whose job is still silent at its deadline (the delivery
# that opened the cycle died before launching): topology.job_launchers (LAUNCHES_TEST_JOB).
resource "google_project_iam_custom_role" "job_runner" {
  role_id     = "tdlJobRunner"
  title       = "test-deploy-loop: run the test job"
  permissions = ["run.jobs.run", "run.jobs.runWithOverrides", "run.executions.list"]
}

resource "google_cloud_run_v2_job_iam_member" "launcher_runs_job" {
  for_each = toset(var.topology.job_launchers)
  name     = google_cloud_run_v2_job.tests.name
  location = var.region
  role     = google_project_iam_custom_role.job_runner.id
  member   = "serviceAccount:${google_service_account.fn[each.value].email}"
}

# A launcher acts as the job's account when it passes overrides.
resource "google_service_account_iam_member" "launcher_acts_as_job" {
  for_each           = toset(var.topology.job_launchers)
  service_account_id = google_service_account.test_job.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.fn[each.value].email}"
}

# The grants run-tests had before the watchdog launched too: kept, not recreated.
moved {
  from = google_cloud_run_v2_job_iam_member.run_tests_runs_job
  to   = google_cloud_run_v2_job_iam_member.launcher_runs_job["run-tests"]
}

moved {
  from = google_service_account_iam_member.run_tests_acts_as_job
  to   = google_service_account_iam_member.launcher_acts_as_job["run-tests"]
}

# Private team services: run-tests probes their health and latency, and the test job's suite
# calls them, each with an ID token of its own account (TDL_ID_TOKENS above and in
# test-job.tf), so both may invoke them. The services must exist when this is applied: with
# grant_services_invoker = false the first apply skips these, the first push deploys them.
locals {
  invoked_services = var.grant_services_invoker ? local.service_names : []
}

resource "google_cloud_run_v2_service_iam_member" "run_tests_invokes_services" {
  for_each = toset(local.invoked_services)
  name     = each.value
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.fn["run-tests"].email}"
}

resource "google_cloud_run_v2_service_iam_member" "test_job_invokes_services" {
  for_each = toset(local.invoked_services)
  name     = each.value
  location = var.region
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.test_job.email}"
}
