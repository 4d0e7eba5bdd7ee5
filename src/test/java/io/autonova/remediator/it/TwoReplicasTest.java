package io.autonova.remediator.it;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.engine.ScenarioPlan;
import io.autonova.remediator.engine.StepEngine;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.ingest.alertmanager.AlertmanagerPayload;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.pipeline.EpisodeFolds;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.autonova.remediator.state.KubernetesEventRecorder;
import io.autonova.remediator.state.KubernetesStateStore;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two replicas in one JVM over one CRUD mock API server: replica A is the application under test (over
 * HTTP), replica B is assembled from the same classes with its own client, caches and identity. Global
 * limit: 3 actions an hour.
 */
@QuarkusTest
@TestProfile(TwoReplicasTest.TightLimits.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoReplicasTest extends ClusterTestSupport {

    public static class TightLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Folds (re-send counts) are written only when a test flushes them, so a storm's own API calls can be counted.
            return Map.of("remediator.rules.dir", "src/test/resources/storm-rules", "remediator.execution.resend-flush-interval", "1h");
        }
    }

    @Inject
    RuleRepository rules;
    @Inject
    RemediatorConfig config;
    @Inject
    RemediatorMetrics metrics;
    @Inject
    Clock clock;

    @Inject
    EpisodeFolds foldsA;

    static Replica b;
    static final List<String> TARGETS = new ArrayList<>();
    static String shared;

    /** Replica B: its own client, watch caches, identity, engine and pipeline. */
    record Replica(KubernetesClient client, KubernetesStateStore store, StepEngine engine, EpisodeFolds folds, RemediationPipeline pipeline) {
        List<AlertResult> post(String body) {
            List<Alert> alerts = AlertmanagerPayload.parse(new com.fasterxml.jackson.databind.ObjectMapper(), body.getBytes(), Instant.now());
            return pipeline.accept(alerts);
        }
    }

    Replica replicaB() {
        if (b == null) {
            KubernetesClient c = new KubernetesClientBuilder().withConfig(client().getConfiguration()).build();
            KubernetesStateStore store = new KubernetesStateStore(c, config.state().namespace(), config.state().globalName(), clock).start(Duration.ofSeconds(10));
            ServiceRuntime rt = new ServiceRuntime(store, new FabricClusterActions(c), new KubernetesEventRecorder(c, config.state().namespace(), "replica-b", clock, store.writes()),
                    "replica-b", false, null, io.autonova.remediator.runtime.ChangeWatch.start(c, java.util.Optional.empty(), store, clock, Duration.ofSeconds(10)));
            StepEngine engine = new StepEngine(rt, config, metrics, clock);
            engine.start();
            EpisodeFolds folds = new EpisodeFolds(rt, config);
            b = new Replica(c, store, engine, folds, new RemediationPipeline(rules, rt, engine, metrics, folds, clock, 8));
        }
        return b;
    }

    @AfterAll
    static void stopB() {
        if (b != null) {
            b.engine().shutdown();
            b.store().stop();
            b.client().close();
            b = null;
        }
    }

    private static String alert(String ns, String service, String fingerprint) {
        return Alerts.body(new Alerts.Spec(fingerprint, "firing", Map.of("alertname", "HighErrorRate", "namespace", ns, "service", service),
                Map.of("value", "0.4"), Instant.now().minus(Duration.ofMinutes(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    }

    @Test
    @Order(1)
    void theSameAlertToBothReplicasAtTheSameInstantActsOnce() throws Exception {
        Replica rb = replicaB();
        String ns = namespace("twin");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        TARGETS.add(ns);
        String body = alert(ns, "checkout", Alerts.newFingerprint());
        shared = body;
        CompletableFuture<String> viaA = CompletableFuture.supplyAsync(() -> post(body).getString("results[0].remediation"));
        CompletableFuture<List<AlertResult>> viaB = CompletableFuture.supplyAsync(() -> rb.post(body));
        String recordA = viaA.get();
        AlertResult resultB = viaB.get().get(0);
        assertEquals(recordA, resultB.remediation(), "one episode, one record, whichever replica won");
        JsonPath rec = awaitPhase(recordA, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", rec.getString("status.phase"), rec.prettify());
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"));
        assertEquals(3, deployment(ns, "checkout").getMetadata().getGeneration() == null ? 0
                : Integer.parseInt(deployment(ns, "checkout").getMetadata().getAnnotations().get("deployment.kubernetes.io/revision")) - 1,
                "one rollback: the controller numbered it revision 4");
    }

    @Test
    @Order(2)
    void twentyTargetsUnderAGlobalLimitOfThreeActExactlyThreeTimesInAll() throws Exception {
        Replica rb = replicaB();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 19; i++) {
            String ns = namespace("limit");
            deploy(ns, "api", 3, Map.of(), Map.of());
            TARGETS.add(ns);
            bodies.add(alert(ns, "api", Alerts.newFingerprint()));
        }
        List<CompletableFuture<?>> sends = new ArrayList<>();
        for (String body : bodies) {
            sends.add(CompletableFuture.runAsync(() -> post(body)));
            sends.add(CompletableFuture.runAsync(() -> rb.post(body)));
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get();
        await().atMost(Duration.ofSeconds(20)).until(() -> b.store().records().stream().noneMatch(r -> r.status.phase.active()));
        long acted = b.store().records().stream().filter(r -> r.status.steps.stream().anyMatch(s -> s.name.equals("rollback-deployment"))).count();
        assertEquals(3, acted, "the global limit of 3 holds across both replicas");
        long rolledBack = TARGETS.stream().filter(ns -> image(ns, ns.startsWith("twin") ? "checkout" : "api").endsWith(":1.2.0")).count();
        assertEquals(3, rolledBack);
        assertTrue(b.store().records().stream().filter(r -> r.status.decision != null)
                .allMatch(r -> List.of("ALL_CHECKS_PASSED", "RATE_LIMITED_GLOBAL").contains(r.status.decision.reason)));
        assertEquals(20, b.store().records().size(), "one record per target, not per delivery");
    }

    @Test
    @Order(3)
    void aReSendStormOfRefusedAlertsMakesNoApiCall() throws Exception {
        Replica rb = replicaB();
        List<String> refused = new ArrayList<>();
        for (RemediationRecord r : rb.store().records()) {
            if ("RATE_LIMITED_GLOBAL".equals(r.status.decision.reason)) {
                refused.add(alert(r.spec.target.namespace, r.spec.target.deployment, r.spec.trigger.fingerprint));
            }
        }
        assertEquals(17, refused.size());
        drainRequests();
        for (int round = 0; round < 20; round++) {
            for (String body : refused) {
                assertEquals("RATE_LIMITED_GLOBAL", post(body).getString("results[0].reason"));
                assertEquals("RATE_LIMITED_GLOBAL", rb.post(body).get(0).reason());
            }
            // Re-sends of the acted-on alert are duplicates, answered from the cache.
            assertEquals("DUPLICATE_ALERT", rb.post(shared).get(0).reason());
        }
        assertEquals(List.of(), requests(), "680 re-decided re-sends and 20 duplicates through two replicas: no API call");
        // The repeats are written coalesced: at most one update per record and replica when the folds are flushed.
        foldsA.flush();
        rb.folds().flush();
        List<String> writes = writes(requests());
        assertTrue(writes.size() <= 2 * TARGETS.size(), writes.size() + " writes: " + writes);
        assertTrue(writes.stream().allMatch(w -> w.contains("/remediations/")), writes.toString());
    }
}
