package io.autonova.remediator.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Prometheus' own duration cases (prometheus/common model/time_test.go), transcribed as facts. */
class DurationsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "0,       0,                                    0s",
            "0w,      0,                                    0s",
            "0s,      0,                                    0s",
            "324ms,   324,                                  324ms",
            "3s,      3000,                                 3s",
            "5m,      300000,                               5m",
            "1h,      3600000,                              1h",
            "4d,      345600000,                            4d",
            "4d1h,    349200000,                            4d1h",
            "14d,     1209600000,                           2w",
            "3w,      1814400000,                           3w",
            "3w2d1h,  1990800000,                           23d1h",
            "10y,     315360000000,                         10y",
            "289y,    9113904000000,                        289y",
            "1h30m,   5400000,                              1h30m",
    })
    void parsesAndPrintsAsPrometheus(String in, long millis, String printed) {
        Duration d = Durations.parse(in);
        assertEquals(Duration.ofMillis(millis), d);
        assertEquals(printed, Durations.format(d));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "1y1m1d", "1.5d", "d", "294y", "200y10400w", "107675d", "2584200h", "",
            // and what this project's older parser accepted but Prometheus does not:
            "30m1h", "1h1h", "-3s", " 5m", "5 m", "1H", "99999999999999999999s"})
    void rejectsWhatPrometheusRejects(String in) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(in));
        assertEquals(true, e.getMessage().contains("duration"), e.getMessage());
    }
}
