package io.autonova.remediator.pipeline;

import io.autonova.remediator.runtime.ServiceRuntime;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EpisodeFoldsTest {

    static final Instant NOW = Instant.parse("2026-11-28T03:00:00Z");

    /**
     * Re-sends keep arriving while a flush writes: each flush writes a record once, and what arrived meanwhile
     * waits for the next flush. (A flush that walked the live map met the re-added records again and kept
     * writing two colliding records back to back for as long as a re-send storm lasted.)
     */
    @Test
    void aFlushWritesEachRecordOnceWhileResendsKeepArriving() {
        Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
        EpisodeFolds[] folds = new EpisodeFolds[1];
        InMemoryStateStore store = new InMemoryStateStore() {
            @Override
            public boolean update(RemediationRecord record) {
                // A re-send of the same alert lands while its record is being written; bounded so a failing run ends.
                if (writes.computeIfAbsent(record.name, k -> new AtomicInteger()).incrementAndGet() < 50) {
                    folds[0].resend(record.name, NOW);
                }
                return super.update(record);
            }
        };
        folds[0] = new EpisodeFolds(new ServiceRuntime(store, null, EventRecorder.NONE, "test", false), null);
        int records = 64; // enough for several to share a hash bin
        for (int i = 0; i < records; i++) {
            store.create(record("r-" + i));
            folds[0].resend("r-" + i, NOW);
        }

        folds[0].flush();

        assertEquals(records, writes.size());
        writes.forEach((name, n) -> assertEquals(1, n.get(), name + " written " + n + " times in one flush"));
        folds[0].flush();
        writes.forEach((name, n) -> assertEquals(2, n.get(), name + ": the re-send that arrived during the first flush is written by the next"));
        assertEquals(2, store.record("r-0").orElseThrow().status.suppressedDuplicates, "the first re-send and the one during the first flush");
    }

    private static RemediationRecord record(String name) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.spec.rule = "high-error-rate";
        r.spec.episode = 1;
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = name;
        r.status.phase = Phase.SUCCEEDED;
        r.createdAt = NOW.minus(Duration.ofMinutes(5));
        return r;
    }
}
