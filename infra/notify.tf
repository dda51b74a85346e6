# The notify function: loop-events -> GitHub commit statuses, the await-fix issue, Slack and
# webhooks. The function itself, its account (tdl-fn-notify), its push subscription and its
# Firestore and loop-events grants come with the others (functions.tf, pubsub.tf, project.tf),
# since "notify" is one of var.topology.functions. What is notify's alone: reading the secrets
# the loop configs name, and only those.

variable "notify_secrets" {
  description = "Secret Manager secret ids the loop configs name in notify (the GitHub token, the Slack webhook URL, webhook signing secrets). The notify function may read exactly these; create them and add versions yourself (gcloud secrets create NAME --data-file=-), so no secret value passes through Terraform state."
  type        = list(string)
  default     = []
}

resource "google_project_service" "secret_manager" {
  service            = "secretmanager.googleapis.com"
  disable_on_destroy = false
}

# Read access on each named secret, not on the project: nothing else the project keeps in
# Secret Manager is readable by the function.
resource "google_secret_manager_secret_iam_member" "notify_reads" {
  for_each  = toset(var.notify_secrets)
  project   = var.project
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.fn["notify"].email}"

  depends_on = [google_project_service.secret_manager]
}
