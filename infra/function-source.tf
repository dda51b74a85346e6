# The functions' source, zipped by Terraform from this checkout: what Cloud Functions' Node.js
# buildpack builds. It runs `npm ci` (package.json, package-lock.json; devDependencies too,
# because there is a gcp-build script), then `npm run gcp-build` = `tsc -p tsconfig.json`, which
# compiles what tsconfig.json includes into dist/, and starts package.json's main
# (dist/functions/index.js). So the zip holds those three files and every TypeScript source
# tsconfig.json includes; dist/ and node_modules/ are built there. test/unit/infra checks that
# these patterns cover every file that build reads.

locals {
  function_source_patterns = [
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "{functions,shared,cli,bench,scripts}/**/*.ts",
  ]
  function_source_files = sort(distinct(flatten([for p in local.function_source_patterns : fileset("${path.module}/..", p)])))
}

data "archive_file" "function_source" {
  type        = "zip"
  output_path = "${path.module}/.terraform/function-source.zip"

  dynamic "source" {
    for_each = local.function_source_files
    content {
      content  = file("${path.module}/../${source.value}")
      filename = source.value
    }
  }
}

resource "google_storage_bucket" "function_source" {
  name                        = "${var.project}-tdl-function-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
}

resource "google_storage_bucket_object" "function_source" {
  # Named by content: a changed source is a new object, which redeploys the functions.
  name   = "test-deploy-loop-${data.archive_file.function_source.output_md5}.zip"
  bucket = google_storage_bucket.function_source.name
  source = data.archive_file.function_source.output_path
}
