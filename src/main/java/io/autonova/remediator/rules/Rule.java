package io.autonova.remediator.rules;


import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated rule: compiled matchers, an optional threshold, the target, the scenario and its limits.
 * An alert rule matches Alertmanager alerts; a signal rule ({@code window} set) evaluates a window over
 * Kafka signals, and its threshold is the window's, so both decide the same way.
 */
public record Rule(String name, String description, List<LabelMatcher> matchers, Threshold threshold, Duration minFiringDuration,
                   TargetTemplate target, Scenario scenario, Map<String, String> parameters, TargetLimits limits,
                   String file, int line, SignalWindowSpec window, Approval approval) {

    public boolean signalRule() {
        return window != null;
    }

    public boolean matches(Map<String, String> labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }
}
