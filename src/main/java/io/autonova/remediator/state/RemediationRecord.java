package io.autonova.remediator.state;

import io.autonova.remediator.domain.Json;
import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One episode of one (rule, target): the alerts that triggered it while it was open, the decisions taken
 * and why, and, when it acts, each step of its plan with what is needed to finish or undo it. Stored as a
 * {@code Remediation} custom resource (spec and status). Bounded: lists are capped, so a record never grows
 * with the number of alerts folded into it.
 *
 * <p>Records read from a store's cache are shared: call {@link #copy()} before changing one.
 */
public class RemediationRecord {

    public static final int MAX_IDS = 50;
    /**
     * Kept on a run's record while the run may still have something to undo: a record deleted mid-run (a human tidying
     * up) is first aborted, its compensations run, and only then does it go.
     */
    public static final String FINALIZER = "autonova.io/compensate";
    public static final int MAX_DECISIONS = 20;

    public String name;
    @JsonIgnore
    public String resourceVersion;
    /** The object's UID in the API server (null until stored there): Events name it so that kubectl describe shows them. */
    @JsonIgnore
    public String uid;
    public Instant createdAt;
    /** The object's finalizers (metadata, not spec). */
    @JsonIgnore
    public List<String> finalizers = new ArrayList<>();
    /** When deletion was asked for (metadata.deletionTimestamp): the record stays while {@link #FINALIZER} is on it. */
    @JsonIgnore
    public Instant deletionRequestedAt;
    /**
     * True when the stored record does not carry this service's seal (see {@link RecordSeal}): written or changed by
     * someone else. Such a record never acts.
     */
    @JsonIgnore
    public boolean untrusted;
    public Spec spec = new Spec();
    public Status status = new Status();
    /**
     * An answer written with kubectl ({@code kubectl remediation approve}): the annotations {@link #ANSWER_ANNOTATIONS}
     * as found, kept on every write until the service has taken it (then null). Who wrote it is vouched for by the
     * ValidatingAdmissionPolicy {@code autonova-remediator-answers}, not by the record's seal.
     */
    @JsonIgnore
    public Map<String, String> answerRequest;
    /** Why the service did not take a kubectl answer (annotation {@code autonova.io/answer-refused}), for the plugin to show. */
    @JsonIgnore
    public String answerRefused;

    public static final String ANSWER = "autonova.io/answer";
    public static final String ANSWER_BY = "autonova.io/answer-by";
    public static final String ANSWER_GROUPS = "autonova.io/answer-groups";
    public static final String ANSWER_REASON = "autonova.io/answer-reason";
    public static final String ANSWER_REFUSED = "autonova.io/answer-refused";
    public static final List<String> ANSWER_ANNOTATIONS = List.of(ANSWER, ANSWER_BY, ANSWER_GROUPS, ANSWER_REASON);

    public static class Spec {
        public String rule;
        public String scenario;
        /** Episodes of one (rule, target) are numbered from 1; the number is part of the record's name. */
        public int episode;
        public Map<String, String> parameters = new LinkedHashMap<>();
        public boolean dryRun;
        public TargetRef target = new TargetRef();
        /** The alert that opened the episode. */
        public Trigger trigger = new Trigger();
        public boolean abortRequested;
        public String abortRequestedBy;
        /** Set when a person must approve before the run acts: fixed at admission, sealed with the rest of the spec. */
        public ApprovalNeed approval;
        /** Set for a run started by hand through the operator API or the console. */
        public Manual manual;
        /** The change the run undoes and what else the timeline said, fixed when it was decided. */
        public ChangeRef change;
    }

    /**
     * What the change gate found: the change a run undoes (kind, object, when, from and to, and the hashes a run checks
     * the target against before it acts), or for a refusal only the summary; for {@code scenario: auto} the row that
     * picked the scenario. {@code context} is the rest of the timeline a person reads first.
     */
    public static class ChangeRef {
        /** release or config; null when no change passed the gate. */
        public String kind;
        public String object;
        public Instant at;
        public boolean exact;
        public String from;
        public String to;
        public String fromRef;
        public String toRef;
        public List<String> details = new ArrayList<>();
        public String summary;
        /** scenario: auto only: the decision table's row. */
        public String row;
        public List<String> context = new ArrayList<>();
    }

