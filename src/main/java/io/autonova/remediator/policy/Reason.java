package io.autonova.remediator.policy;

/**
 * Why a decision came out as it did. A fixed set: it is a metric tag, a log field and a record field.
 * A transient reason may change on a later re-send of the same alert, so such a record is re-evaluated;
 * a final one is never acted on again.
 */
public enum Reason {
    ALL_CHECKS_PASSED(false, "every policy check passed"),
    DRY_RUN(false, "dry-run is on: actions are recorded, not carried out"),
    FORCED(false, "an operator forced the run past the policy's pauses, limits, holds and approval (never past another run on the target)"),
    ALERT_RESOLVED(false, "the alert is resolved; resolved alerts never start an action"),
    VALUE_INCONCLUSIVE(true, "the alert's value is missing, NaN, infinite, out of range or not a number"),
    BELOW_THRESHOLD(true, "the alert's value does not cross the rule's threshold"),
    FIRING_TOO_SHORT(true, "the alert has not been firing for the rule's minimum duration"),
    NO_RECENT_CHANGE(false, "nothing the scenario can undo changed shortly before the alert (or only this service did): this needs a human"),
    CHANGED_AFTER_ALERT(false, "the target changed after the alert started (someone may already have deployed a fix): this needs a human"),
    PAUSED(true, "automation is paused for this target"),
    AWAITING_HUMAN(true, "the target reached its cap of consecutive automatic actions and waits for an operator"),
    DUPLICATE_ALERT(false, "this alert (fingerprint and start time) was already handled"),
    EPISODE_OPEN(false, "a remediation of this rule on this target is already under way; the alert is folded into it"),
    TARGET_IN_FLIGHT(true, "a remediation of this target is already in flight"),
    COOLDOWN(true, "the target is in its cooldown after a recent action"),
    RATE_LIMITED_TARGET(true, "the per-target rate limit is reached"),
    RATE_LIMITED_RULE(true, "the per-rule rate limit is reached"),
    RATE_LIMITED_GLOBAL(true, "the global rate limit is reached"),
    CONCURRENCY_LIMIT(true, "the maximum number of remediations in flight is reached"),
    INVALID_TARGET(false, "the target rendered from the alert's labels is not a valid Kubernetes name"),
    NAMESPACE_NOT_ALLOWED(false, "the target's namespace is not one this service may act in (remediator.allowed-namespaces)"),
    NAMESPACE_PROTECTED(false, "the target's namespace is never acted in (the control plane's, the remediator's own, Argo CD's, or remediator.denied-namespaces)"),
    NO_MATCHING_RULE(false, "no rule matches the alert");

    private final boolean transientReason;
    private final String description;

    Reason(boolean transientReason, String description) {
        this.transientReason = transientReason;
        this.description = description;
    }

    public boolean isTransient() {
        return transientReason;
    }

    public String description() {
        return description;
    }

    public String tag() {
        return name().toLowerCase();
    }
}
