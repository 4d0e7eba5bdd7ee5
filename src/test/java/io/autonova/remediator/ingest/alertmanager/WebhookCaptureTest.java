package io.autonova.remediator.ingest.alertmanager;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WebhookCaptureTest {

    static List<Alert> alert(int i) {
        return List.of(new Alert("alertmanager", String.format("%016x", i), true, Map.of("alertname", "HighErrorRate", "n", String.valueOf(i)),
                Map.of("value", "0.5"), Instant.parse("2026-12-03T03:00:00Z"), null, "http://prometheus", Instant.parse("2026-12-03T03:00:01Z")));
    }

    @Test
    void theFileIsPrivateAndRotatedAtItsCap(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("captured.jsonl");
        try (WebhookCapture c = new WebhookCapture(file, 2_000, Json.MAPPER)) {
            for (int i = 0; i < 30; i++) {
                c.capture(alert(i), Instant.parse("2026-12-03T03:00:02Z"));
            }
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Path rotated = dir.resolve("captured.jsonl.1");
        assertTrue(Files.exists(rotated));
        assertTrue(Files.size(file) <= 2_000 && Files.size(rotated) <= 2_000, Files.size(file) + " / " + Files.size(rotated));
        String last = Files.readAllLines(file).get(Files.readAllLines(file).size() - 1);
        assertTrue(last.contains("\"n\":\"29\""), last);
    }

    @Test
    void aFailingDiskIsRetriedAndNothingQueuedIsLost(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("not-yet").resolve("captured.jsonl"); // its directory does not exist: every open fails
        try (WebhookCapture c = new WebhookCapture(file, 1_000_000, Json.MAPPER)) {
            c.capture(alert(1), Instant.now());
            c.capture(alert(2), Instant.now());
            await().atMost(Duration.ofSeconds(10)).until(() -> c.failures() >= 1);
            assertFalse(Files.exists(file));
            Files.createDirectories(file.getParent());
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && Files.readAllLines(file).size() == 2);
        }
    }
}
