package io.autonova.remediator.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared state behind pauses, cooldowns, rate limits, in-flight tracking and the consecutive-action
 * cap. Immutable: every change returns a new ledger, which the state store writes with optimistic
 * concurrency so that replicas agree.
 */
public record Ledger(List<Admission> admissions, Map<String, InFlight> inFlight, Map<String, Consecutive> consecutive, List<Pause> pauses) {

    /** An action the policy engine let through (dry-run ones too, so that dry-run shows what limits would do). */
    public record Admission(String target, String rule, Instant at, String record, boolean dryRun) {
    }

    /** A remediation running now; {@code expiresAt} frees the target if the replica running it died. */
    public record InFlight(String record, Instant since, Instant expiresAt) {
    }

    /** Automatic actions on one target since an operator last cleared it. */
    public record Consecutive(int count, Instant lastAt) {
    }

    public static final Ledger EMPTY = new Ledger(List.of(), Map.of(), Map.of(), List.of());

    public Ledger {
        admissions = admissions == null ? List.of() : List.copyOf(admissions);
        inFlight = inFlight == null ? Map.of() : Map.copyOf(inFlight);
        consecutive = consecutive == null ? Map.of() : Map.copyOf(consecutive);
        pauses = pauses == null ? List.of() : List.copyOf(pauses);
    }

    public Ledger withAdmission(Admission admission, InFlight running, Duration keep, Instant now) {
        List<Admission> kept = new ArrayList<>();
        for (Admission a : admissions) {
            if (a.at().isAfter(now.minus(keep))) {
                kept.add(a);
            }
        }
        kept.add(admission);
        Map<String, InFlight> flights = new HashMap<>(activeInFlight(now));
        Map<String, Consecutive> counts = new HashMap<>(consecutive);
        if (running != null) {
            flights.put(admission.target(), running);
            Consecutive c = counts.get(admission.target());
            counts.put(admission.target(), new Consecutive(c == null ? 1 : c.count() + 1, now));
        }
        return new Ledger(kept, flights, counts, activePauses(now));
    }

    public Ledger withFinished(String target, String record) {
        InFlight f = inFlight.get(target);
        if (f == null || !f.record().equals(record)) {
            return this;
        }
        Map<String, InFlight> flights = new HashMap<>(inFlight);
        flights.remove(target);
        return new Ledger(admissions, flights, consecutive, pauses);
    }

    public Ledger withConsecutiveCleared(String target) {
        Map<String, Consecutive> counts = new HashMap<>(consecutive);
        counts.remove(target);
        return new Ledger(admissions, inFlight, counts, pauses);
    }

    public Ledger withPause(Pause pause, Instant now) {
        List<Pause> list = new ArrayList<>(activePauses(now));
        list.add(pause);
        return new Ledger(admissions, inFlight, consecutive, list);
    }

    public Ledger withoutPause(String id) {
        return new Ledger(admissions, inFlight, consecutive, pauses.stream().filter(p -> !p.id().equals(id)).toList());
    }

    public List<Pause> activePauses(Instant now) {
        return pauses.stream().filter(p -> p.activeAt(now)).toList();
    }

    public Map<String, InFlight> activeInFlight(Instant now) {
        Map<String, InFlight> active = new HashMap<>();
        inFlight.forEach((k, v) -> {
            if (now.isBefore(v.expiresAt())) {
                active.put(k, v);
            }
        });
        return active;
    }
}
