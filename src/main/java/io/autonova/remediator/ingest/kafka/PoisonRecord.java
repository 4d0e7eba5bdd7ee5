package io.autonova.remediator.ingest.kafka;

/** A record that can never become a signal; it goes to the dead-letter topic with this reason. */
public class PoisonRecord extends RuntimeException {

    public enum Reason {
        INVALID_JSON, UNKNOWN_TYPE, MISSING_FIELD, ABSURD_VALUE, INVALID_NAME;

        public String tag() {
            return name().toLowerCase();
        }
    }

    private final Reason reason;

    public PoisonRecord(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
