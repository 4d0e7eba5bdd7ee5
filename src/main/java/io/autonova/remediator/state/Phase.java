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
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    ABORTED;

    public boolean finished() {
        return this == REFUSED || this == CLEARED || this == DRY_RUN || this == SUCCEEDED || this == FAILED || this == ABORTED;
    }

    public boolean active() {
        return this == PENDING || this == RUNNING;
    }
}
