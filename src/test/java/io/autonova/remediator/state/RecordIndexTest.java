package io.autonova.remediator.state;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record cache keeps the newest version, and says which watch events it would ignore (the echoes of its own writes). */
class RecordIndexTest {

    private static RemediationRecord record(String rv, String message) {
        RemediationRecord r = new RemediationRecord();
        r.name = "high-error-rate-abc-1";
        r.resourceVersion = rv;
        r.spec.rule = "high-error-rate";
        r.spec.episode = 1;
        r.spec.target.namespace = "shop";
        r.spec.target.deployment = "web";
        r.status.message = message;
        return r;
    }

    @Test
    void holdsWhatItWouldIgnore() {
        RecordIndex index = new RecordIndex();
        assertFalse(index.holds("high-error-rate-abc-1", "5"), "nothing cached yet");
        assertTrue(index.offer(record("5", "ours")));
        assertTrue(index.holds("high-error-rate-abc-1", "5"), "the echo of our own write");
        assertTrue(index.holds("high-error-rate-abc-1", "4"));
        assertFalse(index.holds("high-error-rate-abc-1", "6"), "a newer version, another replica's write");
        assertFalse(index.holds("high-error-rate-abc-1", "opaque"), "opaque versions are always read");
        assertFalse(index.holds("other", "5"));
        for (String rv : new String[]{"4", "5"}) {
            assertEquals(index.holds("high-error-rate-abc-1", rv), !index.offer(record(rv, "watch")), "holds() agrees with offer() at " + rv);
        }
        assertEquals("ours", index.get("high-error-rate-abc-1").orElseThrow().status.message);
        assertTrue(index.offer(record("6", "theirs")));
        assertEquals("theirs", index.latest("high-error-rate", "shop/web").orElseThrow().status.message);
    }
}
