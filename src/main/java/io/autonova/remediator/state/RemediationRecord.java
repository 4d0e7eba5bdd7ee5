package io.autonova.remediator.state;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit record of one remediation: what triggered it, the decision and why, each step with its
 * times, and the outcome. Stored as a {@code Remediation} custom resource (spec and status).
 */
public class RemediationRecord {

    public String name;
    @JsonIgnore
    public String resourceVersion;
    public Instant createdAt;
    public Spec spec = new Spec();
    public Status status = new Status();

    public static class Spec {
        public String rule;
        public String scenario;
        public Map<String, String> parameters = new LinkedHashMap<>();
        public boolean dryRun;
        public TargetRef target = new TargetRef();
        public Trigger trigger = new Trigger();
        public boolean abortRequested;
        public String abortRequestedBy;
    }

    public static class TargetRef {
        public String namespace;
        public String deployment;
        public String argoApplication;
    }

    public static class Trigger {
        public String source;
        public String fingerprint;
        public String alertname;
        public Instant startsAt;
        public Map<String, String> labels = new LinkedHashMap<>();
        public String value;
        public Instant receivedAt;
    }

    public static class DecisionView {
        public String outcome;
        public String reason;
        public String message;
        public Instant decidedAt;
    }

    public static class Step {
        public String name;
        public String phase;
        public Instant startedAt;
        public Instant finishedAt;
        public String message;
    }

    public static class Status {
        public Phase phase = Phase.EVALUATING;
        public DecisionView decision;
        /** Earlier decisions on this alert that a re-send replaced (transient refusals only). */
        public int reevaluations;
        public int suppressedDuplicates;
        public Instant lastDuplicateAt;
        public String revisionFrom;
        public String revisionTo;
        public List<Step> steps = new ArrayList<>();
        public Instant startedAt;
        public Instant finishedAt;
        public String message;
        public Boolean gitMustFollow;
    }

    @JsonIgnore
    public String targetKey() {
        return spec.target.namespace + "/" + spec.target.deployment;
    }
}
