package io.autonova.remediator.scenarios;

import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.EngineOutput;
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
 * Runbook scenario 4: stop the app, undo its migration with the undo the bad release ships (never one of our
 * own making), roll the app back, start it again at its recorded size. With no undo, the app alone is rolled
 * back only when the rule says the schema is backward compatible; otherwise nothing changes and the target
 * waits for a human. Whatever fails, the app is never left at zero replicas.
 */
public class DatabaseMigrationRollback implements ScenarioPlan {

    static final String NAME = "database-migration-rollback";

    @Override
    public String ruleName() {
        return NAME;
    }

    @Override
    public Map<String, Function<String, Optional<String>>> ownParameters() {
        return Map.of("reversible", ParameterChecks.BOOL, "backwardCompatible", ParameterChecks.BOOL, "undoImage", ParameterChecks.IMAGE,
                "undoCommand", ParameterChecks.NON_EMPTY, "migrationTimeout", ParameterChecks.DURATION);
    }

    @Override
    public List<String> crossCheck(Map<String, String> p) {
        List<String> problems = new ArrayList<>();
        if (!p.containsKey("reversible")) {
            problems.add("parameter 'reversible' is required: say whether the release's migration can be undone (true, with an undo "
                    + "Job shipped by the release or undoImage/undoCommand) or not (false)");
        }
        if (p.containsKey("undoImage") != p.containsKey("undoCommand")) {
            problems.add("parameters 'undoImage' and 'undoCommand' go together");
        }
        if ("false".equals(p.get("reversible")) && p.containsKey("undoImage")) {
            problems.add("a migration marked reversible: false has no undo; remove undoImage/undoCommand");
        }
        return problems;
    }

    @Override
    public List<Call> calls() {
        return List.of(Call.of("batch", "jobs", NAME, "get", "list", "watch", "create", "delete"), Call.of("", "pods", NAME, "list"),
                Call.of("", "pods/log", NAME, "get"));
    }

    @Override
    public List<StepHandler> steps(RunContext ctx) {
        List<StepHandler> first = untilPlanned(ctx);
        if (first != null) {
            return first;
        }
        if (!ctx.succeeded(MigrationUndo.PLAN_MIGRATION)) {
            return List.of(RESOLVE, PLAN_UNDO, MigrationUndo.PLAN_UNDO);
        }
        List<StepHandler> steps = new ArrayList<>(List.of(RESOLVE, PLAN_UNDO, MigrationUndo.PLAN_UNDO));
        if (argoManaged(ctx)) {
            steps.add(DISABLE_SYNC); // self-heal would scale the app back up under the migration undo
        }
        if (MigrationUndo.undoPlanned(ctx)) {
            steps.addAll(List.of(Workloads.SCALE_TO_ZERO, Workloads.PODS_GONE, MigrationUndo.RUN, MigrationUndo.WAIT, ROLLBACK, Workloads.SCALE_BACK_STEP));
        } else {
            steps.addAll(List.of(ROLLBACK, MigrationUndo.NOTE));
        }
        if (argoManaged(ctx)) {
            steps.add(gitMustFollow("deployment " + ctx.target().key() + " runs revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key())
                    + " outside Git; Argo CD application " + argoApp(ctx)
                    + " has automated sync off until Git (release and migrations) is updated to match"));
        }
        steps.add(VERIFY_ROLLOUT);
        return SignalVerification.withSignalCheck(steps, ctx);
    }

    @Override
    public Optional<StepHandler> compensation(String done, RunContext ctx) {
        return switch (done) {
            case DISABLE_AUTO_SYNC -> Optional.of(RESTORE_SYNC);
            case MigrationUndo.RUN_UNDO -> Optional.of(MigrationUndo.STOP); // before the app scales back up (compensations run newest first)
            case Workloads.SCALE_DOWN -> Optional.of(Workloads.RESTORE);
            default -> Optional.empty();
        };
    }

    @Override
    public List<String[]> outline(RunContext ctx) {
        String d = ctx.target().key();
        boolean reversible = "true".equals(ctx.parameters().get("reversible"));
        String undo = !reversible ? "none (reversible: false)"
                : ctx.parameters().containsKey("undoImage") ? "a Job running image " + ctx.parameters().get("undoImage") + " with '" + ctx.parameters().get("undoCommand") + "'"
                : "the suspended Job labelled " + MigrationUndo.UNDO_FOR_LABEL + "=" + ctx.target().deployment() + " that the release ships";
        return SignalVerification.outline(List.of(
                new String[]{RESOLVE_TARGET, "read deployment " + d},
                new String[]{PLAN, "pick the previous revision, as 'kubectl rollout undo' would"},
                new String[]{MigrationUndo.PLAN_MIGRATION, "find the migration undo: " + undo + ("true".equals(ctx.parameters().get("backwardCompatible"))
                        ? "; without one, roll the app back alone (schema backward compatible)" : "; without one, change nothing and hold the target")},
                new String[]{Workloads.SCALE_DOWN, "record the replica count and scale " + d + " to 0"},
                new String[]{Workloads.WAIT_PODS_GONE, "wait until no pod of " + d + " is left"},
                new String[]{MigrationUndo.RUN_UNDO, "create the undo Job (backoffLimit 0, a deadline, a pod failure policy), named from the record"},
                new String[]{MigrationUndo.WAIT_UNDO, "wait for Complete or Failed; keep the Job's log in the record"},
                new String[]{ROLLBACK_DEPLOYMENT, "roll " + d + " back to the previous template"},
                new String[]{Workloads.SCALE_BACK, "scale " + d + " back to the recorded replica count"},
                new String[]{VERIFY, "wait for the rollout to complete"}), ctx);
    }
}
