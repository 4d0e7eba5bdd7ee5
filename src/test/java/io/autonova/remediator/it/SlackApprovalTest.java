package io.autonova.remediator.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.autonova.remediator.api.SlackSignature;
import io.autonova.remediator.fixtures.ClusterFixtures;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.*;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Approve / Deny buttons in Slack: the approval notice carries them in Block Kit's documented shape, and a press is
 * honoured only with this app's signature (forged, stale and replayed requests are refused and approve nothing), from a
 * listed approver with the rights; the message is then replaced with the outcome. Slack is a local WireMock that answers
 * only requests of the documented shapes.
 */
@QuarkusTest
@TestProfile(SlackApprovalTest.Slack.class)
@WithKubernetesTestServer(crud = true, setup = MockClusterSetup.class)
class SlackApprovalTest extends ClusterTestSupport {

    static final byte[] SECRET = "8f742231b10e8888abcd99yyyzzz85a5".getBytes(StandardCharsets.UTF_8);
    static final WireMockServer SLACK = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());

    public static class Slack implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                if (!SLACK.isRunning()) {
                    SLACK.start();
                }
                Path dir = Files.createTempDirectory("slack");
                Path secret = Files.writeString(dir.resolve("signing-secret"), new String(SECRET, StandardCharsets.UTF_8) + "\n");
                Path hook = Files.writeString(dir.resolve("webhook-url"), "http://127.0.0.1:" + SLACK.port() + "/services/T0/B0/hook");
                return Map.of("remediator.chat.slack-signing-secret-file", secret.toString(),
                        "remediator.chat.slack-approvers", "U0APPROVER,U0MAPPED=alice,U0LEAD=bob@example.com",
                        "remediator.chat.slack-user-groups", "bob@example.com=sre,bob@example.com=sre-leads",
                        "remediator.chat.webhook-url-file", hook.toString());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void stubSlack() {
        SLACK.resetAll();
        // An incoming webhook accepts the approval notice only with Block Kit buttons as documented.
        SLACK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo("/services/T0/B0/hook")).withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.text"))
                .withRequestBody(matchingJsonPath("$.blocks[?(@.type == 'actions' && @.block_id == 'autonova-approval')].elements[?(@.type == 'button' "
                        + "&& @.action_id == 'approve' && @.style == 'primary' && @.text.type == 'plain_text' && @.value && @.confirm.confirm.type == 'plain_text')]"))
                .withRequestBody(matchingJsonPath("$.blocks[?(@.type == 'actions')].elements[?(@.action_id == 'deny' && @.style == 'danger')]"))
                .willReturn(ok("ok")));
        SLACK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlEqualTo("/services/T0/B0/hook")).atPriority(10).willReturn(ok("ok")));
        // response_url: a JSON message with text, replacing the original or shown to the presser alone.
        SLACK.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathMatching("/actions/.*")).withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.text")).withRequestBody(matchingJsonPath("$.replace_original"))
                .willReturn(ok("ok")));
    }

    private static String form(String user, String userName, String action, String record, String responsePath) {
        String payload = """
                {"type":"block_actions","user":{"id":"%s","username":"%s","name":"%s","team_id":"T0"},"api_app_id":"A0",
                 "container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C0"},"trigger_id":"1.2.3",
                 "team":{"id":"T0","domain":"example"},"channel":{"id":"C0","name":"incidents"},
                 "response_url":"http://127.0.0.1:%d/actions/%s",
                 "actions":[{"action_id":"%s","block_id":"autonova-approval","text":{"type":"plain_text","text":"x"},"value":"%s",
                             "type":"button","action_ts":"1700000001.000200"}]}
                """.formatted(user, userName, userName, SLACK.port(), responsePath, action, record);
        return "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
    }

    private static Response press(String body, long timestamp, String signature) {
        return given().header("X-Slack-Request-Timestamp", String.valueOf(timestamp)).header("X-Slack-Signature", signature)
                .contentType("application/x-www-form-urlencoded").body(body).post("/api/v1/chat/slack/interactions");
    }

    private static Response signedPress(String body) {
        long ts = Instant.now().getEpochSecond();
        return press(body, ts, "v0=" + SlackSignature.sign(SECRET, String.valueOf(ts), body));
    }

    private List<LoggedRequest> replies(String path) {
        return SLACK.findAll(postRequestedFor(urlEqualTo("/actions/" + path)));
    }

    @Test
    void onlyASignedPressFromAListedApproverApprovesAndTheMessageSaysWho() throws Exception {
        stubSlack();
        playRbac(); // alice is in no group: refused
        // A production-like namespace: approval by policy, with no approver list of its own.
        String ns = namespace("prodlike");
        deploy(ns, "cart", 3, Map.of(), Map.of());
        String name = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "cart"), "0.4")))
                .getString("results[0].remediation");
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> record(name).getList("status.notices.phase").contains("sent"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no approval notice sent: " + record(name).prettify() + "\nSlack saw: " + SLACK.getAllServeEvents(), e);
        }
        assertEquals("AWAITING_APPROVAL", record(name).getString("status.phase"));
        assertEquals(List.of("sent"), record(name).getList("status.notices.phase"), "the notice with buttons matched Slack's shape");

        String body = form("U0APPROVER", "carol", "approve", name, "ok");
        long now = Instant.now().getEpochSecond();
        // Forged (another secret), stale (signed, 10 minutes old) and unsigned: 401 problem, nothing approved.
        byte[] other = "not-the-signing-secret-0000000000".getBytes(StandardCharsets.UTF_8);
        assertEquals(401, press(body, now, "v0=" + SlackSignature.sign(other, String.valueOf(now), body)).statusCode());
        long stale = now - 600;
        assertEquals(401, press(body, stale, "v0=" + SlackSignature.sign(SECRET, String.valueOf(stale), body)).statusCode());
        Response unsigned = given().contentType("application/x-www-form-urlencoded").body(body).post("/api/v1/chat/slack/interactions");
        assertEquals(401, unsigned.statusCode());
        assertEquals("application/problem+json", unsigned.contentType());
        // A signed press of a body changed after signing.
        String ts = String.valueOf(now);
        assertEquals(401, press(form("U0APPROVER", "carol", "deny", name, "ok"), now, "v0=" + SlackSignature.sign(SECRET, ts, body)).statusCode());
        assertEquals("AWAITING_APPROVAL", record(name).getString("status.phase"));

        // Signed, but by someone not listed, or listed as a Kubernetes user RBAC does not let approve: told, nothing done.
        assertEquals(200, signedPress(form("U0STRANGER", "mallory", "approve", name, "stranger")).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !replies("stranger").isEmpty());
        JsonPath told = new JsonPath(replies("stranger").get(0).getBodyAsString());
        assertEquals("ephemeral", told.getString("response_type"));
        assertEquals(false, told.getBoolean("replace_original"));
        assertTrue(told.getString("text").contains("not among the approvers"), told.prettify());
        assertEquals(200, signedPress(form("U0MAPPED", "alice", "approve", name, "mapped")).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !replies("mapped").isEmpty());
        assertTrue(new JsonPath(replies("mapped").get(0).getBodyAsString()).getString("text").contains("alice may not approve"));
        assertEquals("AWAITING_APPROVAL", record(name).getString("status.phase"));

        // The approver: approved once, by name, through chat; the message is replaced with the outcome.
        long okTs = Instant.now().getEpochSecond();
        String okSig = "v0=" + SlackSignature.sign(SECRET, String.valueOf(okTs), body);
        assertEquals(200, press(body, okTs, okSig).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !replies("ok").isEmpty());
        JsonPath replaced = new JsonPath(replies("ok").get(0).getBodyAsString());
        assertEquals(true, replaced.getBoolean("replace_original"));
        assertTrue(replaced.getString("text").contains("Approved by slack:U0APPROVER (carol) via chat"), replaced.prettify());
        JsonPath done = awaitPhase(name, "SUCCEEDED", "FAILED");
        assertEquals("SUCCEEDED", done.getString("status.phase"));
        assertEquals("slack:U0APPROVER (carol)", done.getString("status.approval.by"));
        assertEquals("chat", done.getString("status.approval.via"));
        assertEquals(ClusterFixtures.image("cart", 2), image(ns, "cart"));

        // The very same request again (a replay inside its five minutes): refused before anything is read.
        Response replay = press(body, okTs, okSig);
        assertEquals(401, replay.statusCode());
        assertTrue(replay.asString().contains("replay"), replay.asString());
    }

    /** RBAC, played (the real one is RealClusterIT's): a RoleBinding grants approve to group sre-leads, to nobody else. */
    private void playRbac() {
        server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews").andReply(201, request -> {
            boolean lead;
            try {
                lead = new com.fasterxml.jackson.databind.ObjectMapper().readTree(request.getUtf8Body()).path("spec").path("groups").toString().contains("\"sre-leads\"");
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SubjectAccessReview\",\"spec\":{},\"status\":{\"allowed\":" + lead
                    + (lead ? "" : ",\"reason\":\"no RoleBinding grants approve\"") + "}}";
        }).always();
    }

    /** A Slack user mapped to a Kubernetes user with groups: RBAC bound to a group, and a rule's group:, let them approve. */
    @Test
    void aPresserMappedToAUserInAGroupIsAskedWithThatGroup() throws Exception {
        stubSlack();
        playRbac();
        String ns = namespace("grp");
        deploy(ns, "api", 3, Map.of(), Map.of());
        // The rule's approvers: user:alice or group:sre-leads.
        String name = post(Alerts.body(Alerts.firing(Map.of("alertname", "NeedsApproval", "namespace", ns, "service", "api"), null)))
                .getString("results[0].remediation");
        await().atMost(Duration.ofSeconds(20)).until(() -> "AWAITING_APPROVAL".equals(record(name).getString("status.phase")));
        assertEquals(200, signedPress(form("U0LEAD", "bob", "approve", name, "lead")).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !replies("lead").isEmpty());
        JsonPath replaced = new JsonPath(replies("lead").get(0).getBodyAsString());
        assertTrue(replaced.getString("text").contains("Approved by bob@example.com via chat"), replaced.prettify());
        assertEquals("bob@example.com", awaitPhase(name, "SUCCEEDED", "FAILED").getString("status.approval.by"));
    }

    @Test
    void aDenyPressEndsTheRunDeniedAndChangesNothing() throws Exception {
        stubSlack();
        String ns = namespace("prodlike");
        deploy(ns, "web", 3, Map.of(), Map.of());
        String name = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "web"), "0.4")))
                .getString("results[0].remediation");
        await().atMost(Duration.ofSeconds(20)).until(() -> record(name).get("status.preview") != null);
        assertEquals(200, signedPress(form("U0APPROVER", "carol", "deny", name, "denied")).statusCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !replies("denied").isEmpty());
        JsonPath replaced = new JsonPath(replies("denied").get(0).getBodyAsString());
        assertEquals(true, replaced.getBoolean("replace_original"));
        assertTrue(replaced.getString("text").contains("Denied by slack:U0APPROVER (carol) via chat"), replaced.prettify());
        JsonPath done = awaitPhase(name, "DENIED");
        assertEquals("denied", done.getString("status.approval.answer"));
        assertEquals(ClusterFixtures.image("web", 3), image(ns, "web"));
        // The finished notice says who denied it.
        await().atMost(Duration.ofSeconds(20)).until(() -> SLACK.findAll(postRequestedFor(urlEqualTo("/services/T0/B0/hook"))).stream()
                .anyMatch(r -> r.getBodyAsString().contains("was denied") && r.getBodyAsString().contains("denied by slack:U0APPROVER (carol) via chat")));
    }

    @Test
    void nothingOfOursChangedIsSaidInChatForAHuman() {
        stubSlack();
        String ns = namespace("steady");
        controller();
        ClusterFixtures.install(client(), ns, "web", 3, Map.of(), Map.of(), Duration.ofDays(5));
        JsonPath answer = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "web"), "0.4")));
        assertEquals("NO_RECENT_CHANGE", answer.getString("results[0].reason"));
        String name = answer.getString("results[0].remediation");
        await().atMost(Duration.ofSeconds(20)).until(() -> SLACK.findAll(postRequestedFor(urlEqualTo("/services/T0/B0/hook"))).stream()
                .map(r -> new JsonPath(r.getBodyAsString())).anyMatch(m -> m.getString("text").contains("did not act on " + ns + "/web")
                        && m.getString("text").contains("this needs a human") && m.getString("blocks[1].fields.text").contains(name)
                        && m.getString("blocks[1].fields.text").contains("What changed")));
        assertEquals("sent", record(name).getString("status.notices.find { it.event == 'needs-human' }.phase"));
        assertEquals(ClusterFixtures.image("web", 3), image(ns, "web"));
        // The alert fires again (a new instance, a new episode): the people were told within the hour, not again.
        JsonPath again = post(Alerts.body(Alerts.firing(Map.of("alertname", "HighErrorRate", "severity", "critical", "namespace", ns, "service", "web"), "0.4")));
        assertEquals("NO_RECENT_CHANGE", again.getString("results[0].reason"));
        assertNotEquals(name, again.getString("results[0].remediation"));
        assertEquals(List.of(), record(again.getString("results[0].remediation")).getList("status.notices.findAll { it.event == 'needs-human' }"));
    }
}
