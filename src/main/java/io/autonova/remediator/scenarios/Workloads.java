package io.autonova.remediator.scenarios;

import io.autonova.remediator.domain.Json;
import io.autonova.remediator.engine.EngineOutput;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.List;
import java.util.Map;

import static io.autonova.remediator.scenarios.RollbackSteps.PLAN;
import static io.autonova.remediator.scenarios.RollbackSteps.out;
import static io.autonova.remediator.scenarios.RollbackSteps.withPrecondition;

/** Steps on a Deployment's size and pods, shared by the scenarios that stop an app before changing what it depends on. */
final class Workloads {

    static final String SCALE_DOWN = "scale-to-zero";
    static final String WAIT_PODS_GONE = "wait-pods-gone";
    static final String SCALE_BACK = "scale-back";
    static final String RESTORE_REPLICAS = "restore-replicas";

    private Workloads() {
    }

    static int replicas(Deployment d) {
        return d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    }

    static long generation(Deployment d) {
        return d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
    }

    /** Sets spec.replicas with a JSON patch tested against the resourceVersion just read; retried on a conflict. */
    static StepResult scale(RunContext ctx, int to, String why, String onlyFromTemplate) {
        Target t = ctx.target();
        return RollbackSteps.lookAgainOnConflict(() -> {
            Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
            if (d == null) {
                return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " disappeared");
            }
            if (replicas(d) == to) {
                return StepResult.done("deployment " + t.key() + " has " + to + " replicas " + why);
            }
            if (onlyFromTemplate != null && !onlyFromTemplate.equals(RolloutUndo.templateHash(d.getSpec().getTemplate()))) {
                return StepResult.fail(FailureReason.NEWER_DEPLOY, "deployment " + t.key() + " changed since the plan was made (a newer deploy?): not scaling it");
            }
            String patch = Json.MAPPER.writeValueAsString(List.of(Map.of("op", "replace", "path", "/spec/replicas", "value", to)));
            Deployment after = ctx.cluster().patchDeployment(t.namespace(), t.deployment(), withPrecondition(patch, d.getMetadata().getResourceVersion()));
            long got = after == null ? 0 : generation(after);
            return StepResult.done("scaled deployment " + t.key() + " from " + replicas(d) + " to " + to + " replicas " + why,
                    out("expectGeneration", String.valueOf(Math.max(got, generation(d) + 1))));
        }, StepResult.fail(FailureReason.NEWER_DEPLOY, "deployment " + t.key() + " kept changing while scaling it"));
    }

    /**
     * Records the replica count (write-ahead), then scales the app down to what {@code to} makes of it, only while it
     * runs the planned template. {@code why} follows "(was N)" in the step's message.
     */
    static StepHandler scaleDown(String name, java.util.function.ToIntBiFunction<RunContext, Integer> to, String why) {
        return new StepHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Map<String, String> prepare(RunContext ctx) {
                Deployment d = ctx.cluster().deployment(ctx.target().namespace(), ctx.target().deployment()).orElse(null);
                return d == null ? Map.of() : out("replicas", String.valueOf(replicas(d)));
            }

            @Override
            public StepResult act(RunContext ctx, Map<String, String> inputs) {
                if (!inputs.containsKey("replicas")) {
                    return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + ctx.target().key() + " not found");
                }
                int was = Integer.parseInt(inputs.get("replicas"));
                return scale(ctx, to.applyAsInt(ctx, was), "(was " + was + ")" + why, ctx.output(PLAN, EngineOutput.FROM_TEMPLATE.key()));
            }
        };
    }

    static final StepHandler SCALE_TO_ZERO = scaleDown(SCALE_DOWN, (ctx, was) -> 0, ", so no pod uses the database while its migration is undone");

    /** Waits until no pod of the Deployment is left (terminating ones count as still there). */
    static final StepHandler PODS_GONE = RollbackSteps.reader(WAIT_PODS_GONE, RunContext::verifyTimeout, ctx -> {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " disappeared");
        }
        List<Pod> left = ctx.cluster().pods(t.namespace(), d.getSpec().getSelector().getMatchLabels());
        if (left.isEmpty()) {
            return StepResult.done("no pod of deployment " + t.key() + " is left");
        }
        return StepResult.waiting(left.size() + " pod(s) of deployment " + t.key() + " still there, e.g. " + left.get(0).getMetadata().getName());
    });

    /** The replica count {@code step} recorded before it scaled the app down, or null when it never ran. */
    static Integer recordedReplicas(RunContext ctx, String step) {
        var s = ctx.record().step(step);
        return s == null || !s.inputs.containsKey("replicas") ? null : Integer.valueOf(s.inputs.get("replicas"));
    }

    /** Scales the app back to the count {@code scaledBy} recorded: a plan step, or the compensation of that scale-down. */
    static StepHandler scaleBack(String name, String scaledBy) {
        return RollbackSteps.writer(name, (ctx, inputs) -> {
            Integer to = recordedReplicas(ctx, scaledBy);
            return to == null ? StepResult.done("the app was never scaled down") : scale(ctx, to, "(the count recorded before it was scaled down)", null);
        });
    }

    static final StepHandler SCALE_BACK_STEP = scaleBack(SCALE_BACK, SCALE_DOWN);
    /** Never leave the app at zero because a later step failed or an operator aborted. */
    static final StepHandler RESTORE = scaleBack(RESTORE_REPLICAS, SCALE_DOWN);
}
