package io.autonova.remediator.engine;

import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rollback's patch answered with each kind of failure: refused once and for all, or retried with backoff. */
@EnableKubernetesMockClient(crud = true)
class ApiFailureRetryTest {

    KubernetesClient client;

    private RemediationRecord run(EngineHarness h, int status, int times) {
        String ns = h.namespace();
        h.deploy(ns, "api", 3, Map.of());
        String before = h.image(ns, "api");
        String name = h.admit(ns, "api", "immediate-rollback", null);
        assertEquals("done", h.drive(h.failingReplica("a", "patchDeployment", status, times), name, 60));
        RemediationRecord r = h.record(name);
        if (r.status.phase == Phase.SUCCEEDED) {
            assertNotEquals(before, h.image(ns, "api"), "rolled back");
        } else {
            assertEquals(before, h.image(ns, "api"), "nothing changed");
        }
        return r;
    }

    /** Rows: the status the patch gets, how many times, the run's end, its reason, and how many patch calls were made. */
    @ParameterizedTest(name = "{0} x{1}: {2} {3} after {4} call(s)")
    @CsvSource({
            "403, 100, FAILED, API_REFUSED, 1",   // forbidden: not tried again, the run fails naming it
            "400, 100, FAILED, API_REFUSED, 1",   // invalid: the same
            "404, 100, FAILED, API_REFUSED, 1",   // gone: the same
            "503, 2, SUCCEEDED, , 3",             // two server errors, then the patch: retried with backoff, the run goes on
            "429, 100, FAILED, API_ERROR, 4"})    // throttled for good: 5 attempts (the first counts from the write-ahead)
    void thePatchAnswered(int status, int times, Phase phase, String reason, int calls) {
        EngineHarness h = new EngineHarness(client);
        RemediationRecord r = run(h, status, times);
        assertEquals(phase, r.status.phase, r.status.message);
        assertEquals(reason, r.status.failureReason, r.status.message);
        assertEquals(calls, h.failingCalls.get(), "patch calls");
        if (reason != null) {
            assertTrue(r.status.message.contains("played answer " + status), r.status.message);
        }
    }
}
