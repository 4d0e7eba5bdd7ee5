package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.Target;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runbook scenario 2: roll one Deployment back with {@code kubectl rollout undo} semantics. When Argo CD
 * manages it, automated sync goes off first (self-heal would undo the rollback) and the record says
 * that Git must follow.
 */
@ApplicationScoped
public class SelectiveRollback implements ScenarioExecutor {

    @Override
    public Scenario scenario() {
        return Scenario.SELECTIVE_ROLLBACK;
    }

    @Override
    public String execute(ExecutionContext ctx) {
        RollbackSteps.Resolved r = RollbackSteps.resolve(ctx);
        // Plan before any write, so a refusal (paused, no history) changes nothing.
        RolloutUndo.Plan plan = RollbackSteps.planUndo(ctx, r.deployment());
        if (plan.kind() == RolloutUndo.Kind.ALREADY_AT_REVISION) {
            return plan.message();
        }
        Target t = ctx.target();
        Optional<Object> automated = r.argoManaged() ? RollbackSteps.disableAutoSync(ctx, r) : Optional.empty();
        try {
            ctx.checkAbort();
            ctx.step(RollbackSteps.ROLLBACK_DEPLOYMENT, () -> ctx.cluster().patchDeployment(t.namespace(), t.deployment(), plan.jsonPatch())
                    + " to revision " + plan.toRevision());
        } catch (RuntimeException e) {
            RollbackSteps.restoreAutoSync(ctx, r, automated);
            throw e;
        }
        if (r.argoManaged()) {
            ctx.gitMustFollow("deployment " + t.key() + " runs revision " + plan.toRevision() + " outside Git; Argo CD application "
                    + ctx.argoNamespace() + "/" + r.application() + (automated.isPresent() ? " has automated sync off" : " shows OutOfSync")
                    + " until Git is updated to match");
        }
        RollbackSteps.verifyRollout(ctx, t.namespace(), t.deployment());
        return "rolled back " + t.key() + " from revision " + plan.fromRevision() + " to " + plan.toRevision();
    }

    @Override
    public List<PlannedStep> outline(Target t, Map<String, String> parameters) {
        String rev = parameters.getOrDefault("toRevision", "previous");
        return List.of(
                new PlannedStep(RollbackSteps.RESOLVE_TARGET, "read deployment " + t.key() + " and find whether Argo CD manages it"),
                new PlannedStep(RollbackSteps.PLAN, "pick the " + rev + " revision from the ReplicaSets the deployment controls"),
                new PlannedStep(RollbackSteps.DISABLE_AUTO_SYNC, "if Argo CD manages it: turn automated sync off so self-heal cannot undo the rollback"),
                new PlannedStep(RollbackSteps.ROLLBACK_DEPLOYMENT, "as 'kubectl rollout undo deployment/" + t.deployment() + " -n " + t.namespace() + "'"),
                new PlannedStep(RollbackSteps.VERIFY, "wait up to the verify timeout for the rollout to complete; record that Git must follow"));
    }
}
