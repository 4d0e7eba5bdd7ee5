package io.autonova.remediator.domain;

import java.time.Instant;
import java.util.Map;

/** One alert, as the pipeline sees it, whatever brought it in. */
public record Alert(String source, String fingerprint, boolean firing, Map<String, String> labels, Map<String, String> annotations,
                    Instant startsAt, Instant endsAt, String generatorUrl, Instant receivedAt) {

    public String alertname() {
        return labels.getOrDefault("alertname", "");
    }
}
