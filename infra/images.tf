# The Docker repository every image of the loop goes to: the team's services (cloudbuild.yaml,
# _REPOSITORY), the functions' images (build_config.docker_repository) and, by convention, the
# test job's image. Old images are deleted: a loop deploys on every push and every redeploy.

resource "google_artifact_registry_repository" "images" {
  repository_id = var.artifact_repository
  location      = var.region
  format        = "DOCKER"
  description   = "test-deploy-loop: the services', the functions' and the test job's images"

  cleanup_policy_dry_run = false
  # Keep the newest images of every package whatever their age ...
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = var.images_kept
    }
  }
  # ... and delete the rest once they are a week old.
  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "604800s"
    }
  }

  depends_on = [google_project_service.apis]
}
