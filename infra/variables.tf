variable "project" {
  description = "Google Cloud project id that runs the loop (and hosts staging)."
  type        = string
}

variable "region" {
  description = "Region of the functions, the test job, Cloud Build triggers and Cloud Scheduler."
  type        = string
  default     = "us-central1"
}

variable "test_image" {
  description = "Container image of the team's end-to-end suite, with this package installed (`tdl` on the PATH)."
  type        = string
}

variable "test_command" {
  description = "The suite command the test job runs after `tdl job --`, as an argv list."
  type        = list(string)
}

variable "test_results" {
  description = "Comma-separated globs of the result files the suite writes, relative to the image's working directory."
  type        = string
  default     = "reports/*.xml"
}

variable "services" {
  description = "The team's Cloud Run services that cloudbuild.yaml deploys, comma-separated (substitution _SERVICES)."
  type        = string
}

variable "services_runtime_account" {
  description = "Email of the service account the team's Cloud Run services run as; empty means the project's default compute account. The build account may act as it (to deploy), nothing more."
  type        = string
  default     = ""
}

variable "loop_id" {
  description = "The loop these triggers feed: lowercase letters, digits and dashes (substitution _LOOP_ID)."
  type        = string
}

variable "github_owner" {
  description = "Owner of the GitHub repository connected to Cloud Build."
  type        = string
}

variable "github_repo" {
  description = "Name of the GitHub repository connected to Cloud Build."
  type        = string
}

variable "branch_regex" {
  description = "Branches whose pushes start a cycle, as a regular expression."
  type        = string
  default     = "^main$"
}

variable "firestore_location" {
  description = "Location of the Firestore database (native mode)."
  type        = string
  default     = "nam5"
}

variable "create_firestore_database" {
  description = "Create the (default) Firestore database; set false when the project already has one."
  type        = bool
  default     = true
}

variable "topology" {
  description = "Generated from shared/chain/topology.ts into topology.auto.tfvars.json (npm run infra:topology); do not edit by hand."
  type = object({
    topics            = list(string)
    dead_letter_topic = string
    functions         = list(string)
    push_subscriptions = map(object({
      topic                 = string
      function              = string
      ack_deadline_seconds  = number
      minimum_backoff       = string
      maximum_backoff       = string
      max_delivery_attempts = number
    }))
    pull_subscriptions = map(object({
      topic                = string
      ack_deadline_seconds = number
    }))
  })
}

variable "operators" {
  description = "Principals (user:..., group:..., serviceAccount:...) who steer loops with tdl: rerun and cancel publish deploy-finished, deploy-requested and loop-control; register and status read and write Firestore. Nobody else may publish on those topics."
  type        = list(string)
  default     = []
}
