package io.autonova.remediator.api;

import io.autonova.remediator.runtime.PermissionCheck;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only when the service account may make every call the configuration needs (and once that was checked). */
@Readiness
@ApplicationScoped
public class PermissionReadiness implements HealthCheck {

    private final PermissionCheck check;

    public PermissionReadiness(PermissionCheck check) {
        this.check = check;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.builder().name("permissions");
        if (!check.checked()) {
            return b.down().withData("reason", "not checked yet").build();
        }
        check.optionalMissing().forEach(p -> b.withData("optional: " + key(p), p.describe()));
        if (check.missing().isEmpty()) {
            return b.up().build();
        }
        b.down();
        for (var p : check.missing()) {
            b.withData(key(p), p.describe());
        }
        return b.build();
    }

    private static String key(io.autonova.remediator.cluster.Permissions.Permission p) {
        return p.verb() + " " + p.resource() + (p.namespace().isEmpty() ? "" : " in " + p.namespace());
    }
}
