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
 */
public record DecisionInput(String rule, String namespace, String deployment, boolean firing, boolean alreadyDecided,
                            Threshold threshold, SignalValue value, Instant firingSince, Duration minFiring,
                            TargetLimits limits, GlobalLimits global, boolean dryRun) {

    public String targetKey() {
        return namespace + "/" + deployment;
    }
}
