package io.autonova.remediator.policy;

/** What the policy engine allows. */
public enum Outcome {
    /** Run the scenario against the cluster. */
    EXECUTE,
    /** Record what would be done; change nothing. */
    DRY_RUN,
    /** Take no action; the reason says why. */
    REFUSE;

    public String tag() {
        return name().toLowerCase();
    }
}
