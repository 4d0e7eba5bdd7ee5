package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Signal;

import java.time.Instant;

/**
 * One rule's sliding window for one target, on event time. Pure and single-threaded (one per
 * partition owner). Counts live in one-second buckets; sums are kept as events arrive and buckets
 * leave the window, so an in-order event costs O(1).
 */
public final class WindowState {

    /** What the window says after an event. */
    public enum Verdict { CROSSED, NOT_CROSSED, INCONCLUSIVE, LATE }

    /** A change worth telling the pipeline: the window started or kept crossing, or stopped. */
    public record Emission(boolean firing, Instant firingSince, double value, Instant at) {
    }

    private final SignalWindowSpec spec;
    // One-second buckets ordered by second, in a ring: events mostly arrive in order, so adding is an
    // append or a bump of the last bucket, and leaving the window is a pop from the head.
    private long[] seconds = new long[8];
    private long[] countA = new long[8];
    private long[] countB = new long[8];
    private int head;
    private int size;
    private long sumA;
    private long sumB;
    private long watermarkMillis = Long.MIN_VALUE;
    private long lastArrivalMillis = Long.MIN_VALUE;
    private long watermarkAtArrival;
    private long evictedUpTo = Long.MIN_VALUE;
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
            long a = spec.kind() == SignalWindowSpec.Kind.ERROR_RATE ? s.requests() : s.restarts();
            add(Math.floorDiv(t, 1000L), a, s.errors());
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
        while (size > 0 && seconds[head] <= cutoffSecond) {
            sumA -= countA[head];
            sumB -= countB[head];
            head = (head + 1) % seconds.length;
            size--;
        }
    }

    private void add(long second, long a, long b) {
        int cap = seconds.length;
        int last = (head + size - 1) % cap;
        if (size > 0 && seconds[last] == second) {
            countA[last] += a;
            countB[last] += b;
            return;
        }
        if (size == cap) {
            grow();
            cap = seconds.length;
            last = (head + size - 1) % cap;
        }
        if (size == 0 || second > seconds[last]) {
            int at = (head + size) % cap;
            seconds[at] = second;
            countA[at] = a;
            countB[at] = b;
            size++;
            return;
        }
        // Out of order: find its place (binary search over logical positions), bump or insert.
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long v = seconds[(head + mid) % cap];
            if (v == second) {
                countA[(head + mid) % cap] += a;
                countB[(head + mid) % cap] += b;
                return;
            }
            if (v < second) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        for (int i = size; i > lo; i--) {
            int to = (head + i) % cap;
            int from = (head + i - 1) % cap;
            seconds[to] = seconds[from];
            countA[to] = countA[from];
            countB[to] = countB[from];
        }
        int at = (head + lo) % cap;
        seconds[at] = second;
        countA[at] = a;
        countB[at] = b;
        size++;
    }

    private void grow() {
        int cap = seconds.length;
        long[] s2 = new long[cap * 2];
        long[] a2 = new long[cap * 2];
        long[] b2 = new long[cap * 2];
        for (int i = 0; i < size; i++) {
            int from = (head + i) % cap;
            s2[i] = seconds[from];
            a2[i] = countA[from];
            b2[i] = countB[from];
        }
        seconds = s2;
        countA = a2;
        countB = b2;
        head = 0;
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

    /**
     * Slides the window over the time its target has been quiet. Event time is estimated to have moved on
     * as much as processing time since the last event arrived (a producer that lags keeps its lag), and
     * events up to that estimate minus the lateness can no longer arrive. A window left empty stops firing
     * (nothing left to count); otherwise it is evaluated as after an event. Returns the emission, if any.
     */
    public Emission advance(Instant now) {
        if (lastArrivalMillis == Long.MIN_VALUE) {
            return null;
        }
        long to = watermarkAtArrival + (now.toEpochMilli() - lastArrivalMillis) - spec.lateness().toMillis();
        if (to <= watermarkMillis) {
            return null;
        }
        watermarkMillis = to;
        evict();
        if (size == 0) {
            lastVerdict = Verdict.NOT_CROSSED;
            lastValue = Double.NaN;
            if (firingSince != null) {
                Instant since = firingSince;
                firingSince = null;
                return new Emission(false, since, 0, Instant.ofEpochMilli(to));
            }
            return null;
        }
        return evaluate();
    }

    /** As {@link #accept(Signal)}, noting when the event arrived, so that {@link #advance} can tell quiet. */
    public Emission accept(Signal s, Instant arrivedAt) {
        Emission e = accept(s);
        lastArrivalMillis = arrivedAt.toEpochMilli();
        watermarkAtArrival = watermarkMillis;
        return e;
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
        return size == 0 && firingSince == null;
    }
}
