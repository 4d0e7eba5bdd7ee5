package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs that need approval wait with a plan preview and change nothing until a person answers: approved they run,
 * denied or unanswered they end without acting, and the policy is asked again at approval time.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class ApprovalFlowTest extends ClusterTestSupport {

    private Map<String, String> labels(String alertname, String ns, String service) {
        return Map.of("alertname", alertname, "severity", "critical", "namespace", ns, "service", service);
    }

    /** Waits for the plan preview: the reconciler has looked at the run, and nothing was sent. */
    private JsonPath awaitPreview(String name) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = record(name);
            return last[0].get("status.preview") != null;
        });
        return last[0];
    }

    private Response answer(String name, String verb, String reason) {
        return given().header("Authorization", ADMIN).contentType("application/json").body("{\"reason\":\"" + reason + "\"}")
                .post("/api/v1/remediations/" + name + "/" + verb);
    }

    @Test
    void anApprovedRunWaitsWithItsPreviewThenRunsOnce() throws Exception {
        String ns = namespace("appr");
        deploy(ns, "cart", 3, Map.of(), Map.of());
        drainRequests();
        JsonPath posted = post(Alerts.body(Alerts.firing(labels("NeedsApproval", ns, "cart"), "1")));
        String name = posted.getString("results[0].remediation");
        assertEquals("execute", posted.getString("results[0].outcome"));
        JsonPath waiting = awaitPreview(name);
        assertEquals("AWAITING_APPROVAL", waiting.getString("status.phase"));
        assertEquals("rule needs-approval", waiting.getString("spec.approval.requiredBy[0].source"));
        assertEquals(List.of("user:alice", "group:sre-leads"), waiting.getList("spec.approval.requiredBy[0].approvers"));
        assertNotNull(waiting.getString("spec.approval.expiresAt"));
        // The preview names the rollback it would send, and it was not sent.
        String steps = waiting.getList("status.preview.steps.message").toString();
        assertTrue(steps.contains("would JSON-patch Deployment " + ns + "/cart"), steps);
        assertEquals(ClusterFixtures.image("cart", 3), image(ns, "cart"));
        assertTrue(writes(requests()).stream().noneMatch(w -> w.contains("/deployments/cart")), "nothing written to the Deployment before approval");
        assertEquals(1, records(ns).size());

        // Two people approve at the same instant: one wins, the other is told who did.
        CyclicBarrier together = new CyclicBarrier(2);
        ExecutorService two = Executors.newFixedThreadPool(2);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            answers.add(two.submit(() -> {
                together.await();
                return answer(name, "approve", "looked at the dashboards");
            }));
        }
        List<Integer> codes = new ArrayList<>();
        String loser = null;
        for (Future<Response> f : answers) {
            Response r = f.get();
            codes.add(r.statusCode());
            if (r.statusCode() == 409) {
                loser = r.asString();
                assertEquals("application/problem+json", r.contentType());
            }
        }
        two.shutdown();
        codes.sort(Integer::compare);
        assertEquals(List.of(200, 409), codes);
        assertTrue(loser.contains("already approved by admin-token (break-glass)"), loser);

        JsonPath done = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", done.getString("status.phase"), done.prettify());
        assertEquals("approved", done.getString("status.approval.answer"));
        assertEquals("admin-token (break-glass)", done.getString("status.approval.by"));
        assertEquals("api", done.getString("status.approval.via"));
        assertEquals("looked at the dashboards", done.getString("status.approval.reason"));
        assertEquals(ClusterFixtures.image("cart", 2), image(ns, "cart"));
        assertTrue(metric("remediator_approvals_total{result=\"approved\",scenario=\"immediate-rollback\"}") >= 1);
        // The incident report says who approved it.
        String report = given().header("Authorization", ADMIN).get("/api/v1/remediations/" + name + "/report").asString();
        assertTrue(report.contains("Approved by admin-token \\(break-glass\\) via api"), report);
    }

    @Test
    void aDeniedRunChangesNothingAndDoesNotCountAsAnAction() throws Exception {
        String ns = namespace("deny");
        deploy(ns, "auth", 3, Map.of(), Map.of());
        String name = post(Alerts.body(Alerts.firing(labels("NeedsApproval", ns, "auth"), "1"))).getString("results[0].remediation");
        awaitPreview(name);
        assertEquals(200, answer(name, "deny", "a downstream outage, not the release").statusCode());
        JsonPath denied = awaitPhase(name, "DENIED");
        assertEquals("APPROVAL_DENIED", denied.getString("status.failureReason"));
        assertEquals(ClusterFixtures.image("auth", 3), image(ns, "auth"));
        Response late = answer(name, "approve", "changed my mind");
        assertEquals(409, late.statusCode());
        assertTrue(late.asString().contains("already denied"), late.asString());
        // Its slot is free and no cooldown runs from it: the next alert asks again.
        JsonPath next = post(Alerts.body(Alerts.firing(labels("NeedsApproval", ns, "auth"), "1")));
        assertEquals("execute", next.getString("results[0].outcome"), next.prettify());
        assertFalse(name.equals(next.getString("results[0].remediation")));
    }

    @Test
    void anUnansweredRunExpiresAndFreesItsTarget() {
        String ns = namespace("exp");
        deploy(ns, "search", 3, Map.of(), Map.of());
        String name = post(Alerts.body(Alerts.firing(labels("ApprovalExpires", ns, "search"), "1"))).getString("results[0].remediation");
        JsonPath expired = awaitPhase(name, "EXPIRED");
        assertEquals("APPROVAL_EXPIRED", expired.getString("status.failureReason"));
        assertEquals("expired", expired.getString("status.approval.answer"));
        assertEquals(ClusterFixtures.image("search", 3), image(ns, "search"));
        assertEquals(409, answer(name, "approve", "too late").statusCode());
        assertTrue(metric("remediator_approvals_total{result=\"expired\"") >= 1);
        given().header("Authorization", ADMIN).get("/api/v1/targets").then().statusCode(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> !given().header("Authorization", ADMIN).get("/api/v1/targets")
                .jsonPath().getMap("inFlight").containsKey(ns + "/search"));
    }

    @Test
    void aPauseThatArrivedMeanwhileIsHonouredAtApprovalTime() {
        String ns = namespace("prodlike");
        deploy(ns, "web", 3, Map.of(), Map.of());
        // No approval on the rule: the namespace policy asks for it.
        String name = post(Alerts.body(Alerts.firing(labels("HighErrorRate", ns, "web"), "0.5"))).getString("results[0].remediation");
        JsonPath waiting = awaitPreview(name);
        assertTrue(waiting.getString("spec.approval.requiredBy[0].source").startsWith("global approvals[0]"), waiting.prettify());
        String pause = given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"scope\":\"namespace\",\"namespace\":\"" + ns + "\",\"reason\":\"change freeze\",\"duration\":\"1h\"}")
                .post("/api/v1/pauses").then().statusCode(201).extract().jsonPath().getString("id");
        Response refused = answer(name, "approve", "go");
        assertEquals(409, refused.statusCode());
        assertTrue(refused.asString().contains("PAUSED") && refused.asString().contains("keeps waiting"), refused.asString());
        assertEquals("AWAITING_APPROVAL", record(name).getString("status.phase"));
        given().header("Authorization", ADMIN).delete("/api/v1/pauses/" + pause).then().statusCode(204);
        assertEquals(200, answer(name, "approve", "freeze over").statusCode());
        assertEquals("SUCCEEDED", awaitPhase(name, "SUCCEEDED", "FAILED").getString("status.phase"));
        assertEquals(ClusterFixtures.image("web", 2), image(ns, "web"));
    }

    @Test
    void rulesExplainSaysWhoMustApprove() {
        String body = "{\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\",\"namespace\":\"prodlike-9\",\"service\":\"x\"},"
                + "\"annotations\":{\"value\":\"0.5\"}}";
        JsonPath explained = given().header("Authorization", ADMIN).contentType("application/json").body(body)
                .post("/api/v1/rules/explain").then().statusCode(200).extract().jsonPath();
        assertEquals(true, explained.getBoolean("alerts[0].matches[0].approval.required"));
        assertEquals("10m", explained.getString("alerts[0].matches[0].approval.timeout"));
    }

    private Response startRun(String json) {
        return given().header("Authorization", ADMIN).contentType("application/json").body(json).post("/api/v1/remediations");
    }

    @Test
    void aRunStartedByHandGoesThroughThePolicyAndSaysWhoStartedIt() {
        String ns = namespace("manual");
        deploy(ns, "pay", 3, Map.of(), Map.of());
        Response started = startRun("{\"rule\":\"error-rate\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"pay\"},"
                + "\"reason\":\"INC-42: checkout errors since 14:05\"}");
        assertEquals(201, started.statusCode(), started.asString());
        String name = started.jsonPath().getString("name");
        assertTrue(name.startsWith("manual-"), name);
        JsonPath done = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", done.getString("status.phase"), done.prettify());
        assertEquals("admin-token (break-glass)", done.getString("spec.manual.by"));
        assertEquals("INC-42: checkout errors since 14:05", done.getString("spec.manual.reason"));
        assertEquals("manual", done.getString("spec.trigger.source"));
        assertEquals(ClusterFixtures.image("pay", 2), image(ns, "pay"));
        // The same policy as an alert's: the target is in its cooldown now.
        Response again = startRun("{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"pay\"},"
                + "\"reason\":\"once more\"}");
        assertEquals(409, again.statusCode(), again.asString());
        assertEquals("application/problem+json", again.contentType());
        assertTrue(again.asString().contains("COOLDOWN"), again.asString());
    }

    @Test
    void aForcedRunGoesPastAPauseButNeverPastAnotherRun() {
        String ns = namespace("forced");
        deploy(ns, "cart", 3, Map.of(), Map.of());
        given().header("Authorization", ADMIN).contentType("application/json")
                .body("{\"scope\":\"namespace\",\"namespace\":\"" + ns + "\",\"reason\":\"freeze\",\"duration\":\"1h\"}")
                .post("/api/v1/pauses").then().statusCode(201);
        String body = "{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"cart\"},\"reason\":\"the freeze is why it broke\"";
        Response paused = startRun(body + "}");
        assertEquals(409, paused.statusCode());
        assertTrue(paused.asString().contains("PAUSED"), paused.asString());
        Response forced = startRun(body + ",\"force\":true}");
        assertEquals(201, forced.statusCode(), forced.asString());
        JsonPath done = awaitPhase(forced.jsonPath().getString("name"), "SUCCEEDED", "FAILED");
        assertEquals("FORCED", done.getString("status.decision.reason"));
        assertEquals(true, done.getBoolean("spec.manual.forced"));
        assertEquals(ClusterFixtures.image("cart", 2), image(ns, "cart"));

        String other = namespace("forced");
        deploy(other, "web", 3, Map.of(), Map.of());
        String waiting = post(Alerts.body(Alerts.firing(labels("NeedsApproval", other, "web"), "1"))).getString("results[0].remediation");
        awaitPreview(waiting);
        Response overlap = startRun("{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + other + "\",\"deployment\":\"web\"},"
                + "\"reason\":\"x\",\"force\":true}");
        assertEquals(409, overlap.statusCode());
        assertTrue(overlap.asString().contains("TARGET_IN_FLIGHT") && overlap.asString().contains(waiting), overlap.asString());
    }

    @Test
    void aManualDryRunShowsThePlanAndARuleWithApprovalWaits() {
        String ns = namespace("mdry");
        deploy(ns, "api", 3, Map.of(), Map.of());
        Response dry = startRun("{\"rule\":\"error-rate\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"api\"},\"reason\":\"what would it do\",\"dryRun\":true}");
        assertEquals(201, dry.statusCode(), dry.asString());
        String name = dry.jsonPath().getString("name");
        await().atMost(Duration.ofSeconds(20)).until(() -> record(name).get("status.finishedAt") != null);
        assertEquals("DRY_RUN", record(name).getString("status.phase"));
        assertTrue(record(name).getList("status.steps.message").toString().contains("would JSON-patch Deployment " + ns + "/api"));
        assertEquals(ClusterFixtures.image("api", 3), image(ns, "api"));
        Response waits = startRun("{\"rule\":\"needs-approval\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"api\"},\"reason\":\"go\"}");
        assertEquals(201, waits.statusCode(), waits.asString());
        assertEquals("AWAITING_APPROVAL", waits.jsonPath().getString("phase"));
    }

    @Test
    void badManualRunsAreRefusedBeforeAnythingIsWritten() {
        String ns = namespace("mbad");
        Map<String, Integer> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"rule\":\"nope\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"a\"},\"reason\":\"r\"}", 404);
        cases.put("{\"rule\":\"error-rate\",\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"a\"},\"reason\":\"r\"}", 400);
        cases.put("{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"kube-system\",\"deployment\":\"coredns\"},\"reason\":\"r\"}", 403);
        cases.put("{\"scenario\":\"gradual-rollback\",\"parameters\":{\"scaleBadTo\":\"-1\"},\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"a\"},\"reason\":\"r\"}", 400);
        cases.put("{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"Bad_Name\"},\"reason\":\"r\"}", 400);
        cases.put("{\"scenario\":\"immediate-rollback\",\"target\":{\"namespace\":\"" + ns + "\",\"deployment\":\"a\"}}", 400);
        cases.forEach((body, status) -> {
            Response r = startRun(body);
            assertEquals(status.intValue(), r.statusCode(), body + " -> " + r.asString());
            assertEquals("application/problem+json", r.contentType(), body);
        });
        assertEquals(0, records(ns).size(), "nothing recorded for a request refused as invalid");
    }
}
