package io.autonova.remediator.rules;


import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A validated rule: compiled matchers, an optional threshold, the target, the scenario and its limits.
 * An alert rule matches Alertmanager alerts; a signal rule ({@code window} set) evaluates a window over
 * Kafka signals, and its threshold is the window's, so both decide the same way. {@code scenario} is null when
 * {@code change.auto()}: the change timeline picks it per alert.
 */
public record Rule(String name, String description, List<LabelMatcher> matchers, Threshold threshold, Duration minFiringDuration,
                   TargetTemplate target, Scenario scenario, Map<String, String> parameters, TargetLimits limits,
                   String file, int line, SignalWindowSpec window, Approval approval, ChangeRule change) {

    /** The rule name a run started by hand counts under, whatever its scenario (per-rule rate limit, approval policies, records). */
    public static final String MANUAL = "manual";

    /** The scenario's rule name, or {@code auto} when the change timeline picks it. */
    public String scenarioName() {
        return change.auto() ? ChangeRule.AUTO : scenario.ruleName();
    }

    /** The scenarios a run of this rule may carry out: its own, or any of them when the change timeline picks. */
    public List<Scenario> possibleScenarios() {
        return change.auto() ? Scenario.all() : List.of(scenario);
    }

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
