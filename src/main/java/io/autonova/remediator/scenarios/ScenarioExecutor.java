package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.Target;

import java.util.List;
import java.util.Map;

/** One runbook scenario carried out through the Kubernetes API. */
public interface ScenarioExecutor {

    Scenario scenario();

    /** Runs the scenario; returns the closing sentence. Throws {@link ExecutionContext.Failure} or {@link ExecutionContext.Aborted}. */
    String execute(ExecutionContext ctx);

    /** The steps it would take, for a dry-run without a reachable cluster. */
    List<PlannedStep> outline(Target target, Map<String, String> parameters);
}
