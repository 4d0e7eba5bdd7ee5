package io.autonova.remediator.engine;

/** Why a step, and so a run, failed. A fixed set: a record field, a metric tag and an Event note. */
public enum FailureReason {
    TARGET_NOT_FOUND("the target Deployment does not exist"),
    DEPLOYMENT_PAUSED("the Deployment is paused; kubectl refuses to roll back a paused Deployment"),
    NO_EARLIER_REVISION("the target has no earlier revision to go back to"),
    KNOWN_BAD_REVISION("the revision to go back to is one this service rolled back from; a human must decide"),
    NEWER_DEPLOY("the target was deployed again since the plan was made; the run leaves it alone"),
    ARGO_UNVERIFIED("the Argo CD Application named for the target does not manage it"),
    ARGO_OPERATION_IN_PROGRESS("another Argo CD operation is in progress on the Application"),
    ARGO_NO_HISTORY("the Argo CD Application has no earlier deployment to go back to"),
    ARGO_SYNC_FAILED("the Argo CD sync operation failed"),
    ROLLOUT_FAILED("the rollout failed (progress deadline exceeded)"),
    TIMED_OUT("the step did not complete within its deadline"),
    API_ERROR("the Kubernetes API kept failing"),
    ABORTED("an operator aborted the run"),
    COMPENSATION_FAILED("undoing an earlier step failed; the target waits for a human");

    private final String description;

    FailureReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
