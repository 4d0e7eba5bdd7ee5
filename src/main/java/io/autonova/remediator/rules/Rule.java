package io.autonova.remediator.rules;

import io.autonova.remediator.policy.TargetLimits;
import io.autonova.remediator.scenarios.Scenario;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A validated rule: compiled matchers, an optional threshold, the target, the scenario and its limits. */
public record Rule(String name, String description, List<LabelMatcher> matchers, Threshold threshold, Duration minFiringDuration,
                   TargetTemplate target, Scenario scenario, Map<String, String> parameters, TargetLimits limits,
                   String file, int line) {

    public boolean matches(Map<String, String> labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }
}
