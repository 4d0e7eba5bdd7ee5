package io.autonova.remediator.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's exit codes and what it prints, on good, broken and shadowing rule files and on rule tests. */
class RulesCliTest {

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RulesCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theShippedRulesAreCleanAndTheirTestsPass() {
        Run check = run("check", "rules");
        assertEquals(0, check.exit(), check.out());
        assertTrue(check.out().contains("0 error(s), 0 warning(s)"), check.out());
        Run test = run("test", "rules/tests/rollback-test.yaml", "rules/tests/runbook-test.yaml");
        assertEquals(0, test.exit(), test.out() + test.err());
        assertTrue(test.out().contains("0 failed"), test.out());
    }

    @Test
    void brokenFilesAreErrorsWithFileAndLine() throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), """
                rules:
                  - name: r
                    matchers: ['severity=~"("']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    limits: {cooldown: 1h1h}
                """);
        Run r = run("check", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("bad.yaml:3: error: rule 'r': invalid regular expression"), r.out());
        assertTrue(r.out().contains("bad.yaml:6: error:") && r.out().contains("not a valid duration string"), r.out());
    }

    @Test
    void rulesThatCanNeverMatchOrAreShadowedAreWarnings() throws Exception {
        Path f = dir.resolve("lint.yaml");
        Files.writeString(f, """
                rules:
                  - name: wide
                    matchers: ['alertname="HighErrorRate"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                  - name: narrow
                    matchers: ['alertname="HighErrorRate"', 'severity="page"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: selective-rollback
                  - name: impossible
                    matchers: ['alertname="A"', 'alertname!~"A|B"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                  - name: never-acts
                    matchers: ['alertname="Restarts"', 'count="many"']
                    threshold: {value: "label:count", op: ">", bound: 3}
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                  - name: config-window
                    matchers: ['alertname="ConfigErrors"']
                    target: {namespace: prod, deployment: api}
                    scenario: configuration-rollback
                    changedWithin: 3h
                    parameters: {changedWithin: 1h}
                """);
        Run r = run("check", f.toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("lint.yaml:6: warning: rule 'narrow' is shadowed by rule 'wide'"), r.out());
        assertTrue(r.out().contains("lint.yaml:10: warning: rule 'impossible' can never match: alertname=\"A\" and alertname!~\"A|B\""), r.out());
        assertTrue(r.out().contains("lint.yaml:14: warning: rule 'never-acts' can never act"), r.out());
        assertTrue(r.out().contains("lint.yaml:19: warning: rule 'config-window': its change gate admits configuration changes up to 3h"), r.out());
        assertTrue(r.out().contains("0 error(s), 4 warning(s)"), r.out());
    }

    /** A policy that can apply to no run is a safety control turned off by a typo: said with its file and line. */
    @Test
    void anApprovalPolicyNoRunCanMeetIsAWarning() throws Exception {
        Path f = dir.resolve("approvals.yaml");
        Files.writeString(f, """
                global:
                  rateLimit: {count: 10, window: 1h}
                  maxInFlight: 3
                  approvals:
                    - match: ['namespace=~"prod-.*"']
                    - match: ['scenario="database-migration-rollback"']
                    - match: ['scenario="database-migration"']
                    - match: ['rule=~"high-.*"', 'namespace="prod"']
                    - match: ['rule="hihg-error-rate"']
                    - match: ['rule="high-error-rate"', 'scenario="gradual-rollback"']
                    - match: ['rule="manual"', 'scenario="gradual-rollback"']
                rules:
                  - name: high-error-rate
                    matchers: ['alertname="HighErrorRate"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                """);
        Run r = run("check", f.toString());
        assertEquals(1, r.exit(), r.out());
        // Namespace matchers are not judged (alerts give them); a scenario no rule uses still applies to runs started by hand.
        assertTrue(r.out().contains("approvals.yaml:7: warning: global approvals[2] (scenario=\"database-migration\") requires approval of no run"), r.out());
        assertTrue(r.out().contains("approvals.yaml:9: warning: global approvals[4] (rule=\"hihg-error-rate\") requires approval of no run"), r.out());
        assertTrue(r.out().contains("approvals.yaml:10: warning: global approvals[5]"), r.out());
        assertTrue(r.out().contains("0 error(s), 3 warning(s)"), r.out());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run().exit());
        assertEquals(2, run("frobnicate").exit());
        assertEquals(2, run("check").exit());
        assertEquals(2, run("check", "no/such/dir").exit());
        assertEquals(2, run("test", "no/such/test.yaml").exit());
    }

    @Test
    void aFailingRuleTestSaysWhatHappenedInsteadAndWhy() throws Exception {
        Files.writeString(dir.resolve("rules.yaml"), """
                rules:
                  - name: error-rate
                    matchers: ['alertname="HighErrorRate"']
                    threshold: {value: annotation:value, op: ">", bound: 0.10}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                """);
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, """
                rule_files: [rules.yaml]
                tests:
                  - name: thinks 5% is enough
                    alerts:
                      - {at: 0s, labels: {alertname: HighErrorRate, namespace: shop, service: cart}, annotations: {value: "0.05"}}
                    expect:
                      - {at: 0s, rule: error-rate, target: shop/cart, outcome: execute}
                  - name: knows it is not
                    alerts:
                      - {at: 0s, labels: {alertname: HighErrorRate, namespace: shop, service: cart}, annotations: {value: "0.05"}}
                    expect:
                      - {at: 0s, rule: error-rate, target: shop/cart, outcome: refuse, reason: BELOW_THRESHOLD}
                """);
        Run r = run("test", t.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL " + t + ": thinks 5% is enough"), r.out());
        assertTrue(r.out().contains("at 0s: expected [error-rate on shop/cart -> execute], not [error-rate shop/cart refuse BELOW_THRESHOLD]; "
                + "what happened: error-rate on shop/cart -> refuse BELOW_THRESHOLD: the alert's value does not cross the rule's threshold "
                + "(value 0.05 is not > 0.1)"), r.out());
        assertTrue(r.out().contains("PASS " + t + ": knows it is not"), r.out());
        assertTrue(r.out().contains("1 test(s) passed, 1 failed"), r.out());

        Files.writeString(t, "rule_files: [rules.yaml]\ntests:\n  - name: x\n    alerts: []\n    surprise: 1\n");
        Run bad = run("test", t.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("unknown field 'surprise'"), bad.err());
    }

    /** Rule tests can say that a decision waits for a person, and whom it accepts: a policy that stops applying fails them. */
    @Test
    void aRuleTestChecksWhetherADecisionWaitsForApprovalAndFromWhom() throws Exception {
        Files.writeString(dir.resolve("rules.yaml"), """
                global:
                  rateLimit: {count: 10, window: 1h}
                  maxInFlight: 3
                  approvals:
                    - match: ['namespace=~"prod-.*"']
                      approvers: ["group:sre-leads"]
                rules:
                  - name: error-rate
                    matchers: ['alertname="HighErrorRate"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                    approval: {approvers: ["user:alice"]}
                  - name: restarts
                    matchers: ['alertname="PodRestartsHigh"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                """);
        Path t = dir.resolve("t.yaml");
        Files.writeString(t, """
                rule_files: [rules.yaml]
                tests:
                  - name: production waits for both lists, staging only for the rule's, restarts in staging for nobody
                    alerts:
                      - {at: 0s, labels: {alertname: HighErrorRate, namespace: prod-eu, service: cart}}
                      - {at: 0s, labels: {alertname: HighErrorRate, namespace: staging, service: cart}}
                      - {at: 0s, labels: {alertname: PodRestartsHigh, namespace: staging, deployment: api}}
                    expect:
                      - {at: 0s, rule: error-rate, target: prod-eu/cart, outcome: execute, approvers: ["group:sre-leads", "user:alice"]}
                      - {at: 0s, rule: error-rate, target: staging/cart, outcome: execute, approval: required, approvers: ["user:alice"]}
                      - {at: 0s, rule: restarts, target: staging/api, outcome: execute, approval: none}
                  - name: believes restarts in production act at once
                    alerts:
                      - {at: 0s, labels: {alertname: PodRestartsHigh, namespace: prod-us, deployment: api}}
                    expect:
                      - {at: 0s, rule: restarts, target: prod-us/api, outcome: execute, approval: none}
                """);
        Run r = run("test", t.toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("PASS " + t + ": production waits for both lists"), r.out());
        assertTrue(r.out().contains("FAIL " + t + ": believes restarts in production act at once"), r.out());
        assertTrue(r.out().contains("expected [restarts on prod-us/api -> execute, approval none], not [restarts prod-us/api execute ALL_CHECKS_PASSED "
                + "(approval required by [group:sre-leads])]"), r.out());

        Files.writeString(t, "rule_files: [rules.yaml]\ntests:\n  - name: x\n    alerts: []\n    expect:\n      - {at: 0s, rule: restarts, outcome: execute, approval: maybe}\n");
        Run bad = run("test", t.toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("approval is 'required' or 'none', not 'maybe'"), bad.err());
    }

    static String delivery(String at, String fingerprint, String ns, String service, String value) {
        String annotations = value == null ? "{}" : "{\"value\": \"" + value + "\"}";
        return "{\"receivedAt\": \"" + at + "\", \"version\": \"4\", \"status\": \"firing\", \"alerts\": [{\"status\": \"firing\", "
                + "\"fingerprint\": \"" + fingerprint + "\", \"labels\": {\"alertname\": \"HighErrorRate\", \"namespace\": \"" + ns
                + "\", \"service\": \"" + service + "\"}, \"annotations\": " + annotations + ", \"startsAt\": \"2026-11-01T02:59:00Z\", "
                + "\"endsAt\": \"0001-01-01T00:00:00Z\"}]}";
    }

    /** A recorded stream whose actions and refusals are known, replayed through a rule file. */
    @Test
    void aBacktestSaysWhatWouldHaveActedWhatTheLimitsPreventedAndWhatCannotBeReproduced() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, """
                rules:
                  - name: error-rate
                    matchers: ['alertname="HighErrorRate"']
                    threshold: {value: annotation:value, op: ">", bound: 0.10}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                    limits: {cooldown: 30m}
                """);
        Path stream = dir.resolve("captured.jsonl");
        Files.writeString(stream, String.join("\n",
                delivery("2026-11-01T03:00:00Z", "a1", "shop", "checkout", "0.3"),     // acts
                delivery("2026-11-01T03:01:00Z", "a1", "shop", "checkout", "0.3"),     // a re-send: duplicate
                delivery("2026-11-01T03:10:00Z", "a2", "shop", "checkout", "0.4"),     // a new firing in the cooldown: prevented
                delivery("2026-11-01T03:40:00Z", "a3", "shop", "checkout", "0.4"),     // after the cooldown: acts
                delivery("2026-11-01T03:41:00Z", "b1", "shop", "cart", null)) + "\n"); // no value recorded: not reproducible
        Run text = run("backtest", "--rules", rules.toString(), "--webhooks", stream.toString());
        assertEquals(0, text.exit(), text.out() + text.err());
        assertTrue(text.out().contains("totals: would act 2 time(s); the limits prevented 1; 1 decision(s) not reproducible"), text.out());
        Run json = run("backtest", "--rules", rules.toString(), "--webhooks", stream.toString(), "--json");
        var doc = io.autonova.remediator.domain.Json.MAPPER.readTree(json.out());
        var checkout = doc.get("targets").get(1);
        assertEquals("shop/checkout", checkout.get("target").asText(), json.out());
        assertEquals(2, checkout.get("acted").size());
        assertEquals("2026-11-01T03:40:00Z", checkout.get("acted").get(1).asText());
        assertEquals(1, checkout.get("refused").get("COOLDOWN").asInt());
        assertEquals(1, checkout.get("refused").get("DUPLICATE_ALERT").asInt());
        assertEquals(1, doc.get("targets").get(0).get("notReproducible").asInt());
        assertEquals(2, run("backtest", "--rules", rules.toString()).exit(), "no stream: a usage error");
    }

    @Test
    void aBacktestReplaysKafkaSignalsThroughTheirWindows() throws Exception {
        Path stream = dir.resolve("signals.jsonl");
        StringBuilder b = new StringBuilder();
        for (int minute = 0; minute < 10; minute++) {
            // shop/checkout: 2% errors for 5 minutes, then 40%
            b.append("{\"type\":\"request-sample\",\"namespace\":\"shop\",\"deployment\":\"checkout\",\"time\":\"2026-11-01T03:0").append(minute)
                    .append(":00Z\",\"requests\":100,\"errors\":").append(minute < 5 ? 2 : 40).append("}\n");
        }
        Files.writeString(stream, b.toString());
        Run r = run("backtest", "--rules", "rules/rollback.yaml", "--rules", "rules/signals.yaml", "--signals", stream.toString(), "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        var doc = io.autonova.remediator.domain.Json.MAPPER.readTree(r.out());
        assertEquals(10, doc.get("signals").asInt());
        var row = doc.get("targets").get(0);
        assertEquals("shop/checkout", row.get("target").asText());
        assertEquals("error-rate-window", row.get("rule").asText());
        assertEquals(1, row.get("acted").size(), r.out());
        assertTrue(row.get("acted").get(0).asText().compareTo("2026-11-01T03:05:00Z") >= 0, "not before the errors started: " + r.out());
    }

    @Test
    void aBacktestReadsATopicOverATimeRange() throws Exception {
        try (var broker = io.autonova.remediator.kafka.EmbeddedKafkaBroker.start();
             var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(java.util.Map.of(
                     "bootstrap.servers", broker.bootstrapServers(), "key.serializer", org.apache.kafka.common.serialization.StringSerializer.class,
                     "value.serializer", org.apache.kafka.common.serialization.StringSerializer.class))) {
            broker.createTopics(2, "recorded.signals");
            java.time.Instant t0 = java.time.Instant.parse("2026-11-01T03:00:00Z");
            for (int minute = -30; minute < 12; minute++) {
                java.time.Instant at = t0.plusSeconds(60L * minute);
                // Before the range: errors that must not count. In it: 2%, then 40% from minute 5.
                int errors = minute < 0 ? 90 : minute < 5 ? 2 : 40;
                String value = "{\"type\":\"request-sample\",\"namespace\":\"shop\",\"deployment\":\"checkout\",\"time\":\"" + at
                        + "\",\"requests\":100,\"errors\":" + errors + "}";
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("recorded.signals", null, at.toEpochMilli(), "shop/checkout", value)).get();
            }
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("recorded.signals", null, t0.plusSeconds(30).toEpochMilli(), "x", "{poison")).get();
            Run r = run("backtest", "--rules", "rules/rollback.yaml", "--rules", "rules/signals.yaml", "--kafka", broker.bootstrapServers(),
                    "--topic", "recorded.signals", "--from", t0.toString(), "--to", t0.plusSeconds(600).toString(), "--json");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("read 11 record(s)"), "10 signals and the poison record in the range: " + r.err());
            var doc = io.autonova.remediator.domain.Json.MAPPER.readTree(r.out());
            assertEquals(1, doc.get("totals").get("poisonSkipped").asInt(), r.out());
            var acted = doc.get("targets").get(0).get("acted");
            assertEquals(1, acted.size(), r.out());
            assertTrue(acted.get(0).asText().compareTo("2026-11-01T03:05:00Z") >= 0, "the errors before the range did not count: " + r.out());
        }
    }
}
