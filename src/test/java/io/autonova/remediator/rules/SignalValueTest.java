package io.autonova.remediator.rules;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SignalValueTest {

    @ParameterizedTest(name = "''{0}'' -> {1} {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "0.153        | PRESENT     | 0.153",
            "1.53e-01     | PRESENT     | 0.153",
            "15.3%        | PRESENT     | 0.153",
            "' 7 '        | PRESENT     | 7",
            "+Inf         | INFINITE    | Infinity",
            "-Inf         | INFINITE    | -Infinity",
            "1e999        | OUT_OF_RANGE | Infinity",
            "-1e999       | OUT_OF_RANGE | -Infinity",
            "NaN          | NOT_NUMERIC | NaN",
            "high         | NOT_NUMERIC | NaN",
            "1d           | NOT_NUMERIC | NaN",
            "0x10         | NOT_NUMERIC | NaN",
            "''           | MISSING     | NaN",
            "null         | MISSING     | NaN",
    })
    void parses(String raw, SignalValue.Kind kind, double value) {
        SignalValue v = SignalValue.parse(raw);
        assertEquals(kind, v.kind());
        assertEquals(value, v.value(), 1e-9);
    }

    /** A long digit run is refused before any parsing (RE2 would take it in linear time anyway) and is not kept whole. */
    @org.junit.jupiter.api.Test
    void anOversizedValueIsRefusedAndKeptShort() {
        SignalValue v = SignalValue.parse("1".repeat(16_000) + "x");
        assertEquals(SignalValue.Kind.NOT_NUMERIC, v.kind());
        org.junit.jupiter.api.Assertions.assertTrue(v.raw().length() < 100, v.raw());
        org.junit.jupiter.api.Assertions.assertTrue(v.raw().endsWith("(16001 characters)"), v.raw());
        assertEquals(SignalValue.Kind.PRESENT, SignalValue.parse("1".repeat(SignalValue.MAX_LENGTH)).kind(), "up to the cap it is a number");
    }
}
