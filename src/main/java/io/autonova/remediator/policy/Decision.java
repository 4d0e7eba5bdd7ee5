package io.autonova.remediator.policy;

/** The policy engine's verdict, with a fixed reason and a sentence that explains it. */
public record Decision(Outcome outcome, Reason reason, String message) {

    static Decision refuse(Reason reason, String detail) {
        return new Decision(Outcome.REFUSE, reason, reason.description() + (detail == null ? "" : " (" + detail + ")"));
    }

    public static Decision resolved() {
        return refuse(Reason.ALERT_RESOLVED, null);
    }

    public boolean acts() {
        return outcome == Outcome.EXECUTE;
    }
}
