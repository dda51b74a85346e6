# The Cloud Run Job that runs the team's end-to-end suite through `tdl job`. run-tests starts
# one execution per cycle with TDL_LOOP_ID, TDL_CYCLE, TDL_JOB_ID and TDL_URL_<SERVICE> set.
# The image is built from infra/test-job/Dockerfile (or one like it): the suite, this package
# installed, and the job's heap flags in NODE_OPTIONS.

resource "google_service_account" "test_job" {
  account_id   = "tdl-test-job"
  display_name = "test-deploy-loop: the end-to-end test job"
}

resource "google_cloud_run_v2_job" "tests" {
  name     = "tdl-tests"
  location = var.region
  # The job holds no data: it is recreated from this file, so `terraform destroy` may remove it.
  deletion_protection = false

  template {
    task_count = 1
    template {
      service_account = google_service_account.test_job.email
      max_retries     = 0
      timeout         = "3600s"
      containers {
        image = var.test_image
        # The installed bin by its path, never `npx tdl`: without a local install npx fetches an
        # unrelated package of that name from the registry.
        command = [var.tdl_bin, "job", "--"]
        args    = var.test_command
        env {
          name  = "GOOGLE_CLOUD_PROJECT"
          value = var.project
        }
        env {
          name  = "TDL_RESULTS"
          value = var.test_results
        }
        # The suite gets an ID token per service (TDL_ID_TOKEN_<SERVICE>, and TDL_ID_TOKEN for
        # the first) from the job's account, for private services.
        env {
          name  = "TDL_ID_TOKENS"
          value = "metadata"
        }
        resources {
          limits = {
            cpu    = "1"
            memory = "1Gi"
          }
        }
      }
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_project_iam_member" "test_job_firestore" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.test_job.email}"
}

resource "google_pubsub_topic_iam_member" "test_job_publisher" {
  for_each = toset(["tests-finished", "loop-events"])
  topic    = google_pubsub_topic.topic[each.value].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.test_job.email}"
}
