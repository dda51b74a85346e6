# Topics and subscriptions come from var.topology, generated from shared/chain/topology.ts.

resource "google_pubsub_topic" "topic" {
  for_each   = toset(var.topology.topics)
  name       = each.value
  depends_on = [google_project_service.apis]
}

# Pushes go to the functions with an OIDC token of this account, which alone may invoke them.
resource "google_service_account" "pusher" {
  account_id   = "tdl-pusher"
  display_name = "test-deploy-loop: Pub/Sub push to the functions"
}

# The Pub/Sub service agent signs the pushes' OIDC tokens as the pusher (projects created
# before April 2021 do not grant it this by default); on this account only.
resource "google_service_account_iam_member" "pubsub_agent_signs_as_pusher" {
  service_account_id = google_service_account.pusher.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

resource "google_pubsub_subscription" "push" {
  for_each             = var.topology.push_subscriptions
  name                 = each.key
  topic                = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds = each.value.ack_deadline_seconds

  push_config {
    # functions-framework reads the topic from this path when it turns the push into a CloudEvent.
    push_endpoint = "${google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri}/projects/${var.project}/topics/${each.value.topic}"
    # The audience is the function's URL, the audience Cloud Run documents; left out, Pub/Sub
    # would use the push endpoint, path and all.
    oidc_token {
      service_account_email = google_service_account.pusher.email
      audience              = google_cloudfunctions2_function.fn[each.value.function].service_config[0].uri
    }
  }

  retry_policy {
    minimum_backoff = each.value.minimum_backoff
    maximum_backoff = each.value.maximum_backoff
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.topic[var.topology.dead_letter_topic].id
    max_delivery_attempts = each.value.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_subscription" "pull" {
  for_each                   = var.topology.pull_subscriptions
  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = each.value.ack_deadline_seconds
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering: the Pub/Sub service agent publishes to the dead-letter topic and
# acknowledges on the source subscriptions.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.topic[var.topology.dead_letter_topic].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = var.topology.push_subscriptions
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
