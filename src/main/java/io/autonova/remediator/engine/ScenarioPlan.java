package io.autonova.remediator.engine;

import java.util.List;
import java.util.Optional;

/**
 * A runbook scenario as a plan: an ordered list of steps, computed from the record (earlier steps' outputs
 * may choose later steps), and for each step done, what undoes it. Pure: no I/O here.
 */
public interface ScenarioPlan {

    /** The name rule files use. */
    String scenario();

    List<StepHandler> steps(RunContext ctx);

    /** The step that undoes {@code done} when the run fails or is aborted, if any is safe now. */
    default Optional<StepHandler> compensation(String done, RunContext ctx) {
        return Optional.empty();
    }

    /** The steps it would take, for a dry-run without a reachable cluster: (name, action) pairs. */
    List<String[]> outline(RunContext ctx);
}
