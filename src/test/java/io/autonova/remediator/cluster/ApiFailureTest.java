package io.autonova.remediator.cluster;

import io.autonova.remediator.state.StateStore;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiFailureTest {

    static KubernetesClientException answered(int status) {
        return new KubernetesClientException(new StatusBuilder().withCode(status).withMessage("x").build());
    }

    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({"409,CONFLICT", "400,REFUSED", "401,REFUSED", "403,REFUSED", "404,REFUSED", "405,REFUSED", "410,REFUSED", "422,REFUSED",
            "408,TRANSIENT", "429,TRANSIENT", "500,TRANSIENT", "502,TRANSIENT", "503,TRANSIENT", "504,TRANSIENT"})
    void byStatus(int status, ApiFailure kind) {
        assertEquals(kind, ApiFailure.of(answered(status)));
    }

    @Test
    void noAnswerAtAllIsTransient() {
        assertEquals(ApiFailure.TRANSIENT, ApiFailure.of(new KubernetesClientException("connect timed out", new IOException("timeout"))));
        assertEquals(ApiFailure.TRANSIENT, ApiFailure.of(new IllegalStateException("no status")));
    }

    @Test
    void theStatusIsFoundThroughTheStoreWrapper() {
        assertEquals(ApiFailure.REFUSED, ApiFailure.of(new StateStore.StoreUnavailableException("could not write", answered(403))));
        assertEquals(ApiFailure.TRANSIENT, ApiFailure.of(new StateStore.StoreUnavailableException("could not write", answered(503))));
    }

    @Test
    void backoffDoublesWithJitterInItsUpperHalfAndStopsGrowing() {
        Duration base = Duration.ofSeconds(2);
        for (int attempts = 1; attempts <= 8; attempts++) {
            long max = 2000L << Math.min(attempts, 5);
            for (int i = 0; i < 200; i++) {
                long d = ApiFailure.backoff(base, attempts).toMillis();
                assertTrue(d >= max / 2 && d <= max, attempts + ": " + d);
            }
        }
    }
}
