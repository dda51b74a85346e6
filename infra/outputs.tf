output "function_urls" {
  description = "Each function's URL (invokable only by the pusher account)."
  value       = { for name, fn in google_cloudfunctions2_function.fn : name => fn.service_config[0].uri }
}

output "topics" {
  description = "The chain's topics; publish to deploy-requested or deploy-finished to re-run by hand (tdl rerun --project)."
  value       = [for t in google_pubsub_topic.topic : t.name]
}

output "test_job" {
  description = "The Cloud Run Job that runs the suite."
  value       = google_cloud_run_v2_job.tests.name
}

output "service_accounts" {
  description = "The identities the chain runs as; only these publish and push."
  value = merge(
    { for name, sa in google_service_account.fn : "function-${name}" => sa.email },
    { pusher = google_service_account.pusher.email, test_job = google_service_account.test_job.email, build = google_service_account.build.email, function_build = google_service_account.function_build.email },
  )
}

output "image_repository" {
  description = "Where images go: REGION-docker.pkg.dev/PROJECT/REPOSITORY (the test job's image too)."
  value       = "${var.region}-docker.pkg.dev/${var.project}/${google_artifact_registry_repository.images.repository_id}"
}

output "ui_url" {
  description = "The dashboard's address behind IAP; empty unless ui_enabled."
  value       = var.ui_enabled ? google_cloud_run_v2_service.ui[0].uri : ""
}
