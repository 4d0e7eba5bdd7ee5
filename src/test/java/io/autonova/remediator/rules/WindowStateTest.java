package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Signal;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Windows on event time: tables of (seconds after T0, counts) in arrival order, and what the window says. */
class WindowStateTest {

    static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");
    static final SignalWindowSpec ERROR_RATE = new SignalWindowSpec(SignalWindowSpec.Kind.ERROR_RATE, Duration.ofMinutes(5),
            Duration.ofSeconds(30), 100, Threshold.Comparison.GT, 0.10);
    static final SignalWindowSpec RESTARTS = new SignalWindowSpec(SignalWindowSpec.Kind.POD_RESTARTS, Duration.ofMinutes(15),
            Duration.ofSeconds(30), 0, Threshold.Comparison.GT, 3);

    static Signal sample(long second, long requests, long errors) {
        return new Signal(Signal.Kind.REQUEST_SAMPLE, "prod", "api", T0.plusSeconds(second), requests, errors, 0);
    }

    static Signal restart(long second) {
        return new Signal(Signal.Kind.POD_RESTART, "prod", "api", T0.plusSeconds(second), 0, 0, 1);
    }

    static List<WindowState.Emission> feed(WindowState w, Signal... signals) {
        return feed(w::accept, signals);
    }

