package io.autonova.remediator.state;

import io.autonova.remediator.policy.Ledger;

import java.util.List;
import java.util.Optional;

/**
 * Where remediation records and the policy ledger live. Every write is conditional, so replicas that
 * share a store agree: a create fails when the name exists, an update when the version moved on.
 */
public interface StateStore {

    /** "kubernetes" or "in-memory", for logs and the API. */
    String kind();

    Versioned<Ledger> loadLedger();

    /** Writes {@code next} only if the stored ledger is still at {@code read.version()}; false on conflict. */
    boolean replaceLedger(Versioned<Ledger> read, Ledger next);

    /** Creates the record; false when a record of that name already exists. Sets its version. */
    boolean createRecord(RemediationRecord record);

    /** Updates the record if unchanged since it was read; false on conflict. Sets its new version. */
    boolean updateRecord(RemediationRecord record);

    Optional<RemediationRecord> getRecord(String name);

    List<RemediationRecord> listRecords();

    /** Thrown when the store cannot be reached; callers answer 503 so the sender retries. */
    class StoreUnavailableException extends RuntimeException {
        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
