package io.autonova.remediator.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What an alert must look like to be decided, wherever it comes from (the webhook, or a Kafka record of the webhook
 * backbone): a hexadecimal fingerprint, a known source (a metric tag: never an unbounded value), and labels and
 * annotations of bounded number and size, since they are copied into records, Events and the report.
 */
public final class AlertLimits {

    public static final int MAX_LABELS = 100;
    public static final int MAX_NAME_LENGTH = 256;
    public static final int MAX_LABEL_VALUE_LENGTH = 2048;
    public static final int MAX_ANNOTATION_VALUE_LENGTH = 16384;
    /** The only sources an alert may name; Kafka signals are not alerts and carry their own. */
    public static final List<String> SOURCES = List.of("alertmanager");
    private static final Pattern FINGERPRINT = Pattern.compile("[0-9a-f]{1,32}");

    private AlertLimits() {
    }

    /** Whether {@code f} is a fingerprint as alerts carry it: lower-case hexadecimal, 1 to 32 digits. */
    public static boolean isFingerprint(String f) {
        return f != null && FINGERPRINT.matcher(f).matches();
    }

    /** Every problem of the alert, said for a 400 answer or a dead letter; empty when it may be decided. */
    public static List<String> problems(Alert a) {
        List<String> out = new ArrayList<>();
        if (!SOURCES.contains(a.source())) {
            out.add("source must be one of " + SOURCES);
        }
        if (!isFingerprint(a.fingerprint())) {
            out.add("fingerprint must be a hexadecimal string of at most 32 characters");
        }
        check(out, "labels", a.labels(), MAX_LABEL_VALUE_LENGTH);
        check(out, "annotations", a.annotations(), MAX_ANNOTATION_VALUE_LENGTH);
        if (a.startsAt() == null) {
            out.add("startsAt is required");
        }
        return out;
    }

    private static void check(List<String> out, String what, Map<String, String> m, int maxValue) {
        if (m == null) {
            if (what.equals("labels")) {
                out.add("labels are required");
            }
            return;
        }
        if (m.size() > MAX_LABELS) {
            out.add(what + ": at most " + MAX_LABELS + ", not " + m.size());
        }
        for (Map.Entry<String, String> e : m.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_NAME_LENGTH) {
                out.add(what + ": a name must have 1 to " + MAX_NAME_LENGTH + " characters");
                return;
            }
            if (e.getValue() != null && e.getValue().length() > maxValue) {
                out.add(what + "." + KubernetesNames.quoteUntrusted(e.getKey()) + ": longer than " + maxValue + " characters");
                return;
            }
        }
    }
}
