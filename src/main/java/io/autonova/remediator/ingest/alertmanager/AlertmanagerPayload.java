package io.autonova.remediator.ingest.alertmanager;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.domain.Alert;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps Alertmanager's webhook body (version "4") to alerts, checking its shape field by field so a bad
 * body is rejected whole with a message naming the field. Pure.
 */
public final class AlertmanagerPayload {

    public static final String SUPPORTED_VERSION = "4";
    // Alertmanager never retries a 4xx: a large group must fit. The body size limit bounds it first.
    private static final int MAX_ALERTS = 100_000;
    private static final int MAX_LABELS = 128;

    /** The body is not an Alertmanager v4 webhook; the message names what is wrong. */
    public static class InvalidPayload extends RuntimeException {
        public InvalidPayload(String message) {
            super(message);
        }
    }

    private AlertmanagerPayload() {
    }

    public static List<Alert> parse(ObjectMapper mapper, byte[] body, Instant receivedAt) {
        return parse(mapper, new java.io.ByteArrayInputStream(body), receivedAt);
    }

    /**
     * Streams the body: the alerts array is read one alert at a time, so a 10,000-alert group costs the
     * alerts themselves, not a tree of the whole body. Alertmanager puts "version" after "alerts"; it is
     * checked once the object ends.
     */
    public static List<Alert> parse(ObjectMapper mapper, java.io.InputStream body, Instant receivedAt) {
        List<Alert> result = null;
        String version = null;
        try (JsonParser p = mapper.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidPayload("body must be a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if ("alerts".equals(field)) {
                    if (t != JsonToken.START_ARRAY) {
                        throw new InvalidPayload("field 'alerts' is required and must be an array");
                    }
                    result = new ArrayList<>();
                    int i = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (i >= MAX_ALERTS) {
                            throw new InvalidPayload("too many alerts in one body (at most " + MAX_ALERTS + ")");
                        }
                        JsonNode a = mapper.readTree(p);
                        result.add(alert(a, "alerts[" + i + "]", receivedAt));
                        i++;
                    }
                } else if ("version".equals(field)) {
                    if (t != JsonToken.VALUE_STRING) {
                        throw new InvalidPayload("field 'version' is required and must be a string");
                    }
                    version = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new InvalidPayload("body has content after its JSON object");
            }
        } catch (java.io.IOException e) {
            throw new InvalidPayload("body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (version == null) {
            throw new InvalidPayload("field 'version' is required and must be a string");
        }
        if (!SUPPORTED_VERSION.equals(version)) {
            throw new InvalidPayload("unsupported webhook payload version '" + version + "' (supported: " + SUPPORTED_VERSION + ")");
        }
        if (result == null) {
            throw new InvalidPayload("field 'alerts' is required and must be an array");
        }
        return result;
    }

    private static Alert alert(JsonNode a, String path, Instant receivedAt) {
        if (!a.isObject()) {
            throw new InvalidPayload(path + " must be an object");
        }
        String status = text(a, "status", path);
        if (!status.equals("firing") && !status.equals("resolved")) {
            throw new InvalidPayload(path + ".status must be 'firing' or 'resolved', not '" + status + "'");
        }
        String fingerprint = text(a, "fingerprint", path).toLowerCase(java.util.Locale.ROOT); // one fingerprint whatever its case
        if (!io.autonova.remediator.domain.AlertLimits.isFingerprint(fingerprint)) {
            throw new InvalidPayload(path + ".fingerprint must be a hexadecimal string");
        }
        Map<String, String> labels = stringMap(a, "labels", path, true);
        Map<String, String> annotations = stringMap(a, "annotations", path, false);
        Instant startsAt = time(a, "startsAt", path, true);
        Instant endsAt = time(a, "endsAt", path, false);
        JsonNode gen = a.get("generatorURL");
        Alert alert = new Alert("alertmanager", fingerprint, status.equals("firing"), labels, annotations, startsAt,
                endsAt, gen != null && gen.isTextual() ? gen.asText() : null, receivedAt);
        List<String> problems = io.autonova.remediator.domain.AlertLimits.problems(alert);
        if (!problems.isEmpty()) {
            throw new InvalidPayload(path + ": " + String.join("; ", problems));
        }
        return alert;
    }

    private static String text(JsonNode a, String field, String path) {
        JsonNode n = a.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new InvalidPayload(path + "." + field + " is required and must be a non-empty string");
        }
        return n.asText();
    }

    private static Map<String, String> stringMap(JsonNode a, String field, String path, boolean required) {
        JsonNode n = a.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new InvalidPayload(path + "." + field + " is required");
            }
            return Map.of();
        }
        if (!n.isObject()) {
            throw new InvalidPayload(path + "." + field + " must be an object of strings");
        }
        if (n.size() > MAX_LABELS) {
            throw new InvalidPayload(path + "." + field + " has more than " + MAX_LABELS + " entries");
        }
        Map<String, String> m = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new InvalidPayload(path + "." + field + "." + e.getKey() + " must be a string");
            }
            m.put(e.getKey(), e.getValue().asText());
        }
        return Map.copyOf(m);
    }

    private static Instant time(JsonNode a, String field, String path, boolean required) {
        JsonNode n = a.get(field);
        if (n == null || n.isNull()) {
            if (required) {
                throw new InvalidPayload(path + "." + field + " is required");
            }
            return null;
        }
        if (!n.isTextual()) {
            throw new InvalidPayload(path + "." + field + " must be an RFC 3339 timestamp string");
        }
        try {
            Instant t = Instant.parse(n.asText());
            // Alertmanager sends 0001-01-01T00:00:00Z for "no end" on firing alerts.
            return t.getEpochSecond() < 0 ? null : t;
        } catch (DateTimeParseException e) {
            throw new InvalidPayload(path + "." + field + " is not an RFC 3339 timestamp: '" + n.asText() + "'");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
