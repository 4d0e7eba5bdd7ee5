package io.autonova.remediator.it;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's quick start: no cluster, the example alert, and the decision with the steps it would take. */
@QuarkusTest
@TestProfile(QuickStartDryRunTest.NoCluster.class)
class QuickStartDryRunTest {

    public static class NoCluster implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("remediator.state.store", "memory", "remediator.rules.dir", "rules", "remediator.warmup.budget", "1s");
        }
    }

    @Test
    void theRealAlertmanagerPayloadIsDecidedAndItsStepsArePlanned() throws Exception {
        String body;
        try (InputStream in = getClass().getResourceAsStream("/alertmanager/webhook-firing.json")) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("\"summary\": \"error rate > 5%\"",
                    "\"summary\": \"error rate > 5%\", \"value\": \"0.23\"");
        }
        JsonPath answer = given().header("Authorization", "Bearer test-webhook-token").contentType(ContentType.JSON).body(body)
                .post("/api/v1/webhooks/alertmanager").then().statusCode(200).extract().jsonPath();
        assertEquals("dry_run", answer.getString("results[0].outcome"));
        assertEquals("high-error-rate", answer.getString("results[0].rule"), "the shipped rules are the ones in use");
        String name = answer.getString("results[0].remediation");

        await().atMost(Duration.ofSeconds(10)).until(() -> !record(name).getList("status.steps").isEmpty());
        JsonPath rec = record(name);
        assertEquals("DRY_RUN", rec.getString("status.phase"));
        assertEquals(List.of("resolve-target", "plan-rollback", "disable-argo-auto-sync+argo-rollback-sync", "rollback-deployment", "verify-rollout",
                "verify-signal"), rec.getList("status.steps.name"));
        assertTrue(rec.getString("status.steps[3].message").contains("kubectl rollout undo deployment/demo -n prod"));
        assertTrue(rec.getString("status.steps[5].message").contains("service=\"demo\""), "the rule's query, the target filled in: "
                + rec.getString("status.steps[5].message"));

        JsonPath again = given().header("Authorization", "Bearer test-webhook-token").contentType(ContentType.JSON).body(body)
                .post("/api/v1/webhooks/alertmanager").then().statusCode(200).extract().jsonPath();
        assertEquals("DUPLICATE_ALERT", again.getString("results[0].reason"));
        given().header("Authorization", "Bearer test-admin-token").get("/api/v1/remediations").then().statusCode(200)
                .body("store", org.hamcrest.Matchers.equalTo("in-memory")).body("dryRun", org.hamcrest.Matchers.equalTo(true));
        // The start-up warm-up decided its synthetic alerts elsewhere: none of its records is here, and the replica is ready.
        await().atMost(Duration.ofSeconds(10)).until(() -> given().get("/q/health/ready").statusCode() == 200);
        assertTrue(given().get("/q/health/ready").asString().contains("synthetic deliveries"));
        assertTrue(given().header("Authorization", "Bearer test-admin-token").get("/api/v1/remediations").asString().contains(name));
        assertTrue(!given().header("Authorization", "Bearer test-admin-token").get("/api/v1/remediations").asString().contains("warm-up"),
                "no record of the warm-up's in the service's store");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(!metrics.contains("/apis/") && !metrics.contains("autonova-warm-up"), "the warm-up's own API server and client are not in the metrics");
    }

    private static JsonPath record(String name) {
        return given().header("Authorization", "Bearer test-admin-token").get("/api/v1/remediations/" + name).then().statusCode(200)
                .extract().jsonPath();
    }
}
