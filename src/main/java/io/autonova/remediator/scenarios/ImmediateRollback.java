package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.Target;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runbook scenario 1. Through Argo CD when an Application manages the target, as {@code argocd app rollback}
 * does (automated sync off, then a sync to the previous history entry); otherwise as {@code kubectl rollout undo}.
 */
@ApplicationScoped
public class ImmediateRollback implements ScenarioExecutor {

    @Override
    public Scenario scenario() {
        return Scenario.IMMEDIATE_ROLLBACK;
    }

    @Override
    public String execute(ExecutionContext ctx) {
        RollbackSteps.Resolved r = RollbackSteps.resolve(ctx);
        if (r.argoManaged()) {
            return argoRollback(ctx, r);
        }
        RolloutUndo.Plan plan = RollbackSteps.planUndo(ctx, r.deployment());
        if (plan.kind() == RolloutUndo.Kind.ALREADY_AT_REVISION) {
            return plan.message();
        }
        Target t = ctx.target();
        ctx.step(RollbackSteps.ROLLBACK_DEPLOYMENT, () -> ctx.cluster().patchDeployment(t.namespace(), t.deployment(), plan.jsonPatch())
                + " to revision " + plan.toRevision());
        RollbackSteps.verifyRollout(ctx, t.namespace(), t.deployment());
        return "rolled back " + t.key() + " from revision " + plan.fromRevision() + " to " + plan.toRevision();
    }

    private String argoRollback(ExecutionContext ctx, RollbackSteps.Resolved r) {
        String app = ctx.argoNamespace() + "/" + r.application();
        ArgoCd.HistoryEntry[] entry = new ArgoCd.HistoryEntry[1];
        ctx.step(RollbackSteps.PLAN, () -> {
            if (ArgoCd.operationInProgress(r.applicationObject())) {
                throw new ExecutionContext.Failure("another operation is already in progress on application " + app);
            }
            List<ArgoCd.HistoryEntry> history = ArgoCd.history(r.applicationObject());
            long id = ctx.parameters().containsKey("toRevision") ? Long.parseLong(ctx.parameters().get("toRevision")) : 0;
            entry[0] = ArgoCd.rollbackEntry(history, id).orElseThrow(() -> new ExecutionContext.Failure(id > 0
                    ? "application " + app + " has no history entry with id " + id
                    : "application " + app + " has no earlier deployment in status.history"));
            String current = history.isEmpty() ? "unknown" : history.get(history.size() - 1).revision();
            ctx.revisions(current, entry[0].revision());
            return "sync application " + app + " back to history id " + entry[0].id() + " (revision " + entry[0].revision() + ")";
        });
        Optional<Object> automated = RollbackSteps.disableAutoSync(ctx, r);
        try {
            ctx.checkAbort();
            ctx.step(RollbackSteps.ARGO_ROLLBACK, () -> ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), r.application(),
                    ArgoCd.rollbackOperationPatch(entry[0], "autonova-remediator rollback of " + ctx.target().key()))
                    + ": sync operation to revision " + entry[0].revision());
        } catch (RuntimeException e) {
            RollbackSteps.restoreAutoSync(ctx, r, automated);
            throw e;
        }
        verifyArgoSync(ctx, r.application());
        RollbackSteps.verifyRollout(ctx, ctx.target().namespace(), ctx.target().deployment());
        ctx.gitMustFollow("Argo CD application " + app + " runs revision " + entry[0].revision()
                + " with automated sync off; fix Git, then re-enable automated sync");
        return "rolled back application " + app + " to revision " + entry[0].revision();
    }

    private void verifyArgoSync(ExecutionContext ctx, String application) {
        if (ctx.cluster().dryRun()) {
            return;
        }
        ctx.step("verify-argo-sync", () -> RollbackSteps.poll(ctx, () -> {
            Map<String, Object> app = ctx.cluster().argoApplication(ctx.argoNamespace(), application)
                    .orElseThrow(() -> new ExecutionContext.Failure("application " + application + " disappeared"));
            String[] state = ArgoCd.operationState(app);
            if (state == null || ArgoCd.operationInProgress(app)) {
                return null;
            }
            if ("Failed".equals(state[0]) || "Error".equals(state[0])) {
                throw new ExecutionContext.Failure("sync operation " + state[0].toLowerCase() + ": " + state[1]);
            }
            return "Succeeded".equals(state[0]) ? "sync operation succeeded" + (state[1] == null ? "" : ": " + state[1]) : null;
        }, () -> "sync operation of " + application + " not finished in time"));
    }

    @Override
    public List<PlannedStep> outline(Target t, Map<String, String> parameters) {
        String rev = parameters.getOrDefault("toRevision", "previous");
        return List.of(
                new PlannedStep(RollbackSteps.RESOLVE_TARGET, "read deployment " + t.key() + " and find whether Argo CD manages it"),
                new PlannedStep(RollbackSteps.PLAN, "pick the " + rev + " revision (Argo CD status.history, or the ReplicaSets' "
                        + "deployment.kubernetes.io/revision)"),
                new PlannedStep(RollbackSteps.DISABLE_AUTO_SYNC + "+" + RollbackSteps.ARGO_ROLLBACK,
                        "if Argo CD manages it: turn automated sync off and sync to the previous history entry, as 'argocd app rollback'"),
                new PlannedStep(RollbackSteps.ROLLBACK_DEPLOYMENT, "otherwise: as 'kubectl rollout undo deployment/" + t.deployment()
                        + " -n " + t.namespace() + "'"),
                new PlannedStep(RollbackSteps.VERIFY, "wait up to the verify timeout for the rollout to complete"));
    }
}
