package io.autonova.remediator.rules;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Approval settings: parsed and refused at load, merged strictest-first per run, approver lists checked. */
class ApprovalTest {

    private static final String FILE = """
            global:
              approvals:
                - match: ['namespace=~"prod-.*"']
                  timeout: 20m
                - match: ['scenario="database-migration-rollback"', 'namespace!="sandbox"']
                  approvers: ["group:dba"]
            defaults:
              cooldown: 10m
              approval: {timeout: 1h}
            rules:
              - name: plain
                matchers: ['alertname="A"']
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
                approval: auto
              - name: by-defaults
                matchers: ['alertname="B"']
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
              - name: migration
                matchers: ['alertname="C"']
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: database-migration-rollback
                parameters: {reversible: "true"}
                approval: {timeout: 5m, approvers: ["user:alice", "group:sre"]}
            """;

    private static RuleFileParser.Result parsed() {
        RuleFileParser.Result r = RuleFileParser.parse("a.yaml", FILE);
        assertEquals(List.of(), r.errors());
        return r;
    }

    private static Rule rule(String name) {
        return parsed().rules().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    /** rule, namespace -> required, timeout, sources (first words). */
    @ParameterizedTest(name = "{0} in {1}: required={2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "plain      | staging  | false |     |",
            "plain      | prod-eu  | true  | 20m | global",
            "by-defaults| staging  | true  | 1h  | rule",
            "by-defaults| prod-eu  | true  | 20m | rule global",
            "migration  | staging  | true  | 5m  | rule global",
            "migration  | sandbox  | true  | 5m  | rule",
            "migration  | prod-eu  | true  | 5m  | rule global global",
    })
    void theStrictestSourceWins(String rule, String namespace, boolean required, String timeout, String sources) {
        Optional<Approval.Need> need = Approval.needed(rule(rule), namespace, "web", parsed().globalLimits().orElseThrow().approvals());
        assertEquals(required, need.isPresent());
        if (required) {
            assertEquals(timeout, io.autonova.remediator.domain.Durations.format(need.get().timeout()));
            assertEquals(Arrays.asList(sources.split(" ")), need.get().requiredBy().stream().map(q -> q.source().split(" ")[0]).toList());
        }
    }

    @Test
    void everyApproverListMustAcceptThePerson() {
        List<Approval.Requirement> by = List.of(new Approval.Requirement("rule m", List.of("user:alice", "group:sre")),
                new Approval.Requirement("global approvals[1]", List.of("group:dba")), new Approval.Requirement("global approvals[0]", List.of()));
        assertEquals(Optional.of("global approvals[1]"), Approval.refusedBy(by, "alice", List.of("sre")));
        assertEquals(Optional.empty(), Approval.refusedBy(by, "alice", List.of("dba")));
        assertEquals(Optional.empty(), Approval.refusedBy(by, "bob", List.of("sre", "dba")));
        assertEquals(Optional.of("rule m"), Approval.refusedBy(by, "bob", List.of("dba")));
        assertEquals(Optional.of("rule m"), Approval.refusedBy(by, "group:sre", List.of("dba")), "a user named like a group entry is not the group");
        assertEquals(Optional.empty(), Approval.refusedBy(List.of(new Approval.Requirement("any", List.of())), "anyone", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "approval: sometimes                                  | approval must be 'auto', 'required' or a mapping",
            "approval: {mode: maybe}                              | approval mode must be 'auto' or 'required'",
            "approval: {mode: auto, timeout: 5m}                  | approval mode auto takes no 'timeout' or 'approvers'",
            "approval: {timeout: 25h}                             | approval timeout must be at most 24h",
            "approval: {approvers: [alice]}                       | approver 'alice' must be 'user:<name>' or 'group:<name>'",
            "approval: {approvers: []}                            | 'approvers' must be a non-empty list",
            "approval: {who: x}                                   | unknown field 'who'",
    })
    void badApprovalsAreRefusedAtLoad(String approval, String expected) {
        String yaml = """
                rules:
                  - name: r
                    matchers: ['alertname="A"']
                    target: {namespace: "a", deployment: "b"}
                    scenario: immediate-rollback
                    %s
                """.formatted(approval);
        List<String> errors = RuleFileParser.parse("r.yaml", yaml).errors().stream().map(RuleLoadError::toString).toList();
        assertTrue(errors.stream().anyMatch(e -> e.contains(expected)), errors.toString());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "approvals: [{timeout: 5m}]                           | 'match' must be a non-empty list",
            "approvals: [{match: ['severity=\"page\"']}]          | approval policies match only deployment, namespace, rule, scenario",
            "approvals: {match: []}                               | global approvals must be a list",
    })
    void badApprovalPoliciesAreRefusedAtLoad(String approvals, String expected) {
        String yaml = "global:\n  " + approvals + "\n";
        List<String> errors = RuleFileParser.parse("g.yaml", yaml).errors().stream().map(RuleLoadError::toString).toList();
        assertTrue(errors.stream().anyMatch(e -> e.contains(expected)), errors.toString());
    }
}
