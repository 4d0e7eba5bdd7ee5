package io.autonova.remediator.engine;

import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.cluster.ClusterActions;
import io.autonova.remediator.peers.GitOps;
import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.state.RemediationRecord;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * What a step sees of its run: the record as persisted (never changed by the step), the target, the
 * cluster adapters (in a dry-run, the what-if view that sends no write), Prometheus and Git write-back (null when not
 * configured), and the outputs of earlier steps.
 */
public record RunContext(RemediationRecord record, Target target, ClusterActions cluster, String argoNamespace, Instant now,
                         Duration verifyTimeout, TargetState targetState, PrometheusClient prometheus, GitOps gitops) {

    public Map<String, String> parameters() {
        return record.spec.parameters;
    }

    /** An output of an earlier step, or null. */
    public String output(String step, String key) {
        RemediationRecord.Step s = record.step(step);
        return s == null ? null : s.outputs.get(key);
    }

    /** When a step began: a waiting step measures its window from here (now, on its first look). */
    public Instant startedAt(String step) {
        RemediationRecord.Step s = record.step(step);
        return s == null || s.startedAt == null ? now : s.startedAt;
    }

    public boolean succeeded(String step) {
        RemediationRecord.Step s = record.step(step);
        return s != null && "succeeded".equals(s.phase);
    }

    /** True when the step has started (it may have acted before a crash). */
    public boolean started(String step) {
        RemediationRecord.Step s = record.step(step);
        return s != null && !"pending".equals(s.phase);
    }
}
