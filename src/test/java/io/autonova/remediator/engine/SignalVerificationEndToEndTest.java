package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.PrometheusProcess;
import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.rules.Scenario;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * "Did the signal clear?" asked of a real Prometheus scraping an endpoint the test controls: cleared, not
 * cleared, no data. The rollback itself runs against the CRUD mock with the controllers played.
 */
@EnableKubernetesMockClient(crud = true)
class SignalVerificationEndToEndTest {

    static PrometheusProcess prometheus;
    KubernetesClient client;
    EngineHarness h;

    @BeforeAll
    static void startPrometheus() throws Exception {
        prometheus = new PrometheusProcess();
        prometheus.serve("""
                # TYPE http_error_ratio gauge
                http_error_ratio{namespace="cleared",service="checkout"} 0.01
                http_error_ratio{namespace="burning",service="checkout"} 0.31
                http_error_ratio{namespace="nan",service="checkout"} NaN
                """);
        prometheus.awaitSeries("http_error_ratio");
    }

    @AfterAll
    static void stop() {
        prometheus.close();
    }

    @BeforeEach
    void setUp() {
        h = new EngineHarness(client);
        h.prometheus = PrometheusClient.http(prometheus.url, null, Duration.ofSeconds(5));
    }

    private RemediationRecord run(String series) {
        String ns = h.namespace();
        h.deploy(ns, "checkout", 3, Map.of());
        String name = h.admit(ns, "checkout", "selective-rollback", null, Map.of(
                Scenario.VERIFY_QUERY, "max(http_error_ratio{namespace=\"" + series + "\",service=\"{{ $target.deployment }}\"})",
                Scenario.VERIFY_OP, "<", Scenario.VERIFY_BOUND, "0.05", Scenario.VERIFY_WINDOW, "2m", Scenario.VERIFY_INTERVAL, "30s"));
        assertEquals("done", h.drive(h.replica("a", 0, 0), name, 100));
        RemediationRecord r = h.record(name);
        assertEquals(ClusterFixtures.image("checkout", 2), h.image(ns, "checkout"), "the rollback itself happened");
        return r;
    }

    @Test
    void clearedSignalEndsHealthyAfterTheWholeWindow() {
        RemediationRecord r = run("cleared");
        assertEquals(Phase.SUCCEEDED, r.status.phase, r.status.message);
        RemediationRecord.Step v = r.step("verify-signal");
        assertEquals("healthy", v.outputs.get("verdict"));
        assertEquals("max(http_error_ratio{namespace=\"cleared\",service=\"checkout\"})", v.outputs.get("query"), "the target filled in");
        long answers = v.outputs.get("observations").lines().count();
        assertTrue(answers >= 5, "every 30s for 2m: " + v.outputs.get("observations"));
        assertTrue(v.outputs.get("observations").lines().allMatch(l -> l.contains(" good 0.01")), v.outputs.get("observations"));
        assertNull(h.store.target(r.targetKey()).value().state().hold());
    }

    @Test
    void signalStillBurningFailsAtOnceAndHoldsTheTarget() {
        RemediationRecord r = run("burning");
        assertEquals(Phase.FAILED, r.status.phase);
        assertEquals("VERIFICATION_FAILED", r.status.failureReason);
        assertTrue(r.step("verify-signal").outputs.get("observations").contains("bad 0.31"), r.step("verify-signal").outputs.toString());
        assertNotNull(h.store.target(r.targetKey()).value().state().hold(), "the rollback did not help: a human decides what next");
    }

    @Test
    void noDataOrNaNIsInconclusiveNeverHealthy() {
        for (String series : new String[]{"absent", "nan"}) {
            RemediationRecord r = run(series);
            assertEquals(Phase.FAILED, r.status.phase, series);
            assertEquals("VERIFICATION_INCONCLUSIVE", r.status.failureReason, series);
            assertTrue(r.step("verify-signal").outputs.get("observations").contains(series.equals("nan") ? "inconclusive NaN" : "no data"),
                    r.step("verify-signal").outputs.toString());
            assertNotNull(h.store.target(r.targetKey()).value().state().hold(), series + ": the target waits for a human");
        }
    }

    @Test
    void withoutPrometheusConfiguredItIsInconclusive() {
        h.prometheus = null;
        RemediationRecord r = run("cleared");
        assertEquals("VERIFICATION_INCONCLUSIVE", r.status.failureReason);
        assertTrue(r.status.message.contains("remediator.prometheus.url"), r.status.message);
    }
}
