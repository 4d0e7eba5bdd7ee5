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
        for (String json : cases) {
            assertEquals(outcome(json, false), outcome(json, true), json);
        }
    }
}
