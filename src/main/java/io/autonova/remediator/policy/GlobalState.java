package io.autonova.remediator.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Policy state shared by all targets: admissions for the per-rule and global rate limits, and the
 * remediations in flight for the concurrency limit. Immutable and bounded by the limits themselves:
 * admissions older than the longest rate window of any loaded rule are dropped, and in-flight entries
 * leave when their run ends (or when their record is seen finished or gone).
 *
 * @param admissions admitted actions, oldest first
 * @param inFlight   target key to the record running on it
 */
public record GlobalState(List<Admission> admissions, Map<String, InFlight> inFlight) {

    /** A hard ceiling whatever the rule files say; the global rate limit stops far below it. */
    public static final int MAX_ADMISSIONS = 5000;
    public static final GlobalState EMPTY = new GlobalState(List.of(), Map.of());

    public record Admission(String target, String rule, Instant at, String record, boolean dryRun) {
    }

    public record InFlight(String record, Instant since) {
    }

    public GlobalState {
        admissions = admissions == null ? List.of() : List.copyOf(admissions);
        inFlight = inFlight == null ? Map.of() : Map.copyOf(inFlight);
    }

    public boolean admitted(String record) {
        return admissions.stream().anyMatch(a -> a.record().equals(record));
    }

    /** Adds an admission (idempotent by record) and, for an executed action, holds the target in flight. */
    public GlobalState withAdmission(Admission admission, boolean holdsTarget, Duration keep) {
        List<Admission> kept = new ArrayList<>();
        for (Admission a : admissions) {
            if (a.at().isAfter(admission.at().minus(keep))) {
                kept.add(a);
            }
        }
        if (!admitted(admission.record())) {
            kept.add(admission);
        }
        while (kept.size() > MAX_ADMISSIONS) {
            kept.remove(0);
        }
        Map<String, InFlight> flights = new LinkedHashMap<>(inFlight);
        if (holdsTarget) {
            flights.putIfAbsent(admission.target(), new InFlight(admission.record(), admission.at()));
        }
        return new GlobalState(kept, flights);
    }

    /** The run of {@code record} on {@code target} ended. */
    public GlobalState withFinished(String target, String record) {
        InFlight f = inFlight.get(target);
        if (f == null || !f.record().equals(record)) {
            return this;
        }
        Map<String, InFlight> flights = new LinkedHashMap<>(inFlight);
        flights.remove(target);
        return new GlobalState(admissions, flights);
    }

    /** Drops in-flight entries whose run is known to be over (a replica died between finishing and this write). */
    public GlobalState withoutStale(Predicate<String> recordStillActive) {
        Map<String, InFlight> flights = new LinkedHashMap<>();
        inFlight.forEach((k, v) -> {
            if (recordStillActive.test(v.record())) {
                flights.put(k, v);
            }
        });
        return flights.size() == inFlight.size() ? this : new GlobalState(admissions, flights);
    }
}
