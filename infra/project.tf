data "google_project" "this" {}

locals {
  # The account the team's services run as: the project's default compute account unless set.
  services_runtime_account = var.services_runtime_account != "" ? var.services_runtime_account : "${data.google_project.this.number}-compute@developer.gserviceaccount.com"
  pubsub_agent             = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  # The team's Cloud Run services, from the comma-separated var.services.
  service_names = [for s in split(",", var.services) : trimspace(s) if trimspace(s) != ""]
  # What each identity publishes: PUBLISHES in shared/chain/topology.ts, which each one's
  # publisher enforces at run time; test/unit/infra/iam.test.ts fails when these differ. Every
  # function reports rejected input on loop-events; run-tests, analyze, report and the watchdog
  # also republish abandoned outbox entries, which any step may have written, so they publish
  # every outbox topic; control publishes only what its own verdict writes.
  outbox_topics = ["analysis-finished", "deploy-requested", "loop-events", "tests-finished"]
  # PUBLISHES.operators: what `tdl rerun` and `tdl cancel` publish, the operators' only topics.
  operator_topics = ["deploy-finished", "deploy-requested", "loop-control"]
  # WATCH in shared/chain/topology.ts: `tdl watch` creates a subscription of its own on this
  # topic, named with this prefix, and deletes it on the way out.
  operator_subscribed_topics = ["loop-events"]
  watch_subscription_prefix  = "tdl-watch-"
  publishes = {
    "run-tests" = local.outbox_topics
    "analyze"   = local.outbox_topics
    "report"    = local.outbox_topics
    "watchdog"  = local.outbox_topics
    "control"   = ["deploy-requested", "loop-events"]
    "notify"    = ["loop-events"]
  }
}

resource "google_project_service" "apis" {
  for_each = toset([
    "cloudfunctions.googleapis.com",
    "run.googleapis.com",
    "cloudbuild.googleapis.com",
    "artifactregistry.googleapis.com",
    "pubsub.googleapis.com",
    "firestore.googleapis.com",
    "cloudscheduler.googleapis.com",
    "eventarc.googleapis.com",
    "iam.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "storage.googleapis.com",
    "monitoring.googleapis.com",
    "logging.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

resource "google_firestore_database" "default" {
  count       = var.create_firestore_database ? 1 : 0
  name        = "(default)"
  location_id = var.firestore_location
  type        = "FIRESTORE_NATIVE"
  # The loops' history lives here: `terraform destroy` must not take it.
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  deletion_policy         = "ABANDON"
  depends_on              = [google_project_service.apis]
}

# The watchdog's sweep: cycles that ended recently, for messages a dead step left unpublished.
resource "google_firestore_index" "cycles_by_phase_done" {
  collection  = "cycles"
  query_scope = "COLLECTION_GROUP"
  fields {
    field_path = "phase"
    order      = "ASCENDING"
  }
  fields {
    field_path = "phaseAt.done"
    order      = "ASCENDING"
  }
  depends_on = [google_firestore_database.default]
}

# The watchdog's query: the active cycles of every loop (the range on deadline uses this index),
# for phase deadlines that passed and messages a dead step left unpublished.
resource "google_firestore_index" "cycles_by_phase_deadline" {
  collection  = "cycles"
  query_scope = "COLLECTION_GROUP"
  fields {
    field_path = "phase"
    order      = "ASCENDING"
  }
  fields {
    field_path = "deadline"
    order      = "ASCENDING"
  }
  depends_on = [google_firestore_database.default]
}

# Completed deduplication records are kept as long as Pub/Sub could redeliver (7 days) and a
# day more (DEDUP_RETENTION_MS in shared/adapters/firestore/loop-store.ts writes deleteAt);
# Firestore's TTL policy deletes them after that. The field is not indexed: nothing queries it.
resource "google_firestore_field" "dedup_ttl" {
  collection = "dedup"
  field      = "deleteAt"
  ttl_config {}
  index_config {}
  depends_on = [google_firestore_database.default]
}

# The people (or their automation) who steer loops: publish what tdl rerun and tdl cancel
# publish, follow loops with tdl watch, and read and write the loops' state (tdl register,
# status, report, evaluate).
resource "google_pubsub_topic_iam_member" "operator_publishes" {
  for_each = { for pair in setproduct(var.operators, local.operator_topics) : "${pair[0]}/${pair[1]}" => { member = pair[0], topic = pair[1] } }
  topic    = google_pubsub_topic.topic[each.value.topic].name
  role     = "roles/pubsub.publisher"
  member   = each.value.member
}

# tdl watch attaches a subscription of its own to loop-events (pubsub.topics.attachSubscription,
# in roles/pubsub.subscriber on that topic only) ...
resource "google_pubsub_topic_iam_member" "operator_subscribes" {
  for_each = { for pair in setproduct(var.operators, local.operator_subscribed_topics) : "${pair[0]}/${pair[1]}" => { member = pair[0], topic = pair[1] } }
  topic    = google_pubsub_topic.topic[each.value.topic].name
  role     = "roles/pubsub.subscriber"
  member   = each.value.member
}

# ... creates it (a project permission; attaching is what the topic grant above limits to
# loop-events), and pulls from and deletes the subscriptions named tdl-watch-* only.
resource "google_project_iam_custom_role" "watcher" {
  role_id     = "tdlWatcher"
  title       = "test-deploy-loop: tdl watch"
  permissions = ["pubsub.subscriptions.create"]
}

resource "google_project_iam_custom_role" "watch_subscription_user" {
  role_id     = "tdlWatchSubscriptionUser"
  title       = "test-deploy-loop: pull from and delete a tdl watch subscription"
  permissions = ["pubsub.subscriptions.consume", "pubsub.subscriptions.delete", "pubsub.subscriptions.get"]
}

resource "google_project_iam_member" "operator_creates_watch_subscriptions" {
  for_each = toset(var.operators)
  project  = var.project
  role     = google_project_iam_custom_role.watcher.id
  member   = each.value
}

resource "google_project_iam_member" "operator_uses_watch_subscriptions" {
  for_each = toset(var.operators)
  project  = var.project
  role     = google_project_iam_custom_role.watch_subscription_user.id
  member   = each.value
  condition {
    title      = "tdl watch subscriptions only"
    expression = "resource.name.startsWith(\"projects/${var.project}/subscriptions/${local.watch_subscription_prefix}\")"
  }
}

resource "google_project_iam_member" "operator_firestore" {
  for_each = toset(var.operators)
  project  = var.project
  role     = "roles/datastore.user"
  member   = each.value
}
