package io.autonova.remediator.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.ingest.kafka.PoisonRecord;
import io.autonova.remediator.domain.Signal;
import io.autonova.remediator.ingest.kafka.SignalParser;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalParserTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private final SignalParser parser = new SignalParser(new ObjectMapper());

    private Optional<Signal> parse(String json, Map<String, String> headers) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), headers, NOW);
    }

    @Test
    void ownRequestSample() {
        Signal s = parse("{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"checkout\",\"time\":\"2026-11-26T11:59:30Z\","
                + "\"requests\":1000,\"errors\":130}", Map.of()).orElseThrow();
        assertEquals(Signal.Kind.REQUEST_SAMPLE, s.kind());
        assertEquals("prod/checkout", s.targetKey());
        assertEquals(1000, s.requests());
        assertEquals(130, s.errors());
        assertEquals(Instant.parse("2026-11-26T11:59:30Z"), s.time());
    }

    @Test
    void ownPodRestartWithServiceAlias() {
        Signal s = parse("{\"type\":\"pod-restart\",\"namespace\":\"prod\",\"service\":\"api\",\"pod\":\"api-7d9f8c6b5d-x2x9q\","
                + "\"time\":\"2026-11-26T11:59:30Z\",\"restarts\":2}", Map.of()).orElseThrow();
        assertEquals(Signal.Kind.POD_RESTART, s.kind());
        assertEquals(2, s.restarts());
    }

    @Test
    void kubernetesEventFromAnEventExporter() {
        String event = """
                {"metadata": {"name": "api-7d9f8c6b5d-x2x9q.17a", "namespace": "prod", "uid": "u1"},
                 "involvedObject": {"kind": "Pod", "namespace": "prod", "name": "api-7d9f8c6b5d-x2x9q", "fieldPath": "spec.containers{api}"},
                 "reason": "BackOff", "message": "Back-off restarting failed container api in pod api-7d9f8c6b5d-x2x9q",
                 "count": 4, "type": "Warning", "firstTimestamp": "2026-11-26T11:50:00Z", "lastTimestamp": "2026-11-26T11:58:00Z",
                 "eventTime": null, "source": {"component": "kubelet"}}""";
        Signal s = parse(event, Map.of()).orElseThrow();
        assertEquals("prod/api", s.targetKey());
        assertEquals(Instant.parse("2026-11-26T11:58:00Z"), s.time());
        assertEquals(1, s.restarts());
        // eventrouter wraps the Event
        assertEquals("prod/api", parse("{\"verb\":\"UPDATED\",\"event\":" + event + "}", Map.of()).orElseThrow().targetKey());
        // other reasons and other kinds carry no signal
        assertTrue(parse(event.replace("\"BackOff\"", "\"Pulled\""), Map.of()).isEmpty());
        assertTrue(parse(event.replace("\"kind\": \"Pod\"", "\"kind\": \"Node\""), Map.of()).isEmpty());
        assertTrue(parse(event.replace("api-7d9f8c6b5d-x2x9q\", \"fieldPath", "db-0\", \"fieldPath"), Map.of()).isEmpty(), "a StatefulSet pod");
    }

    @Test
    void cloudEventsStructuredAndBinary() {
        String data = "{\"namespace\":\"prod\",\"deployment\":\"checkout\",\"requests\":10,\"errors\":1}";
        Signal structured = parse("{\"specversion\":\"1.0\",\"id\":\"e1\",\"source\":\"/mesh\",\"type\":\"io.autonova.signal.request-sample\","
                + "\"time\":\"2026-11-26T11:59:00Z\",\"datacontenttype\":\"application/json\",\"data\":" + data + "}", Map.of()).orElseThrow();
        assertEquals(Instant.parse("2026-11-26T11:59:00Z"), structured.time(), "the envelope's time when data has none");
        Signal binary = parse(data, Map.of("ce_specversion", "1.0", "ce_id", "e2", "ce_source", "/mesh",
                "ce_type", "io.autonova.signal.request-sample", "ce_time", "2026-11-26T11:59:10Z")).orElseThrow();
        assertEquals(10, binary.requests());
        assertEquals(Instant.parse("2026-11-26T11:59:10Z"), binary.time());
    }

    @Test
    void poisonRecordsSayWhy() {
        assertPoison("{nope", Map.of(), PoisonRecord.Reason.INVALID_JSON);
        assertPoison("[1]", Map.of(), PoisonRecord.Reason.INVALID_JSON);
        assertPoison("{\"hello\":1}", Map.of(), PoisonRecord.Reason.UNKNOWN_TYPE);
        assertPoison("{\"type\":\"cpu-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\"}", Map.of(), PoisonRecord.Reason.UNKNOWN_TYPE);
        assertPoison("{\"type\":\"request-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\",\"requests\":5}", Map.of(),
                PoisonRecord.Reason.MISSING_FIELD);
        assertPoison("{\"type\":\"request-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\",\"requests\":5,\"errors\":6}",
                Map.of(), PoisonRecord.Reason.ABSURD_VALUE);
        assertPoison("{\"type\":\"request-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\",\"requests\":-5,\"errors\":0}",
                Map.of(), PoisonRecord.Reason.ABSURD_VALUE);
        assertPoison("{\"type\":\"request-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2027-01-01T00:00:00Z\",\"requests\":5,\"errors\":0}",
                Map.of(), PoisonRecord.Reason.ABSURD_VALUE);
        assertPoison("{\"type\":\"request-sample\",\"namespace\":\"p\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\",\"requests\":1.5,\"errors\":0}",
                Map.of(), PoisonRecord.Reason.ABSURD_VALUE);
        assertPoison("{\"type\":\"pod-restart\",\"namespace\":\"../etc\",\"deployment\":\"d\",\"time\":\"2026-11-26T11:00:00Z\"}", Map.of(),
                PoisonRecord.Reason.INVALID_NAME);
        assertPoison("{\"type\":\"pod-restart\",\"namespace\":\"p\",\"deployment\":\"D\",\"time\":\"2026-11-26T11:00:00Z\"}", Map.of(),
                PoisonRecord.Reason.INVALID_NAME);
        assertPoison("{}", Map.of("ce_type", "io.autonova.signal.pod-restart", "ce_specversion", "1.0"), PoisonRecord.Reason.MISSING_FIELD);
        assertPoison("{\"specversion\":\"0.3\",\"id\":\"1\",\"source\":\"s\",\"type\":\"t\",\"data\":{}}", Map.of(), PoisonRecord.Reason.UNKNOWN_TYPE);
    }

    private void assertPoison(String json, Map<String, String> headers, PoisonRecord.Reason reason) {
        PoisonRecord p = assertThrows(PoisonRecord.class, () -> parse(json, headers));
        assertEquals(reason, p.reason(), p.getMessage());
    }
}
