package io.autonova.remediator.scenarios;

import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.ScenarioPlan;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.rules.Scenario;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every plan's compensations as a table, and its dry-run outline (the no-cluster quick start shows it). */
class ScenarioPlansTest {

    static final List<ScenarioPlan> PLANS = ScenarioPlan.all();

    static ScenarioPlan plan(String scenario) {
        return PLANS.stream().filter(p -> p.ruleName().equals(scenario)).findFirst().orElseThrow();
    }

    static RunContext ctx(Map<String, String> parameters) {
        RemediationRecord r = new RemediationRecord();
        r.name = "run-1";
        r.spec.parameters.putAll(parameters);
        r.spec.target.namespace = "shop";
        r.spec.target.deployment = "checkout";
        return new RunContext(r, new Target("shop", "checkout", null), null, "argocd", Instant.EPOCH, Duration.ofMinutes(5),
                TargetState.EMPTY, null, null);
    }

    @ParameterizedTest(name = "{0}: undo of {1}")
    @CsvSource(delimiter = '|', value = {
            "immediate-rollback          | disable-argo-auto-sync     | restore-argo-auto-sync",
            "immediate-rollback          | rollback-deployment        | ",
            "selective-rollback          | disable-argo-auto-sync     | restore-argo-auto-sync",
            "selective-rollback          | rollback-deployment        | ",
            "gradual-rollback            | switch-service             | restore-service-selector",
            "gradual-rollback            | scale-bad-down             | restore-replicas",
            "gradual-rollback            | create-rollback-deployment | remove-rollback-deployment",
            "gradual-rollback            | rollback-deployment        | ",
            "gradual-rollback            | disable-argo-auto-sync     | restore-argo-auto-sync",
            "database-migration-rollback | scale-to-zero              | restore-replicas",
            "database-migration-rollback | run-migration-undo         | stop-migration-undo",
            "database-migration-rollback | rollback-deployment        | ",
            "configuration-rollback      | restore-config             | put-config-back",
            "configuration-rollback      | rollout-restart            | ",
    })
    void compensations(String scenario, String done, String undo) {
        assertEquals(undo, plan(scenario).compensation(done, ctx(Map.of())).map(StepHandler::name).orElse(null));
    }

    @ParameterizedTest
    @CsvSource({"immediate-rollback", "selective-rollback", "gradual-rollback", "database-migration-rollback", "configuration-rollback"})
    void outlineStartsByReadingTheTargetAndEndsWithTheSignalCheckWhenTheRuleHasOne(String scenario) {
        Map<String, String> p = new LinkedHashMap<>(Map.of("reversible", "true"));
        List<String[]> plain = plan(scenario).outline(ctx(p));
        assertEquals("resolve-target", plain.get(0)[0]);
        assertTrue(plain.stream().allMatch(o -> o.length == 2 && !o[1].isBlank()), scenario);
        p.putAll(Map.of(Scenario.VERIFY_QUERY, "up{namespace=\"{{ $target.namespace }}\"}", Scenario.VERIFY_OP, ">", Scenario.VERIFY_BOUND, "0",
                Scenario.VERIFY_WINDOW, "5m", Scenario.VERIFY_INTERVAL, "30s"));
        String all = String.join("\n", plan(scenario).outline(ctx(p)).stream().map(o -> o[0] + ": " + o[1]).toList());
        assertTrue(all.contains("up{namespace=\"shop\"}"), all);
        assertEquals(List.of("immediate-rollback", "selective-rollback", "gradual-rollback", "database-migration-rollback", "configuration-rollback"),
                PLANS.stream().map(ScenarioPlan::ruleName).toList(), "a plan for every scenario a rule may name, found through the catalogue");
    }

    @org.junit.jupiter.api.Test
    void aScenarioWithoutAPlanStopsTheStart() {
        io.autonova.remediator.rules.Scenario planless = new io.autonova.remediator.rules.Scenario() {
            @Override
            public String ruleName() {
                return "restart-only";
            }
        };
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ScenarioPlan.plansOf(List.of(PLANS.get(0), planless)));
        assertTrue(e.getMessage().contains("restart-only") && e.getMessage().contains("has no plan"), e.getMessage());
    }
}
