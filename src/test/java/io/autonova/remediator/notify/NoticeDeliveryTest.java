package io.autonova.remediator.notify;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grafana's annotations API and a Slack incoming webhook played by a local WireMock that answers only requests
 * of the documented shape (anything else gets WireMock's 404, which the delivery treats as a failure).
 */
class NoticeDeliveryTest {

    static final String HOOK = "/services/T0001/B0001/XXXXXXXX";
    WireMockServer peer;
    InMemoryStateStore store;
    Instant now = Instant.parse("2026-11-28T03:00:00Z");
    NoticeDelivery delivery;
    Path token;
    Path hookFile;

    @BeforeEach
    void setUp() throws Exception {
        peer = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
        peer.start();
        store = new InMemoryStateStore();
        token = Files.createTempFile("grafana", ".token");
        Files.writeString(token, "glsa_test_token\n");
        hookFile = Files.createTempFile("slack", ".url");
        Files.writeString(hookFile, "http://127.0.0.1:" + peer.port() + HOOK);
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now;
            }
        };
        HttpPeer http = new HttpPeer(Duration.ofSeconds(5));
        delivery = new NoticeDelivery(store, List.of(
                new GrafanaChannel(URI.create("http://127.0.0.1:" + peer.port()), token, null, List.of("production"), http, clock),
                new ChatChannel(hookFile, "https://autonova.example", http)), "replica-a", clock);
    }

    @AfterEach
    void tearDown() {
        peer.stop();
    }

    private RemediationRecord run(String name) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.createdAt = now;
        r.spec.rule = "high-error-rate";
        r.spec.scenario = "selective-rollback";
        r.spec.target.namespace = "shop";
        r.spec.target.deployment = "checkout";
        r.spec.trigger.alertname = "HighErrorRate";
        r.status.phase = Phase.RUNNING;
        r.status.startedAt = now;
        for (String channel : List.of("grafana", "chat")) {
            RemediationRecord.Notice n = new RemediationRecord.Notice();
            n.channel = channel;
            n.event = "started";
            r.status.notices.add(n);
        }
        store.create(r);
        return r;
    }

    private void finish(String name, Phase phase, boolean held) {
        RemediationRecord r = store.record(name).orElseThrow().copy();
        r.status.phase = phase;
        r.status.finishedAt = now;
        r.status.revisionFrom = "3";
        r.status.revisionTo = "2";
        r.status.message = phase == Phase.SUCCEEDED ? "rolled back shop/checkout from revision 3 to 2" : "signal not cleared";
        if (held) {
            r.status.humanActions.add("the target is held: clear it with DELETE /api/v1/targets/shop/checkout/hold once it is safe");
        }
        for (String channel : List.of("grafana", "chat")) {
            RemediationRecord.Notice n = new RemediationRecord.Notice();
            n.channel = channel;
            n.event = "finished";
            r.status.notices.add(n);
        }
        assertTrue(store.update(r));
    }

    private RemediationRecord.Notice notice(String name, String channel, String event) {
        return store.record(name).orElseThrow().status.notices.stream().filter(n -> n.channel.equals(channel) && n.event.equals(event)).findFirst().orElseThrow();
    }

    private void grafanaStubs(String runTag, String existing) {
        grafanaStubs("", runTag, existing);
    }

    /** Grafana's documented annotation API, under {@code prefix} (a proxy's sub-path). */
    private void grafanaStubs(String prefix, String runTag, String existing) {
        peer.stubFor(get(urlPathEqualTo(prefix + "/api/annotations")).withQueryParam("tags", equalTo(runTag)).withQueryParam("type", equalTo("annotation"))
                .withHeader("Authorization", equalTo("Bearer glsa_test_token"))
                .willReturn(okJson(existing)));
        peer.stubFor(post(urlEqualTo(prefix + "/api/annotations")).withHeader("Authorization", equalTo("Bearer glsa_test_token"))
                .withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.time", matching("\\d{13}")))
                .withRequestBody(matchingJsonPath("$.text", containing("checkout")))
                .withRequestBody(matchingJsonPath("$.tags[?(@ == 'rollback')]"))
                .withRequestBody(matchingJsonPath("$.tags[?(@ == 'selective-rollback')]"))
                .withRequestBody(matchingJsonPath("$.tags[?(@ == 'shop')]"))
                .withRequestBody(matchingJsonPath("$.tags[?(@ == '" + runTag + "')]"))
                .willReturn(okJson("{\"message\":\"Annotation added\",\"id\":42}")));
        peer.stubFor(patch(urlEqualTo(prefix + "/api/annotations/42")).withHeader("Authorization", equalTo("Bearer glsa_test_token"))
                .withRequestBody(matchingJsonPath("$.timeEnd", matching("\\d{13}")))
                .willReturn(okJson("{\"message\":\"Annotation patched\"}")));
    }

    private void slackStub() {
        // Slack answers a burst with 429 and Retry-After; then "ok".
        peer.stubFor(post(urlEqualTo(HOOK)).inScenario("rate").whenScenarioStateIs(Scenario.STARTED)
                .withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.text")).withRequestBody(matchingJsonPath("$.blocks[0].type", equalTo("section")))
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7").withBody("rate_limited")).willSetStateTo("open"));
        peer.stubFor(post(urlEqualTo(HOOK)).inScenario("rate").whenScenarioStateIs("open")
                .withHeader("Content-Type", containing("application/json"))
                .withRequestBody(matchingJsonPath("$.text")).withRequestBody(matchingJsonPath("$.blocks[0].type", equalTo("section")))
                .willReturn(ok("ok")));
    }

    @Test
    void aRunIsARegionInGrafanaAndTwoChatMessagesAndA429IsHonoured() {
        run("r1");
        grafanaStubs("remediation:r1", "[]");
        slackStub();
        delivery.deliverDue();
        assertEquals("sent", notice("r1", "grafana", "started").phase);
        assertEquals("42", notice("r1", "grafana", "started").detail);
        RemediationRecord.Notice chat = notice("r1", "chat", "started");
        assertEquals("pending", chat.phase, "429: not sent yet");
        assertEquals(now.plusSeconds(7), chat.notBefore, "Retry-After honoured");
        now = now.plusSeconds(3);
        delivery.deliverDue();
        peer.verify(1, postRequestedFor(urlEqualTo(HOOK)));
        now = now.plusSeconds(5);
        delivery.deliverDue();
        assertEquals("sent", notice("r1", "chat", "started").phase);

        finish("r1", Phase.SUCCEEDED, false);
        now = now.plusSeconds(1);
        delivery.deliverDue();
        assertEquals("sent", notice("r1", "grafana", "finished").phase);
        assertEquals("sent", notice("r1", "chat", "finished").phase);
        peer.verify(1, postRequestedFor(urlEqualTo("/api/annotations")));
        peer.verify(1, patchRequestedFor(urlEqualTo("/api/annotations/42")));
        peer.verify(3, postRequestedFor(urlEqualTo(HOOK)));
        peer.verify(postRequestedFor(urlEqualTo(HOOK)).withRequestBody(matchingJsonPath("$.text", containing("succeeded (revision 3 → 2)"))));
        assertEquals(0, delivery.deliverDue(), "nothing left to deliver");
    }

    @Test
    void aStartTheDeadReplicaAlreadySentIsFoundByItsTagNotSentTwice() {
        run("r2");
        RemediationRecord r = store.record("r2").orElseThrow().copy();
        r.status.notices.get(0).claimedBy = "replica-dead";
        r.status.notices.get(0).claimedAt = now;
        r.status.notices.get(0).attempts = 1;
        assertTrue(store.update(r));
        grafanaStubs("remediation:r2", "[{\"id\":42,\"tags\":[\"rollback\",\"remediation:r2\"]}]");
        peer.stubFor(post(urlEqualTo(HOOK)).willReturn(ok("ok")));
        delivery.deliverDue();
        assertEquals("pending", notice("r2", "grafana", "started").phase, "claimed by another replica a moment ago");
        now = now.plus(NoticeDelivery.CLAIM).plusSeconds(1);
        delivery.deliverDue();
        assertEquals("sent", notice("r2", "grafana", "started").phase);
        assertEquals("42", notice("r2", "grafana", "started").detail);
        peer.verify(0, postRequestedFor(urlEqualTo("/api/annotations")));
    }

    @Test
    void aRunThatEndedBeforeItsStartWasSentIsOneWholeRegion() {
        run("r3");
        finish("r3", Phase.FAILED, true);
        grafanaStubs("remediation:r3", "[]");
        peer.stubFor(post(urlEqualTo(HOOK)).willReturn(ok("ok")));
        // Grafana down for the first attempt.
        peer.stubFor(get(urlPathEqualTo("/api/annotations")).inScenario("down").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(serverError()).willSetStateTo("up"));
        delivery.deliverDue();
        assertEquals("pending", notice("r3", "grafana", "started").phase);
        assertEquals(now.plus(NoticeDelivery.backoff(1)), notice("r3", "grafana", "finished").notBefore, "5xx: backed off");
        peer.verify(postRequestedFor(urlEqualTo(HOOK)).withRequestBody(matchingJsonPath("$.text", containing("started"))));
        peer.resetScenarios();
        peer.removeStub(peer.getStubMappings().stream().filter(m -> "down".equals(m.getScenarioName())).findFirst().orElseThrow());
        now = now.plusSeconds(600);
        delivery.deliverDue();
        delivery.deliverDue();
        assertEquals("sent", notice("r3", "grafana", "started").phase);
        assertEquals("sent", notice("r3", "grafana", "finished").phase);
        peer.verify(1, postRequestedFor(urlEqualTo("/api/annotations")));
        peer.verify(0, patchRequestedFor(urlMatching("/api/annotations/.*")));
        peer.verify(postRequestedFor(urlEqualTo("/api/annotations")).withRequestBody(matchingJsonPath("$.timeEnd")));
        peer.verify(postRequestedFor(urlEqualTo(HOOK)).withRequestBody(matchingJsonPath("$.text", containing("held for a human"))));
    }

    @Test
    void aWebhookThatNoLongerExistsIsGivenUpAtOnce() {
        run("r4");
        grafanaStubs("remediation:r4", "[]");
        peer.stubFor(post(urlEqualTo(HOOK)).willReturn(aResponse().withStatus(404).withBody("no_service")));
        delivery.deliverDue();
        RemediationRecord.Notice n = notice("r4", "chat", "started");
        assertEquals("failed", n.phase);
        assertTrue(n.message.contains("404") && n.message.contains("no_service"), n.message);
        now = now.plusSeconds(3600);
        delivery.deliverDue();
        peer.verify(1, postRequestedFor(urlEqualTo(HOOK)));
    }

    /** A malformed webhook URL file fails the notice without putting the URL (a credential) in the record. */
    @Test
    void aMalformedWebhookUrlIsNeverShown() throws Exception {
        Files.writeString(hookFile, "https://hooks.slack.example/services/T0/B0/s3cr3t token");
        run("r5");
        grafanaStubs("remediation:r5", "[]");
        delivery.deliverDue();
        RemediationRecord.Notice n = notice("r5", "chat", "started");
        assertEquals("failed", n.phase);
        assertTrue(!n.message.contains("s3cr3t") && n.message.contains("not a valid http(s) URL"), n.message);
        peer.verify(0, postRequestedFor(urlEqualTo(HOOK)));
    }

    /** Grafana behind a proxy sub-path: annotations go under it. */
    @Test
    void aGrafanaSubPathIsKept() {
        Clock fixed = Clock.fixed(now, ZoneOffset.UTC);
        delivery = new NoticeDelivery(store, List.of(new GrafanaChannel(URI.create("http://127.0.0.1:" + peer.port() + "/grafana/"), token, null,
                List.of("production"), new HttpPeer(Duration.ofSeconds(5)), fixed)), "replica-a", fixed);
        RemediationRecord r = run("r6");
        grafanaStubs("/grafana", "remediation:r6", "[]");
        delivery.deliverDue();
        assertEquals("42", notice(r.name, "grafana", "started").detail);
        assertEquals("sent", notice(r.name, "grafana", "started").phase, notice(r.name, "grafana", "started").message);
    }
}
