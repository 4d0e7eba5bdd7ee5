package io.autonova.remediator.state;

import io.fabric8.kubernetes.api.model.events.v1.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events give way to the state store's calls at the API server, but are never held back for good. */
@EnableKubernetesMockClient(crud = true)
class KubernetesEventRecorderTest {

    KubernetesClient client;
    final io.autonova.remediator.domain.MovableClock clock = new io.autonova.remediator.domain.MovableClock(Instant.parse("2026-12-04T03:00:00Z"));
    final StateWrites writes = new StateWrites(clock);
    final CountDownLatch release = new CountDownLatch(1);
    KubernetesEventRecorder recorder;

    @org.junit.jupiter.api.BeforeEach
    void recorder() {
        recorder = new KubernetesEventRecorder(client, "autonova-system", "replica-a", clock, writes);
    }

    @org.junit.jupiter.api.AfterEach
    void stop() {
        release.countDown();
        recorder.stop();
    }

    private static RemediationRecord record() {
        RemediationRecord r = new RemediationRecord();
        r.name = "rule-0123456789abcdef-1";
        r.createdAt = Instant.parse("2026-11-28T03:00:00Z");
        r.spec.rule = "rule";
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api";
        return r;
    }

    private int events() {
        return client.resources(Event.class).inAnyNamespace().list().getItems().size();
    }

    @Test
    void anEventWaitsWhileTheStoreHasACallInFlightAndIsWrittenOnceItEnds() throws Exception {
        var call = StateWritesTest.decisionCall(writes, release);
        assertTrue(!writes.idle());
        recorder.emit(record(), true, "RemediationRefused", "COOLDOWN: last action 3 minutes ago");
        await().atMost(Duration.ofSeconds(10)).until(() -> writes.waiting() == 1 || events() > 0);
        clock.advance(KubernetesEventRecorder.MAX_DEFER.minusMillis(1));
        assertEquals(0, events(), "no Event while a record write is in flight");
        release.countDown();
        call.get();
        clock.advance(StateWrites.QUIET);
        await().atMost(Duration.ofSeconds(5)).until(() -> events() == 2); // on the record and on the Deployment
    }

    private String uidOnTheDeploymentsEvent() {
        return client.resources(Event.class).inNamespace("prod").list().getItems().stream().findFirst()
                .map(e -> e.getRegarding().getUid()).orElse("no event");
    }

    /** A Deployment the replica watches anyway: its UID comes from that cache, with no GET (none exists here to find). */
    @Test
    void aDeploymentsUidComesFromTheWatchCacheWhenItIsThere() {
        recorder.deploymentUids((ns, name) -> ns.equals("prod") && name.equals("api") ? java.util.Optional.of("uid-from-the-cache") : java.util.Optional.empty());
        recorder.emit(record(), false, "RemediationRefused", "RATE_LIMITED: 3 actions in the last hour");
        clock.advance(KubernetesEventRecorder.MAX_DEFER);
        await().atMost(Duration.ofSeconds(10)).until(() -> events() == 2);
        assertEquals("uid-from-the-cache", uidOnTheDeploymentsEvent());
    }

    /** Not in the cache (a namespace it does not watch): looked up on the API server, as before. */
    @Test
    void aDeploymentTheCacheDoesNotHoldIsLookedUp() {
        var d = client.apps().deployments().inNamespace("prod").resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                .withNewMetadata().withName("api").withNamespace("prod").endMetadata().build()).create();
        recorder.emit(record(), false, "RemediationRefused", "RATE_LIMITED: 3 actions in the last hour");
        clock.advance(KubernetesEventRecorder.MAX_DEFER);
        await().atMost(Duration.ofSeconds(10)).until(() -> events() == 2);
        org.junit.jupiter.api.Assertions.assertNotNull(d.getMetadata().getUid());
        assertEquals(d.getMetadata().getUid(), uidOnTheDeploymentsEvent());
    }

    @Test
    void aStoreThatNeverPausesDelaysEventsButDoesNotStarveThem() throws Exception {
        StateWritesTest.decisionCall(writes, release);
        recorder.emit(record(), true, "RemediationRefused", "RATE_LIMITED: 3 actions in the last hour");
        await().atMost(Duration.ofSeconds(10)).until(() -> writes.waiting() == 1 || events() > 0);
        assertEquals(0, events(), "written before its wait was over");
        clock.advance(KubernetesEventRecorder.MAX_DEFER);
        await().atMost(Duration.ofSeconds(10)).until(() -> events() == 2);
        assertTrue(!writes.idle(), "written while the store was still busy");
    }
}
