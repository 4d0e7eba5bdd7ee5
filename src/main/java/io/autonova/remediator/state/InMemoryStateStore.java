package io.autonova.remediator.state;

import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.Pause;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The store for running without a cluster (quick start, dry-run) and for pure tests. Same conditional-write
 * semantics as the Kubernetes store; records are copied in and out so callers never share mutable objects.
 */
public class InMemoryStateStore implements StateStore {

    private final RecordIndex records = new RecordIndex();
    private final java.time.Clock clock;

    public InMemoryStateStore(java.time.Clock clock) {
        this.clock = clock;
    }

    public InMemoryStateStore() {
        this(java.time.Clock.systemUTC());
    }
    private final Map<String, Versioned<TargetRecord>> targets = new HashMap<>();
    private Versioned<GlobalState> global = new Versioned<>(GlobalState.EMPTY, null);
    private final List<Pause> pauses = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private long nextVersion = 1;

    @Override
    public String kind() {
        return "in-memory";
    }

    @Override
    public Optional<RemediationRecord> record(String name) {
        return records.get(name);
    }

    @Override
    public Optional<RemediationRecord> latestEpisode(String rule, String targetKey) {
        return records.latest(rule, targetKey);
    }

    @Override
    public List<RemediationRecord> records() {
        return records.all();
    }

    @Override
    public List<RemediationRecord> recordsOf(String targetKey) {
        return records.ofTarget(targetKey);
    }

    @Override
    public Optional<RemediationRecord> fetch(String name) {
        return records.get(name);
    }

    @Override
    public boolean create(RemediationRecord record) {
        synchronized (this) {
            if (records.get(record.name).isPresent()) {
                return false;
            }
            store(record);
        }
        notifyChange(record.name);
        return true;
    }

    @Override
    public boolean update(RemediationRecord record) {
        synchronized (this) {
            Optional<RemediationRecord> current = records.get(record.name);
            if (current.isEmpty() || !current.get().resourceVersion.equals(record.resourceVersion)) {
                return false;
            }
            if (current.get().deletionRequestedAt != null) {
                record.deletionRequestedAt = current.get().deletionRequestedAt;
                if (record.finalizers.isEmpty()) {
                    // As the API server does: the last finalizer gone, the object goes.
                    records.remove(record.name);
                    return true;
                }
            }
            store(record);
        }
        notifyChange(record.name);
        return true;
    }

    private void store(RemediationRecord record) {
        record.resourceVersion = Long.toString(nextVersion++);
        records.offer(record.copy());
    }

    private void notifyChange(String name) {
        listeners.forEach(l -> l.accept(name));
    }

    @Override
    public void delete(String name) {
        synchronized (this) {
            Optional<RemediationRecord> current = records.get(name);
            if (current.isEmpty()) {
                return;
            }
            if (current.get().finalizers.isEmpty()) {
                records.remove(name);
                return;
            }
            if (current.get().deletionRequestedAt != null) {
                return;
            }
            RemediationRecord marked = current.get().copy();
            marked.deletionRequestedAt = clock.instant();
            store(marked);
        }
        notifyChange(name);
    }

    @Override
    public void onRecordChange(Consumer<String> listener) {
        listeners.add(listener);
    }

    @Override
    public synchronized Versioned<TargetRecord> target(String key) {
        return targets.getOrDefault(key, new Versioned<>(TargetRecord.empty(key), null));
    }

    @Override
    public Versioned<TargetRecord> fetchTarget(String key) {
        return target(key);
    }

    @Override
    public synchronized boolean replaceTarget(Versioned<TargetRecord> read, TargetRecord next) {
        String current = targets.containsKey(next.key()) ? targets.get(next.key()).version() : null;
        if (current == null ? read.version() != null : !current.equals(read.version())) {
            return false;
        }
        targets.put(next.key(), new Versioned<>(next, Long.toString(nextVersion++)));
        return true;
    }

    @Override
    public synchronized List<TargetRecord> targets() {
        List<TargetRecord> list = new ArrayList<>();
        targets.values().forEach(v -> list.add(v.value()));
        return list;
    }

    @Override
    public synchronized Versioned<GlobalState> global() {
        return global;
    }

    @Override
    public Versioned<GlobalState> fetchGlobal() {
        return global();
    }

    @Override
    public synchronized boolean replaceGlobal(Versioned<GlobalState> read, GlobalState next) {
        if (global.version() == null ? read.version() != null : !global.version().equals(read.version())) {
            return false;
        }
        global = new Versioned<>(next, Long.toString(nextVersion++));
        return true;
    }

    @Override
    public List<Pause> pauses() {
        return List.copyOf(pauses);
    }

    @Override
    public void createPause(Pause pause) {
        pauses.add(pause);
    }

    @Override
    public boolean deletePause(String id) {
        return pauses.removeIf(p -> p.id().equals(id));
    }

    @Override
    public void checkReady() {
        // always ready
    }
}
