import { describeProbes, probe as t } from './probes.js';

/** A tenth batch, written after the ninth: boundaries between neighbouring categories. */

describeProbes('probes, batch 10: boundaries', [
  ['a DNS failure of the database host is the database', t('psycopg.OperationalError: connection failed: could not translate host name "db" to address: Name or service not known'), 'database'],
  ['a TLS failure of the database is the database', t('Error: self-signed certificate in certificate chain\n    at TLSSocket.onConnectSecure (node:_tls_wrap:1674:34)\n    at /app/node_modules/pg/lib/connection.js:93:12'), 'database'],
  ['a timeout of the database pool is the database', t('sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30.00'), 'database'],
  ['a read timeout of the service is a timeout', t("httpx.ReadTimeout: timed out\n  File \"/app/tests/test_export.py\", line 12, in test_export"), 'timeout'],
  ['a reset by the service is network', t('Error: read ECONNRESET\n    at TCP.onStreamRead (node:internal/stream_base_commons:217:20)'), 'network'],
  ['a 403 from a bucket is auth', t('botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: Access Denied'), 'auth'],
  ['a missing bucket is configuration', t('botocore.errorfactory.NoSuchBucket: An error occurred (NoSuchBucket) when calling the PutObject operation: The specified bucket does not exist'), 'configuration'],
  ['a missing secret in the secret manager is configuration', t('google.api_core.exceptions.NotFound: 404 Secret [projects/acme/secrets/stripe-key] not found or has no versions.'), 'configuration'],
  ['a 429 is not auth', t('AssertionError: expected 200 but got 429'), 'product-defect'],
  ['a TypeError in a helper under test/support is the test', t("TypeError: Cannot read properties of undefined (reading 'token')\n    at login (/app/test/support/auth.ts:14:22)\n    at Context.<anonymous> (/app/test/orders.spec.ts:9:11)"), 'test-defect'],
  ['a TypeError in the product called by the test is not the test', t("TypeError: Cannot read properties of undefined (reading 'price')\n    at total (/app/src/cart.ts:22:31)\n    at Context.<anonymous> (/app/test/cart.spec.ts:9:11)"), 'unknown'],
  ['out of disk is unknown', t('OSError: [Errno 28] No space left on device'), 'unknown'],
]);
