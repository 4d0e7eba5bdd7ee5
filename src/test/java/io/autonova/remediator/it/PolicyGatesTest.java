package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each policy gate stops the second action, with the right reason; nothing else changes the cluster. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class PolicyGatesTest extends ClusterTestSupport {

    @Test
    void theSameAlertTwiceRollsBackOnceAndCountsTheReSend() throws Exception {
        String ns = namespace("dup");
        deploy(ns, "cart", 3, Map.of(), Map.of());
        drainRequests();
        String body = Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "cart"), "0.3"));
        String name = post(body).getString("results[0].remediation");
        JsonPath second = post(body);
        assertEquals("DUPLICATE_ALERT", second.getString("results[0].reason"));
        assertEquals(name, second.getString("results[0].remediation"));
        awaitPhase(name, "SUCCEEDED");
        post(body);
        // Re-sends are counted in coalesced writes, not one API call each.
        await().atMost(Duration.ofSeconds(10)).until(() -> record(name).getInt("status.suppressedDuplicates") == 2);
        assertEquals(ClusterFixtures.image("cart", 2), image(ns, "cart"));
        long patches = writes(requests()).stream().filter(w -> w.startsWith("PATCH") && w.contains("/deployments/cart")).count();
        assertEquals(1, patches);
    }

    @Test
    void resolvedAlertsNeverActAndClearAPendingRefusal() {
        String ns = namespace("res");
        deploy(ns, "auth", 3, Map.of(), Map.of());
        Alerts.Spec alert = Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "auth"), "0.05");
        JsonPath first = post(Alerts.body(alert));
        assertEquals("BELOW_THRESHOLD", first.getString("results[0].reason"));
        String name = first.getString("results[0].remediation");
        assertEquals("REFUSED", record(name).getString("status.phase"));

        JsonPath resolved = post(Alerts.body(alert.resolved()));
        assertEquals("ALERT_RESOLVED", resolved.getString("results[0].reason"));
        assertEquals("CLEARED", record(name).getString("status.phase"));
        assertEquals(ClusterFixtures.image("auth", 3), image(ns, "auth"));

        // A resolved alert never seen firing creates nothing at all.
        Alerts.Spec other = Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "auth"), "0.9");
        JsonPath onlyResolved = post(Alerts.body(other.resolved()));
        assertEquals("ALERT_RESOLVED", onlyResolved.getString("results[0].reason"));
        given().header("Authorization", ADMIN).get("/api/v1/remediations?namespace=" + ns).then().body("remediations", hasSize(1));
        assertEquals(ClusterFixtures.image("auth", 3), image(ns, "auth"));
    }

    @Test
    void cooldownStopsASecondAlertOnTheSameTarget() {
        String ns = namespace("cool");
        deploy(ns, "search", 3, Map.of(), Map.of());
        Map<String, String> labels = Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "search");
        String first = post(Alerts.body(Alerts.firing(labels, "0.4"))).getString("results[0].remediation");
        awaitPhase(first, "SUCCEEDED");
        JsonPath second = post(Alerts.body(Alerts.firing(labels, "0.6")));
        assertEquals("COOLDOWN", second.getString("results[0].reason"));
        // No record per refused alert: the refusal joins the trail of the episode that acted.
        assertEquals(first, second.getString("results[0].remediation"));
        await().atMost(Duration.ofSeconds(5)).until(() -> record(first).getList("status.decisions.reason").contains("COOLDOWN"));
        assertEquals(1, record(first).getInt("status.alerts.lateCount"));
        assertEquals(ClusterFixtures.image("search", 2), image(ns, "search"), "one rollback, not two");
    }

    @Test
    void rateLimitStopsASecondActionOnceTheCooldownIsOver() {
        String ns = namespace("rate");
        deploy(ns, "feed", 3, Map.of(), Map.of());
        Map<String, String> labels = Map.of("alertname", "Flapping", "namespace", ns, "service", "feed");
        awaitPhase(post(Alerts.body(Alerts.firing(labels, null))).getString("results[0].remediation"), "SUCCEEDED");
        JsonPath second = post(Alerts.body(Alerts.firing(labels, null)));
        assertEquals("RATE_LIMITED_TARGET", second.getString("results[0].reason"));
        assertTrue(second.getString("results[0].message").contains("limit 1 per 1h"), second.getString("results[0].message"));
    }

    @Test
    void theConsecutiveActionCapWaitsForAHumanWhoClearsIt() {
        String ns = namespace("cap");
        deploy(ns, "mailer", 3, Map.of(), Map.of());
        Map<String, String> labels = Map.of("alertname", "CrashLoop", "namespace", ns, "service", "mailer");
        String first = post(Alerts.body(Alerts.firing(labels, null))).getString("results[0].remediation");
        awaitPhase(first, "SUCCEEDED");
        Alerts.Spec waiting = Alerts.firing(labels, null);
        JsonPath second = post(Alerts.body(waiting));
        assertEquals("AWAITING_HUMAN", second.getString("results[0].reason"));
        assertEquals(first, second.getString("results[0].remediation"), "a refusal after the run folds into its episode, no new record");
        await().atMost(Duration.ofSeconds(5)).until(() -> record(first).getList("status.decisions.reason").contains("AWAITING_HUMAN"));

        given().header("Authorization", ADMIN).delete("/api/v1/targets/" + ns + "/mailer/hold").then().statusCode(204);
        // Who let automation act again is on the Deployment, as an Event.
        await().atMost(Duration.ofSeconds(10)).until(() -> client().events().v1().events().inNamespace(ns).list().getItems().stream()
                .anyMatch(e -> "TargetHoldCleared".equals(e.getReason()) && e.getNote().contains("cleared by admin-token (break-glass)")));
        // The same alert, re-sent by Alertmanager: its refusal was transient, so it is decided again; the hold is gone, but the
        // newest change of the target is now this service's own rollback: nothing of ours to undo, a human decides.
        JsonPath again = post(Alerts.body(waiting));
        assertEquals("NO_RECENT_CHANGE", again.getString("results[0].reason"), again.prettify());
        // (the controller's progress report dates the undone revision as ours; before it arrives, its time is unknown: refused too)
        assertTrue(again.getString("results[0].message").contains("this service's own (remediation " + first)
                || again.getString("results[0].message").contains("is not known"), again.getString("results[0].message"));
        assertEquals(ClusterFixtures.image("mailer", 2), image(ns, "mailer"), "it never rolls its own rollback back further by itself");
    }

    @Test
    void aServicePauseStopsActionsUntilItIsLifted() {
        String ns = namespace("pause");
        deploy(ns, "ledger", 3, Map.of(), Map.of());
        String pauseId = given().header("Authorization", ADMIN).contentType(ContentType.JSON)
                .body("{\"scope\":\"service\",\"namespace\":\"" + ns + "\",\"service\":\"ledger\",\"reason\":\"db migration\",\"duration\":\"2h\"}")
                .post("/api/v1/pauses").then().statusCode(201).extract().jsonPath().getString("id");
        given().header("Authorization", ADMIN).get("/api/v1/pauses").then().statusCode(200)
                .body("pauses.find { it.id == '" + pauseId + "' }.reason", org.hamcrest.Matchers.equalTo("db migration"));

        Alerts.Spec alert = Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "ledger"), "0.5");
        JsonPath paused = post(Alerts.body(alert));
        assertEquals("PAUSED", paused.getString("results[0].reason"));
        assertTrue(paused.getString("results[0].message").contains("db migration"));
        assertEquals(ClusterFixtures.image("ledger", 3), image(ns, "ledger"));

        given().header("Authorization", ADMIN).delete("/api/v1/pauses/" + pauseId).then().statusCode(204);
        given().header("Authorization", ADMIN).delete("/api/v1/pauses/" + pauseId).then().statusCode(404).contentType("application/problem+json");
        JsonPath resumed = post(Alerts.body(alert));
        assertEquals("ALL_CHECKS_PASSED", resumed.getString("results[0].reason"));
        awaitPhase(resumed.getString("results[0].remediation"), "SUCCEEDED");
        assertEquals(ClusterFixtures.image("ledger", 2), image(ns, "ledger"));
    }

    @Test
    void remediationListsArePaginated() {
        List<String> names = new java.util.ArrayList<>();
        String ns = namespace("pages");
        for (String svc : List.of("a", "b", "c")) {
            names.add(post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", svc),
                    "0.01"))).getString("results[0].remediation"));
        }
        JsonPath page1 = given().header("Authorization", ADMIN).get("/api/v1/remediations?namespace=" + ns + "&limit=2").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(2, page1.getList("remediations").size());
        String token = page1.getString("continue");
        JsonPath page2 = given().header("Authorization", ADMIN).queryParam("continue", token).get("/api/v1/remediations?namespace=" + ns + "&limit=2")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(1, page2.getList("remediations").size());
        assertEquals(null, page2.getString("continue"));
        java.util.Set<String> seen = new java.util.HashSet<>(page1.getList("remediations.name"));
        seen.addAll(page2.getList("remediations.name"));
        assertEquals(new java.util.HashSet<>(names), seen, "every record once, across pages");
        given().header("Authorization", ADMIN).get("/api/v1/remediations?limit=0").then().statusCode(400).contentType("application/problem+json");
        given().header("Authorization", ADMIN).get("/api/v1/remediations?continue=%25%25").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void pausesAreValidated() {
        for (String bad : List.of("{\"scope\":\"galaxy\",\"reason\":\"x\",\"duration\":\"1h\"}",
                "{\"scope\":\"global\",\"duration\":\"1h\"}",
                "{\"scope\":\"global\",\"reason\":\"x\"}",
                "{\"scope\":\"global\",\"reason\":\"x\",\"duration\":\"90d\"}",
                "{\"scope\":\"namespace\",\"namespace\":\"../etc\",\"reason\":\"x\",\"duration\":\"1h\"}",
                "{\"scope\":\"global\",\"reason\":\"x\",\"expiresAt\":\"2001-01-01T00:00:00Z\"}",
                "not json")) {
            given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(bad).post("/api/v1/pauses")
                    .then().statusCode(400).contentType("application/problem+json");
        }
    }
}
