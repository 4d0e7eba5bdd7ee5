package io.autonova.remediator.domain;

import java.time.Instant;
import java.util.Map;

/**
 * One observation about a Deployment, whatever format brought it: a request sample (requests and
 * errors in an interval ending at {@code time}) or pod restarts.
 */
public record Signal(Kind kind, String namespace, String deployment, Instant time, long requests, long errors, long restarts) {

    public enum Kind {
        REQUEST_SAMPLE, POD_RESTART
    }

    public String targetKey() {
        return namespace + "/" + deployment;
    }

    public Map<String, String> labels() {
        return Map.of("namespace", namespace, "deployment", deployment, "signal", kind.name().toLowerCase().replace('_', '-'));
    }
}
