package io.autonova.remediator.rules;

import java.util.Map;

/**
 * A comparison of the alert's value (from an annotation or label) against a bound. {@code actOnPlusInfinity}: a
 * value of +Inf crosses a {@code >} or {@code >=} bound (opt-in; otherwise it is inconclusive).
 */
public record Threshold(Source source, String key, Comparison comparison, double bound, boolean actOnPlusInfinity) {

    public Threshold(Source source, String key, Comparison comparison, double bound) {
        this(source, key, comparison, bound, false);
    }

    /** True when the value may be compared: a number in range, or +Inf when the rule opts in. */
    public boolean accepts(SignalValue v) {
        return v.usable() || actOnPlusInfinity && v.kind() == SignalValue.Kind.INFINITE && v.value() > 0;
    }

    public enum Source { ANNOTATION, LABEL }

    public enum Comparison {
        GT(">"), GE(">="), LT("<"), LE("<=");

        public final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public static Comparison of(String symbol) {
            for (Comparison c : values()) {
                if (c.symbol.equals(symbol)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown comparison '" + symbol + "' (use >, >=, < or <=)");
        }

        public boolean test(double value, double bound) {
            return switch (this) {
                case GT -> value > bound;
                case GE -> value >= bound;
                case LT -> value < bound;
                case LE -> value <= bound;
            };
        }
    }

    public SignalValue extract(Map<String, String> labels, Map<String, String> annotations) {
        String raw = (source == Source.ANNOTATION ? annotations : labels).get(key);
        return raw == null ? SignalValue.missing() : SignalValue.parse(raw);
    }

    public boolean crossedBy(double value) {
        return comparison.test(value, bound);
    }

    @Override
    public String toString() {
        return source.name().toLowerCase() + ":" + key + " " + comparison.symbol + " " + bound;
    }
}
