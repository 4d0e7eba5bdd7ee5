package io.autonova.remediator.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.autonova.remediator.policy.Ledger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The store for running without a cluster (quick start, dry-run). Same conditional-write semantics as
 * the Kubernetes store; records are kept as JSON so callers never share mutable objects.
 */
public class InMemoryStateStore implements StateStore {

    private final Map<String, String> records = new HashMap<>();
    private final Map<String, Long> recordVersions = new HashMap<>();
    private Ledger ledger = Ledger.EMPTY;
    private long ledgerVersion;
    private long nextVersion = 1;

    @Override
    public String kind() {
        return "in-memory";
    }

    @Override
    public synchronized Versioned<Ledger> loadLedger() {
        return new Versioned<>(ledger, Long.toString(ledgerVersion));
    }

    @Override
    public synchronized boolean replaceLedger(Versioned<Ledger> read, Ledger next) {
        if (!Long.toString(ledgerVersion).equals(read.version())) {
            return false;
        }
        ledger = next;
        ledgerVersion = nextVersion++;
        return true;
    }

    @Override
    public synchronized boolean createRecord(RemediationRecord record) {
        if (records.containsKey(record.name)) {
            return false;
        }
        store(record);
        return true;
    }

    @Override
    public synchronized boolean updateRecord(RemediationRecord record) {
        Long current = recordVersions.get(record.name);
        if (current == null || !current.toString().equals(record.resourceVersion)) {
            return false;
        }
        store(record);
        return true;
    }

    @Override
    public synchronized Optional<RemediationRecord> getRecord(String name) {
        String json = records.get(name);
        return json == null ? Optional.empty() : Optional.of(read(name, json));
    }

    @Override
    public synchronized List<RemediationRecord> listRecords() {
        List<RemediationRecord> list = new ArrayList<>();
        records.forEach((name, json) -> list.add(read(name, json)));
        list.sort(Comparator.comparing((RemediationRecord r) -> r.createdAt).reversed());
        return list;
    }

    private void store(RemediationRecord record) {
        long v = nextVersion++;
        record.resourceVersion = Long.toString(v);
        try {
            records.put(record.name, Json.MAPPER.writeValueAsString(record));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        recordVersions.put(record.name, v);
    }

    private RemediationRecord read(String name, String json) {
        try {
            RemediationRecord r = Json.MAPPER.readValue(json, RemediationRecord.class);
            r.resourceVersion = recordVersions.get(name).toString();
            return r;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
