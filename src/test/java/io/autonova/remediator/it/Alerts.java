package io.autonova.remediator.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Builds webhook bodies shaped exactly like the ones a real Alertmanager 0.25 sent (see test resources). */
public final class Alerts {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final AtomicLong FINGERPRINTS = new AtomicLong(0x1000);

    private Alerts() {
    }

    public static String newFingerprint() {
        return String.format("%016x", FINGERPRINTS.incrementAndGet());
    }

    public record Spec(String fingerprint, String status, Map<String, String> labels, Map<String, String> annotations, Instant startsAt) {
        public Spec resolved() {
            return new Spec(fingerprint, "resolved", labels, annotations, startsAt);
        }
    }

    /**
     * An alert that starts now: after a rollout the test made itself on a real cluster, whose ReplicaSets the API server
     * dates (the change gate rolls back only a change made before the alert started).
     */
    public static Spec firingNow(Map<String, String> labels, String value) {
        Spec s = firing(labels, value);
        return new Spec(s.fingerprint(), s.status(), s.labels(), s.annotations(), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    public static Spec firing(Map<String, String> labels, String value) {
        return new Spec(newFingerprint(), "firing", labels, value == null ? Map.of() : Map.of("value", value, "summary", "test"),
                Instant.now().minus(Duration.ofMinutes(10)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    public static String body(Spec... alerts) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("receiver", "autonova");
        root.put("status", alerts[0].status());
        ArrayNode list = root.putArray("alerts");
        for (Spec a : alerts) {
            ObjectNode n = list.addObject();
            n.put("status", a.status());
            n.set("labels", MAPPER.valueToTree(a.labels()));
            n.set("annotations", MAPPER.valueToTree(a.annotations()));
            n.put("startsAt", a.startsAt().toString());
            n.put("endsAt", a.status().equals("firing") ? "0001-01-01T00:00:00Z" : Instant.now().toString());
            n.put("generatorURL", "http://127.0.0.1:9090/graph?g0.expr=up");
            n.put("fingerprint", a.fingerprint());
        }
        root.set("groupLabels", MAPPER.valueToTree(Map.of("alertname", alerts[0].labels().getOrDefault("alertname", ""))));
        root.set("commonLabels", MAPPER.valueToTree(alerts[0].labels()));
        root.set("commonAnnotations", MAPPER.createObjectNode());
        root.put("externalURL", "http://127.0.0.1:19094");
        root.put("version", "4");
        root.put("groupKey", "{}:{alertname=\"" + alerts[0].labels().get("alertname") + "\"}");
        root.put("truncatedAlerts", 0);
        return root.toString();
    }
}
