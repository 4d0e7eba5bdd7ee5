package io.autonova.remediator.pipeline;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.rules.Approval;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.state.Cas;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;

import java.time.Instant;

/** The record stage: an episode's record built, and a decision written onto it. */
final class EpisodeRecords {

    private EpisodeRecords() {
    }

    /** The record of a new episode, claimed ({@code EVALUATING}) until its decision is written. */
    static RemediationRecord claim(String name, int episode, Alert alert, Rule rule, Target target, String instanceId, String value,
                                   boolean dryRun, Instant now) {
        RemediationRecord r = claim(name, episode, rule, target, dryRun, now);
        r.spec.trigger.source = alert.source();
        r.spec.trigger.fingerprint = alert.fingerprint();
        r.spec.trigger.alertname = alert.alertname();
        r.spec.trigger.startsAt = alert.startsAt();
        r.spec.trigger.labels.putAll(alert.labels());
        r.spec.trigger.receivedAt = alert.receivedAt();
        r.spec.trigger.value = value;
        EpisodeFolds.addInstance(r, instanceId, now);
        return r;
    }

    /** A claimed record of a run of {@code rule} on the target, before its trigger is written (an alert's, or a person's). */
    static RemediationRecord claim(String name, int episode, Rule rule, Target target, boolean dryRun, Instant now) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.createdAt = now;
        r.spec.rule = rule.name();
        r.spec.episode = episode;
        r.spec.scenario = rule.scenarioName();
        r.spec.parameters.putAll(rule.parameters());
        r.spec.dryRun = dryRun;
        r.spec.target.namespace = target.namespace();
        r.spec.target.deployment = target.deployment();
        r.spec.target.argoApplication = target.argoApplication();
        r.status.phase = Phase.EVALUATING;
        return r;
    }

    /** Puts {@code d} on the record as its current decision (the previous one goes to the trail). */
    static void setDecision(RemediationRecord record, Decision d, Instant now) {
        setDecision(record, d, now, java.util.Optional.empty());
    }

    /** As above; a decision to act that needs approval leaves the run waiting for it, with its deadline on the spec. */
    static void setDecision(RemediationRecord record, Decision d, Instant now, java.util.Optional<Approval.Need> approval) {
        RemediationRecord.DecisionView v = new RemediationRecord.DecisionView();
        v.outcome = d.outcome().tag();
        v.reason = d.reason().name();
        v.message = d.message();
        v.decidedAt = now;
        v.lastAt = now;
        record.retireDecision();
        record.status.decision = v;
        record.status.message = d.message();
        boolean waits = d.outcome() == Outcome.EXECUTE && approval.isPresent();
        record.spec.approval = waits ? need(approval.get(), now) : null;
        if (waits) {
            record.status.message = d.message() + "; waits for approval until " + record.spec.approval.expiresAt;
        }
        record.status.phase = switch (d.outcome()) {
            case EXECUTE -> waits ? Phase.AWAITING_APPROVAL : Phase.PENDING;
            case DRY_RUN -> Phase.DRY_RUN;
            case REFUSE -> Phase.REFUSED;
        };
        if (d.outcome() == Outcome.REFUSE) {
            // A transient refusal keeps an alert's episode open for its re-sends; a run started by hand is asked for again instead.
            record.status.finishedAt = d.reason().isTransient() && record.spec.manual == null ? null : now;
        }
    }

    private static RemediationRecord.ApprovalNeed need(Approval.Need n, Instant now) {
        RemediationRecord.ApprovalNeed a = new RemediationRecord.ApprovalNeed();
        a.timeout = Durations.format(n.timeout());
        a.expiresAt = now.plus(n.timeout());
        for (Approval.Requirement r : n.requiredBy()) {
            RemediationRecord.Requirement q = new RemediationRecord.Requirement();
            q.source = r.source();
            q.approvers.addAll(r.approvers());
            a.requiredBy.add(q);
        }
        return a;
    }

    /**
     * Writes the admitted decision on a record this replica claimed. Someone may have folded alerts or counted
     * re-sends meanwhile: theirs are kept, ours is written.
     */
    static void writeAdmitted(StateStore store, RemediationRecord record, Decision d, Instant now, java.util.Optional<Approval.Need> approval) {
        for (int i = 0; i < Cas.ATTEMPTS; i++) {
            setDecision(record, d, now, approval);
            if (store.update(record)) {
                return;
            }
            RemediationRecord latest = store.fetch(record.name).orElseThrow(
                    () -> new StateStore.StoreUnavailableException("record " + record.name + " vanished while deciding it", null));
            record.status.alerts = latest.status.alerts;
            record.status.suppressedDuplicates = latest.status.suppressedDuplicates;
            record.status.lastDuplicateAt = latest.status.lastDuplicateAt;
            record.resourceVersion = latest.resourceVersion;
            Cas.backOff(i);
        }
        throw new StateStore.StoreUnavailableException("could not write the decision on " + record.name, null);
    }
}
