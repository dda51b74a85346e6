# Someone must hear when the chain loses its grip: a message dead-lettered after every attempt,
# or a function answering pushes with errors (a throw is a 500, which Pub/Sub redelivers).

resource "google_monitoring_alert_policy" "dead_letter" {
  display_name = "test-deploy-loop: a message was dead-lettered"
  combiner     = "OR"
  conditions {
    display_name = "messages published to ${var.topology.dead_letter_topic}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_topic\" AND resource.labels.topic_id = \"${var.topology.dead_letter_topic}\" AND metric.type = \"pubsub.googleapis.com/topic/send_message_operation_count\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_SUM"
      }
    }
  }
  documentation {
    content   = "A message could not be delivered after its subscription's attempts. Pull it from the subscription dead-letter-inspect to see it; the loop it belongs to may be stuck."
    mime_type = "text/markdown"
  }
  notification_channels = var.alert_notification_channels
  depends_on            = [google_project_service.apis]
}

locals {
  # A 2nd-gen function's Cloud Run service has the function's name.
  function_service_names = join(", ", [for name, _ in var.topology.functions : "\"tdl-${name}\""])
}

resource "google_monitoring_alert_policy" "function_errors" {
  display_name = "test-deploy-loop: a function answers with errors"
  combiner     = "OR"
  conditions {
    display_name = "5xx answers of a tdl function"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name = one_of(${local.function_service_names}) AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.function_error_threshold
      duration        = "300s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }
  documentation {
    content   = "A tdl function threw on more than ${var.function_error_threshold} pushes in 5 minutes: the messages are redelivered and, after their attempts, dead-lettered. Its logs in Error Reporting group the stacks."
    mime_type = "text/markdown"
  }
  notification_channels = var.alert_notification_channels
  depends_on            = [google_project_service.apis]
}
