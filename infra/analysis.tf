# What the analyze function reads beyond Firestore, each behind a variable: what the team's
# services printed (Cloud Logging), for the five whys, and a model on Vertex AI, for loops whose
# config sets analysis.model. Both grants go to analyze's own account, no other.

variable "read_service_logs" {
  description = "The analyze function reads what the team's Cloud Run services printed around a cycle (Cloud Logging, entries:list) to go past the symptom in the five whys: which routes the service listed at start, which requests failed and which similar ones passed. Grants its account roles/logging.viewer on the project (Cloud Logging has no per-service read grant)."
  type        = bool
  default     = true
}

variable "model_analysis" {
  description = "Set when a loop config enables analysis.model (Gemini on Vertex AI): grants the analyze function's account roles/aiplatform.user and enables the Vertex AI API. Off by default: the rules explain failures alone, and no failure text leaves the project."
  type        = bool
  default     = false
}

resource "google_project_iam_member" "analyze_reads_service_logs" {
  count   = var.read_service_logs ? 1 : 0
  project = var.project
  role    = "roles/logging.viewer"
  member  = "serviceAccount:${google_service_account.fn["analyze"].email}"
}

resource "google_project_service" "vertex_ai" {
  count              = var.model_analysis ? 1 : 0
  service            = "aiplatform.googleapis.com"
  disable_on_destroy = false
}

resource "google_project_iam_member" "analyze_calls_vertex_ai" {
  count   = var.model_analysis ? 1 : 0
  project = var.project
  role    = "roles/aiplatform.user"
  member  = "serviceAccount:${google_service_account.fn["analyze"].email}"

  depends_on = [google_project_service.vertex_ai]
}
