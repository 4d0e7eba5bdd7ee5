package io.autonova.remediator.scenarios;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;

/** {@code kubectl rollout status} as a pure function of a Deployment. */
public final class RolloutStatus {

    public enum State { COMPLETE, PROGRESSING, FAILED }

    public record Result(State state, String message) {
    }

    private RolloutStatus() {
    }

    public static Result evaluate(Deployment d) {
        String name = d.getMetadata().getName();
        DeploymentStatus s = d.getStatus();
        long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
        if (s == null || s.getObservedGeneration() == null || s.getObservedGeneration() < generation) {
            return new Result(State.PROGRESSING, "waiting for deployment spec update to be observed");
        }
        if (s.getConditions() != null) {
            for (DeploymentCondition c : s.getConditions()) {
                if ("Progressing".equals(c.getType()) && "ProgressDeadlineExceeded".equals(c.getReason())) {
                    return new Result(State.FAILED, "deployment " + name + " exceeded its progress deadline");
                }
            }
        }
        int wanted = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        int updated = nz(s.getUpdatedReplicas());
        int replicas = nz(s.getReplicas());
        int available = nz(s.getAvailableReplicas());
        if (updated < wanted) {
            return new Result(State.PROGRESSING, updated + " out of " + wanted + " new replicas have been updated");
        }
        if (replicas > updated) {
            return new Result(State.PROGRESSING, (replicas - updated) + " old replicas are pending termination");
        }
        if (available < updated) {
            return new Result(State.PROGRESSING, available + " of " + updated + " updated replicas are available");
        }
        return new Result(State.COMPLETE, "deployment " + name + " successfully rolled out");
    }

    private static int nz(Integer i) {
        return i == null ? 0 : i;
    }
}
