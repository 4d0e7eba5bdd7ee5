package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Signal;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-place scanner must never disagree with the full parser: same signal, or it declines and the parser decides. */
class FastPathAgreementTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private final SignalParser parser = new SignalParser(new ObjectMapper());

    private String outcome(String json, boolean fast) {
        // Any header sends the record down the full path.
        Map<String, String> headers = fast ? Map.of() : Map.of("content-type", "application/json");
        try {
            Optional<Signal> s = parser.parse(json.getBytes(StandardCharsets.UTF_8), headers, NOW);
            return s.map(Signal::toString).orElse("empty");
        } catch (PoisonRecord p) {
            return "poison:" + p.reason();
        }
    }

    @Test
    void scannerAndParserAgree() {
        String t = "\"time\":\"2026-11-26T11:59:30.250Z\"";
        List<String> cases = List.of(
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":7}",
                " { \"type\" : \"request-sample\" , \"namespace\":\"prod\",\"service\":\"api\"," + t + ",\"requests\":100,\"errors\":7 } ",
                "{\"type\":\"pod-restart\",\"namespace\":\"prod\",\"deployment\":\"api\",\"pod\":\"api-7d9f8c6b5d-x2x9q\"," + t + "}",
                "{\"type\":\"pod-restart\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"restarts\":3}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":700}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100.0,\"errors\":7}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":-1,\"errors\":0}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":\"100\",\"errors\":7}",
                "{\"type\":\"request-sample\",\"namespace\":\"Prod\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":7}",
                "{\"type\":\"request-sample\",\"namespace\":\"pr\\u006fd\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":7}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\",\"time\":\"2026-13-01T00:00:00Z\",\"requests\":1,\"errors\":0}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\",\"time\":\"2027-11-26T00:00:00Z\",\"requests\":1,\"errors\":0}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":7,\"extra\":{\"a\":1}}",
                "{\"type\":\"cpu\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + "}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":100,\"errors\":7} trailing",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":0100,\"errors\":7}",
                "{\"type\":\"request-sample\",\"namespace\":\"prod\",\"deployment\":\"api\"," + t + ",\"requests\":99999999999,\"errors\":7}");
        StreamingSignalScanner streaming = new StreamingSignalScanner(new ObjectMapper().getFactory());
        OwnSignalScanner own = new OwnSignalScanner();
        for (String json : cases) {
            assertEquals(outcome(json, false), outcome(json, true), json);
            // The bench's Jackson-streaming alternative (bench/signal-scan.sh) reads what the hand-written scanner reads
            // the same way, and accepts nothing the full parser refuses.
            byte[] value = json.getBytes(StandardCharsets.UTF_8);
            if (streaming.scan(value, 1_000_000_000L)) {
                String read = List.of(streaming.kind, streaming.namespace, streaming.deployment, streaming.time, streaming.requests, streaming.errors,
                        streaming.restarts).toString();
                if (own.scan(value, 1_000_000_000L)) {
                    assertEquals(List.of(own.kind, own.namespace, own.deployment, own.time, own.requests, own.errors, own.restarts).toString(), read, json);
                } else {
                    assertTrue(outcome(json, false).startsWith("Signal["), json + " -> " + outcome(json, false));
                }
            }
        }
    }
}
