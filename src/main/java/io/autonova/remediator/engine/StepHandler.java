package io.autonova.remediator.engine;

import java.time.Duration;
import java.util.Map;

/**
 * One step of a plan. {@link #prepare} reads what is needed to finish or undo the step; the engine writes
 * it to the record before {@link #act} runs (write-ahead). {@code act} must be idempotent: run again after
 * a crash, it detects that its effect is already there and reports done.
 */
public interface StepHandler {

    String name();

    /** Steps that only read are not written ahead, and are simply run again after a crash. */
    default boolean readOnly() {
        return false;
    }

    /** A step that waits (verification) gives up after this long from its start; null: no deadline. */
    default Duration deadline(RunContext ctx) {
        return null;
    }

    /** Read-only; the result is persisted as the step's inputs before it acts. */
    default Map<String, String> prepare(RunContext ctx) {
        return Map.of();
    }

    StepResult act(RunContext ctx, Map<String, String> inputs);
}
