package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.ingest.kafka.SignalChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signals on a real Kafka broker go through the same rules, policy, scenarios and records as alerts. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
@QuarkusTestResource(value = KafkaBrokerResource.class, restrictToAnnotatedClass = true)
class KafkaSignalsTest extends ClusterTestSupport {

    @Inject
    SignalChannel channel;

    private SignalProducer signals;

    @BeforeEach
    void producer() {
        signals = new SignalProducer();
        awaitAssigned();
    }

    @AfterEach
    void close() {
        signals.close();
    }

    private void awaitAssigned() {
        await().atMost(Duration.ofSeconds(30)).until(() -> channel.assignedPartitions() == 4);
    }

    private double signalsConsumed() {
        return kafkaRecords("signal");
    }

    private void awaitConsumed(double before, int more) {
        await().atMost(Duration.ofSeconds(20)).until(() -> signalsConsumed() >= before + more);
    }

    @Test
    void anErrorRateWindowCrossingItsThresholdRollsBackOnce() throws Exception {
        String ns = namespace("kafka-rate");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        Instant t = Instant.now().minusSeconds(60);
        signals.sample(ns, "checkout", t, 200, 4);
        signals.sample(ns, "checkout", t.plusSeconds(10), 200, 6);
        signals.sample(ns, "checkout", t.plusSeconds(20), 200, 90); // 100 / 600 = 16.7% > 10%
        await().atMost(Duration.ofSeconds(20)).until(() -> records(ns).size() == 1);
        String name = (String) records(ns).get(0).get("name");
        JsonPath rec = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals("kafka", rec.getString("spec.trigger.source"));
        assertEquals("window-error-rate", rec.getString("spec.rule"));
        assertEquals(100.0 / 600, Double.parseDouble(rec.getString("spec.trigger.value")), 1e-9);
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"));

        double before = signalsConsumed();
        signals.sample(ns, "checkout", t.plusSeconds(30), 200, 100); // still crossing: same episode, no second action
        awaitConsumed(before, 1);
        assertEquals(1, records(ns).size());
    }

    @Test
    void belowTheMinimumRequestCountNothingActs() throws Exception {
        String ns = namespace("kafka-min");
        deploy(ns, "quiet", 3, Map.of(), Map.of());
        Instant t = Instant.now().minusSeconds(30);
        double before = signalsConsumed();
        signals.sample(ns, "quiet", t, 30, 20);
        signals.sample(ns, "quiet", t.plusSeconds(5), 30, 20);
        signals.sample(ns, "quiet", t.plusSeconds(10), 30, 20); // 67% errors, but 90 < 100 requests
        awaitConsumed(before, 3);
        assertEquals(List.of(), records(ns));
        assertEquals(ClusterFixtures.image("quiet", 3), image(ns, "quiet"));
    }

