package io.autonova.remediator.policy;

import io.autonova.remediator.rules.GlobalLimits;
import io.autonova.remediator.rules.TargetLimits;
import io.autonova.remediator.rules.SignalValue;
import io.autonova.remediator.rules.Threshold;

import java.time.Duration;
import java.time.Instant;

/**
 * Everything the policy engine needs to know about one (alert, rule) pair.
 *
 * @param firing        false for a resolved alert
 * @param alreadyDecided true when a final decision was already recorded for this very alert
 * @param threshold     null when the rule acts on the alert firing alone
 * @param gate          the change gate's verdict on the target's timeline ({@link ChangeGate}); asked only when every
 *                      other check passed (it is the last), so a storm of "not now"s never builds a timeline
 */
public record DecisionInput(String rule, String namespace, String deployment, boolean firing, boolean alreadyDecided,
                            Threshold threshold, SignalValue value, Instant firingSince, Duration minFiring,
                            TargetLimits limits, GlobalLimits global, boolean dryRun, java.util.function.Supplier<ChangeGate.Verdict> gate) {

    public ChangeGate.Verdict change() {
        return gate.get();
    }

    /** For the checks other than the change gate (table tests of those): the gate counts as passed. */
    public DecisionInput(String rule, String namespace, String deployment, boolean firing, boolean alreadyDecided, Threshold threshold,
                         SignalValue value, Instant firingSince, Duration minFiring, TargetLimits limits, GlobalLimits global, boolean dryRun) {
        this(rule, namespace, deployment, firing, alreadyDecided, threshold, value, firingSince, minFiring, limits, global, dryRun,
                () -> ChangeGate.Verdict.notAsked(null));
    }

    public String targetKey() {
        return namespace + "/" + deployment;
    }
}
