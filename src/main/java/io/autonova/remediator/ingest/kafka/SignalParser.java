package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Signal;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.domain.KubernetesNames;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a Kafka record into a signal. Pure. Accepts the service's own signal JSON, Kubernetes Events
 * as event exporters publish them (bare, or wrapped as {@code {"event": {...}}}), and CloudEvents 1.0
 * in structured mode (a JSON envelope) or binary mode ({@code ce_*} headers, data in the value).
 *
 * <p>Returns empty for a well-formed record that carries no signal (an Event about something else);
 * throws {@link PoisonRecord} for one that can never be used.
 */
public final class SignalParser {

    public static final String TYPE_REQUEST_SAMPLE = "request-sample";
    public static final String TYPE_POD_RESTART = "pod-restart";
    public static final String CE_REQUEST_SAMPLE = "io.autonova.signal.request-sample";
    public static final String CE_POD_RESTART = "io.autonova.signal.pod-restart";
    public static final String CE_KUBERNETES_EVENT = "io.k8s.core.v1.event";
    /** Container restarts show as BackOff ("Back-off restarting failed container") events on the Pod. */
    private static final java.util.Set<String> RESTART_REASONS = java.util.Set.of("BackOff", "CrashLoopBackOff");
    // <deployment>-<pod-template-hash>-<suffix>: the names a Deployment's ReplicaSet gives its Pods.
    private static final Pattern DEPLOYMENT_POD = Pattern.compile("^(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}$");
    private static final long MAX_COUNT = 1_000_000_000L;
    private static final Duration MAX_FUTURE = Duration.ofHours(1);

    private final ObjectMapper mapper;
    private final ThreadLocal<OwnSignalScanner> scanner = ThreadLocal.withInitial(OwnSignalScanner::new);
    // Names repeat endlessly on a signal stream: validate each once. Bounded: cleared when it grows large.
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> validNamespaces = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentHashMap<String, Boolean> validObjectNames = new java.util.concurrent.ConcurrentHashMap<>();

