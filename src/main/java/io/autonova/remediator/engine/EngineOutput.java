package io.autonova.remediator.engine;

/**
 * The step outputs the engine itself reads back from the record (every other output is the scenario's own):
 * each written and read through one of these keys, never a string spelled twice.
 */
public enum EngineOutput {
    /** {@code true}: the step's change reached the cluster; a failure after it is not undone by going back. */
    COMMITTED("committed"),
    /** The template hash the run rolled back from: marked known-bad for the target once committed. */
    FROM_TEMPLATE("fromTemplate"),
    /** If the run fails after this step, the target is held for a human, for this reason. */
    HOLD_ON_FAILURE("holdOnFailure"),
    /** {@code true}: Git (Argo CD's source) must be changed to match the rollback; said on the record and in notices. {@code false}: it was. */
    GIT_MUST_FOLLOW("gitMustFollow"),
    /** A sentence for the operator: something the service cannot do and a human must. */
    HUMAN_ACTION("humanAction"),
    /** The revision rolled back from, and to: copied to the record's status. */
    REVISION_FROM("revisionFrom"),
    REVISION_TO("revisionTo"),
    /** The step's one-line outcome, for the record's message when the run ends without acting. */
    SUMMARY("summary");

    private final String key;

    EngineOutput(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    /** This output's value among a step's outputs (or inputs), or null. */
    public String in(java.util.Map<String, String> values) {
        return values.get(key);
    }
}
