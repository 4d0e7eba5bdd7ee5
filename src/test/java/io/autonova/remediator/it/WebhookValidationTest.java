package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a clear answer and changes nothing. */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class WebhookValidationTest extends ClusterTestSupport {

    private static final String PATH = "/api/v1/webhooks/alertmanager";

    private String validBody() {
        return Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", "nowhere", "service", "x"), "0.9"));
    }

    @Test
    void unauthenticatedRequestsGet401() throws Exception {
        drainRequests();
        given().contentType(ContentType.JSON).body(validBody()).post(PATH).then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", containsString("Bearer"));
        given().header("Authorization", "Bearer wrong").contentType(ContentType.JSON).body(validBody()).post(PATH).then().statusCode(401);
        given().header("Authorization", ADMIN).contentType(ContentType.JSON).body(validBody()).post(PATH).then().statusCode(401);
        given().header("Authorization", WEBHOOK).get("/api/v1/remediations").then().statusCode(401);
        given().get("/api/v1/pauses").then().statusCode(401);
        assertEquals(List.of(), requests(), "a rejected request reaches no API server");
    }

    @Test
    void malformedOrWrongShapeGets400NamingTheProblem() throws Exception {
        drainRequests();
        given().header("Authorization", WEBHOOK).contentType(ContentType.JSON).body("{\"version\":").post(PATH).then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("not valid JSON"));
        given().header("Authorization", WEBHOOK).contentType(ContentType.JSON).body(validBody().replace("\"version\":\"4\"", "\"version\":\"5\""))
                .post(PATH).then().statusCode(400).body("detail", containsString("unsupported webhook payload version '5'"));
        given().header("Authorization", WEBHOOK).contentType(ContentType.JSON).body("{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}")
                .post(PATH).then().statusCode(400).body("detail", containsString("alerts[0].fingerprint"));
        // Sizes are capped at the door (they are copied into records and Events): a 400 saying which, never a 503 loop.
        given().header("Authorization", WEBHOOK).contentType(ContentType.JSON)
                .body(validBody().replace("\"alertname\":\"HighErrorRate\"", "\"alertname\":\"HighErrorRate\",\"blob\":\"" + "7".repeat(5000) + "\""))
                .post(PATH).then().statusCode(400).body("detail", containsString("labels.\"blob\": longer than 2048 characters"));
        assertEquals(List.of(), requests());
    }

    @Test
    void aBodyThatIsNotJsonGets415() throws Exception {
        drainRequests();
        given().header("Authorization", WEBHOOK).contentType("text/plain").body(validBody()).post(PATH).then().statusCode(415)
                .contentType("application/problem+json");
        assertEquals(List.of(), requests());
    }

    @Test
    void oversizedBodyGets413() throws Exception {
        drainRequests();
        String huge = "{\"version\":\"4\",\"alerts\":[],\"pad\":\"" + "x".repeat(1_100_000) + "\"}";
        given().header("Authorization", WEBHOOK).contentType(ContentType.JSON).body(huge).post(PATH).then().statusCode(413)
                .contentType("application/problem+json").body("title", equalTo("Payload too large"));
        assertEquals(List.of(), requests());
    }

    @Test
    void hostileLabelValuesNeverReachTheApiServer() throws Exception {
        String ns = namespace("hostile");
        deploy(ns, "api", 3, Map.of(), Map.of());
        drainRequests();
        for (String[] labels : List.of(new String[]{ns, "../api"}, new String[]{ns, "API"}, new String[]{ns, "a".repeat(300)},
                new String[]{ns, "api\nx"}, new String[]{"../" + ns, "api"}, new String[]{ns, ""})) {
            JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical",
                    "namespace", labels[0], "service", labels[1]), "0.9")));
            assertEquals("INVALID_TARGET", answer.getString("results[0].reason"));
            assertEquals(null, answer.getString("results[0].remediation"));
        }
        assertEquals(List.of(), requests(), "no read, no write: the names never reach an API call");
        assertEquals(ClusterFixtures.image("api", 3), image(ns, "api"));
    }

    @Test
    void unmatchedAlertsAreAnsweredAndIgnored() {
        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "DiskFull", "namespace", "x", "service", "y"), "1")));
        assertEquals("NO_MATCHING_RULE", answer.getString("results[0].reason"));
    }

    @Test
    void rulesEndpointShowsTheLoadedRules() {
        given().header("Authorization", ADMIN).get("/api/v1/rules").then().statusCode(200)
                .body("rules.name", hasItem("error-rate")).body("lastLoad.ok", equalTo(true))
                .body("rules.find { it.name == 'error-rate' }.threshold", equalTo("annotation:value > 0.1"));
    }

    @Test
    void metricsCountDecisionsByReasonAndHealthIsUp() {
        post(Alerts.body(Alerts.firing(Map.of("alertname", "DiskFull", "namespace", "x", "service", "y"), "1")));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("remediator_decisions_total{outcome=\"refuse\",reason=\"no_matching_rule\"}"), metrics);
        assertTrue(metrics.contains("remediator_alerts_received_total{source=\"alertmanager\",status=\"firing\"}"));
        given().get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'state-store' }.data.store", equalTo("kubernetes"));
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/v1/webhooks/alertmanager"));
    }
}
