package io.autonova.remediator.policy;

import java.time.Instant;

/** An operator's pause. {@code service} is a Deployment name; an expired pause no longer applies. */
public record Pause(String id, PauseScope scope, String namespace, String service, String reason, String createdBy,
                    Instant createdAt, Instant expiresAt) {

    public boolean activeAt(Instant now) {
        return expiresAt == null || now.isBefore(expiresAt);
    }

    public boolean covers(String targetNamespace, String targetDeployment) {
        return switch (scope) {
            case GLOBAL -> true;
            case NAMESPACE -> namespace.equals(targetNamespace);
            case SERVICE -> namespace.equals(targetNamespace) && service.equals(targetDeployment);
        };
    }

    public String describe() {
        return switch (scope) {
            case GLOBAL -> "global pause";
            case NAMESPACE -> "pause of namespace " + namespace;
            case SERVICE -> "pause of " + namespace + "/" + service;
        } + " '" + id + "': " + reason + (expiresAt == null ? "" : ", until " + expiresAt);
    }
}
