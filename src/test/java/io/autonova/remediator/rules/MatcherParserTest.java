package io.autonova.remediator.rules;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatcherParserTest {

    private static final Map<String, String> LABELS = Map.of("alertname", "HighErrorRate", "severity", "critical",
            "namespace", "prod", "service", "checkout-api", "quote", "say \"hi\"");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = "->", value = {
            "alertname=\"HighErrorRate\"                 -> true",
            "alertname = HighErrorRate                   -> true",
            "alertname=\"highErrorRate\"                 -> false",
            "severity=~\"critical|page\"                 -> true",
            "severity=~\"crit\"                          -> false",   // anchored, as in Alertmanager
            "severity=~\"crit.*\"                        -> true",
            "namespace!=\"kube-system\"                  -> true",
            "namespace!~\"kube-.*|monitoring\"           -> true",
            "namespace!~\"pro.\"                         -> false",
            "missing=\"\"                                -> true",    // a missing label is the empty string
            "missing!=\"\"                               -> false",
            "service=~\"[a-z]+-api\"                     -> true",
            "quote=\"say \\\"hi\\\"\"                    -> true",
            "{alertname=\"HighErrorRate\", severity=\"critical\"} -> true",
            "{alertname=\"HighErrorRate\", severity=\"page\"}     -> false",
            "{alertname=\"HighErrorRate\",}              -> true",
    })
    void matches(String expression, boolean expected) {
        List<LabelMatcher> matchers = MatcherParser.parse(expression);
        assertEquals(expected, matchers.stream().allMatch(m -> m.matches(LABELS)), expression);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "''                                | empty matcher",
            "alertname                         | expected one of",
            "9name=\"x\"                       | invalid label name",
            "alertname=\"unterminated          | unterminated",
            "severity=~\"(\"                   | invalid regular expression",
            "a=\"b\", c=\"d\"                  | enclosed in braces",
            "{a=\"b\"                          | missing closing",
            "{}                                | empty matcher list",
            "{a=\"b\"} x                       | unexpected text",
    })
    void rejects(String expression, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatcherParser.parse(expression));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"severity=~\"critical|page\"", "a!=\"x\\\"y\"", "b!~\"\\d+\""})
    void toStringParsesBackToTheSameMatcher(String expression) {
        LabelMatcher m = MatcherParser.parse(expression).get(0);
        LabelMatcher again = MatcherParser.parse(m.toString()).get(0);
        assertEquals(m.value(), again.value());
        assertEquals(m.type(), again.type());
    }
}
