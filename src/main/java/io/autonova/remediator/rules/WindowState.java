package io.autonova.remediator.rules;

import io.autonova.remediator.ingest.kafka.Signal;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * One rule's sliding window for one target, on event time. Pure and single-threaded (one per
 * partition owner). Counts live in one-second buckets; sums are kept as events arrive and buckets
 * leave the window, so each event costs O(1) amortised.
 */
public final class WindowState {

    /** What the window says after an event. */
    public enum Verdict { CROSSED, NOT_CROSSED, INCONCLUSIVE, LATE }

    /** A change worth telling the pipeline: the window started or kept crossing, or stopped. */
    public record Emission(boolean firing, Instant firingSince, double value, Instant at) {
    }

    private final SignalWindowSpec spec;
    private final TreeMap<Long, long[]> buckets = new TreeMap<>();
    private long sumA;
    private long sumB;
    private long watermarkMillis = Long.MIN_VALUE;
    private long evictedUpTo = Long.MIN_VALUE;
    private long lastSecond = Long.MIN_VALUE;
    private long[] lastBucket;
    private Instant firingSince;
    private long lastEmitMillis;
    private Verdict lastVerdict = Verdict.NOT_CROSSED;
    private double lastValue = Double.NaN;

    public WindowState(SignalWindowSpec spec) {
        this.spec = spec;
    }

    /**
     * Adds a signal and evaluates the window at the newest event time seen. Returns an emission when
     * the window starts crossing, is still crossing one window length after the last emission
     * (so a transient refusal gets decided again), or stops crossing.
     */
    public Emission accept(Signal s) {
        long t = s.time().toEpochMilli();
        if (watermarkMillis != Long.MIN_VALUE && t <= watermarkMillis - spec.lateness().toMillis()) {
            lastVerdict = Verdict.LATE;
            return null;
        }
        if (t > watermarkMillis) {
            watermarkMillis = t;
            evict();
        }
        if (t > watermarkMillis - spec.window().toMillis()) {
            long second = Math.floorDiv(t, 1000L);
            long[] b;
            if (second == lastSecond) {
                b = lastBucket;
            } else {
                b = buckets.computeIfAbsent(second, k -> new long[2]);
                lastSecond = second;
                lastBucket = b;
            }
            long a = spec.kind() == SignalWindowSpec.Kind.ERROR_RATE ? s.requests() : s.restarts();
            b[0] += a;
            b[1] += s.errors();
            sumA += a;
            sumB += s.errors();
        }
        return evaluate();
    }

    private void evict() {
        long cutoffSecond = Math.floorDiv(watermarkMillis - spec.window().toMillis(), 1000L);
        if (cutoffSecond <= evictedUpTo) {
            return;
        }
        evictedUpTo = cutoffSecond;
        if (lastSecond <= cutoffSecond) {
            lastSecond = Long.MIN_VALUE;
            lastBucket = null;
        }
        Iterator<Map.Entry<Long, long[]>> it = buckets.headMap(cutoffSecond, true).entrySet().iterator();
        while (it.hasNext()) {
            long[] b = it.next().getValue();
            sumA -= b[0];
            sumB -= b[1];
            it.remove();
        }
    }

    private Emission evaluate() {
        Instant now = Instant.ofEpochMilli(watermarkMillis);
        if (spec.kind() == SignalWindowSpec.Kind.ERROR_RATE && sumA < spec.minRequests()) {
            lastVerdict = Verdict.INCONCLUSIVE;
            lastValue = Double.NaN;
            return null;
        }
        double value = spec.kind() == SignalWindowSpec.Kind.ERROR_RATE ? (double) sumB / sumA : sumA;
        lastValue = value;
        boolean crossed = spec.comparison().test(value, spec.bound());
        lastVerdict = crossed ? Verdict.CROSSED : Verdict.NOT_CROSSED;
        if (crossed) {
            if (firingSince == null) {
                firingSince = Instant.ofEpochSecond(now.getEpochSecond());
                lastEmitMillis = watermarkMillis;
                return new Emission(true, firingSince, value, now);
            }
            if (watermarkMillis - lastEmitMillis >= spec.window().toMillis()) {
                lastEmitMillis = watermarkMillis;
                return new Emission(true, firingSince, value, now);
            }
            return null;
        }
        if (firingSince != null) {
            Instant since = firingSince;
            firingSince = null;
            return new Emission(false, since, value, now);
        }
        return null;
    }

    SignalWindowSpec spec() {
        return spec;
    }

    public Verdict lastVerdict() {
        return lastVerdict;
    }

    public double lastValue() {
        return lastValue;
    }

    /** Nothing in the window and nothing firing: the state can be dropped. */
    public boolean idle() {
        return buckets.isEmpty() && firingSince == null;
    }
}
