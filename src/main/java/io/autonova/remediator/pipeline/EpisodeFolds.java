package io.autonova.remediator.pipeline;

import io.autonova.remediator.state.Cas;
import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.StateStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What alerts do to an episode without changing its decision: a new instance joins it, an instance
 * resolves, a re-send is counted, a transient refusal is reached again. Kept in memory and written to the
 * record in coalesced writes every {@code resend-flush-interval}, so a storm of alerts is neither read from
 * nor written to the API server one by one. Bounded: past {@link #MAX_PENDING} records with pending folds,
 * further folds are dropped and counted (a fold never carries a decision; losing one loses a count).
 */
@ApplicationScoped
public class EpisodeFolds {

    private static final Logger LOG = Logger.getLogger(EpisodeFolds.class);
    static final int MAX_PENDING = 20_000;

    private static final class Pending {
        final Set<String> joined = new LinkedHashSet<>();
        final Set<String> resolved = new LinkedHashSet<>();
        long resends;
        long repeats;
        final Set<String> late = new LinkedHashSet<>();
        final java.util.Map<String, long[]> lateReasons = new java.util.LinkedHashMap<>();
        final java.util.Map<String, String> lateMessages = new java.util.HashMap<>();
        Instant last;

        synchronized void touch(Instant at) {
            if (last == null || at.isAfter(last)) {
                last = at;
            }
        }
    }

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private ScheduledExecutorService flusher;

    public EpisodeFolds(ServiceRuntime runtime, RemediatorConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        long every = Math.max(10, config.execution().resendFlushInterval().toMillis());
        flusher = DaemonThreads.scheduler("episode-folds");
        flusher.scheduleWithFixedDelay(() -> flushQuietly(true), every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        flushQuietly(false); // at shutdown the grace period is short: nothing to give way to
    }

    private Pending pendingFor(String record) {
        Pending p = pending.get(record);
        if (p == null) {
            if (pending.size() >= MAX_PENDING) {
                long n = dropped.incrementAndGet();
                if (n % 10_000 == 1) {
                    LOG.warnf("%d folded alerts dropped so far: %d records have folds pending (counts only; no decision is lost)", n, MAX_PENDING);
                }
                return null;
            }
            p = pending.computeIfAbsent(record, k -> new Pending());
        }
        return p;
    }

    /** A delivery of an instance already decided for good. */
    public void resend(String record, Instant at) {
        change(record, at, p -> p.resends++);
    }

    /** An instance joins the open episode (or is re-sent to it) without changing its decision. */
    public void fold(String record, String instance, Instant at) {
        change(record, at, p -> {
            p.joined.add(instance);
            p.resolved.remove(instance);
        });
    }

    /** As {@link #fold}, and the episode's transient refusal was reached again. */
    public void repeat(String record, String instance, Instant at) {
        change(record, at, p -> {
            p.joined.add(instance);
            p.resolved.remove(instance);
            p.repeats++;
        });
    }

    /** An instance after the episode ended, refused for a transient reason: kept on the ended episode's trail. */
    public void late(String record, String instance, io.autonova.remediator.policy.Decision d, Instant at) {
        change(record, at, p -> {
            p.late.add(instance);
            p.lateReasons.computeIfAbsent(d.reason().name(), k -> new long[1])[0]++;
            p.lateMessages.put(d.reason().name(), d.message());
        });
    }

    public void resolved(String record, String instance, Instant at) {
        change(record, at, p -> {
            p.resolved.add(instance);
            p.joined.remove(instance);
        });
    }

    private void change(String record, Instant at, java.util.function.Consumer<Pending> what) {
        Pending p = pendingFor(record);
        if (p != null) {
            synchronized (p) {
                what.accept(p);
            }
            p.touch(at);
        }
    }

    /** Records a new instance on the record (in place); duplicates of known instances change nothing. */
    static boolean addInstance(RemediationRecord r, String instance, Instant at) {
        RemediationRecord.Alerts a = r.status.alerts;
        if (a.firstSeen == null) {
            a.firstSeen = at;
        }
        if (a.lastSeen == null || at.isAfter(a.lastSeen)) {
            a.lastSeen = at;
        }
        if (!a.firing.contains(instance) && a.firing.size() < RemediationRecord.MAX_IDS) {
            a.firing.add(instance);
        }
        if (a.ids.contains(instance)) {
            return false;
        }
        a.instances++;
        if (a.ids.size() < RemediationRecord.MAX_IDS) {
            a.ids.add(instance);
        } else {
            a.overflow = true;
        }
        return true;
    }

    private static void addLate(RemediationRecord r, Pending p) {
        RemediationRecord.Alerts a = r.status.alerts;
        for (String id : p.late) {
            if (!a.late.contains(id)) {
                a.lateCount++;
                if (a.late.size() < RemediationRecord.MAX_IDS) {
                    a.late.add(id);
                }
            }
        }
        p.lateReasons.forEach((reason, n) -> {
            // One trail entry per reason after the end, counting how often it was reached again.
            RemediationRecord.DecisionView v = r.status.decisions.stream()
                    .filter(x -> reason.equals(x.reason) && r.status.finishedAt != null && x.decidedAt != null && !x.decidedAt.isBefore(r.status.finishedAt))
                    .findFirst().orElse(null);
            if (v == null) {
                v = new RemediationRecord.DecisionView();
                v.outcome = "refuse";
                v.reason = reason;
                v.message = "after the episode ended: " + p.lateMessages.get(reason);
                v.decidedAt = p.last;
                v.repeats = n[0] - 1;
                r.appendToTrail(v);
            } else {
                v.repeats += n[0];
            }
            v.lastAt = p.last;
        });
    }

    /** Every instance that fired has resolved (the last one being {@code instance}): the pending refusal is over. */
    static void clear(RemediationRecord r, String instance, Instant at) {
        if (instance != null) {
            r.status.alerts.firing.remove(instance);
        }
        r.status.phase = Phase.CLEARED;
        r.status.finishedAt = at;
        r.status.message = "alerts resolved at " + at + " before any action; last decision: "
                + (r.status.decision == null ? "none" : r.status.decision.reason);
    }

    void flushQuietly(boolean yielding) {
        try {
            if (yielding) {
                runtime.store().inBackground(this::flush);
            } else {
                flush();
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not write folded alerts yet: %s", e.getMessage());
        }
    }

    /** Writes what was folded to each record, once: what folds in meanwhile waits for the next flush. */
    public void flush() {
        // A snapshot: walking the live map meets records that re-sends fold again while this flush writes them,
        // and two that share a hash bin were then written back to back for as long as a re-send storm lasted.
        for (String name : List.copyOf(pending.keySet())) {
            Pending p = pending.remove(name);
            if (p == null) {
                continue;
            }
            try {
                if (!apply(name, p)) {
                    LOG.warnf("could not fold alerts into %s: the record kept changing", name);
                }
            } catch (RuntimeException e) {
                pending.merge(name, p, (a, b) -> b); // keep it for the next flush
                throw e;
            }
        }
    }

    private boolean apply(String name, Pending p) {
        StateStore store = runtime.store();
        for (int i = 0; i < Cas.ATTEMPTS; i++) {
            RemediationRecord cached = (i == 0 ? store.record(name) : store.fetch(name)).orElse(null);
            if (cached == null) {
                return true;
            }
            RemediationRecord r = cached.copy();
            boolean anyResolved;
            synchronized (p) {
                anyResolved = !p.resolved.isEmpty();
                for (String id : p.joined) {
                    addInstance(r, id, p.last);
                }
                r.status.alerts.firing.removeAll(p.resolved);
                if (p.resends > 0) {
                    r.status.suppressedDuplicates += p.resends;
                    r.status.lastDuplicateAt = p.last;
                }
                addLate(r, p);
                if (p.repeats > 0 && r.status.decision != null) {
                    r.status.decision.repeats += p.repeats;
                    r.status.decision.lastAt = p.last;
                }
            }
            boolean cleared = anyResolved && r.transientRefusal() && r.status.alerts.firing.isEmpty() && !r.status.alerts.overflow;
            if (cleared) {
                clear(r, null, p.last);
            }
            if (store.update(r)) {
                if (cleared) {
                    runtime.events().cleared(r);
                }
                return true;
            }
            Cas.backOff(i);
        }
        return false;
    }
}
