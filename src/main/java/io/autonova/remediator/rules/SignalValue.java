package io.autonova.remediator.rules;

import io.autonova.remediator.domain.KubernetesNames;
import com.google.re2j.Pattern;

/**
 * The value an alert carries for a threshold, or why there is none usable. NaN is never usable; neither is a value
 * out of a double's range (1e999) or an infinity, unless the rule opts in for +Inf (threshold {@code onInfinity: act}):
 * verification calls the same values inconclusive, and a malformed value must never start a rollback.
 */
public record SignalValue(Kind kind, double value, String raw) {

    public enum Kind { PRESENT, MISSING, NOT_NUMERIC, OUT_OF_RANGE, INFINITE }

    // Strict: Java's parseDouble would also take "1d", "0x1p3" or "Infinity". RE2: linear in the input, whatever it is.
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    /** Longer than any value Prometheus renders: refused before it is parsed, and kept shortened. */
    static final int MAX_LENGTH = 64;
    private static final Pattern INFINITY = Pattern.compile("([-+]?)Inf", Pattern.CASE_INSENSITIVE);

    public static SignalValue missing() {
        return new SignalValue(Kind.MISSING, Double.NaN, null);
    }

    /** Parses Prometheus' rendering of {@code $value}, including a trailing '%' from humanizePercentage. */
    public static SignalValue parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return missing();
        }
        String s = raw.strip();
        if (s.length() > MAX_LENGTH) {
            return new SignalValue(Kind.NOT_NUMERIC, Double.NaN, s.substring(0, MAX_LENGTH) + "...(" + s.length() + " characters)");
        }
        double scale = 1;
        if (s.endsWith("%")) {
            s = s.substring(0, s.length() - 1).strip();
            scale = 0.01;
        }
        if (NUMBER.matcher(s).matches()) {
            double v = Double.parseDouble(s) * scale;
            return new SignalValue(Double.isInfinite(v) ? Kind.OUT_OF_RANGE : Kind.PRESENT, v, raw);
        }
        var inf = INFINITY.matcher(s);
        if (inf.matches()) {
            return new SignalValue(Kind.INFINITE, "-".equals(inf.group(1)) ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY, raw);
        }
        return new SignalValue(Kind.NOT_NUMERIC, Double.NaN, raw);
    }

    public boolean usable() {
        return kind == Kind.PRESENT;
    }

    public String describe() {
        return switch (kind) {
            case PRESENT -> String.valueOf(value);
            case MISSING -> "missing";
            case NOT_NUMERIC -> "not numeric: " + KubernetesNames.quoteUntrusted(raw);
            case OUT_OF_RANGE -> "out of range: " + KubernetesNames.quoteUntrusted(raw);
            case INFINITE -> value > 0 ? "+Inf (the rule does not act on +Inf)" : "-Inf";
        };
    }
}
