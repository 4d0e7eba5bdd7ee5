package io.autonova.remediator.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatcherParserTest {

    private static final Map<String, String> LABELS = Map.of("alertname", "HighErrorRate", "severity", "critical",
            "namespace", "prod", "service", "checkout-api", "quote", "say \"hi\"", "service.name", "checkout");

    /**
     * Alertmanager 0.27's own parser cases (matcher/parse/parse_test.go, TestMatchers), transcribed as facts:
     * input, then the matchers it gives as name|op|value;... (Java escapes as in the Go source).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "=>", quoteCharacter = '\'', value = {
            "{foo=bar}                          => foo|=|bar",
            "{foo=bar,}                         => foo|=|bar",
            "{foo!=bar}                         => foo|!=|bar",
            "{foo=~[a-z]+}                      => foo|=~|[a-z]+",
            "{foo!~[a-z]+}                      => foo|!~|[a-z]+",
            "{foo=🙂}                           => foo|=|🙂",
            "{foo=🙂bar}                        => foo|=|🙂bar",
            "foo=bar                            => foo|=|bar",
            "foo=bar,                           => foo|=|bar",
            "foo!=bar                           => foo|!=|bar",
            "foo=~[a-z]+                        => foo|=~|[a-z]+",
            "foo!~[a-z]+                        => foo|!~|[a-z]+",
            "{\"foo\"=\"bar\"}                  => foo|=|bar",
            "{\"foo\"=\"bar\",}                 => foo|=|bar",
            "{\"foo\"!=\"bar\"}                 => foo|!=|bar",
            "{\"foo\"=~\"[a-z]+\"}              => foo|=~|[a-z]+",
            "{\"foo\"!~\"[a-z]+\"}              => foo|!~|[a-z]+",
            "{\"foo\"=\"🙂\"}                   => foo|=|🙂",
            "{\"foo\"=\"\\xf0\\x9f\\x99\\x82\"} => foo|=|🙂",
            "{\"foo\"=\"\\U0001f642\"}          => foo|=|🙂",
            "{\"foo\"=\"🙂bar\"}                => foo|=|🙂bar",
            "{\"foo\"=\"bar\\n\"}               => foo|=|bar\\n",
            "{\"foo\"=\"bar\\t\"}               => foo|=|bar\\t",
            "{\"foo\"=\"\\\"bar\\\"\"}          => foo|=|\"bar\"",
            "{\"foo\"=\"bar\\\\\"}              => foo|=|bar\\",
            "\"foo\"=\"bar\"                    => foo|=|bar",
            "\"foo\"=\"bar\",                   => foo|=|bar",
            "{foo=bar,bar!=baz}                 => foo|=|bar;bar|!=|baz",
            "{foo=\"bar\",bar!=\"baz\"}         => foo|=|bar;bar|!=|baz",
            "foo=bar,bar!=baz                   => foo|=|bar;bar|!=|baz",
            "foo=\"bar\",bar!=\"baz\"           => foo|=|bar;bar|!=|baz",
            // Prometheus 3 sends UTF-8 label names; they are quoted.
            "{\"service.name\"=\"checkout\"}    => service.name|=|checkout",
    })
    void parsesAsAlertmanager(String input, String expected) {
        List<LabelMatcher> got = MatcherParser.parse(input);
        String actual = String.join(";", got.stream().map(m -> m.name() + "|" + m.type().symbol + "|" + m.value()).toList());
        assertEquals(expected.replace("\\n", "\n").replace("\\t", "\t"), actual);
        for (LabelMatcher m : got) {
            LabelMatcher again = MatcherParser.parse(m.toString()).get(0);
            assertEquals(m.name() + m.type() + m.value(), again.name() + again.type() + again.value(), "prints back as it parses: " + m);
        }
    }

    /** Alertmanager 0.27 rejects these (TestMatchers' error rows), and so does this parser. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiterString = "=>", quoteCharacter = '\'', value = {
            "','                         => expected label name",
            "{,}                         => expected label name",
            "{                           => expected close brace",
            "}                           => expected opening brace",
            "foo=bar}                    => expected opening brace",
            "{foo=bar                    => expected close brace",
            "{foo=:\"bar\"}              => expected a comma or close brace",
            "{foo=\"bar\\w\"}            => unknown escape",
            "{foo=bar\\n}                => only allowed in double quotes",
            "{\"foo\"=\"\\xf0\\x9f\"}    => not valid UTF-8",
            "{}                          => no matchers",
            "''                          => no matchers",
            // and the project's own: a regex RE2 cannot compile, a missing operator or value
            "severity=~\"(\"             => invalid regular expression",
            "severity=~\"x(?=y)\"        => invalid regular expression",   // lookahead: Java has it, RE2 does not
            "alertname                   => expected an operator",
            "alertname=\"unterminated    => unterminated",
            "{a=\"b\"} x                 => after the close brace",
    })
    void rejectsAsAlertmanager(String input, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MatcherParser.parse(input));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

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
            "service=~\"\\\\w+-\\\\w+\"                  -> true",    // a regex escape is written \\w in quotes
            "quote=\"say \\\"hi\\\"\"                    -> true",
            "{\"service.name\"=\"checkout\"}             -> true",
            "{alertname=\"HighErrorRate\", severity=\"critical\"} -> true",
            "{alertname=\"HighErrorRate\", severity=\"page\"}     -> false",
            "{alertname=\"HighErrorRate\",}              -> true",
    })
    void matches(String expression, boolean expected) {
        List<LabelMatcher> matchers = MatcherParser.parse(expression);
        assertEquals(expected, matchers.stream().allMatch(m -> m.matches(LABELS)), expression);
    }

    /**
     * {@code (a|aa)+} against 40 a's and a b backtracks exponentially in java.util.regex; RE2 is linear. Measured
     * as a ratio against a trivial regex on the same value, in the same run.
     */
    @Test
    void aHostileLabelValueCannotMakeMatchingSlow() {
        String hostile = "a".repeat(40) + "b";
        LabelMatcher evil = MatcherParser.parse("x=~\"(a|aa)+\"").get(0);
        LabelMatcher trivial = MatcherParser.parse("x=~\"a+b\"").get(0);
        Map<String, String> labels = Map.of("x", hostile);
        for (int i = 0; i < 2000; i++) {
            evil.matches(labels);
            trivial.matches(labels);
        }
        long evilNs = Long.MAX_VALUE;
        long trivialNs = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                evil.matches(labels);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < 2000; i++) {
                trivial.matches(labels);
            }
            long t2 = System.nanoTime();
            evilNs = Math.min(evilNs, t1 - t0);
            trivialNs = Math.min(trivialNs, t2 - t1);
        }
        double ratio = (double) evilNs / trivialNs;
        assertTrue(ratio < 20, "hostile/trivial = " + ratio);
        assertTrue(evilNs / 2000 < 1_000_000, "under a millisecond per match: " + evilNs / 2000 + " ns");
        System.out.printf("(a|aa)+ on 40 a's and a b: %.1fx the cost of a+b (%d ns per match)%n", ratio, evilNs / 2000);
    }
}
