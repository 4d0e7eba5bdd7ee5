package io.autonova.remediator.scenarios;

import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.ScenarioPlan;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.rules.ParameterChecks;
import java.util.Map;
import java.util.function.Function;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.autonova.remediator.scenarios.RollbackSteps.*;

/**
 * Runbook scenario 5: the ConfigMaps and Secrets the app reads that changed shortly before the alert go back
 * to their previous content (from the history this service keeps), then the app restarts onto them as
 * {@code kubectl rollout restart} does. When the pod template changed in the same window, it is rolled back
 * in the same run instead of a restart. Argo CD self-heal goes off first (it would re-apply Git's config).
 */
public class ConfigurationRollback implements ScenarioPlan {

    static final String NAME = "configuration-rollback";

    @Override
    public String ruleName() {
        return NAME;
    }

    @Override
    public Map<String, Function<String, Optional<String>>> ownParameters() {
        return Map.of("restoreRotatedCredentials", ParameterChecks.BOOL, "changedWithin", ParameterChecks.DURATION);
    }

    @Override
    public List<Call> calls() {
        return List.of(Call.of("", "configmaps", "configuration history", "get", "list", "watch", "create", "patch", "delete"),
                Call.of("external-secrets.io", "externalsecrets", NAME + " of External Secrets", "get", "patch"));
    }

    @Override
    public List<StepHandler> steps(RunContext ctx) {
        if (!ctx.succeeded(RESOLVE_TARGET)) {
            return List.of(RESOLVE);
        }
        if (!ctx.succeeded(ConfigRestore.PLAN_CONFIG)) {
            return List.of(RESOLVE, ConfigRestore.PLAN);
        }
        List<StepHandler> steps = new ArrayList<>(List.of(RESOLVE, ConfigRestore.PLAN));
        boolean image = ConfigRestore.imageChanged(ctx);
        if (image) {
            steps.add(PLAN_UNDO);
            if (!ctx.succeeded(PLAN)) {
                return steps;
            }
        }
        if (argoManaged(ctx)) {
            steps.add(DISABLE_SYNC);
        }
        if (!ConfigRestore.items(ctx, "restores").isEmpty()) {
            steps.add(ConfigRestore.RESTORE);
        }
        if (!ConfigRestore.items(ctx, "external").isEmpty()) {
            steps.add(ConfigRestore.REFRESH);
            steps.add(ConfigRestore.WAIT_REFRESH);
        }
        steps.add(image && !noop(ctx, PLAN) ? ROLLBACK : ConfigRestore.RESTART_STEP);
        if (argoManaged(ctx)) {
            steps.add(gitMustFollow("the configuration of " + ctx.target().key() + " was restored outside Git; Argo CD application "
                    + argoApp(ctx) + " has automated sync off until Git matches"));
        }
        steps.add(VERIFY_ROLLOUT);
        return SignalVerification.withSignalCheck(steps, ctx);
    }

    @Override
    public Optional<StepHandler> compensation(String done, RunContext ctx) {
        return switch (done) {
            case DISABLE_AUTO_SYNC -> Optional.of(RESTORE_SYNC);
            case ConfigRestore.RESTORE_CONFIG -> Optional.of(ConfigRestore.PUT_BACK_STEP);
            default -> Optional.empty();
        };
    }

    @Override
    public List<String[]> outline(RunContext ctx) {
        String d = ctx.target().key();
        return SignalVerification.outline(List.of(
                new String[]{RESOLVE_TARGET, "read deployment " + d},
                new String[]{ConfigRestore.PLAN_CONFIG, "find the ConfigMaps and Secrets it reads, labelled autonova.io/config-history=true, whose content changed within "
                        + ctx.parameters().getOrDefault("changedWithin", "1h") + " before the alert; refuse to restore rotated credentials"
                        + ("true".equals(ctx.parameters().get("restoreRotatedCredentials")) ? " (allowed by the rule)" : "")},
                new String[]{ConfigRestore.RESTORE_CONFIG, "write their previous content back from the kept snapshots, only if unchanged since the plan"},
                new String[]{ConfigRestore.REFRESH_EXTERNAL, "for Secrets from External Secrets: force a refresh (force-sync) and wait for it"},
                new String[]{ConfigRestore.RESTART, "restart " + d + " as 'kubectl rollout restart' (or roll its template back if it changed too)"},
                new String[]{VERIFY, "wait for the rollout to complete"}), ctx);
    }
}
