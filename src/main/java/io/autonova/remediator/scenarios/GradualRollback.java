package io.autonova.remediator.scenarios;

import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.EngineOutput;
import io.autonova.remediator.engine.ScenarioPlan;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.rules.ParameterChecks;
import io.autonova.remediator.rules.Scenario;
import java.util.Map;
import java.util.function.Function;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.autonova.remediator.scenarios.RollbackSteps.*;

/**
 * Runbook scenario 3, blue-green back to the previous version: a copy of the previous revision beside the bad
 * one, the Service moved to it once it is Ready (and its endpoints checked), a drain, a watch, then the original
 * Deployment rolled back in place, the Service moved back and the copy removed. Unlike the runbook's commands,
 * the bad version is scaled down only once its replacement is Ready (no capacity gap), and the original is never
 * deleted. Abort or a failed watch: Service selector back first, original size back second, copy removed.
 */
public class GradualRollback implements ScenarioPlan {

    static final String NAME = "gradual-rollback";

    @Override
    public String ruleName() {
        return NAME;
    }

    @Override
    public Map<String, Function<String, Optional<String>>> ownParameters() {
        return Map.of("service", ParameterChecks.OBJECT_NAME, "scaleBadTo", ParameterChecks.NON_NEGATIVE_INTEGER,
                "drain", ParameterChecks.DURATION, "watch", ParameterChecks.DURATION);
    }

    @Override
    public List<Call> calls() {
        return List.of(Call.of("apps", "deployments", NAME, "create", "delete"), Call.of("", "pods", NAME, "list"),
                Call.of("", "services", NAME, "get", "patch"), Call.of("discovery.k8s.io", "endpointslices", NAME, "list"),
                Call.of("autoscaling", "horizontalpodautoscalers", NAME, "list"));
    }

    @Override
    public List<StepHandler> steps(RunContext ctx) {
        List<StepHandler> first = untilPlanned(ctx);
        if (first != null) {
            return first;
        }
        if (!ctx.succeeded(BlueGreen.PLAN_GRADUAL)) {
            return List.of(RESOLVE, PLAN_UNDO, BlueGreen.PLAN_STEP);
        }
        List<StepHandler> steps = new ArrayList<>(List.of(RESOLVE, PLAN_UNDO, BlueGreen.PLAN_STEP));
        if (argoManaged(ctx)) {
            steps.add(DISABLE_SYNC);
        }
        steps.addAll(List.of(BlueGreen.CREATE, BlueGreen.WAIT_READY, BlueGreen.SCALE_BAD_STEP, BlueGreen.SWITCH_TO_COPY, BlueGreen.CHECK_SWITCHED_STEP,
                BlueGreen.DRAIN_STEP));
        steps.add(SignalVerification.wanted(ctx) ? SignalVerification.STEP : BlueGreen.WATCH_STEP);
        steps.addAll(List.of(ROLLBACK, BlueGreen.SCALE_ORIGINAL_BACK, VERIFY_ROLLOUT, BlueGreen.SWITCH_BACK_STEP, BlueGreen.CHECK_BACK_STEP,
                BlueGreen.DRAIN_COPY_STEP, BlueGreen.DELETE_COPY_STEP));
        if (argoManaged(ctx)) {
            steps.add(gitMustFollow("deployment " + ctx.target().key() + " runs revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key())
                    + " outside Git; Argo CD application " + argoApp(ctx)
                    + " has automated sync off until Git is updated to match"));
        }
        return steps;
    }

    @Override
    public Optional<StepHandler> compensation(String done, RunContext ctx) {
        return switch (done) {
            case DISABLE_AUTO_SYNC -> Optional.of(RESTORE_SYNC);
            case BlueGreen.SWITCH -> Optional.of(BlueGreen.RESTORE_SELECTOR_SAFELY);
            case BlueGreen.SCALE_BAD -> Optional.of(BlueGreen.RESTORE_ORIGINAL_SIZE);
            case BlueGreen.CREATE_COPY -> Optional.of(BlueGreen.REMOVE_COPY_STEP);
            default -> Optional.empty();
        };
    }

    @Override
    public List<String[]> outline(RunContext ctx) {
        String d = ctx.target().key();
        String svc = ctx.parameters().getOrDefault("service", ctx.target().deployment());
        String watch = SignalVerification.wanted(ctx) ? "ask Prometheus '" + SignalVerification.query(ctx) + "' for " + ctx.parameters().get(Scenario.VERIFY_WINDOW)
                : "watch that the copy stays fully available for " + ctx.parameters().getOrDefault("watch", "5m");
        return List.of(
                new String[]{RESOLVE_TARGET, "read deployment " + d},
                new String[]{PLAN, "pick the previous revision, as 'kubectl rollout undo' would"},
                new String[]{BlueGreen.PLAN_GRADUAL, "check service " + svc + " routes to it; plan " + ctx.target().deployment() + "-rollback from the previous "
                        + "template with its own label, sized from the HPA's desired count when there is one"},
                new String[]{BlueGreen.CREATE_COPY + "+" + BlueGreen.WAIT_COPY, "create the copy and wait until all its pods are Ready"},
                new String[]{BlueGreen.SCALE_BAD, "scale " + d + " down to " + ctx.parameters().getOrDefault("scaleBadTo", "1")},
                new String[]{BlueGreen.SWITCH + "+" + BlueGreen.CHECK_SWITCHED, "move service " + svc + " to the copy (original selector kept on the Service); "
                        + "check its EndpointSlices list only the copy's Ready pods"},
                new String[]{BlueGreen.DRAIN, "drain " + ctx.parameters().getOrDefault("drain", "30s")},
                new String[]{BlueGreen.WATCH, watch},
                new String[]{ROLLBACK_DEPLOYMENT, "roll " + d + " itself back, scale it to its size, wait for the rollout"},
                new String[]{BlueGreen.SWITCH_BACK, "move service " + svc + " back to " + d + ", check its endpoints, drain, delete the copy"});
    }
}
