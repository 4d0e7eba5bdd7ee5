package io.autonova.remediator.pipeline;

import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Deletes finished records older than {@code remediator.records.retention}, and beyond the newest
 * {@code keep-per-target} finished ones of each target. Open episodes and running records are never
 * touched. Every replica may run it; a delete of a record already gone is harmless.
 */
@ApplicationScoped
public class RecordRetention {

    private static final Logger LOG = Logger.getLogger(RecordRetention.class);

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    public RecordRetention(ServiceRuntime runtime, RemediatorConfig config, Clock clock) {
        this.runtime = runtime;
        this.config = config;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        long every = Math.max(1000, config.records().gcInterval().toMillis());
        scheduler = DaemonThreads.scheduler("record-retention");
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                runtime.store().inBackground(this::collect);
            } catch (RuntimeException e) {
                LOG.warnf("record retention failed this round: %s", e.getMessage());
            }
        }, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Deletes what retention selects; returns how many. */
    public int collect() {
        List<String> doomed = select(runtime.store().records(), clock.instant(), config.records().retention(), config.records().keepPerTarget());
        for (String name : doomed) {
            runtime.store().delete(name);
        }
        if (!doomed.isEmpty()) {
            LOG.infof("record retention deleted %d finished records", doomed.size());
        }
        return doomed.size();
    }

    /**
     * Pure: which records to delete. {@code records} newest first. Only finished records that take no more
     * alerts go; the newest record of each (rule, target) stays whatever its age, so episode numbers and the
     * alerts it already handled stay known.
     */
    public static List<String> select(List<RemediationRecord> records, Instant now, Duration retention, int keepPerTarget) {
        Map<String, Integer> kept = new HashMap<>();
        Set<String> newestOfEpisodeLine = new HashSet<>();
        List<String> doomed = new ArrayList<>();
        for (RemediationRecord r : records) {
            boolean newest = newestOfEpisodeLine.add(r.spec.rule + "\n" + r.targetKey());
            if (r.open() || !r.status.phase.finished()) {
                continue;
            }
            Instant ended = r.status.finishedAt != null ? r.status.finishedAt : r.createdAt;
            int n = kept.merge(r.targetKey(), 1, Integer::sum);
            boolean old = ended != null && ended.isBefore(now.minus(retention));
            if (!newest && (old || n > keepPerTarget)) {
                doomed.add(r.name);
            }
        }
        return doomed;
    }
}
