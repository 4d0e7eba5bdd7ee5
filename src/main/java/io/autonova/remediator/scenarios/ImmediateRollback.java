package io.autonova.remediator.scenarios;

import io.autonova.remediator.rules.ParameterChecks;
import io.autonova.remediator.engine.EngineOutput;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.ScenarioPlan;
import io.autonova.remediator.engine.StepHandler;
import java.util.ArrayList;

import java.util.List;
import java.util.Optional;

import static io.autonova.remediator.scenarios.RollbackSteps.*;

/**
 * Runbook scenario 1. Through Argo CD when an Application verifiably manages the target, as
 * {@code argocd app rollback} does (automated sync off, then a sync to the previous history entry);
 * otherwise as {@code kubectl rollout undo}.
 */
public class ImmediateRollback implements ScenarioPlan {

    static final String NAME = "immediate-rollback";

    @Override
    public String ruleName() {
        return NAME;
    }

    @Override
    public boolean throughArgoCd() {
        return true;
    }

    @Override
    public List<StepHandler> steps(RunContext ctx) {
        if (!ctx.succeeded(RESOLVE_TARGET)) {
            return List.of(RESOLVE);
        }
        if (argoManaged(ctx)) {
            String app = argoApp(ctx);
            if (GitFollows.wanted(ctx)) {
                // Git follows once the rollback verified: the revert, the request, then automated sync back on.
                List<StepHandler> steps = new ArrayList<>(SignalVerification.withSignalCheck(
                        List.of(RESOLVE, PLAN_ARGO_ROLLBACK, DISABLE_SYNC, ARGO_SYNC, ARGO_VERIFY, VERIFY_ROLLOUT), ctx));
                steps.addAll(GitFollows.steps(ctx));
                return steps;
            }
            return SignalVerification.withSignalCheck(List.of(RESOLVE, PLAN_ARGO_ROLLBACK, DISABLE_SYNC, ARGO_SYNC, ARGO_VERIFY, VERIFY_ROLLOUT,
                    gitMustFollow("Argo CD application " + app + " runs revision " + ctx.output(PLAN_ARGO, EngineOutput.REVISION_TO.key())
                            + " with automated sync off; fix Git, then re-enable automated sync")), ctx);
        }
        if (noop(ctx, PLAN)) {
            return List.of(RESOLVE, PLAN_UNDO);
        }
        return SignalVerification.withSignalCheck(List.of(RESOLVE, PLAN_UNDO, ROLLBACK, VERIFY_ROLLOUT), ctx);
    }

    @Override
    public boolean writesBackToGit() {
        return true;
    }

    @Override
    public Optional<StepHandler> compensation(String done, RunContext ctx) {
        return DISABLE_AUTO_SYNC.equals(done) ? Optional.of(RESTORE_SYNC) : Optional.empty();
    }

    @Override
    public List<String[]> outline(RunContext ctx) {
        String rev = ctx.parameters().getOrDefault("toRevision", "previous");
        String d = ctx.target().deployment();
        List<String[]> lines = SignalVerification.outline(List.of(
                new String[]{RESOLVE_TARGET, "read deployment " + ctx.target().key() + " and check whether an Argo CD application really manages it"},
                new String[]{PLAN, "pick the " + rev + " revision (Argo CD status.history, or the ReplicaSets' deployment.kubernetes.io/revision); "
                        + "refuse a revision this service rolled back from"},
                new String[]{DISABLE_AUTO_SYNC + "+" + ARGO_ROLLBACK,
                        "if Argo CD manages it: turn automated sync off (saving the policy) and sync to the previous history entry, as 'argocd app rollback'"},
                new String[]{ROLLBACK_DEPLOYMENT, "otherwise: as 'kubectl rollout undo deployment/" + d + " -n " + ctx.target().namespace()
                        + "', only if the deployment still runs the planned template"},
                new String[]{VERIFY, "wait up to the verify timeout for the rollout to complete"}), ctx);
        if (GitFollows.wanted(ctx)) {
            lines = new ArrayList<>(lines);
            lines.addAll(GitFollows.outline(ctx));
        }
        return lines;
    }
}
