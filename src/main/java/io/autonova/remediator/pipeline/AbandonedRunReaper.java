package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Ledger;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.ServiceRuntime;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Closes records left pending or running by a replica that stopped mid-run. A run is alive while its
 * target's in-flight entry in the ledger names it and has not expired; once that entry is gone, nobody
 * will finish the record, so it is marked failed with a message telling the operator to look.
 */
@ApplicationScoped
public class AbandonedRunReaper {

    private static final Logger LOG = Logger.getLogger(AbandonedRunReaper.class);

    private final ServiceRuntime runtime;
    private final RemediationRunner runner;
    private final Clock clock;
    private ScheduledExecutorService scheduler;

    public AbandonedRunReaper(ServiceRuntime runtime, RemediationRunner runner, Clock clock) {
        this.runtime = runtime;
        this.runner = runner;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        scheduler = io.autonova.remediator.config.DaemonThreads.scheduler("abandoned-run-reaper");
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                reap();
            } catch (RuntimeException e) {
                LOG.warnf("could not look for abandoned runs: %s", e.getMessage());
            }
        }, 1, 1, TimeUnit.MINUTES);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Marks abandoned runs failed; returns how many. */
    public int reap() {
        Instant now = clock.instant();
        Map<String, Ledger.InFlight> inFlight = runtime.store().loadLedger().value().activeInFlight(now);
        int reaped = 0;
        for (RemediationRecord r : runtime.store().listRecords()) {
            if (!r.status.phase.active() || runner.running(r.name)) {
                continue;
            }
            Ledger.InFlight owner = inFlight.get(r.targetKey());
            if (owner != null && owner.record().equals(r.name)) {
                continue;
            }
            r.status.phase = Phase.FAILED;
            r.status.finishedAt = now;
            r.status.message = "abandoned: the replica running it stopped before it finished (no live in-flight entry for "
                    + r.targetKey() + "); check the target before clearing anything. Last: " + r.status.message;
            if (runtime.store().updateRecord(r)) {
                reaped++;
                LOG.warnf("remediation %s of %s was abandoned mid-run; marked failed", r.name, r.targetKey());
            }
        }
        return reaped;
    }
}
