package io.autonova.remediator.rules;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RuleFileParserTest {

    private static final String VALID = """
            global:
              rateLimit: {count: 4, window: 2h}
              maxInFlight: 2
            defaults:
              cooldown: 10m
            rules:
              - name: high-error-rate
                matchers: ['alertname="HighErrorRate"', 'severity=~"critical|page"']
                threshold: {value: annotation:value, op: ">", bound: 0.10}
                for: 2m
                target:
                  namespace: "{{ $labels.namespace }}"
                  deployment: "{{ $labels.service }}-api"
                scenario: immediate-rollback
                parameters: {toRevision: "3", verifyTimeout: 90s}
                limits:
                  targetRateLimit: {count: 1, window: 1h}
            """;

    @Test
    void parsesAValidFile() {
        RuleFileParser.Result r = RuleFileParser.parse("a.yaml", VALID);
        assertEquals(List.of(), r.errors());
        Rule rule = r.rules().get(0);
        assertEquals("high-error-rate", rule.name());
        assertEquals("immediate-rollback", rule.scenario().ruleName());
        assertEquals(Duration.ofMinutes(2), rule.minFiringDuration());
        assertEquals(Duration.ofMinutes(10), rule.limits().cooldown(), "file defaults apply");
        assertEquals(1, rule.limits().perTarget().count(), "rule limits override defaults");
        assertEquals(5, rule.limits().perRule().count(), "unset limits keep the built-in default");
        assertEquals(4, r.globalLimits().orElseThrow().rateLimit().count());
        assertEquals(Map.of("toRevision", "3", "verifyTimeout", "90s"), rule.parameters());
        assertEquals("prod/checkout-api", rule.target().render(Map.of("namespace", "prod", "service", "checkout"), Map.of()).key());
        assertTrue(rule.matches(Map.of("alertname", "HighErrorRate", "severity", "page")));
        assertFalse(rule.matches(Map.of("alertname", "HighErrorRate", "severity", "info")));
        assertEquals(7, rule.line(), "a rule is located at its first line");
    }

    @Test
    void reportsEveryErrorWithItsLine() {
        String yaml = """
                rules:
                  - name: Bad_Name
                    matchers: ['severity=~"("', 'alertname="X"']
                    threshold: {value: annotation:value, op: "=>", bound: ten}
                    target:
                      namespace: "{{ .Labels.namespace }}"
                    scenario: reboot-everything
                    parameters: {toRevision: "-1", colour: blue}
                    limits:
                      cooldown: 0s
                      targetRateLimit: {count: 0}
                    surprise: true
                  - name: second
                    matchers: []
                    target: {namespace: prod, deployment: api}
                    scenario: database-migration-rollback
                """;
        RuleFileParser.Result r = RuleFileParser.parse("bad.yaml", yaml);
        assertTrue(r.rules().isEmpty(), "a file with errors yields no rules");
        List<String> errors = r.errors().stream().map(RuleLoadError::toString).toList();
        assertContains(errors, "bad.yaml:2: rule name 'Bad_Name'");
        assertContains(errors, "bad.yaml:3: rule 'Bad_Name': invalid regular expression");
        assertContains(errors, "bad.yaml:4: rule 'Bad_Name': unknown comparison '=>'");
        assertContains(errors, "bad.yaml:4: rule 'Bad_Name': threshold bound must be a finite number");
        assertContains(errors, "bad.yaml:6: rule 'Bad_Name': target namespace: unsupported template expression");
        assertContains(errors, "bad.yaml:6: 'deployment' is required");
        assertContains(errors, "bad.yaml:7: rule 'Bad_Name': unknown scenario 'reboot-everything'");
        assertContains(errors, "bad.yaml:8: rule 'Bad_Name' parameters: unknown field 'colour'");
        assertContains(errors, "bad.yaml:8: rule 'Bad_Name': parameter 'toRevision' must be a positive integer");
        assertContains(errors, "bad.yaml:10: cooldown must be greater than zero");
        assertContains(errors, "bad.yaml:11: targetRateLimit needs both 'count' and 'window'");
        assertContains(errors, "bad.yaml:12: rule: unknown field 'surprise'");
        assertContains(errors, "bad.yaml:14: rule 'second': 'matchers' must be a non-empty list");
        assertContains(errors, "bad.yaml:16: rule 'second': parameter 'reversible' is required");
        assertEquals(14, errors.size(), String.join("\n", errors));
    }

    /** Each scenario takes its own parameters; problems carry the file and line. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "gradual-rollback            | {service: web, scaleBadTo: '1', drain: 30s, watch: 5m}           | ",
            "gradual-rollback            | {service: Web_1}                                                 | parameter 'service' is not a valid object name",
            "gradual-rollback            | {scaleBadTo: '-1'}                                               | parameter 'scaleBadTo' must be a whole number",
            "gradual-rollback            | {reversible: 'true'}                                             | unknown field 'reversible'",
            "database-migration-rollback | {reversible: 'true'}                                             | ",
            "database-migration-rollback | {reversible: 'false', backwardCompatible: 'true'}                | ",
            "database-migration-rollback | {reversible: 'true', undoImage: current, undoCommand: flyway undo} | ",
            "database-migration-rollback | {backwardCompatible: 'true'}                                     | parameter 'reversible' is required",
            "database-migration-rollback | {reversible: 'yes'}                                              | parameter 'reversible' must be true or false",
            "database-migration-rollback | {reversible: 'true', undoImage: current}                         | 'undoImage' and 'undoCommand' go together",
            "database-migration-rollback | {reversible: 'false', undoImage: 'flyway:10', undoCommand: undo} | reversible: false has no undo",
            "database-migration-rollback | {reversible: 'true', undoImage: 'Bad Image', undoCommand: x}     | parameter 'undoImage' must be an image reference",
            "database-migration-rollback | {reversible: 'true', migrationTimeout: 10 minutes}               | parameter 'migrationTimeout'",
            "configuration-rollback      | {restoreRotatedCredentials: 'false'}                             | ",
            "configuration-rollback      | {drain: 30s}                                                     | unknown field 'drain'",
            "immediate-rollback          | {verifyTimeout: 5m}                                              | ",
    })
    void scenarioParameters(String scenario, String parameters, String expected) {
        String yaml = "rules:\n  - name: r\n    matchers: ['alertname=\"X\"']\n    target: {namespace: prod, deployment: api}\n"
                + "    scenario: " + scenario + "\n    parameters: " + parameters + "\n";
        List<String> errors = RuleFileParser.parse("s.yaml", yaml).errors().stream().map(RuleLoadError::toString).toList();
        if (expected == null) {
            assertEquals(List.of(), errors);
        } else {
            assertEquals(1, errors.size(), String.join("\n", errors));
            assertTrue(errors.get(0).startsWith("s.yaml:6: ") && errors.get(0).contains(expected), errors.get(0));
        }
    }

    @Test
    void changedWithinAndAutoScenario() {
        String yaml = """
                defaults:
                  changedWithin: 45m
                rules:
                  - name: picked
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: auto
                    parameters: {verifyTimeout: 2m}
                  - name: named
                    matchers: ['alertname="Y"']
                    target: {namespace: prod, deployment: api}
                    scenario: gradual-rollback
                    changedWithin: 10m
                """;
        RuleFileParser.Result r = RuleFileParser.parse("c.yaml", yaml);
        assertEquals(List.of(), r.errors());
        Rule auto = r.rules().get(0);
        assertTrue(auto.change().auto());
        assertEquals("auto", auto.scenarioName());
        assertEquals(Duration.ofMinutes(45), auto.change().within(), "the file's default");
        assertEquals(Duration.ofMinutes(10), r.rules().get(1).change().within());
        assertEquals(ChangeRule.DEFAULT_WITHIN, RuleFileParser.parse("d.yaml", VALID).rules().get(0).change().within(), "built-in default: 2h");

        String bad = """
                rules:
                  - name: too-wide
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    changedWithin: 30d
                  - name: auto-with-own-parameters
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: auto
                    parameters: {scaleBadTo: "1"}
                """;
        List<String> errors = RuleFileParser.parse("e.yaml", bad).errors().stream().map(RuleLoadError::toString).toList();
        assertTrue(errors.stream().anyMatch(e -> e.contains("changedWithin must be between 1m and 7d")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("scaleBadTo")), "an auto rule takes only the common parameters: " + errors);
    }

    @Test
    void gitopsBlockFollowsOnlyAWholeApplicationRollback() {
        String ok = """
                rules:
                  - name: pr
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    gitops: {mode: pull-request, mergeTimeout: 2h}
                  - name: push
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: auto
                    gitops: {mode: push}
                  - name: none
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: selective-rollback
                    gitops: {mode: none}
                """;
        RuleFileParser.Result r = RuleFileParser.parse("g.yaml", ok);
        assertEquals(List.of(), r.errors());
        assertEquals(Map.of("gitops.mode", "pull-request", "gitops.mergeTimeout", "2h"), r.rules().get(0).parameters());
        assertEquals(Map.of("gitops.mode", "push"), r.rules().get(1).parameters());
        assertEquals(Map.of(), r.rules().get(2).parameters(), "none is the same as no block");
        assertEquals(List.of(), Scenario.fromRuleName("immediate-rollback").orElseThrow().problems(r.rules().get(0).parameters()));
        assertTrue(Scenario.fromRuleName("gradual-rollback").orElseThrow().problems(Map.of("gitops.mode", "push")).get(0).contains("gitops.mode"),
                "a record naming another scenario with write-back is refused before it acts");

        String bad = """
                rules:
                  - name: selective
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: selective-rollback
                    gitops: {mode: pull-request}
                  - name: mode
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    gitops: {mode: merge}
                  - name: timeout
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    gitops: {mode: push, mergeTimeout: 1m}
                  - name: field
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    gitops: {mode: push, branch: main}
                """;
        List<String> errors = RuleFileParser.parse("h.yaml", bad).errors().stream().map(RuleLoadError::toString).toList();
        assertTrue(errors.stream().anyMatch(e -> e.contains("selective-rollback rolls back part of it")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("must be pull-request, push or none, not 'merge'")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("mergeTimeout must be between 5m and 14d")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("branch")), errors.toString());
        assertEquals(4, errors.size(), errors.toString());
    }

    @Test
    void verifyBlockIsValidatedAndKeptInTheParameters() {
        String ok = """
                rules:
                  - name: r
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    verify:
                      query: sum(rate(http_requests_total{code=~"5..",namespace="{{ $target.namespace }}"}[1m]))
                      op: "<"
                      bound: 0.05
                      window: 5m
                """;
        RuleFileParser.Result r = RuleFileParser.parse("v.yaml", ok);
        assertEquals(List.of(), r.errors());
        Map<String, String> p = r.rules().get(0).parameters();
        assertEquals("<", p.get(Scenario.VERIFY_OP));
        assertEquals("0.05", p.get(Scenario.VERIFY_BOUND));
        assertEquals("5m", p.get(Scenario.VERIFY_WINDOW));
        assertEquals("30s", p.get(Scenario.VERIFY_INTERVAL));

        String bad = """
                rules:
                  - name: r
                    matchers: ['alertname="X"']
                    target: {namespace: prod, deployment: api}
                    scenario: immediate-rollback
                    verify:
                      op: "=="
                      bound: NaN
                      window: 1m
                      interval: 2m
                      every: 1s
                """;
        List<String> errors = RuleFileParser.parse("v.yaml", bad).errors().stream().map(RuleLoadError::toString).toList();
        assertContains(errors, "v.yaml:11: rule 'r' verify: unknown field 'every'");
        assertContains(errors, "v.yaml:7: rule 'r' verify: unknown comparison '=='");
        assertContains(errors, "v.yaml:8: rule 'r': verify bound must be a finite number");
        assertContains(errors, "v.yaml:10: rule 'r': verify interval must not be longer than its window");
        assertContains(errors, "'query' is required");
    }

    @Test
    void invalidYamlAndDuplicateKeysAreErrors() {
        assertContains(RuleFileParser.parse("x.yaml", "rules: [\n  {name: a\n").errors().stream().map(RuleLoadError::toString).toList(),
                "x.yaml:3: invalid YAML");
        assertContains(RuleFileParser.parse("y.yaml", "rules: []\nrules: []\n").errors().stream().map(RuleLoadError::toString).toList(),
                "y.yaml:2: rule file: duplicate key 'rules'");
    }

    @Test
    void duplicateNamesAndTwoGlobalBlocksAcrossFilesAreErrors() {
        RuleFileParser.Result a = RuleFileParser.parse("a.yaml", VALID);
        RuleFileParser.Result b = RuleFileParser.parse("b.yaml", VALID);
        RuleSetAssembler.Outcome outcome = RuleSetAssembler.assemble(List.of(a, b), Instant.EPOCH);
        assertFalse(outcome.ok());
        assertNull(outcome.ruleSet());
        List<String> errors = outcome.errors().stream().map(RuleLoadError::toString).toList();
        assertContains(errors, "b.yaml:2: 'global' is already set in a.yaml:2");
        assertContains(errors, "b.yaml:7: duplicate rule name 'high-error-rate' (first defined at a.yaml:7)");
    }

    @Test
    void theShippedRulesLoadAndCarryTheRunbookThresholds() throws Exception {
        Path file = Path.of("rules/rollback.yaml");
        RuleFileParser.Result r = RuleFileParser.parse(file.toString(), Files.readString(file));
        assertEquals(List.of(), r.errors());
        Rule errorRate = r.rules().stream().filter(x -> x.name().equals("high-error-rate")).findFirst().orElseThrow();
        assertEquals(0.10, errorRate.threshold().bound());
        assertEquals("immediate-rollback", errorRate.scenario().ruleName());
        Rule restarts = r.rules().stream().filter(x -> x.name().equals("pod-restart-storm")).findFirst().orElseThrow();
        assertEquals(3, restarts.threshold().bound());
        assertEquals(Threshold.Comparison.GT, restarts.threshold().comparison());
        assertEquals("selective-rollback", restarts.scenario().ruleName());
    }

    @Test
    void theShippedRunbookRulesCoverScenariosThreeToFive() throws Exception {
        Path file = Path.of("rules/runbook.yaml");
        RuleFileParser.Result r = RuleFileParser.parse(file.toString(), Files.readString(file));
        assertEquals(List.of(), r.errors());
        assertEquals(List.of("gradual-rollback", "database-migration-rollback", "configuration-rollback"),
                r.rules().stream().map(x -> x.scenario().ruleName()).toList());
        assertEquals("true", r.rules().get(1).parameters().get("reversible"));
        assertEquals("0.5", r.rules().get(0).parameters().get(Scenario.VERIFY_BOUND));
        Path shipped = Path.of("rules/rollback.yaml");
        Rule errorRate = RuleFileParser.parse(shipped.toString(), Files.readString(shipped)).rules().get(0);
        assertTrue(errorRate.parameters().get(Scenario.VERIFY_QUERY).contains("{{ $target.deployment }}"));
    }

    @Test
    void theShippedSignalRulesCarryTheRunbookWindows() throws Exception {
        Path file = Path.of("rules/signals.yaml");
        RuleFileParser.Result r = RuleFileParser.parse(file.toString(), Files.readString(file));
        assertEquals(List.of(), r.errors());
        Rule errorRate = r.rules().stream().filter(x -> x.name().equals("error-rate-window")).findFirst().orElseThrow();
        assertEquals(SignalWindowSpec.Kind.ERROR_RATE, errorRate.window().kind());
        assertEquals(Duration.ofMinutes(5), errorRate.window().window());
        assertEquals(100, errorRate.window().minRequests());
        assertEquals(0.10, errorRate.window().bound());
        Rule restarts = r.rules().stream().filter(x -> x.name().equals("restart-storm-window")).findFirst().orElseThrow();
        assertEquals(Duration.ofMinutes(15), restarts.window().window());
        assertEquals(3, restarts.window().bound());
        assertEquals("selective-rollback", restarts.scenario().ruleName());
    }

    @Test
    void signalBlocksAreValidatedToo() {
        String yaml = """
                rules:
                  - name: w
                    signal: {kind: cpu, window: 0s, op: "~", bound: x, colour: red}
                    threshold: {value: annotation:value, op: ">", bound: 1}
                    target: {namespace: a, deployment: b}
                    scenario: immediate-rollback
                  - name: v
                    signal: {kind: error-rate, window: 5m, op: ">", bound: 0.1}
                    target: {namespace: a, deployment: b}
                    scenario: immediate-rollback
                """;
        List<String> errors = RuleFileParser.parse("s.yaml", yaml).errors().stream().map(RuleLoadError::toString).toList();
        assertContains(errors, "s.yaml:3: rule 'w' signal: unknown field 'colour'");
        assertContains(errors, "s.yaml:3: rule 'w': unknown signal kind 'cpu'");
        assertContains(errors, "s.yaml:3: rule 'w': signal window must be greater than zero");
        assertContains(errors, "s.yaml:3: rule 'w': unknown comparison '~'");
        assertContains(errors, "s.yaml:3: rule 'w': signal bound must be a finite number");
        assertContains(errors, "s.yaml:3: rule 'w': a signal rule carries its threshold in 'signal'");
        assertContains(errors, "s.yaml:8: rule 'v': an error-rate window needs 'minRequests'");
    }

    private static void assertContains(List<String> errors, String prefix) {
        assertTrue(errors.stream().anyMatch(e -> e.startsWith(prefix) || e.contains(prefix)),
                "expected an error starting with '" + prefix + "' in:\n" + String.join("\n", errors));
    }
}
