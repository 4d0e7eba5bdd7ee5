package io.autonova.remediator.state;

import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where records, per-target state, shared policy state and pauses live. Reads come from a watch-fed cache
 * and cost no API call; every write is conditional (a create fails when the name exists, an update when
 * the version moved on), so replicas that share a store agree. After a conflict, callers read once from
 * the server ({@code fetch*}) and decide again.
 */
public interface StateStore {

    /** "kubernetes" or "in-memory", for logs and the API. */
    String kind();

    // --- records (one per episode of a rule on a target)

    /** From the cache. Shared: {@link RemediationRecord#copy()} before changing it. */
    Optional<RemediationRecord> record(String name);

    /** The newest episode of {@code rule} on {@code targetKey}, from the cache. */
    Optional<RemediationRecord> latestEpisode(String rule, String targetKey);

    /** A snapshot of the cache, newest first. */
    List<RemediationRecord> records();

    /** Reads from the server, bypassing the cache (after a conflict). */
    Optional<RemediationRecord> fetch(String name);

    /** The cached records of one target ({@code namespace/deployment}), every rule's and episode's. */
    default List<RemediationRecord> recordsOf(String targetKey) {
        return records().stream().filter(r -> targetKey.equals(r.targetKey())).toList();
    }

    /** Creates the record; false when a record of that name already exists. Sets its version. */
    boolean create(RemediationRecord record);

    /** Updates the record if unchanged since it was read; false on conflict. Sets its new version. */
    boolean update(RemediationRecord record);

    void delete(String name);

    /** Called with a record's name whenever the cache sees it change (from any replica). */
    void onRecordChange(Consumer<String> listener);

    /**
     * Called with a record's name on every change, this replica's own writes included (which a watch-fed cache has
     * already seen by the time its event comes, so {@link #onRecordChange} may stay silent for them).
     */
    default void onAnyRecordChange(Consumer<String> listener) {
        onRecordChange(listener);
    }

    // --- targets (a Lease each)

    Versioned<TargetRecord> target(String key);

    Versioned<TargetRecord> fetchTarget(String key);

    /** Creates the target's object when {@code read.version()} is null; false on conflict. */
    boolean replaceTarget(Versioned<TargetRecord> read, TargetRecord next);

    List<TargetRecord> targets();

    // --- shared policy state (one small object, written only on admissions and run ends)

    Versioned<GlobalState> global();

    Versioned<GlobalState> fetchGlobal();

    boolean replaceGlobal(Versioned<GlobalState> read, GlobalState next);

    // --- pauses (RemediationPause objects)

    List<Pause> pauses();

    void createPause(Pause pause);

    /** False when no such pause exists. */
    boolean deletePause(String id);

    /**
     * Runs housekeeping (coalesced folds, retention) whose calls give way to the decisions' calls: each waits for
     * a pause in them, for a bounded time, so that a storm's records are not queued behind a flush.
     */
    default void inBackground(Runnable housekeeping) {
        housekeeping.run();
    }

    /** Throws {@link StoreUnavailableException} when the store cannot be reached or its cache is not synced. */
    void checkReady();

    /** Thrown when the store cannot be reached; callers answer 503 so the sender retries. */
    class StoreUnavailableException extends RuntimeException {
        public StoreUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
