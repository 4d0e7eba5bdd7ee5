package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.Target;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.Map;
import java.util.Optional;

/** Steps the rollback scenarios share: find the target, roll a Deployment back, verify, Argo CD sync policy. */
final class RollbackSteps {

    static final String RESOLVE_TARGET = "resolve-target";
    static final String PLAN = "plan-rollback";
    static final String DISABLE_AUTO_SYNC = "disable-argo-auto-sync";
    static final String RESTORE_AUTO_SYNC = "restore-argo-auto-sync";
    static final String ROLLBACK_DEPLOYMENT = "rollback-deployment";
    static final String ARGO_ROLLBACK = "argo-rollback-sync";
    static final String VERIFY = "verify-rollout";

    /** A Deployment and, when Argo CD manages it, its Application. */
    record Resolved(Deployment deployment, String application, Map<String, Object> applicationObject) {
        boolean argoManaged() {
            return applicationObject != null;
        }
    }

    private RollbackSteps() {
    }

    static Resolved resolve(ExecutionContext ctx) {
        Target t = ctx.target();
        Resolved[] out = new Resolved[1];
        ctx.step(RESOLVE_TARGET, () -> {
            Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment())
                    .orElseThrow(() -> new ExecutionContext.Failure("deployment " + t.key() + " not found"));
            String app = t.argoApplication() != null ? t.argoApplication() : ArgoCd.trackedApplication(d).orElse(null);
            Map<String, Object> appObject = null;
            if (app != null && io.autonova.remediator.rules.KubernetesNames.objectNameProblem(app).isEmpty()) {
                appObject = ctx.cluster().argoApplication(ctx.argoNamespace(), app).orElse(null);
                if (appObject == null && t.argoApplication() != null) {
                    throw new ExecutionContext.Failure("Argo CD application " + ctx.argoNamespace() + "/" + app + " named by the rule does not exist");
                }
            }
            out[0] = new Resolved(d, appObject == null ? null : app, appObject);
            return "deployment " + t.key() + " at revision " + RolloutUndo.revision(d.getMetadata().getAnnotations())
                    + (appObject == null ? ", not managed by Argo CD" : ", managed by Argo CD application " + app);
        });
        return out[0];
    }

    static RolloutUndo.Plan planUndo(ExecutionContext ctx, Deployment d) {
        RolloutUndo.Plan[] out = new RolloutUndo.Plan[1];
        ctx.step(PLAN, () -> {
            long to = ctx.parameters().containsKey("toRevision") ? Long.parseLong(ctx.parameters().get("toRevision")) : 0;
            RolloutUndo.Plan plan = RolloutUndo.plan(d, ctx.cluster().replicaSets(d), to);
            if (plan.kind() == RolloutUndo.Kind.REFUSED) {
                throw new ExecutionContext.Failure(plan.message());
            }
            ctx.revisions(String.valueOf(plan.fromRevision()), String.valueOf(plan.toRevision()));
            out[0] = plan;
            return plan.message();
        });
        return out[0];
    }

    /** Turns automated sync off when it is on; returns the policy to restore, or empty when there was none. */
    static Optional<Object> disableAutoSync(ExecutionContext ctx, Resolved r) {
        Optional<Object> automated = ArgoCd.automatedSyncPolicy(r.applicationObject());
        if (automated.isEmpty()) {
            return Optional.empty();
        }
        ctx.step(DISABLE_AUTO_SYNC, () -> ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), r.application(),
                ArgoCd.disableAutomatedSyncPatch()) + ": automated sync off so self-heal cannot undo the rollback");
        return automated;
    }

    /** Compensation: puts automated sync back after a later step failed, so nothing is left half-done. */
    static void restoreAutoSync(ExecutionContext ctx, Resolved r, Optional<Object> automated) {
        if (automated.isPresent()) {
            ctx.step(RESTORE_AUTO_SYNC, () -> ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), r.application(),
                    ArgoCd.restoreAutomatedSyncPatch(automated.get())) + ": restored automated sync after the rollback failed");
        }
    }

    static void verifyRollout(ExecutionContext ctx, String namespace, String name) {
        if (ctx.cluster().dryRun()) {
            ctx.step(VERIFY, () -> "dry-run: would wait up to " + io.autonova.remediator.rules.Durations.format(ctx.verifyTimeout())
                    + " for deployment " + namespace + "/" + name + " to roll out");
            return;
        }
        ctx.step(VERIFY, () -> {
            String[] last = {"no status read yet"};
            return poll(ctx, () -> {
                Deployment d = ctx.cluster().deployment(namespace, name)
                        .orElseThrow(() -> new ExecutionContext.Failure("deployment " + namespace + "/" + name + " disappeared during verification"));
                RolloutStatus.Result status = RolloutStatus.evaluate(d);
                if (status.state() == RolloutStatus.State.FAILED) {
                    throw new ExecutionContext.Failure(status.message());
                }
                last[0] = status.message();
                return status.state() == RolloutStatus.State.COMPLETE ? status.message() : null;
            }, () -> "rollout not complete after " + io.autonova.remediator.rules.Durations.format(ctx.verifyTimeout()) + ": " + last[0]);
        });
    }

    /** One look at what a step waits for: the closing sentence when done, null to keep waiting; throws to fail. */
    @FunctionalInterface
    interface Probe {
        String check();
    }

    /** Looks until done, polling at the configured interval, stopping on abort or after the verify timeout. */
    static String poll(ExecutionContext ctx, Probe probe, java.util.function.Supplier<String> timedOut) {
        long start = System.nanoTime();
        while (true) {
            ctx.checkAbort();
            String done = probe.check();
            if (done != null) {
                return done;
            }
            if (ctx.timedOut(start)) {
                throw new ExecutionContext.Failure(timedOut.get());
            }
            ctx.pause();
        }
    }
}