    public SignalParser(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * @param headers Kafka headers as strings (only {@code ce_*} and {@code content-type} are read)
     * @param now     to reject timestamps absurdly far in the future
     */
    public Optional<Signal> parse(byte[] value, Map<String, String> headers, Instant now) {
        if (value == null || value.length == 0) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "empty record value");
        }
        if (headers.isEmpty()) {
            Signal fast = fastOwnSignal(value, now);
            if (fast != null) {
                return Optional.of(fast);
            }
        }
        JsonNode root;
        try {
            root = mapper.readTree(value);
        } catch (IOException e) {
            throw new PoisonRecord(PoisonRecord.Reason.INVALID_JSON, "value is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new PoisonRecord(PoisonRecord.Reason.INVALID_JSON, "value must be a JSON object");
        }
        String ceType = headers.get("ce_type");
        if (ceType != null) {
            requireHeader(headers, "ce_specversion");
            requireHeader(headers, "ce_id");
            requireHeader(headers, "ce_source");
            if (!"1.0".equals(headers.get("ce_specversion"))) {
                throw new PoisonRecord(PoisonRecord.Reason.UNKNOWN_TYPE, "unsupported CloudEvents specversion " + headers.get("ce_specversion"));
            }
            return cloudEvent(ceType, root, headers.get("ce_time"), now);
        }
        if (root.has("specversion")) {
            if (!"1.0".equals(root.path("specversion").asText())) {
                throw new PoisonRecord(PoisonRecord.Reason.UNKNOWN_TYPE, "unsupported CloudEvents specversion " + root.path("specversion").asText());
            }
            for (String f : new String[]{"id", "source", "type"}) {
                text(root, f);
            }
            JsonNode data = root.get("data");
            if (data == null || !data.isObject()) {
                throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "CloudEvent 'data' must be a JSON object");
            }
            return cloudEvent(root.get("type").asText(), data, root.hasNonNull("time") ? root.get("time").asText() : null, now);
        }
        if (root.has("involvedObject")) {
            return kubernetesEvent(root, now);
        }
        if (root.has("event") && root.get("event").isObject() && root.get("event").has("involvedObject")) {
            return kubernetesEvent(root.get("event"), now);
        }
        if (root.has("type")) {
            return ownSignal(root.get("type").asText(), root, null, now);
        }
        throw new PoisonRecord(PoisonRecord.Reason.UNKNOWN_TYPE, "not a signal, Kubernetes Event or CloudEvent (no 'type', 'involvedObject' or 'specversion')");
    }

    /**
     * The hot path: the service's own signal JSON scanned in place. Returns null whenever anything is
     * unusual, and the full parser then handles the record (and names any problem). One scanner per
     * consumer thread.
     */
    private Signal fastOwnSignal(byte[] value, Instant now) {
        OwnSignalScanner sc = scanner.get();
        if (!sc.scan(value, MAX_COUNT) || !validName(sc.namespace, true) || !validName(sc.deployment, false)
                || sc.time.isAfter(now.plus(MAX_FUTURE))) {
            return null;
        }
        if (sc.kind == Signal.Kind.REQUEST_SAMPLE && sc.requests >= 0 && sc.errors >= 0 && sc.errors <= sc.requests && sc.restarts < 0) {
            return new Signal(Signal.Kind.REQUEST_SAMPLE, sc.namespace, sc.deployment, sc.time, sc.requests, sc.errors, 0);
        }
        if (sc.kind == Signal.Kind.POD_RESTART && sc.requests < 0 && sc.errors < 0) {
            return new Signal(Signal.Kind.POD_RESTART, sc.namespace, sc.deployment, sc.time, 0, 0, sc.restarts < 0 ? 1 : sc.restarts);
        }
        return null;
    }

    private boolean validName(String v, boolean namespace) {
        if (v == null) {
            return false;
        }
        java.util.concurrent.ConcurrentHashMap<String, Boolean> cache = namespace ? validNamespaces : validObjectNames;
        if (cache.containsKey(v)) {
            return true;
        }
        boolean ok = (namespace ? KubernetesNames.namespaceProblem(v) : KubernetesNames.objectNameProblem(v)).isEmpty();
        if (ok) {
            if (cache.size() > 100_000) {
                cache.clear();
            }
            cache.put(v, Boolean.TRUE);
        }
        return ok;
    }

    private Optional<Signal> cloudEvent(String type, JsonNode data, String ceTime, Instant now) {
        return switch (type) {
            case CE_REQUEST_SAMPLE -> ownSignal(TYPE_REQUEST_SAMPLE, data, ceTime, now);
            case CE_POD_RESTART -> ownSignal(TYPE_POD_RESTART, data, ceTime, now);
            case CE_KUBERNETES_EVENT -> kubernetesEvent(data, now);
            default -> throw new PoisonRecord(PoisonRecord.Reason.UNKNOWN_TYPE, "unknown CloudEvent type '" + type + "'");
        };
    }

    private Optional<Signal> ownSignal(String type, JsonNode n, String fallbackTime, Instant now) {
        String namespace = name(n, "namespace", true);
        String deployment = n.has("deployment") ? name(n, "deployment", false) : name(n, "service", false);
        Instant time = n.hasNonNull("time") ? time(n.get("time").asText(), now) : fallbackTime != null ? time(fallbackTime, now) : null;
        if (time == null) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "'time' is required");
        }
        return switch (type) {
            case TYPE_REQUEST_SAMPLE -> {
                long requests = count(n, "requests");
                long errors = count(n, "errors");
                if (errors > requests) {
                    throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "errors (" + errors + ") exceed requests (" + requests + ")");
                }
                yield Optional.of(new Signal(Signal.Kind.REQUEST_SAMPLE, namespace, deployment, time, requests, errors, 0));
            }
            case TYPE_POD_RESTART -> {
                long restarts = n.has("restarts") ? count(n, "restarts") : 1;
                yield Optional.of(new Signal(Signal.Kind.POD_RESTART, namespace, deployment, time, 0, 0, restarts));
            }
            default -> throw new PoisonRecord(PoisonRecord.Reason.UNKNOWN_TYPE, "unknown signal type '" + type + "'");
        };
    }

    private Optional<Signal> kubernetesEvent(JsonNode e, Instant now) {
        JsonNode obj = e.get("involvedObject");
        if (obj == null || !obj.isObject()) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "'involvedObject' must be an object");
        }
        String reason = e.path("reason").asText("");
        if (!"Pod".equals(obj.path("kind").asText()) || !RESTART_REASONS.contains(reason)) {
            return Optional.empty();
        }
        String namespace = name(obj, "namespace", true);
        String pod = text(obj, "name");
        Matcher m = DEPLOYMENT_POD.matcher(pod);
        if (!m.matches()) {
            return Optional.empty(); // a Pod not created by a Deployment's ReplicaSet
        }
        String deployment = m.group(1);
        if (KubernetesNames.objectNameProblem(deployment).isPresent()) {
            throw new PoisonRecord(PoisonRecord.Reason.INVALID_NAME, "pod name does not yield a valid deployment name");
        }
        String t = firstText(e, "eventTime", "lastTimestamp", "firstTimestamp", "metadata.creationTimestamp");
        if (t == null) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "event has no eventTime, lastTimestamp or firstTimestamp");
        }
        return Optional.of(new Signal(Signal.Kind.POD_RESTART, namespace, deployment, time(t, now), 0, 0, 1));
    }

    private static String firstText(JsonNode e, String... paths) {
        for (String p : paths) {
            JsonNode n = e;
            for (String part : p.split("\\.")) {
                n = n.path(part);
            }
            if (n.isTextual() && !n.asText().isEmpty()) {
                return n.asText();
            }
        }
        return null;
    }

    private static void requireHeader(Map<String, String> headers, String name) {
        if (headers.get(name) == null || headers.get(name).isEmpty()) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "CloudEvents binary mode needs header " + name);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "'" + field + "' is required and must be a non-empty string");
        }
        return v.asText();
    }

    private static String name(JsonNode n, String field, boolean namespace) {
        String v = text(n, field);
        Optional<String> problem = namespace ? KubernetesNames.namespaceProblem(v) : KubernetesNames.objectNameProblem(v);
        if (problem.isPresent()) {
            throw new PoisonRecord(PoisonRecord.Reason.INVALID_NAME, "'" + field + "' " + KubernetesNames.quoteUntrusted(v) + " " + problem.get());
        }
        return v;
    }

    private static long count(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new PoisonRecord(PoisonRecord.Reason.MISSING_FIELD, "'" + field + "' is required");
        }
        if (!v.isIntegralNumber()) {
            throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "'" + field + "' must be a whole number");
        }
        long c = v.asLong();
        if (c < 0 || c > MAX_COUNT || !v.canConvertToLong()) {
            throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "'" + field + "' = " + v.asText() + " is out of range");
        }
        return c;
    }

    private static Instant time(String text, Instant now) {
        Instant t;
        try {
            t = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "time '" + KubernetesNames.quoteUntrusted(text) + "' is not RFC 3339");
        }
        if (t.isAfter(now.plus(MAX_FUTURE))) {
            throw new PoisonRecord(PoisonRecord.Reason.ABSURD_VALUE, "time " + t + " is more than 1h in the future");
        }
        return t;
    }
}
