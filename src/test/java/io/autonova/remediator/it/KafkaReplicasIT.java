package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.DeploymentController;
import io.autonova.remediator.fixtures.ServiceProcess;
import io.autonova.remediator.kafka.EmbeddedKafkaBroker;
import io.autonova.remediator.state.KubernetesStateStore;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas as production runs them (the packaged service, one JVM each, SmallRye Kafka connector) over one real
 * KRaft broker and one mock API server with the Deployment controller played: replicas join, are killed with
 * SIGKILL after deciding but before committing, restart mid-window, and outlive a broker outage. What is counted is
 * what an SRE would see: Remediation records and rollbacks per target.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class KafkaReplicasIT {

    static final Path LOGS = Path.of("target/kafka-it");
    static final AtomicInteger PORT = new AtomicInteger(18611);
    static EmbeddedKafkaBroker broker;
    static KubernetesMockServer server;
    static KubernetesClient client;
    static DeploymentController controller;
    static String rules;
    final List<ServiceProcess> replicas = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.start();
        server = ServiceProcess.mockApiServer(false);
        client = server.createClient();
        controller = new DeploymentController(client, 200);
        Path dir = Files.createDirectories(LOGS.resolve("rules"));
        Files.writeString(dir.resolve("rules.yaml"), """
                global:
                  rateLimit: {count: 1000, window: 1h}
                  maxInFlight: 50
                defaults:
                  cooldown: 30m
                  targetRateLimit: {count: 100, window: 1h}
                  ruleRateLimit: {count: 1000, window: 1h}
                  maxConsecutive: {count: 100, within: 24h}
                rules:
                  - name: restarts
                    signal: {kind: pod-restarts, window: 15m, lateness: 30s, op: ">", bound: 3}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                  - name: error-rate
                    matchers: ['alertname="HighErrorRate"']
                    threshold: {value: annotation:value, op: ">", bound: 0.10}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                """);
        rules = dir.toString();
    }

    @AfterAll
    static void stop() {
        controller.close();
        server.destroy();
        broker.close();
    }

    @AfterEach
    void killReplicas() throws InterruptedException {
        for (ServiceProcess p : replicas) {
            p.close();
        }
        replicas.clear();
    }

    private ServiceProcess replica(String id, String topic, String group, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("REMEDIATOR_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(),
                "REMEDIATOR_KAFKA_TOPICS", topic, "REMEDIATOR_KAFKA_GROUP_ID", group, "REMEDIATOR_KAFKA_DEAD_LETTER_TOPIC", topic + ".dlq"));
        env.putAll(extra);
        ServiceProcess p = ServiceProcess.start(id, PORT.getAndIncrement(), server, rules, List.of(), env, LOGS);
        replicas.add(p);
        return p.awaitReady(Duration.ofSeconds(60));
    }

    private static int assigned(ServiceProcess p) throws Exception {
        HttpResponse<String> ready = p.get("/q/health/ready");
        var m = java.util.regex.Pattern.compile("\"assignedPartitions\"\\s*:\\s*(\\d+)").matcher(ready.body());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static List<String> namespaces(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String ns = prefix + "-" + i;
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            ClusterFixtures.install(client, ns, "svc", 3, Map.of(), Map.of());
            out.add(ns);
        }
        return out;
    }

    private static void restarts(String topic, List<String> namespaces, Instant from, int count) throws Exception {
        try (SignalProducer signals = new SignalProducer(broker.bootstrapServers(), topic)) {
            for (String ns : namespaces) {
                for (int i = 0; i < count; i++) {
                    signals.restart(ns, "svc", from.plusSeconds(i));
                }
            }
        }
    }

    private static List<GenericKubernetesResource> records(String ns) {
        return client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("autonova-system").list().getItems().stream()
                .filter(r -> ns.equals(target(r, "namespace"))).toList();
    }

    @SuppressWarnings("unchecked")
    private static String target(GenericKubernetesResource r, String field) {
        Object spec = r.getAdditionalProperties().get("spec");
        Object target = spec instanceof Map<?, ?> m ? m.get("target") : null;
        return target instanceof Map<?, ?> t ? String.valueOf(t.get(field)) : null;
    }

    private static String image(String ns) {
        return client.apps().deployments().inNamespace(ns).withName("svc").get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            OffsetAndMetadata om = offsets.get(new TopicPartition(topic, 0));
            return om == null ? -1 : om.offset();
        }
    }

    /** Exactly one record per target, rolled back exactly once (revision 3 -> 2). */
    private static void oneEpisodeEach(List<String> namespaces) {
        for (String ns : namespaces) {
            assertEquals(1, records(ns).size(), ns + ": one record for one episode");
            assertEquals(ClusterFixtures.image("svc", 2), image(ns), ns + ": rolled back once, to the previous revision");
        }
    }

    @Test
    void aReplicaJoiningMidEpisodeLeavesOneActionPerEpisode() throws Exception {
        String topic = "join.signals";
        broker.createTopics(6, topic, topic + ".dlq");
        List<String> namespaces = namespaces("join", 8);
        ServiceProcess a = replica("join-a", topic, "join", Map.of());
        ServiceProcess b = replica("join-b", topic, "join", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(a) + assigned(b) == 6);
        Instant t = Instant.now().minusSeconds(120);
        restarts(topic, namespaces, t, 4); // every target crosses (4 > 3)
        await().atMost(Duration.ofSeconds(60)).until(() -> namespaces.stream().allMatch(ns -> records(ns).size() == 1));

        ServiceProcess c = replica("join-c", topic, "join", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(c) > 0 && assigned(a) + assigned(b) + assigned(c) == 6);
        // Still crashing after the rebalance: the windows moved with their partitions (rebuilt by the new owners).
        double before = a.metric("remediator_kafka_records_total", "result=\"signal\"") + b.metric("remediator_kafka_records_total", "result=\"signal\"")
                + c.metric("remediator_kafka_records_total", "result=\"signal\"");
        restarts(topic, namespaces, t.plusSeconds(10), 4);
        await().atMost(Duration.ofSeconds(60)).until(() -> a.metric("remediator_kafka_records_total", "result=\"signal\"")
                + b.metric("remediator_kafka_records_total", "result=\"signal\"") + c.metric("remediator_kafka_records_total", "result=\"signal\"")
                >= before + 32);
        assertTrue(c.metric("remediator_kafka_records_total", "result=\"rebuild\"") > 0, "the joining replica rebuilt windows of its partitions");
        Thread.sleep(2000);
        oneEpisodeEach(namespaces);
    }

    @Test
    void aReplicaKilledAfterDecidingButBeforeCommittingIsReplacedWithTheSameDecisions() throws Exception {
        String topic = "kill.signals";
        broker.createTopics(1, topic, topic + ".dlq");
        List<String> namespaces = namespaces("kill", 1);
        // Commits once a minute: the kill below surely comes before the decided records are committed.
        ServiceProcess victim = replica("kill-a", topic, "kill", Map.of("MP_MESSAGING_INCOMING_SIGNALS_AUTO_COMMIT_INTERVAL_MS", "60000"));
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(victim) == 1);
        restarts(topic, namespaces, Instant.now().minusSeconds(120), 4);
        await().atMost(Duration.ofSeconds(60)).until(() -> records(namespaces.get(0)).size() == 1);
        victim.kill();
        assertTrue(committed("kill", topic) < 4, "the crossing's records were not committed when the replica died");
        String name = records(namespaces.get(0)).get(0).getMetadata().getName();

        ServiceProcess successor = replica("kill-b", topic, "kill", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> successor.metric("remediator_kafka_records_total", "result=\"signal\"") >= 4);
        await().atMost(Duration.ofSeconds(30)).until(() -> committed("kill", topic) == 4);
        Thread.sleep(1000);
        oneEpisodeEach(namespaces);
        assertEquals(name, records(namespaces.get(0)).get(0).getMetadata().getName(), "re-read and decided as the same episode");
    }

    @Test
    void aReplicaRestartedMidWindowRebuildsItsStateWithoutCountingTwice() throws Exception {
        String topic = "rebuild.signals";
        broker.createTopics(1, topic, topic + ".dlq");
        List<String> namespaces = namespaces("rebuild", 1);
        String ns = namespaces.get(0);
        ServiceProcess first = replica("rebuild-a", topic, "rebuild", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(first) == 1);
        // Each batch stamped a minute before it is sent, as a producer with a steady lag does. Fixed past stamps would
        // fall behind event time as estimated over the quiet between replicas (WindowState.advance) and, on a slow
        // machine, arrive later than the rule's 30 s lateness: dropped as late, never counted.
        restarts(topic, namespaces, Instant.now().minusSeconds(60), 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> first.metric("remediator_kafka_records_total", "result=\"signal\"") >= 2);
        first.stop(); // SIGTERM: acknowledged records are committed on the way out
        await().atMost(Duration.ofSeconds(30)).until(() -> committed("rebuild", topic) == 2);

        // Decisions and window rebuilds logged (INFO) in target/kafka-it/rebuild-b.log, to read if this fails again.
        ServiceProcess second = replica("rebuild-b", topic, "rebuild", Map.of("QUARKUS_LOG_CATEGORY__IO_AUTONOVA__LEVEL", "INFO"));
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(second) == 1);
        assertEquals(2, second.metric("remediator_kafka_records_total", "result=\"rebuild\""), "the two committed restarts rebuilt");
        restarts(topic, namespaces, Instant.now().minusSeconds(60), 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> second.metric("remediator_kafka_records_total", "result=\"signal\"") >= 1);
        Thread.sleep(1000);
        assertEquals(List.of(), records(ns), "2 rebuilt + 1 new = 3, not > 3: had the rebuild counted twice, it would have acted");
        restarts(topic, namespaces, Instant.now().minusSeconds(59), 1);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> records(ns).size() == 1);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the 4th restart did not act; the second replica's Kafka counts: " + second.get("/q/metrics").body().lines()
                    .filter(l -> l.startsWith("remediator_kafka")).toList(), e);
        }
    }

    /** The replica that answered 202 dies before any consumer read the alert: a consumer of another replica decides it. */
    @Test
    void anAcceptedAlertOutlivesTheReplicaThatTookIt() throws Exception {
        String topic = "backbone.signals";
        broker.createTopics(2, topic, topic + ".dlq");
        String ns = namespaces("backbone", 1).get(0);
        // A webhook-only replica (its channel off): nothing on it can decide the alert before it dies.
        ServiceProcess front = replica("backbone-front", topic, "backbone", Map.of("REMEDIATOR_KAFKA_WEBHOOK_BACKBONE", "true",
                "MP_MESSAGING_INCOMING_SIGNALS_ENABLED", "false"));
        String alert = "{\"receiver\":\"autonova\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"HighErrorRate\","
                + "\"namespace\":\"" + ns + "\",\"service\":\"svc\"},\"annotations\":{\"value\":\"0.5\"},\"startsAt\":\"" + Instant.now().minusSeconds(300) + "\","
                + "\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prometheus/graph\",\"fingerprint\":\"00000000000000b1\"}],"
                + "\"groupLabels\":{},\"commonLabels\":{},\"commonAnnotations\":{},\"externalURL\":\"http://alertmanager\",\"version\":\"4\","
                + "\"groupKey\":\"{}:{}\",\"truncatedAlerts\":0}";
        HttpResponse<String> answer = ServiceProcess.HTTP.send(front.webhook(alert), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, answer.statusCode(), answer.body());
        front.kill();
        Thread.sleep(1000);
        assertEquals(List.of(), records(ns), "nobody has decided it yet: it is only on the topic");

        // A replica of the same deployment (the backbone on: only then are alert records taken from the topic).
        replica("backbone-consumer", topic, "backbone", Map.of("REMEDIATOR_KAFKA_WEBHOOK_BACKBONE", "true"));
        await().atMost(Duration.ofSeconds(60)).until(() -> records(ns).size() == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> ClusterFixtures.image("svc", 2).equals(image(ns)));
    }

    /**
     * The broker goes away for 70 s (longer than the consumer's 45 s session) and comes back: consumption resumes on its own.
     * Last: the other tests share the broker and must not start on one just restarted.
     */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void afterA70SecondBrokerOutageNewCrossingsStillDecideAndNothingIsDecidedTwice() throws Exception {
        String topic = "outage.signals";
        broker.createTopics(4, topic, topic + ".dlq");
        List<String> before = namespaces("outage-before", 1);
        List<String> after = namespaces("outage-after", 1);
        ServiceProcess p = replica("outage", topic, "outage", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> assigned(p) == 4);
        restarts(topic, before, Instant.now().minusSeconds(60), 4);
        await().atMost(Duration.ofSeconds(30)).until(() -> records(before.get(0)).size() == 1);

        broker.stop();
        Thread.sleep(70_000);
        assertEquals(200, p.get("/q/health/ready").statusCode(), "an unreachable broker does not take the replica out of its Service");
        broker.restart();

        restarts(topic, after, Instant.now().minusSeconds(60), 4);
        await().atMost(Duration.ofSeconds(120)).until(() -> records(after.get(0)).size() == 1);
        Thread.sleep(2000);
        oneEpisodeEach(before);
        oneEpisodeEach(after);
        assertEquals(200, p.get("/q/health/live").statusCode(), p.get("/q/health/live").body());
    }
}