    public static class ApprovalNeed {
        /** When the run ends {@code EXPIRED} if nobody answered. */
        public Instant expiresAt;
        public String timeout;
        /** Every source (rule, defaults, a global approvals policy) that requires approval, each with whom it accepts. */
        public List<Requirement> requiredBy = new ArrayList<>();
    }

    public static class Requirement {
        public String source;
        /** {@code user:<name>} or {@code group:<name>}; empty: anyone RBAC lets approve. */
        public List<String> approvers = new ArrayList<>();
    }

    public static class Manual {
        /** The person (Kubernetes user, or "admin token (break-glass)") who started it. */
        public String by;
        public String reason;
        /** Started past the policy's limits and approval (never past another run on the target). */
        public boolean forced;
    }

    /** A person's answer to a run awaiting approval, or the timeout's. */
    public static class ApprovalAnswer {
        /** approved, denied or expired. */
        public String answer;
        public String by;
        /** api, console, chat or kubectl. */
        public String via;
        public String reason;
        public Instant at;
        /** Seconds between the request and the answer. */
        public long waitedSeconds;
    }

    /** What the run would do, shown to the approver: the plan walked over a what-if view of the cluster. */
    public static class Preview {
        public Instant at;
        public String summary;
        public String revisionFrom;
        public String revisionTo;
        public List<Step> steps = new ArrayList<>();
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

    /** The alert instances folded into the episode: counts, times and a capped list of identities. */
    public static class Alerts {
        /** Distinct alert instances (fingerprint and start) seen. */
        public int instances;
        /** Deliveries of instances already seen (Alertmanager re-sends). */
        public long resends;
        public Instant firstSeen;
        public Instant lastSeen;
        /** Up to {@link #MAX_IDS} instance ids ({@code fingerprint@startsAt}). */
        public List<String> ids = new ArrayList<>();
        /** Instances still firing (capped like {@code ids}); an episode refused for a transient reason clears when it empties. */
        public List<String> firing = new ArrayList<>();
        /** True when more instances were seen than {@code ids} holds. */
        public boolean overflow;
        /**
         * Instances that arrived after the episode ended and were refused for a transient reason (cooldown, limits):
         * folded here rather than opening an episode each, and decided again when re-sent (capped like {@code ids}).
         */
        public List<String> late = new ArrayList<>();
        public long lateCount;
    }

    public static class DecisionView {
        public String outcome;
        public String reason;
        public String message;
        public Instant decidedAt;
        /** How often this same decision was reached again (re-sends re-decided in memory, written coalesced). */
        public long repeats;
        public Instant lastAt;
    }

    public static class Step {
        public String name;
        /** pending, running, waiting, succeeded, failed, skipped, planned */
        public String phase;
        /** True for a step that undoes an earlier one. */
        public boolean compensation;
        public Instant startedAt;
        public Instant finishedAt;
        public String message;
        /** A failure reason from a fixed set, when the step failed. */
        public String reason;
        /** Written before the step acts: what it needs to be finished or undone. */
        public Map<String, String> inputs = new LinkedHashMap<>();
        /** Written after it acted. */
        public Map<String, String> outputs = new LinkedHashMap<>();
        /** When a waiting step looks again. */
        public Instant checkAt;
        /** When a waiting step gives up. */
        public Instant deadline;
        public int attempts;

        @Override
        public String toString() {
            return name + " " + phase + ": " + message;
        }
    }

    /** A post-run notice to a peer (Grafana annotation, chat message): delivered apart from the run, retried, recorded. */
    public static class Notice {
        /** grafana or chat. */
        public String channel;
        /** started or finished. */
        public String event;
        /** pending, sent, or failed (given up). */
        public String phase = "pending";
        public int attempts;
        /** Not tried again before this (backoff, a 429's Retry-After). */
        public Instant notBefore;
        /** The replica delivering it; a claim older than a minute is taken over. */
        public String claimedBy;
        public Instant claimedAt;
        /** What the peer answered: an annotation id, an HTTP status. */
        public String detail;
        public String message;
        public Instant sentAt;
    }

