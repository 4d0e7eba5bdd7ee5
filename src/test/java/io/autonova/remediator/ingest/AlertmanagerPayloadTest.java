package io.autonova.remediator.ingest;

import io.autonova.remediator.domain.Alert;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.ingest.alertmanager.AlertmanagerPayload;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlertmanagerPayloadTest {

    private final ObjectMapper mapper = new ObjectMapper();

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = AlertmanagerPayloadTest.class.getResourceAsStream("/alertmanager/" + name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void readsTheFiringPayloadARealAlertmanagerSent() throws IOException {
        List<Alert> alerts = AlertmanagerPayload.parse(mapper, fixture("webhook-firing.json"), Instant.EPOCH);
        assertEquals(1, alerts.size());
        Alert a = alerts.get(0);
        assertTrue(a.firing());
        assertEquals("703640d70a3eba46", a.fingerprint());
        assertEquals("demo", a.labels().get("service"));
        assertEquals(Instant.parse("2026-11-26T03:28:10.345Z"), a.startsAt());
        assertNull(a.endsAt(), "0001-01-01T00:00:00Z means no end");
    }

    @Test
    void anUpperCaseFingerprintIsReadInLowerCase() throws IOException {
        String body = new String(fixture("webhook-firing.json"), StandardCharsets.UTF_8).replace("703640d70a3eba46", "703640D70A3EBA46");
        assertEquals("703640d70a3eba46", AlertmanagerPayload.parse(mapper, body.getBytes(StandardCharsets.UTF_8), Instant.EPOCH).get(0).fingerprint());
    }

    @Test
    void readsTheResolvedPayload() throws IOException {
        Alert a = AlertmanagerPayload.parse(mapper, fixture("webhook-resolved.json"), Instant.EPOCH).get(0);
        assertFalse(a.firing());
        assertEquals(Instant.parse("2026-11-26T03:28:18.351Z"), a.endsAt());
    }

    @Test
    void rejectsBadBodiesNamingTheField() throws IOException {
        String good = new String(fixture("webhook-firing.json"), StandardCharsets.UTF_8);
        assertRejected("{", "not valid JSON");
        assertRejected("[]", "must be a JSON object");
        assertRejected(good.replace("\"version\": \"4\"", "\"version\": \"3\""), "unsupported webhook payload version '3'");
        assertRejected(good.replace("\"version\": \"4\",", ""), "'version' is required");
        assertRejected(good.replace("\"alerts\": [", "\"alerts\": 5, \"x\": ["), "'alerts' is required and must be an array");
        assertRejected(good.replace("\"status\": \"firing\",\n      \"labels\"", "\"status\": \"burning\",\n      \"labels\""), "alerts[0].status must be");
        assertRejected(good.replace("\"fingerprint\": \"703640d70a3eba46\"", "\"fingerprint\": \"../x\""), "alerts[0].fingerprint");
        assertRejected(good.replace("\"severity\": \"critical\"\n      }", "\"severity\": 5\n      }"), "alerts[0].labels.severity must be a string");
        assertRejected(good.replace("\"startsAt\": \"2026-11-26T03:28:10.345Z\"", "\"startsAt\": \"yesterday\""), "alerts[0].startsAt is not an RFC 3339");
    }

    private void assertRejected(String body, String message) {
        AlertmanagerPayload.InvalidPayload e = assertThrows(AlertmanagerPayload.InvalidPayload.class,
                () -> AlertmanagerPayload.parse(mapper, body.getBytes(StandardCharsets.UTF_8), Instant.EPOCH));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
