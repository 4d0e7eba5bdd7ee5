package io.autonova.remediator.api;

import io.autonova.remediator.runtime.ServiceRuntime;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import jakarta.enterprise.context.ApplicationScoped;

/** Ready when the state store answers: without it, no decision can be recorded. */
@Readiness
@ApplicationScoped
public class StateStoreReadiness implements HealthCheck {

    private final ServiceRuntime runtime;

    public StateStoreReadiness(ServiceRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            runtime.store().checkReady();
            return HealthCheckResponse.builder().name("state-store").up().withData("store", runtime.store().kind())
                    .withData("dryRun", runtime.dryRun()).build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.builder().name("state-store").down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