    static List<WindowState.Emission> feed(java.util.function.Function<Signal, WindowState.Emission> accept, Signal... signals) {
        List<WindowState.Emission> out = new ArrayList<>();
        for (Signal s : signals) {
            WindowState.Emission e = accept.apply(s);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void errorRateCrossesOnceAndStaysFiringWithoutReEmittingEveryEvent() {
        WindowState w = new WindowState(ERROR_RATE);
        List<WindowState.Emission> e = feed(w, sample(0, 100, 5), sample(10, 100, 5), sample(20, 100, 30), sample(30, 100, 30));
        assertEquals(1, e.size(), e.toString());
        assertTrue(e.get(0).firing());
        assertEquals(T0.plusSeconds(20), e.get(0).firingSince());
        assertEquals(40.0 / 300, e.get(0).value(), 1e-9);
    }

    @Test
    void belowTheMinimumRequestCountNothingActsWhateverTheRatio() {
        WindowState w = new WindowState(ERROR_RATE);
        assertTrue(feed(w, sample(0, 40, 40), sample(10, 40, 40)).isEmpty());
        assertEquals(WindowState.Verdict.INCONCLUSIVE, w.lastVerdict());
        assertEquals(1, feed(w, sample(20, 40, 40)).size(), "120 requests: now conclusive");
    }

    @Test
    void outOfOrderEventsWithinTheLatenessCountAndLateOnesDoNot() {
        WindowState w = new WindowState(RESTARTS);
        feed(w, restart(100), restart(130));
        assertNull(w.accept(restart(110)), "20s behind the newest event: within 30s lateness, counts");
        assertEquals(3.0, w.lastValue());
        assertNull(w.accept(restart(95)), "35s behind: late");
        assertEquals(WindowState.Verdict.LATE, w.lastVerdict());
        WindowState.Emission e = w.accept(restart(131));
        assertTrue(e.firing(), "4 restarts > 3: the late one was not counted, the fourth on-time one is");
        assertEquals(4.0, e.value());
    }

    @Test
    void eventsLeaveTheWindowOnEventTimeNotArrivalTime() {
        WindowState w = new WindowState(RESTARTS);
        feed(w, restart(0), restart(60), restart(120));
        // More than 15 minutes later by event time: the first three have left the window, so 3 restarts is not > 3.
        assertTrue(feed(w, restart(1021), restart(1022), restart(1023)).isEmpty());
        assertEquals(3.0, w.lastValue());
        WindowState fresh = new WindowState(RESTARTS);
        feed(fresh, restart(0), restart(60), restart(120));
        assertNull(fresh.accept(restart(902)));
        assertEquals(3.0, fresh.lastValue(), "at 902s the restart at 0 has left the 15m window, those at 60 and 120 have not");
    }

    @Test
    void agreesWithABruteForceCountOnRandomOutOfOrderStreams() {
        java.util.Random random = new java.util.Random(42);
        SignalWindowSpec spec = new SignalWindowSpec(SignalWindowSpec.Kind.POD_RESTARTS, Duration.ofSeconds(60), Duration.ofSeconds(20), 0,
                Threshold.Comparison.GT, 1_000_000);
        for (int run = 0; run < 50; run++) {
            WindowState w = new WindowState(spec);
            List<Long> accepted = new ArrayList<>();
            long newest = Long.MIN_VALUE;
            long clock = 0;
            for (int i = 0; i < 400; i++) {
                clock += random.nextInt(3000);
                long t = clock - random.nextInt(25_000); // up to 25s behind: some within lateness, some late
                Signal s = new Signal(Signal.Kind.POD_RESTART, "p", "d", T0.plusMillis(t), 0, 0, 1);
                boolean late = newest != Long.MIN_VALUE && t <= newest - 20_000;
                w.accept(s);
                if (!late) {
                    newest = Math.max(newest, t);
                    accepted.add(t);
                }
                long watermark = newest;
                long cutoffSecond = Math.floorDiv(watermark - 60_000, 1000);
                // Counting is by one-second bucket: an event counts while its second is after the window's start second.
                long bucketExpected = accepted.stream().filter(x -> Math.floorDiv(x, 1000) > cutoffSecond).count();
                assertEquals(late ? WindowState.Verdict.LATE : WindowState.Verdict.NOT_CROSSED, w.lastVerdict(), "run " + run + " event " + i);
                if (!late) {
                    assertEquals(bucketExpected, (long) w.lastValue(), "run " + run + " event " + i);
                }
            }
        }
    }

    @Test
    void windowStopsCrossingAndEmitsResolved() {
        WindowState w = new WindowState(RESTARTS);
        List<WindowState.Emission> e = feed(w, restart(0), restart(1), restart(2), restart(3));
        assertTrue(e.get(0).firing());
        List<WindowState.Emission> later = feed(w, restart(1000));
        assertEquals(1, later.size());
        assertFalse(later.get(0).firing());
        assertEquals(T0.plusSeconds(3), later.get(0).firingSince(), "resolved names the episode it ends");
    }

    @Test
    void stillCrossingAWindowLaterIsEmittedAgainWithTheSameStart() {
        WindowState w = new WindowState(RESTARTS);
        feed(w, restart(0), restart(1), restart(2), restart(3));
        List<WindowState.Emission> e = new ArrayList<>();
        for (int s = 60; s <= 960; s += 60) {
            e.addAll(feed(w, restart(s), restart(s + 1), restart(s + 2), restart(s + 3)));
        }
        assertEquals(1, e.size(), "re-emitted once per window length while crossing: " + e);
        assertEquals(T0.plusSeconds(3), e.get(0).firingSince());
    }

    /** Feeds signals that arrive {@code lagSeconds} after their event time, as a lagging producer's do. */
    static List<WindowState.Emission> feedLagging(WindowState w, long lagSeconds, Signal... signals) {
        return feed(s -> w.accept(s, s.time().plusSeconds(lagSeconds)), signals);
    }

    @Test
    void aTargetThatGoesQuietResolvesOnceItsWindowHasSlidOverTheSilence() {
        WindowState w = new WindowState(RESTARTS);
        // A producer 100 s behind: the last restart (event time 30) arrives at 130.
        WindowState.Emission fired = feedLagging(w, 100, restart(0), restart(10), restart(20), restart(30)).get(0);
        assertTrue(fired.firing());
        assertNull(w.advance(T0.plusSeconds(1029)), "event time estimated at 929 - 30 s lateness = 899: the restart at 0 is still in the 15m window");
        WindowState.Emission resolved = w.advance(T0.plusSeconds(1030));
        assertFalse(resolved.firing(), "the restart at 0 has left the window, three remain: not > 3, resolved without a new event");
        assertEquals(T0.plusSeconds(30), resolved.firingSince());
        assertEquals(3.0, resolved.value());
        assertFalse(w.idle(), "three restarts still counted");
        assertNull(w.advance(T0.plusSeconds(1100)), "already resolved: said once");
        assertTrue(w.idle(), "everything left the window: the state can go");
    }

    @Test
    void quietTimeNeverMakesALaggingProducersNextEventLate() {
        WindowState w = new WindowState(RESTARTS);
        feedLagging(w, 100, restart(0), restart(10), restart(20));
        assertNull(w.advance(T0.plusSeconds(200)), "quiet for 80 s: the window slides, nothing resolves");
        WindowState.Emission e = w.accept(restart(100), T0.plusSeconds(200));
        assertEquals(WindowState.Verdict.CROSSED, w.lastVerdict(), "still 100 s behind, as before: on time, counted, 4 restarts > 3");
        assertEquals(4.0, e.value());
    }

    @Test
    void aQuietErrorRateWindowResolvesWhenItEmpties() {
        WindowState w = new WindowState(ERROR_RATE);
        assertTrue(feedLagging(w, 0, sample(0, 100, 50), sample(10, 100, 50)).get(0).firing());
        assertNull(w.advance(T0.plusSeconds(60)), "nothing has left the 5-minute window yet");
        WindowState.Emission resolved = w.advance(T0.plusSeconds(341));
        assertFalse(resolved.firing(), "the window slid past the last sample: nothing left, resolved");
        assertEquals(T0, resolved.firingSince());
        assertTrue(w.idle());
        assertNull(new WindowState(ERROR_RATE).advance(T0), "a window that never saw an event has nothing to say");
        WindowState noArrivals = new WindowState(ERROR_RATE);
        feed(noArrivals, sample(0, 100, 50));
        assertNull(noArrivals.advance(T0.plusSeconds(3600)), "without arrival times (offline tools) quiet cannot be told: nothing moves");
    }
}