    public static class Status {
        public Phase phase = Phase.EVALUATING;
        public DecisionView decision;
        /** Earlier decisions of this episode, oldest first (at most {@link #MAX_DECISIONS}). */
        public List<DecisionView> decisions = new ArrayList<>();
        public Alerts alerts = new Alerts();
        /** Deliveries answered as duplicates of an instance already decided for good. */
        public long suppressedDuplicates;
        public Instant lastDuplicateAt;
        public String revisionFrom;
        public String revisionTo;
        public List<Step> steps = new ArrayList<>();
        public Instant startedAt;
        public Instant finishedAt;
        public String message;
        /** Why the run failed, from a fixed set. */
        public String failureReason;
        public Boolean gitMustFollow;
        /** What a human still has to do. */
        public List<String> humanActions = new ArrayList<>();
        /** The replica that last advanced the run. */
        public String owner;
        public Instant nextCheckAt;
        /** Set when the run switched from its plan to undoing what it had done. */
        public String compensating;
        /** Notices about the run to Grafana and chat, delivered apart from it. */
        public List<Notice> notices = new ArrayList<>();
        /** The plan preview of a run awaiting approval. */
        public Preview preview;
        /** Who approved or denied it (or that nobody did in time). */
        public ApprovalAnswer approval;
    }

    @JsonIgnore
    public String targetKey() {
        return spec.target.namespace + "/" + spec.target.deployment;
    }

    /**
     * True while the episode takes more alerts: not finished, or refused for a reason that may change. A run started by
     * hand takes no alerts (its name is its own), so once refused it is over whatever the reason, as its finishedAt says.
     */
    @JsonIgnore
    public boolean open() {
        if (!status.phase.finished()) {
            return true;
        }
        return spec.manual == null && status.phase == Phase.REFUSED && transientRefusal();
    }

    @JsonIgnore
    public boolean transientRefusal() {
        if (status.phase != Phase.REFUSED || status.decision == null) {
            return false;
        }
        try {
            return io.autonova.remediator.policy.Reason.valueOf(status.decision.reason).isTransient();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True when every alert instance of the episode has resolved (never for a run started by hand). */
    @JsonIgnore
    public boolean alertResolved() {
        return spec.manual == null && status.alerts.instances > 0 && status.alerts.firing.isEmpty() && !status.alerts.overflow;
    }

    /** How long the run has waited for approval at {@code now}: from its admission (the decision) or its creation. */
    public java.time.Duration approvalWait(Instant now) {
        Instant asked = status.decision != null && status.decision.decidedAt != null ? status.decision.decidedAt : createdAt;
        return asked == null || now.isBefore(asked) ? java.time.Duration.ZERO : java.time.Duration.between(asked, now);
    }

    @JsonIgnore
    public boolean knows(String instanceId) {
        return status.alerts.ids.contains(instanceId);
    }

    /** A deep copy to change and write back; keeps the resourceVersion for the precondition. */
    public RemediationRecord copy() {
        RemediationRecord r = Json.MAPPER.convertValue(this, RemediationRecord.class);
        r.resourceVersion = resourceVersion;
        r.uid = uid;
        r.finalizers = new ArrayList<>(finalizers);
        r.deletionRequestedAt = deletionRequestedAt;
        r.untrusted = untrusted;
        r.answerRequest = answerRequest == null ? null : new LinkedHashMap<>(answerRequest);
        r.answerRefused = answerRefused;
        return r;
    }

    /** Moves the current decision (if any) onto the trail, keeping its newest {@link #MAX_DECISIONS}. */
    public void retireDecision() {
        if (status.decision != null) {
            appendToTrail(status.decision);
            status.decision = null;
        }
    }

    /** Adds an entry to the decision trail, keeping its newest {@link #MAX_DECISIONS}. */
    public void appendToTrail(DecisionView v) {
        status.decisions.add(v);
        while (status.decisions.size() > MAX_DECISIONS) {
            status.decisions.remove(0);
        }
    }

    public Step step(String stepName) {
        return status.steps.stream().filter(s -> s.name.equals(stepName) && !s.compensation).findFirst().orElse(null);
    }
}
