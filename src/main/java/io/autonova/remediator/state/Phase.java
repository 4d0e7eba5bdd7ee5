package io.autonova.remediator.state;

/** Where a remediation record stands. */
public enum Phase {
    /** Claimed by a replica, decision not yet written. */
    EVALUATING,
    /** The policy said no; the reason is on the record. */
    REFUSED,
    /** The alert resolved before anything was done. */
    CLEARED,
    /** Dry-run: the steps it would take are recorded, nothing was changed. */
    DRY_RUN,
    /** Admitted; waits for a person's approval (holding its target and its place in the limits) before it acts. */
    AWAITING_APPROVAL,
    /** A person denied it; nothing was changed. */
    DENIED,
    /** Nobody approved it within its timeout; nothing was changed. */
    EXPIRED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    ABORTED;

    public boolean finished() {
        return this == REFUSED || this == CLEARED || this == DRY_RUN || this == SUCCEEDED || this == FAILED || this == ABORTED
                || this == DENIED || this == EXPIRED;
    }

    public boolean active() {
        return this == AWAITING_APPROVAL || this == PENDING || this == RUNNING;
    }
}
