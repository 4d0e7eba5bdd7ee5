package io.autonova.remediator.scenarios;

import io.autonova.remediator.peers.PrometheusClient;
import io.autonova.remediator.rules.Threshold;
import io.autonova.remediator.scenarios.SignalVerification.Kind;
import io.autonova.remediator.scenarios.SignalVerification.Observation;
import io.autonova.remediator.scenarios.SignalVerification.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Verdicts as a table: Prometheus answers (as its HTTP API gives them) against "value < 0.05". */
class SignalVerificationTest {

    static final Instant T = Instant.parse("2026-11-28T03:00:00Z");

    static String vector(String... values) {
        StringBuilder b = new StringBuilder("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"metric\":{\"pod\":\"p").append(i).append("\"},\"value\":[1764298800.0,\"").append(values[i]).append("\"]}");
        }
        return b.append("]}}").toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "one value under the bound                  | 200 | V:0.01             | GOOD",
            "the bound itself is not under it           | 200 | V:0.05             | BAD",
            "just under the bound                       | 200 | V:0.0499999        | GOOD",
            "one series of several over it              | 200 | V:0.01,0.2         | BAD",
            "empty result: no data                      | 200 | V:                 | INCONCLUSIVE",
            "NaN (0/0 when there is no traffic)         | 200 | V:NaN              | INCONCLUSIVE",
            "+Inf                                       | 200 | V:+Inf             | INCONCLUSIVE",
            "NaN beside a good value                    | 200 | V:0.01,NaN         | INCONCLUSIVE",
            "negative values are finite                 | 200 | V:-1               | GOOD",
            "scalar                                     | 200 | {\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1764298800,\"0.01\"]}} | GOOD",
            "warnings make a good value inconclusive    | 200 | {\"status\":\"success\",\"warnings\":[\"partial response\"],\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[1,\"0.01\"]}]}} | INCONCLUSIVE",
            "a range vector is not an answer            | 200 | {\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}} | INCONCLUSIVE",
            "bad query                                  | 400 | {\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"} | INCONCLUSIVE",
            "server error                               | 503 | {\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"overloaded\"} | INCONCLUSIVE",
            "not JSON (a proxy's error page)            | 502 | <html>Bad Gateway</html> | INCONCLUSIVE",
    })
    void eachAnswer(String what, int status, String body, Kind expected) {
        String json = body.startsWith("V:") ? vector(body.length() == 2 ? new String[0] : body.substring(2).split(",")) : body;
        Observation o = SignalVerification.observe(T, new PrometheusClient.Answer(status, json), Threshold.Comparison.LT, 0.05);
        assertEquals(expected, o.kind(), what + ": " + o.detail());
        assertEquals(o, Observation.parse(o.line()), "kept in the record and read back unchanged");
    }

    private static Observation o(int second, Kind kind) {
        return new Observation(T.plusSeconds(second), kind, "x");
    }

    @Test
    void theWindowDecides() {
        Duration w = Duration.ofMinutes(5);
        assertEquals(Verdict.PENDING, SignalVerification.conclude(List.of(o(0, Kind.GOOD)), T, T, w));
        assertEquals(Verdict.PENDING, SignalVerification.conclude(List.of(o(0, Kind.GOOD), o(290, Kind.GOOD)), T, T.plusSeconds(290), w));
        assertEquals(Verdict.HEALTHY, SignalVerification.conclude(List.of(o(0, Kind.GOOD), o(300, Kind.GOOD)), T, T.plusSeconds(300), w));
        assertEquals(Verdict.FAILED, SignalVerification.conclude(List.of(o(0, Kind.GOOD), o(30, Kind.BAD)), T, T.plusSeconds(30), w),
                "one bad answer fails at once");
        assertEquals(Verdict.PENDING, SignalVerification.conclude(List.of(o(0, Kind.INCONCLUSIVE)), T, T, w), "a gap may still be followed by data");
        assertEquals(Verdict.INCONCLUSIVE, SignalVerification.conclude(List.of(o(0, Kind.GOOD), o(30, Kind.INCONCLUSIVE), o(300, Kind.GOOD)),
                T, T.plusSeconds(300), w), "one unreadable answer in the window is never healthy");
        assertEquals(Verdict.FAILED, SignalVerification.conclude(List.of(o(0, Kind.INCONCLUSIVE), o(300, Kind.BAD)), T, T.plusSeconds(300), w));
        assertEquals(Verdict.INCONCLUSIVE, SignalVerification.conclude(List.of(), T, T.plusSeconds(300), w));
        assertTrue(SignalVerification.conclude(List.of(o(0, Kind.GOOD)), T, T.plusSeconds(299), w) == Verdict.PENDING);
    }
}
