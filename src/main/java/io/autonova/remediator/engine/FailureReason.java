package io.autonova.remediator.engine;

/** Why a step, and so a run, failed. A fixed set: a record field, a metric tag and an Event note. */
public enum FailureReason {
    TARGET_NOT_FOUND("the target Deployment does not exist"),
    DEPLOYMENT_PAUSED("the Deployment is paused; kubectl refuses to roll back a paused Deployment"),
    NO_EARLIER_REVISION("the target has no earlier revision to go back to"),
    KNOWN_BAD_REVISION("the revision to go back to is one this service rolled back from; a human must decide", true),
    CHANGED_SINCE_ALERT("the target no longer runs the change the run was decided to undo (someone deployed or undid since): the run leaves it alone"),
    NEWER_DEPLOY("the target was deployed again since the plan was made; the run leaves it alone"),
    ARGO_UNVERIFIED("the Argo CD Application named for the target does not manage it"),
    ARGO_OPERATION_IN_PROGRESS("another Argo CD operation is in progress on the Application"),
    ARGO_NO_HISTORY("the Argo CD Application has no earlier deployment to go back to"),
    ARGO_SYNC_FAILED("the Argo CD sync operation failed"),
    ROLLOUT_FAILED("the rollout failed (progress deadline exceeded)"),
    TEMPLATE_CHANGED("the Deployment's template moved away from the one rolled back to before verification ended (self-heal, CI or a human "
            + "deployed again): the run does not claim success", true),
    TIMED_OUT("the step did not complete within its deadline"),
    MIGRATION_NOT_REVERSIBLE("the migration has no undo and the rule does not say the schema is backward compatible: frozen for a human", true),
    MIGRATION_UNDO_FAILED("the migration undo Job failed or its result is unknown: the schema is in an unknown state", true),
    CONFIG_HISTORY_MISSING("no earlier snapshot of the changed configuration to restore"),
    SECRET_ROTATION("the Secret's previous data looks like rotated credentials and the rule does not allow restoring them", true),
    SELECTOR_CONFLICT("the temporary Deployment's pods would be selected by the original Deployment (or the other way round)"),
    NO_ENDPOINTS("the Service would have no ready endpoints"),
    VERIFICATION_FAILED("the signal did not clear after the rollback", true),
    VERIFICATION_INCONCLUSIVE("the signal could not be read (no data, NaN, errors or warnings): not counted as healthy", true),
    API_ERROR("the Kubernetes API kept failing (throttled, timing out or erroring) after 5 attempts"),
    API_REFUSED("the Kubernetes API refused a call (forbidden, invalid or gone): not tried again"),
    TARGET_REFUSED("the run's target or parameters were refused at execution (a protected namespace or an invalid name): nothing was sent", true),
    ABORTED("an operator aborted the run"),
    APPROVAL_DENIED("a person denied the run it had to approve; nothing was changed"),
    APPROVAL_EXPIRED("nobody approved the run within its approval timeout; nothing was changed"),
    ALERT_RESOLVED("the alert resolved while the run waited for approval; nothing was changed"),
    RECORD_NOT_ADMITTED("the record does not carry this service's seal (written or changed outside it) or its target or parameters fail the "
            + "rule checks: it was not run"),
    GIT_WRITE_BACK_REFUSED("Git could not be made to follow the rollback (write-back not configured or not allowed for the repository, no single "
            + "Git source, history rewritten, or Git unreachable): automated sync stays off", true),
    GIT_REQUEST_CLOSED("the pull or merge request with the revert was closed without merging: automated sync stays off", true),
    GIT_MOVED_ON("a newer commit changed the application's files before the revert landed: automated sync stays off", true),
    GIT_NOT_MERGED("the revert did not reach the tracked branch within the rule's gitops mergeTimeout: automated sync stays off", true),
    COMPENSATION_FAILED("undoing an earlier step failed; the target waits for a human", true);

    private final String description;
    private final boolean holdsTarget;

    FailureReason(String description) {
        this(description, false);
    }

    FailureReason(String description, boolean holdsTarget) {
        this.description = description;
        this.holdsTarget = holdsTarget;
    }

    /** A run that ends for this reason holds its target until a human clears it. */
    public boolean holdsTarget() {
        return holdsTarget;
    }

    public String description() {
        return description;
    }
}
