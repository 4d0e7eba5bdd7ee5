package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end: an alert posted to a real Alertmanager is grouped and delivered by Alertmanager's own
 * webhook notifier, with its bearer token, to the running service, which rolls the Deployment back.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
@QuarkusTestResource(value = AlertmanagerProcess.class, restrictToAnnotatedClass = true)
class AlertmanagerEndToEndTest extends ClusterTestSupport {

    @Test
    void aRealAlertmanagerDeliversTheAlertAndTheRollbackHappens() throws Exception {
        String ns = namespace("e2e");
        deploy(ns, "checkout", 3, Map.of(), Map.of());
        Instant startsAt = Instant.now().minus(Duration.ofMinutes(5));
        String alert = """
                [{"labels": {"alertname": "HighErrorRate", "severity": "critical", "namespace": "%s", "service": "checkout"},
                  "annotations": {"value": "0.31", "summary": "error rate 31%%"},
                  "startsAt": "%s", "generatorURL": "http://127.0.0.1:9090/graph"}]""".formatted(ns, startsAt);

        long t0 = System.nanoTime();
        postToAlertmanager(alert);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> ClusterFixtures.image("checkout", 2).equals(image(ns, "checkout")));
        long rolledBackMs = (System.nanoTime() - t0) / 1_000_000;

        List<Map<String, Object>> records = given().header("Authorization", ADMIN).get("/api/v1/remediations?namespace=" + ns)
                .then().statusCode(200).extract().jsonPath().getList("remediations");
        assertEquals(1, records.size());
        JsonPath rec = awaitPhase((String) records.get(0).get("name"), "SUCCEEDED");
        long succeededMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("alertmanager", rec.getString("spec.trigger.source"));
        assertEquals("2", rec.getString("status.revisionTo"));
        long inService = Duration.between(Instant.parse(rec.getString("spec.trigger.receivedAt")),
                Instant.parse(rec.getString("status.finishedAt"))).toMillis();
        System.out.printf("E2E alert-to-rollback: deployment patched %d ms after the POST to Alertmanager; "
                + "webhook received to remediation succeeded: %d ms; observed succeeded at %d ms%n", rolledBackMs, inService, succeededMs);

        // Resolve it: Alertmanager sends the resolved webhook, which never starts an action.
        postToAlertmanager(alert.replace("\"generatorURL\"", "\"endsAt\": \"" + Instant.now() + "\", \"generatorURL\""));
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/q/metrics").asString()
                .contains("remediator_alerts_received_total{source=\"alertmanager\",status=\"resolved\"} 1.0"));
        assertEquals(1, given().header("Authorization", ADMIN).get("/api/v1/remediations?namespace=" + ns).jsonPath().getList("remediations").size());
        assertEquals(ClusterFixtures.image("checkout", 2), image(ns, "checkout"));
    }

    private static void postToAlertmanager(String alerts) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(AlertmanagerProcess.url + "/api/v2/alerts"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(alerts)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }
}
