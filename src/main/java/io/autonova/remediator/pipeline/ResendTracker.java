package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.ServiceRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Re-sends of alerts already decided for good. Alertmanager re-sends every firing alert on each group
 * change and repeat interval; each one is answered from memory when its record is known to be settled,
 * and counted on the record in coalesced writes, so a storm of re-sends is neither read from nor written
 * to the API server one by one.
 */
@ApplicationScoped
public class ResendTracker {

    private static final Logger LOG = Logger.getLogger(ResendTracker.class);
    private static final int SETTLED_CAPACITY = 20_000;

    private record Pending(long count, Instant last) {
    }

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    // Records whose decision can no longer change: a re-send of their alert is a duplicate, whatever happens next.
    private final Map<String, Boolean> settled = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > SETTLED_CAPACITY;
        }
    };
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    private ScheduledExecutorService flusher;

    public ResendTracker(ServiceRuntime runtime, RemediatorConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    void start(@Observes StartupEvent event) {
        long every = Math.max(10, config.execution().resendFlushInterval().toMillis());
        flusher = io.autonova.remediator.config.DaemonThreads.scheduler("resend-flusher");
        flusher.scheduleWithFixedDelay(this::flushQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        flushQuietly();
    }

    public synchronized boolean isSettled(String record) {
        return settled.containsKey(record);
    }

    public synchronized void settle(String record) {
        settled.put(record, Boolean.TRUE);
    }

    public void count(String record, Instant at) {
        pending.merge(record, new Pending(1, at), (a, b) -> new Pending(a.count + b.count, b.last.isAfter(a.last) ? b.last : a.last));
    }

    void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.warnf("could not write re-send counts yet: %s", e.getMessage());
        }
    }

    /** Adds the counted re-sends to their records. */
    public void flush() {
        for (String name : pending.keySet()) {
            Pending p = pending.remove(name);
            if (p == null) {
                continue;
            }
            try {
                if (!add(name, p)) {
                    LOG.warnf("could not count %d re-sends on %s: the record kept changing", p.count, name);
                }
            } catch (RuntimeException e) {
                count(name, p.last); // keep it for the next flush
                throw e;
            }
        }
    }

    private boolean add(String name, Pending p) {
        for (int i = 0; i < LedgerUpdates.ATTEMPTS; i++) {
            RemediationRecord r = runtime.store().getRecord(name).orElse(null);
            if (r == null) {
                return true;
            }
            r.status.suppressedDuplicates += (int) p.count;
            r.status.lastDuplicateAt = r.status.lastDuplicateAt == null || p.last.isAfter(r.status.lastDuplicateAt) ? p.last : r.status.lastDuplicateAt;
            if (runtime.store().updateRecord(r)) {
                return true;
            }
            LedgerUpdates.backOff(i);
        }
        return false;
    }
}
