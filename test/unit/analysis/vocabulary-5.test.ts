import { describeProbes, probe as t } from './probes.js';

/** A fifth batch, written after the fourth: the runners of round 1's held-out set, on other products and other causes. */

describeProbes('probes, batch 5', [
  ['ava: a refused service', t("Error: connect ECONNREFUSED 127.0.0.1:4000\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n  › test/api.test.js:12:20"), 'deployment'],
  ['ava: a product value', t("Difference (- actual, + expected):\n\n- 'pending'\n+ 'shipped'\n\n  › file:///app/test/orders.test.js:22:5"), 'product-defect'],
  ['ava: a TypeError in the test', t("TypeError: Cannot read properties of undefined (reading 'items')\n  › file:///app/test/cart.test.js:15:30"), 'test-defect'],
  ['testng: a 403 via RestAssured', t("java.lang.AssertionError: 1 expectation failed.\nExpected status code <200> but was <403>.\n\n\tat com.acme.crm.ContactsIT.listsContacts(ContactsIT.java:41)"), 'auth'],
  ['testng: a Liquibase lock', t("liquibase.exception.LockException: Could not acquire change log lock.  Currently locked by 10.0.0.7 since 12/3/26, 9:58 AM\n\tat liquibase.lockservice.StandardLockService.waitForLock(StandardLockService.java:270)"), 'database'],
  ['kotest: an exposed table missing', t("org.jetbrains.exposed.exceptions.ExposedSQLException: org.h2.jdbc.JdbcSQLSyntaxErrorException: Table \"CONTACTS\" not found (this database is empty); SQL statement:\nSELECT CONTACTS.ID FROM CONTACTS [42104-224]"), 'database'],
  ['kotest: a missing HOCON key', t("com.typesafe.config.ConfigException$Missing: application.conf @ file:/app/build/resources/main/application.conf: 12: No configuration setting found for key 'crm.apiKey'"), 'configuration'],
  ['ginkgo: a refused service', t("[FAILED] Unexpected error:\n    <*url.Error | 0xc000180000>:\n    Get \"http://localhost:8080/api/contacts\": dial tcp [::1]:8080: connect: connection refused\noccurred\nIn [It] at: /src/crm/e2e/contacts_test.go:23"), 'deployment'],
  ['ginkgo: an unresolved host', t("[FAILED] Unexpected error:\n    <*url.Error | 0xc000180000>:\n    Get \"https://geo.partner.example/v1\": dial tcp: lookup geo.partner.example on 10.96.0.10:53: no such host\noccurred"), 'network'],
  ['ginkgo: a product value', t("[FAILED] Expected\n    <[]string | len:2, cap:2>: [\"alice\", \"bob\"]\nto contain element matching\n    <string>: carol\nIn [It] at: /src/crm/e2e/contacts_test.go:51"), 'product-defect'],
  ['unittest: a missing env var', t("Traceback (most recent call last):\n  File \"/app/crm/tests/test_sync.py\", line 9, in setUp\n    self.client = PartnerClient(os.environ[\"PARTNER_TOKEN\"])\n  File \"<frozen os>\", line 679, in __getitem__\nKeyError: 'PARTNER_TOKEN'"), 'configuration'],
  ['unittest: a missing table', t("django.db.utils.ProgrammingError: relation \"crm_contact\" does not exist\nLINE 1: SELECT \"crm_contact\".\"id\" FROM \"crm_contact\""), 'database'],
  ['wdio: an element never appeared', t("Error: element (\"[data-test=contact-row]\") still not displayed after 10000ms\n    at async Context.<anonymous> (/app/test/specs/contacts.e2e.ts:18:9)"), 'timeout'],
  ['rspec: a Faraday 502', t("Failure/Error: response = client.get('/contacts')\n\nFaraday::ServerError:\n  the server responded with status 502\n# ./spec/support/crm_client.rb:14:in `get'"), 'deployment'],
  ['rspec: a missing credential', t("Failure/Error: Stripe::Customer.create(email: 'a@b.c')\n\nStripe::AuthenticationError:\n  No API key provided. Set your API key using \"Stripe.api_key = <API-KEY>\"."), 'configuration'],
  ['rspec: a wrong mock', t("Failure/Error: allow(gateway).to receive(:charge_card).and_return(true)\n  #<InstanceDouble(PaymentGateway) (anonymous)> does not implement: charge_card\n# ./spec/services/checkout_spec.rb:11:in `block (2 levels) in <top (required)>'"), 'test-defect'],
  ['phpunit: a missing env value', t("RuntimeException: Environment variable CRM_API_URL is empty\n\n/app/src/Crm/ClientFactory.php:22\n/app/tests/Feature/ContactsTest.php:15"), 'configuration'],
  ['phpunit: a Doctrine table missing', t("Doctrine\\DBAL\\Exception\\TableNotFoundException: An exception occurred while executing a query: SQLSTATE[42P01]: Undefined table: 7 ERROR:  relation \"contact\" does not exist\n\n/app/vendor/doctrine/dbal/src/Driver/API/PostgreSQL/ExceptionConverter.php:61\n/app/tests/Repository/ContactRepositoryTest.php:30"), 'database'],
  ['dotnet: a 401 via NUnit', t("  Expected: OK\n  But was:  Unauthorized\n\n   at Crm.Tests.ContactsTests.ListsContacts() in /src/Crm.Tests/ContactsTests.cs:line 27"), 'auth'],
  ['dotnet: a product value via FluentAssertions', t("Expected contacts to contain 3 item(s), but found 2: {\"alice\", \"bob\"}.\n   at FluentAssertions.Execution.XUnit2TestFramework.Throw(String message)\n   at Crm.Tests.ContactsTests.ListsAll() in /src/Crm.Tests/ContactsTests.cs:line 40"), 'product-defect'],
]);
