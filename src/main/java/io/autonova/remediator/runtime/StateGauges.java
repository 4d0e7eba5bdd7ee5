package io.autonova.remediator.runtime;

import io.autonova.remediator.config.RemediatorMetrics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.time.Clock;

/** What an SRE alerts on from the state: is the store usable, how many targets wait for a human, pauses, runs in flight. */
@ApplicationScoped
public class StateGauges {

    private final ServiceRuntime runtime;
    private final RemediatorMetrics metrics;
    private final Clock clock;

    public StateGauges(ServiceRuntime runtime, RemediatorMetrics metrics, Clock clock) {
        this.runtime = runtime;
        this.metrics = metrics;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        metrics.gauge("remediator_state_store_ready", "1 when the state store answers and its caches are synced, else 0", () -> {
            try {
                runtime.store().checkReady();
                return 1;
            } catch (RuntimeException e) {
                return 0;
            }
        });
        metrics.gauge("remediator_targets_held", "Targets held for a human (a failed compensation, a known-bad revision, a verification)",
                () -> runtime.store().targets().stream().filter(t -> t.state().hold() != null).count());
        metrics.gauge("remediator_pauses_active", "Pauses in force", () -> runtime.store().pauses().stream().filter(p -> p.activeAt(clock.instant())).count());
        metrics.gauge("remediator_remediations_in_flight", "Remediations admitted and not finished", () -> runtime.store().global().value().inFlight().size());
    }
}
