package io.autonova.remediator.state;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordSealTest {

    final RecordSeal seal = new RecordSeal(RecordSeal.newKey());

    static Map<String, Object> spec(String undoImage) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("rule", "migration");
        spec.put("scenario", "database-migration-rollback");
        spec.put("episode", 1);
        spec.put("parameters", new LinkedHashMap<>(Map.of("reversible", "true", "undoImage", undoImage, "undoCommand", "migrate undo")));
        spec.put("target", new LinkedHashMap<>(Map.of("namespace", "apps", "deployment", "orders")));
        spec.put("abortRequested", false);
        return spec;
    }

    static Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("phase", "RUNNING");
        status.put("steps", List.of(Map.of("name", "scale-to-zero", "inputs", Map.of("replicas", "2"), "attempts", 1)));
        return status;
    }

    @Test
    void aRecordAsTheApiServerGivesItBackStillVerifies() {
        String s = seal.seal("r-1", "2026-12-03T10:00:00Z", spec("current"), status());
        // Keys in another order, nulls pruned, a whole number come back from Go as a double-looking value.
        Map<String, Object> back = new HashMap<>(spec("current"));
        back.put("episode", 1.0);
        back.put("dryRun", null);
        assertTrue(seal.verifies("r-1", "2026-12-03T10:00:00Z", back, status(), s));
    }

    @Test
    void whatACallerCanChangeOutsideTheServiceBreaksTheSeal() {
        String s = seal.seal("r-1", "2026-12-03T10:00:00Z", spec("current"), status());
        assertFalse(seal.verifies("r-1", "2026-12-03T10:00:00Z", spec("registry.evil/tool:1"), status(), s), "an undo image edited in");
        Map<String, Object> st = status();
        st.put("steps", List.of(Map.of("name", "scale-to-zero", "inputs", Map.of("replicas", "200"), "attempts", 1)));
        assertFalse(seal.verifies("r-1", "2026-12-03T10:00:00Z", spec("current"), st, s), "a step's inputs edited");
        assertFalse(seal.verifies("r-2", "2026-12-03T10:00:00Z", spec("current"), status(), s), "another record's seal copied");
        assertFalse(seal.verifies("r-1", "2026-12-03T10:00:00Z", spec("current"), status(), null), "no seal");
        assertFalse(new RecordSeal(RecordSeal.newKey()).verifies("r-1", "2026-12-03T10:00:00Z", spec("current"), status(), s), "another key");
    }

    @Test
    void anAbortAskedForWithKubectlKeepsTheSeal() {
        String s = seal.seal("r-1", "2026-12-03T10:00:00Z", spec("current"), status());
        Map<String, Object> aborted = spec("current");
        aborted.put("abortRequested", true);
        aborted.put("abortRequestedBy", "kubectl");
        assertTrue(seal.verifies("r-1", "2026-12-03T10:00:00Z", aborted, status(), s));
        assertNotEquals(s, seal.seal("r-1", "2026-12-03T10:00:00Z", spec("current"), Map.of("phase", "SUCCEEDED")));
    }

    @Test
    void aShortKeyIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RecordSeal(new byte[16]));
    }
}