    @Test
    void lateAndOutOfOrderRestartsAreCountedOnEventTime() throws Exception {
        String ns = namespace("kafka-late");
        deploy(ns, "worker", 3, Map.of(), Map.of());
        Instant t = Instant.now().minusSeconds(300);
        double before = signalsConsumed();
        signals.restart(ns, "worker", t.plusSeconds(100));
        signals.restart(ns, "worker", t.plusSeconds(130));
        signals.restart(ns, "worker", t.plusSeconds(110)); // out of order, within 30s lateness: counts
        signals.restart(ns, "worker", t.plusSeconds(95));  // 35s behind the newest: late, dropped
        awaitConsumed(before, 4);
        assertEquals(List.of(), records(ns), "3 restarts counted, not > 3");
        signals.restart(ns, "worker", t.plusSeconds(131));
        await().atMost(Duration.ofSeconds(20)).until(() -> records(ns).size() == 1);
        JsonPath rec = record((String) records(ns).get(0).get("name"));
        assertEquals("4.0", rec.getString("spec.trigger.value"));
        assertEquals("window-restarts", rec.getString("spec.rule"));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndThePartitionMovesOn() throws Exception {
        String ns = namespace("kafka-dlq");
        deploy(ns, "parser", 3, Map.of(), Map.of());
        signals.send(ns, "parser", "{this is not json");
        signals.send(ns, "parser", "{\"type\":\"request-sample\",\"namespace\":\"" + ns + "\",\"deployment\":\"parser\",\"time\":\"" + Instant.now()
                + "\",\"requests\":5,\"errors\":9}");
        // Same key, so same partition: these come after the poison and must still be processed.
        Instant t = Instant.now().minusSeconds(20);
        for (int i = 0; i < 4; i++) {
            signals.restart(ns, "parser", t.plusSeconds(i));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> records(ns).size() == 1);

        List<ConsumerRecord<String, String>> dead = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KafkaBrokerResource.broker.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + ns,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(KafkaBrokerResource.DLQ));
            long deadline = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < deadline && dead.stream().filter(r -> (ns + "/parser").equals(r.key())).count() < 2) {
                c.poll(Duration.ofMillis(200)).forEach(dead::add);
            }
        }
        List<ConsumerRecord<String, String>> mine = dead.stream().filter(r -> (ns + "/parser").equals(r.key())).toList();
        assertEquals(2, mine.size());
        assertEquals("invalid_json", header(mine.get(0), "dead-letter-reason"));
        assertEquals("absurd_value", header(mine.get(1), "dead-letter-reason"));
        assertTrue(header(mine.get(1), "dead-letter-cause").contains("errors (9) exceed requests (5)"));
        assertEquals(KafkaBrokerResource.TOPIC, header(mine.get(1), "dead-letter-topic"));
        assertTrue(given().get("/q/metrics").asString().contains("remediator_kafka_dead_letters_total{reason=\"invalid_json\"}"));
    }

    @Test
    void twoConsumersSharingPartitionsNeverActTwice() throws Exception {
        List<String> namespaces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String ns = namespace("kafka-group");
            deploy(ns, "svc", 3, Map.of(), Map.of());
            namespaces.add(ns);
        }
        drainRequests();
        Instant t = Instant.now().minusSeconds(60);
        for (String ns : namespaces) {
            for (int i = 0; i < 6; i++) {
                signals.restart(ns, "svc", t.plusSeconds(i)); // crosses at the 4th, re-crossing events after it are the same episode
            }
        }
        for (String ns : namespaces) {
            await().atMost(Duration.ofSeconds(30)).until(() -> records(ns).size() == 1
                    && "SUCCEEDED".equals(records(ns).get(0).get("phase")));
            assertEquals(ClusterFixtures.image("svc", 2), image(ns, "svc"));
        }
        List<String> patches = writes(requests()).stream().filter(w -> w.startsWith("PATCH") && w.contains("/deployments/svc")).toList();
        assertEquals(namespaces.size(), patches.size(), "one rollback per target: " + patches);
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    /** Every metric the shipped Grafana dashboard queries is one the running service exports. */
    @Test
    void theDashboardQueriesOnlyMetricsTheServiceExports() throws Exception {
        awaitAssigned();
        String ns = namespace("dash");
        deploy(ns, "board", 3, Map.of(), Map.of());
        // Drive every kind of meter once: an alert acted on, a rejected webhook, a signal and a poison record.
        JsonPath acted = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "page", "namespace", ns, "service", "board"), "0.5")));
        awaitPhase(acted.getString("results[0].remediation"), "SUCCEEDED", "FAILED");
        io.restassured.RestAssured.given().contentType("application/json").body("{}").post("/api/v1/webhooks/alertmanager").then().statusCode(401);
        signals.sample(ns, "board", Instant.now(), 10, 0);
        signals.send(ns, "board", "{not json");
        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("monitoring/grafana/autonova-remediator.json"));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("remediator_[a-z_]+").matcher(dashboard);
        while (m.find()) {
            queried.add(m.group());
        }
        assertTrue(queried.size() >= 15, queried.toString());
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
            String exported = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
            java.util.List<String> missing = new java.util.ArrayList<>();
            for (String metric : queried) {
                if (!java.util.regex.Pattern.compile("(?m)^" + metric + "[{ ]").matcher(exported).find()) {
                    missing.add(metric);
                }
            }
            });
    }


    /**
     * The API server refuses the episode's record twice (403, as while a RoleBinding propagates; the client itself
     * retries 5xx): the decision is retried on the same record, with backoff, until it is recorded; the record is
     * not taken into the window again (one crossing, one record).
     */
    @Test
    void aDecisionThatCannotBeRecordedIsRetriedUntilItIs() throws Exception {
        awaitAssigned();
        String ns = namespace("kafka-retry");
        deploy(ns, "payments", 3, Map.of(), Map.of());
        double retries = kafkaRecords("retry");
        recordCreatesForbidden("not yet (test)").times(2);
        Instant t = Instant.now().minusSeconds(30);
        signals.sample(ns, "payments", t, 200, 4);
        signals.sample(ns, "payments", t.plusSeconds(10), 200, 6);
        signals.sample(ns, "payments", t.plusSeconds(20), 200, 90);
        await().atMost(Duration.ofSeconds(30)).until(() -> records(ns).size() == 1);
        assertTrue(kafkaRecords("retry") >= retries + 1, "retried: " + (kafkaRecords("retry") - retries));
        JsonPath rec = awaitPhase((String) records(ns).get(0).get("name"), "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertTrue(given().get("/q/health/ready").then().extract().asString().contains("\"retries\""));
    }

    /** A backlog or an offset reset must not act on an hours-old condition. */
    @Test
    void aSignalSixHoursOldNeverActs() throws Exception {
        awaitAssigned();
        String ns = namespace("kafka-old");
        deploy(ns, "ledger", 3, Map.of(), Map.of());
        Instant t = Instant.now().minus(Duration.ofHours(6));
        double stale = kafkaRecords("stale");
        signals.sample(ns, "ledger", t, 200, 100);
        signals.sample(ns, "ledger", t.plusSeconds(10), 200, 100);
        signals.sample(ns, "ledger", t.plusSeconds(20), 200, 100); // 50% errors, six hours ago
        await().atMost(Duration.ofSeconds(20)).until(() -> kafkaRecords("stale") >= stale + 3);
        assertEquals(List.of(), records(ns));
        assertEquals(ClusterFixtures.image("ledger", 3), image(ns, "ledger"));
    }

    /**
     * With the webhook backbone off, an alert record written straight to the topic is not decided: it would skip the
     * webhook's token and validation. Counted as ignored; nothing is recorded or rolled back.
     */
    @Test
    void anAlertRecordIsIgnoredWhenTheWebhookBackboneIsOff() throws Exception {
        awaitAssigned();
        String ns = namespace("kafka-forged");
        deploy(ns, "vault", 3, Map.of(), Map.of());
        double ignored = kafkaRecords("ignored");
        signals.send(ns, "vault", "{\"type\":\"alert\",\"alert\":{\"source\":\"alertmanager\",\"fingerprint\":\"0badc0de\",\"firing\":true,"
                + "\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\",\"namespace\":\"" + ns + "\",\"service\":\"vault\"},"
                + "\"annotations\":{\"value\":\"0.9\"},\"startsAt\":\"" + Instant.now().minusSeconds(600) + "\",\"receivedAt\":\"" + Instant.now() + "\"}}");
        await().atMost(Duration.ofSeconds(20)).until(() -> kafkaRecords("ignored") >= ignored + 1);
        assertEquals(List.of(), records(ns));
        assertEquals(ClusterFixtures.image("vault", 3), image(ns, "vault"));
    }

    /** A dead letter the broker refuses (too large for the dead-letter topic) never stops consumption. */
    @Test
    void aDeadLetterTooLargeForTheBrokerThenACrossingWindowStillDecides() throws Exception {
        awaitAssigned();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", KafkaBrokerResource.broker.bootstrapServers()))) {
            var dlq = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, KafkaBrokerResource.DLQ);
            admin.incrementalAlterConfigs(Map.of(dlq, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", "2048"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
                    .all().get();
            try {
                String ns = namespace("kafka-dlq");
                deploy(ns, "orders", 3, Map.of(), Map.of());
                double failed = kafkaRecords("dead_letter_failed");
                signals.send(ns, "orders", "{" + "x".repeat(8000)); // poison, and its dead letter is over the topic's limit
                Instant t = Instant.now().minusSeconds(30);
                signals.sample(ns, "orders", t, 200, 4);
                signals.sample(ns, "orders", t.plusSeconds(10), 200, 6);
                signals.sample(ns, "orders", t.plusSeconds(20), 200, 90);
                await().atMost(Duration.ofSeconds(60)).until(() -> records(ns).size() == 1);
                assertEquals(1, kafkaRecords("dead_letter_failed") - failed, "counted, not silently lost");
                String ready = given().get("/q/health/ready").then().statusCode(200).extract().asString();
                assertTrue(ready.contains("kafka-consumers"), ready);
            } finally {
                admin.incrementalAlterConfigs(Map.of(dlq, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                        new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", ""), org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE))))
                        .all().get();
            }
        }
    }

    /** A target that crossed and then went silent resolves once its window has slid past, not at its next event. */
    @Test
    void aTargetThatGoesQuietResolvesOnTimeAndItsWindowStateIsDropped() throws Exception {
        awaitAssigned();
        String ns = namespace("kafka-quiet");
        deploy(ns, "blink", 3, Map.of(), Map.of());
        Instant t = Instant.now();
        long sent = System.nanoTime();
        signals.restart(ns, "blink", t.minusSeconds(2));
        signals.restart(ns, "blink", t.minusSeconds(1)); // 2 restarts > 1 in the 10 s window of window-blink-restarts
        await().atMost(Duration.ofSeconds(20)).until(() -> records(ns).size() == 1);
        String name = (String) records(ns).get(0).get("name");
        assertEquals(1, record(name).getList("status.alerts.firing").size(), "the window's instance fires");
        assertTrue(metric("remediator_kafka_window_targets") >= 1, "the target's window is held while it counts");
        // No further event for this target: the resolve comes from time passing alone, window + lateness after the last.
        await().atMost(Duration.ofSeconds(40)).until(() -> record(name).getList("status.alerts.firing").isEmpty());
        // The restarts arrived after `sent`; it resolves once the first (1 s older than the last) has left the 10 s
        // window + 2 s lateness, in one-second buckets: not before ~9 s.
        assertTrue(System.nanoTime() - sent >= Duration.ofSeconds(8).toNanos(), "not before the window has slid past the first restart");
        assertEquals(1, records(ns).size(), "resolving opens nothing");
    }
}
