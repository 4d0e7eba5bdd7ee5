package io.autonova.remediator.engine;

import io.autonova.remediator.rules.Scenario;

import java.util.List;
import java.util.Optional;

/**
 * A runbook scenario, whole: what rule files may say about it ({@link Scenario}: name, parameters, calls) and its
 * plan: an ordered list of steps, computed from the record (earlier steps' outputs may choose later steps), and
 * for each step done, what undoes it. Pure: no I/O here. A new scenario is one class implementing this, listed in
 * {@code META-INF/services/io.autonova.remediator.rules.Scenario}.
 */
public interface ScenarioPlan extends Scenario {

    List<StepHandler> steps(RunContext ctx);

    /** The step that undoes {@code done} when the run fails or is aborted, if any is safe now. */
    default Optional<StepHandler> compensation(String done, RunContext ctx) {
        return Optional.empty();
    }

    /** The steps it would take, for a dry-run without a reachable cluster: (name, action) pairs. */
    List<String[]> outline(RunContext ctx);

    /**
     * The plan of every scenario rule files may name. A scenario listed without a plan stops the service at start:
     * a rule could name it and never run.
     */
    static List<ScenarioPlan> all() {
        return plansOf(Scenario.all());
    }

    static List<ScenarioPlan> plansOf(List<Scenario> scenarios) {
        List<ScenarioPlan> plans = new java.util.ArrayList<>();
        for (Scenario s : scenarios) {
            if (!(s instanceof ScenarioPlan p)) {
                throw new IllegalStateException("scenario " + s.ruleName() + " (" + s.getClass().getName() + ") has no plan: it must implement ScenarioPlan");
            }
            plans.add(p);
        }
        return plans;
    }
}
