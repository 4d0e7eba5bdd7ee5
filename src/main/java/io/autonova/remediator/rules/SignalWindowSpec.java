package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Signal;

import java.time.Duration;

/**
 * A threshold over a sliding event-time window of Kafka signals.
 *
 * @param lateness     how far behind the newest event a record may arrive and still count
 * @param minRequests  error-rate only: below this many requests the result is inconclusive
 */
public record SignalWindowSpec(Kind kind, Duration window, Duration lateness, long minRequests, Threshold.Comparison comparison, double bound) {

    public enum Kind {
        /** errors / requests over the window. */
        ERROR_RATE("error-rate", Signal.Kind.REQUEST_SAMPLE),
        /** restarts of one Deployment's pods within the window. */
        POD_RESTARTS("pod-restarts", Signal.Kind.POD_RESTART);

        public final String ruleName;
        public final Signal.Kind signal;

        Kind(String ruleName, Signal.Kind signal) {
            this.ruleName = ruleName;
            this.signal = signal;
        }

        public static Kind of(String name) {
            for (Kind k : values()) {
                if (k.ruleName.equals(name)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown signal kind '" + name + "' (use error-rate or pod-restarts)");
        }
    }

    /** The same comparison as a threshold on the value annotation, so windowed matches decide like alerts. */
    public Threshold asThreshold() {
        return new Threshold(Threshold.Source.ANNOTATION, "value", comparison, bound);
    }

    public Duration span() {
        return window.plus(lateness);
    }
}
