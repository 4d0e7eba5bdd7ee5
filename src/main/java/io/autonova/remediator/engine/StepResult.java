package io.autonova.remediator.engine;

import java.time.Duration;
import java.util.Map;

/** What one look at a step found: done (with outputs), wait and look again, or failed (with a reason). */
public record StepResult(Kind kind, Map<String, String> outputs, String message, FailureReason reason, Duration checkAgainIn) {

    public enum Kind { DONE, WAIT, FAIL }

    public static StepResult done(String message) {
        return new StepResult(Kind.DONE, Map.of(), message, null, null);
    }

    public static StepResult done(String message, Map<String, String> outputs) {
        return new StepResult(Kind.DONE, outputs, message, null, null);
    }

    /** Look again after the poll interval. */
    public static StepResult waiting(String message) {
        return new StepResult(Kind.WAIT, Map.of(), message, null, null);
    }

    public static StepResult fail(FailureReason reason, String message) {
        return new StepResult(Kind.FAIL, Map.of(), message, reason, null);
    }

    /** Failed, keeping what was seen (a Job's log, the values that drove a verdict). */
    public static StepResult fail(FailureReason reason, String message, Map<String, String> outputs) {
        return new StepResult(Kind.FAIL, outputs, message, reason, null);
    }

    /** Look again after {@code in} rather than the poll interval. */
    public static StepResult waiting(String message, Duration in, Map<String, String> outputs) {
        return new StepResult(Kind.WAIT, outputs, message, null, in);
    }
}
