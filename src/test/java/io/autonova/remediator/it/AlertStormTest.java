package io.autonova.remediator.it;

import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An alert storm at test scale: 2,000 distinct alerts over 50 services, in Alertmanager-style webhooks of 10,
 * 4 at a time. Counts what was written, never how long it took: objects grow with targets, not alerts.
 */
@QuarkusTest
@TestProfile(AlertStormTest.Limits.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class AlertStormTest extends ClusterTestSupport {

    /** The storm's alerts started just now: after the fixtures' release, within the change gate's window. */
    private static final Instant STARTS_AT = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);

    public static class Limits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("remediator.rules.dir", "src/test/resources/storm-rules-10");
        }
    }

    @Test
    void twoThousandAlertsOverFiftyServicesWriteObjectsPerTargetAndActWithinTheLimits() throws Exception {
        List<String> namespaces = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String ns = namespace("storm");
            deploy(ns, "api", 3, Map.of(), Map.of());
            namespaces.add(ns);
        }
        drainRequests();
        List<String> bodies = new ArrayList<>();
        for (int w = 0; w < 200; w++) {
            List<Alerts.Spec> alerts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String ns = namespaces.get((w * 10 + i) % 50);
                alerts.add(new Alerts.Spec(Alerts.newFingerprint(), "firing", Map.of("alertname", "HighErrorRate", "namespace", ns, "service", "api",
                        "pod", "api-" + w + "-" + i), Map.of("value", "0.5"), STARTS_AT));
            }
            bodies.add(Alerts.body(alerts.toArray(Alerts.Spec[]::new)));
        }
        ExecutorService senders = Executors.newFixedThreadPool(4);
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (String body : bodies) {
            answers.add(CompletableFuture.supplyAsync(() -> given().header("Authorization", WEBHOOK).contentType("application/json").body(body)
                    .post("/api/v1/webhooks/alertmanager").statusCode(), senders));
        }
        for (CompletableFuture<Integer> a : answers) {
            assertEquals(200, a.get(), "no 5xx in the storm");
        }
        senders.shutdown();
        senders.awaitTermination(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> given().header("Authorization", ADMIN).get("/api/v1/remediations?phase=running")
                .jsonPath().getList("remediations").isEmpty() && given().header("Authorization", ADMIN).get("/api/v1/remediations?phase=pending")
                .jsonPath().getList("remediations").isEmpty());

        Map<String, Integer> created = new HashMap<>();
        Map<String, Integer> eventsPerKey = new HashMap<>();
        int rollbacks = 0;
        RecordedRequest r;
        while ((r = server.getKubernetesMockServer().takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            String path = r.getPath();
            if (r.getMethod().equals("PATCH") && path.contains("/deployments/api")) {
                rollbacks++;
            }
            if (!r.getMethod().equals("POST")) {
                continue;
            }
            String kind = path.replaceAll("\\?.*", "").replaceAll(".*/", "");
            created.merge(kind, 1, Integer::sum);
        }
        // The Events as the API server holds them: one per object, reason and code; repeats raise its series.
        await().atMost(Duration.ofSeconds(10)).until(() -> client().resources(io.fabric8.kubernetes.api.model.events.v1.Event.class).inAnyNamespace()
                .list().getItems().size() == created.getOrDefault("events", 0));
        for (var e : client().resources(io.fabric8.kubernetes.api.model.events.v1.Event.class).inAnyNamespace().list().getItems()) {
            eventsPerKey.merge(e.getRegarding().getKind() + "/" + e.getRegarding().getNamespace() + "/" + e.getRegarding().getName() + "/" + e.getReason() + "/" + e.getNote().split(":")[0],
                    1, Integer::sum);
        }
        int records = client().genericKubernetesResources(MockClusterSetup.REMEDIATION).inNamespace("autonova-system").list().getItems().size();
        int leases = client().leases().inNamespace("autonova-system").list().getItems().size();
        assertTrue(created.getOrDefault("remediations", 0) <= 50 + 5, "create attempts (a lost race is a 409): " + created);
        assertTrue(records + leases <= 2 * 50, "state objects created: " + created);
        assertEquals(50, records, "one record per target and rule: " + created);
        assertEquals(10, rollbacks, "the global limit of 10 holds");
        assertTrue(eventsPerKey.values().stream().allMatch(n -> n == 1), "one Event per object, reason and code; repeats go to its series: " + eventsPerKey);
        assertTrue(created.getOrDefault("events", 0) <= 2 * 50 * 2, "events: " + created);
        System.out.printf("alert storm (2,000 alerts, 50 services): created %s, %d rollbacks%n", created, rollbacks);
    }
}
