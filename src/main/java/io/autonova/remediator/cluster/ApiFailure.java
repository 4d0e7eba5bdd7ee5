package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a failed Kubernetes API call means for whoever would try it again: the one classification every
 * caller retries by.
 */
public enum ApiFailure {
    /** Someone wrote meanwhile (409): read again and decide again, at once. */
    CONFLICT,
    /** Forbidden, unauthorized, invalid or gone (400, 401, 403, 404, 405, 410, 422): trying again cannot help; fail naming it. */
    REFUSED,
    /** Throttled, timed out, a server error or no answer at all: back off with jitter, a bounded number of times. */
    TRANSIENT;

    public static ApiFailure of(Throwable e) {
        // The API server's answer wherever it is in the chain (the state store wraps it in StoreUnavailableException).
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return ofStatus(k.getCode());
            }
        }
        return TRANSIENT; // no HTTP status: the call never got an answer (connection refused, reset, timed out)
    }

    public static ApiFailure ofStatus(int status) {
        if (status == 409) {
            return CONFLICT;
        }
        if (status == 408 || status == 429 || status >= 500) {
            return TRANSIENT;
        }
        return status >= 400 ? REFUSED : TRANSIENT;
    }

    /**
     * The pause before trying a transient failure again, after {@code attempts} failed: {@code base} times
     * 2^attempts (at most 32), drawn from its upper half so replicas that failed together do not retry together.
     */
    public static Duration backoff(Duration base, int attempts) {
        long max = base.toMillis() << Math.min(Math.max(attempts, 0), 5);
        return Duration.ofMillis(max / 2 + ThreadLocalRandom.current().nextLong(max / 2 + 1));
    }
}
