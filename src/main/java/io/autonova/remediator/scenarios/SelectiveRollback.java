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
 * Runbook scenario 2: roll one Deployment back with {@code kubectl rollout undo} semantics. When Argo CD
 * manages it, automated sync goes off first (self-heal would undo the rollback) and the record says that
 * Git must follow. The plan is made before any write.
 */
public class SelectiveRollback implements ScenarioPlan {

    static final String NAME = "selective-rollback";

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
        List<StepHandler> first = untilPlanned(ctx);
        if (first != null) {
            return first;
        }
        List<StepHandler> steps = new ArrayList<>(List.of(RESOLVE, PLAN_UNDO));
        if (argoManaged(ctx)) {
            steps.add(DISABLE_SYNC);
        }
        steps.add(ROLLBACK);
        if (argoManaged(ctx)) {
            steps.add(gitMustFollow("deployment " + ctx.target().key() + " runs revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key())
                    + " outside Git; Argo CD application " + argoApp(ctx)
                    + " has automated sync off (or shows OutOfSync) until Git is updated to match"));
        }
        steps.add(VERIFY_ROLLOUT);
        return SignalVerification.withSignalCheck(steps, ctx);
    }

    @Override
    public Optional<StepHandler> compensation(String done, RunContext ctx) {
        return DISABLE_AUTO_SYNC.equals(done) ? Optional.of(RESTORE_SYNC) : Optional.empty();
    }

    @Override
    public List<String[]> outline(RunContext ctx) {
        String rev = ctx.parameters().getOrDefault("toRevision", "previous");
        return SignalVerification.outline(List.of(
                new String[]{RESOLVE_TARGET, "read deployment " + ctx.target().key() + " and check whether an Argo CD application really manages it"},
                new String[]{PLAN, "pick the " + rev + " revision from the ReplicaSets the deployment controls; refuse a revision this service rolled back from"},
                new String[]{DISABLE_AUTO_SYNC, "if Argo CD manages it: save the automated sync policy and turn it off so self-heal cannot undo the rollback"},
                new String[]{ROLLBACK_DEPLOYMENT, "as 'kubectl rollout undo deployment/" + ctx.target().deployment() + " -n " + ctx.target().namespace()
                        + "', only if the deployment still runs the planned template"},
                new String[]{VERIFY, "wait up to the verify timeout for the rollout to complete; record that Git must follow"}), ctx);
    }
}
