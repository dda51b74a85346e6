variable "project" {
  description = "Google Cloud project id that runs the loop (and hosts staging)."
  type        = string
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project))
    error_message = "project must be a project id: 6-30 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "Region of the functions, the test job, the image repository, the Cloud Build triggers (and the 2nd-gen GitHub connection) and Cloud Scheduler."
  type        = string
  default     = "us-central1"
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a region name such as us-central1 or europe-west1, not a zone or a multi-region."
  }
}

variable "test_image" {
  description = "Container image of the team's end-to-end suite with this package installed (infra/test-job/Dockerfile builds one)."
  type        = string
}

variable "tdl_bin" {
  description = "Path of the installed tdl bin inside test_image; infra/test-job/Dockerfile installs it here."
  type        = string
  default     = "/suite/node_modules/.bin/tdl"
  validation {
    condition     = startswith(var.tdl_bin, "/")
    error_message = "tdl_bin must be an absolute path in the image (a bare `tdl` or `npx tdl` may resolve to someone else's package)."
  }
}

variable "test_command" {
  description = "The suite command the test job runs after `tdl job --`, as an argv list."
  type        = list(string)
  validation {
    condition     = length(var.test_command) > 0
    error_message = "test_command must name the suite command, for example [\"npm\", \"run\", \"test:e2e\"]."
  }
}

variable "test_results" {
  description = "Comma-separated globs of the result files the suite writes, relative to the image's working directory."
  type        = string
  default     = "reports/*.xml"
}

variable "services" {
  description = "The team's Cloud Run services that cloudbuild.yaml deploys, comma-separated (substitution _SERVICES)."
  type        = string
  validation {
    condition     = length([for s in split(",", var.services) : s if trimspace(s) != ""]) > 0 && alltrue([for s in split(",", var.services) : can(regex("^[a-z]([a-z0-9-]{0,47}[a-z0-9])?$", trimspace(s))) if trimspace(s) != ""])
    error_message = "services must be comma-separated Cloud Run service names: lowercase letters, digits and dashes, starting with a letter, at most 49 characters each."
  }
}

variable "grant_services_invoker" {
  description = "Grant run-tests and the test job roles/run.invoker on each of var.services (needed for private services). The services must exist: set false for the first apply, before the first push deployed them."
  type        = bool
  default     = true
}

variable "services_runtime_account" {
  description = "Email of the service account the team's Cloud Run services run as; empty means the project's default compute account. The build account may act as it (to deploy), nothing more."
  type        = string
  default     = ""
}

variable "loop_id" {
  description = "The loop these triggers feed (substitution _LOOP_ID): a loop id (shared/chain/messages.ts), and at most 43 characters, so that the trigger tdl-<loop_id>-deploy-requested stays within Cloud Build's 64."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.loop_id)) && length(var.loop_id) <= 43
    error_message = "loop_id must be 1-43 lowercase letters, digits or dashes, starting with a letter or digit."
  }
}

variable "github_generation" {
  description = "The Cloud Build GitHub connection: 2 (a 2nd-gen connection, var.github_connection, in var.region) or 1 (the 1st-gen Cloud Build GitHub App)."
  type        = number
  default     = 2
  validation {
    condition     = contains([1, 2], var.github_generation)
    error_message = "github_generation must be 1 or 2."
  }
}

variable "github_connection" {
  description = "Name of the 2nd-gen Cloud Build connection to GitHub (Cloud Build -> Repositories -> 2nd gen), created in var.region; unused with github_generation = 1."
  type        = string
  default     = ""
  validation {
    condition     = var.github_connection == "" || can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}$", var.github_connection))
    error_message = "github_connection must be a connection name (letters, digits, dashes and underscores), not a path."
  }
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

variable "artifact_repository" {
  description = "The Artifact Registry Docker repository this module creates for every image (substitution _REPOSITORY)."
  type        = string
  default     = "tdl"
  validation {
    condition     = can(regex("^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$", var.artifact_repository))
    error_message = "artifact_repository must be 1-63 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "images_kept" {
  description = "Newest versions of each image the repository's cleanup policy keeps, whatever their age; older ones go after 7 days."
  type        = number
  default     = 10
  validation {
    condition     = var.images_kept >= 1
    error_message = "images_kept must be at least 1."
  }
}

variable "alert_notification_channels" {
  description = "Monitoring notification channel ids (projects/P/notificationChannels/N) the dead-letter and function-error alerts notify; empty: the alerts only show in the console."
  type        = list(string)
  default     = []
}

variable "function_error_threshold" {
  description = "5xx answers of one function in 5 minutes above which the function-error alert fires."
  type        = number
  default     = 5
  validation {
    condition     = var.function_error_threshold >= 0
    error_message = "function_error_threshold must be 0 or more."
  }
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
    functions = map(object({
      entry_point = string
    }))
    job_launchers = list(string)
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
  description = "Principals (user:..., group:..., serviceAccount:...) who steer loops with tdl: rerun and cancel publish deploy-finished, deploy-requested and loop-control; watch subscribes to loop-events; register and status read and write Firestore. Nobody else may publish on those topics."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.operators : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+", m))])
    error_message = "operators must be IAM principals such as user:me@example.com or group:team@example.com."
  }
}

variable "ui_enabled" {
  description = "Deploy the dashboard (tdl ui) to Cloud Run behind Identity-Aware Proxy (infra/ui.tf). The project must be in an organization; ui_viewers says who may open it."
  type        = bool
  default     = false
}

variable "ui_image" {
  description = "Container image of the dashboard, with this package installed at tdl_bin; empty means test_image (infra/test-job/Dockerfile installs it there)."
  type        = string
  default     = ""
}

variable "ui_viewers" {
  description = "Principals (user:..., group:..., domain:...) IAP lets through to the dashboard (roles/iap.httpsResourceAccessor); nobody else gets in."
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for m in var.ui_viewers : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+", m))])
    error_message = "ui_viewers must be IAM principals such as user:me@example.com, group:team@example.com or domain:example.com."
  }
}

variable "ui_allow_actions" {
  description = "Show the dashboard's re-run and cancel buttons (tdl ui --allow-actions) and let its account publish what they send: deploy-finished, deploy-requested and loop-control. Off: it only reads."
  type        = bool
  default     = false
}
