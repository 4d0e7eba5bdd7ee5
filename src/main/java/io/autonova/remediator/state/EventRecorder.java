package io.autonova.remediator.state;

import io.autonova.remediator.policy.Reason;
import java.util.EnumSet;

import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.Outcome;

/**
 * Publishes what the service decided and did as Kubernetes Events on the record and on the target
 * Deployment, so {@code kubectl describe deploy X} explains it. Best effort: an event that cannot be written
 * never fails a decision or a run.
 */
public interface EventRecorder {

    /** Normal or Warning, as Kubernetes has it. */
    void emit(RemediationRecord record, boolean warning, String reason, String note);

    default void decision(RemediationRecord record, Decision d) {
        String reason = switch (d.outcome()) {
            case EXECUTE -> "RemediationAdmitted";
            case DRY_RUN -> "RemediationDryRun";
            case REFUSE -> "RemediationRefused";
        };
        // A Warning where a person must act: the target waits for one, or the alert is real and nothing of ours changed before it.
        boolean human = EnumSet.of(Reason.AWAITING_HUMAN, Reason.NO_RECENT_CHANGE, Reason.CHANGED_AFTER_ALERT).contains(d.reason());
        emit(record, d.outcome() == Outcome.REFUSE && human, reason,
                d.reason().name() + ": " + d.message());
    }

    default void cleared(RemediationRecord record) {
        emit(record, false, "RemediationCleared", "ALERT_RESOLVED: " + record.status.message);
    }

    EventRecorder NONE = (record, warning, reason, note) -> {
    };
}
