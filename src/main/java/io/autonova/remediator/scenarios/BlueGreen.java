package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ApiFailure;
import io.autonova.remediator.engine.EngineOutput;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.autonova.remediator.scenarios.RollbackSteps.PLAN;
import static io.autonova.remediator.scenarios.RollbackSteps.out;

/**
 * The steps of runbook scenario 3, done as the runbook means rather than as it types: the previous version runs
 * beside the bad one as {@code <name>-rollback}, the Service is switched to it (its original selector kept on
 * the Service), watched, and then the original Deployment itself is rolled back (never deleted and re-created:
 * its selector is immutable and Argo CD, HPAs and PDBs point at it), the Service switched back, the copy removed.
 */
final class BlueGreen {

    static final String PLAN_GRADUAL = "plan-gradual-rollback";
    static final String SCALE_BAD = "scale-bad-down";
    static final String CREATE_COPY = "create-rollback-deployment";
    static final String WAIT_COPY = "wait-rollback-ready";
    static final String SWITCH = "switch-service";
    static final String CHECK_SWITCHED = "check-endpoints";
    static final String DRAIN = "drain";
    static final String WATCH = "watch";
    static final String SWITCH_BACK = "switch-service-back";
    static final String CHECK_BACK = "check-endpoints-back";
    static final String DRAIN_COPY = "drain-rollback-deployment";
    static final String DELETE_COPY = "delete-rollback-deployment";
    static final String RESTORE_SELECTOR = "restore-service-selector";
    static final String REMOVE_COPY = "remove-rollback-deployment";
    static final String RUN_LABEL = "autonova.io/rollback";
    static final String ORIGINAL_SELECTOR = "autonova.io/original-selector";
    static final String SWITCHED_BY = "autonova.io/switched-by";
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private BlueGreen() {
    }

    static String copyName(RunContext ctx) {
        return ctx.target().deployment() + "-rollback";
    }

    static String runLabel(RunContext ctx) {
        return Hashes.sha256Hex(ctx.record().name);
    }

    static Map<String, String> labels(String json) {
        try {
            return json == null ? Map.of() : Json.MAPPER.readValue(json, LABELS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String json(Object o) {
        try {
            return Json.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Duration drain(RunContext ctx) {
        String d = ctx.parameters().get("drain");
        return d == null ? Duration.ofSeconds(30) : Durations.parse(d);
    }

    static Duration watch(RunContext ctx) {
        String w = ctx.parameters().get("watch");
        return w == null ? Duration.ofMinutes(5) : Durations.parse(w);
    }

    /** The Service, the copy (previous template plus the run's label, sized from the HPA when there is one), and the checks. */
    static final StepHandler PLAN_STEP = RollbackSteps.reader(PLAN_GRADUAL, ctx -> {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " not found");
        }
        String svcName = ctx.parameters().getOrDefault("service", t.deployment());
        Service svc = ctx.cluster().service(t.namespace(), svcName).orElse(null);
        if (svc == null || svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "service " + t.namespace() + "/" + svcName
                    + (svc == null ? " not found" : " has no selector (traffic cannot be moved by labels)"));
        }
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = svc.getSpec().getSelector();
        if (!podLabels.entrySet().containsAll(selector.entrySet())) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "service " + t.namespace() + "/" + svcName + " (selector " + selector
                    + ") does not route to deployment " + t.key());
        }
        if (d.getSpec().getSelector().getMatchExpressions() != null && !d.getSpec().getSelector().getMatchExpressions().isEmpty()
                || podLabels.containsKey(RUN_LABEL) || selector.containsKey(RUN_LABEL)) {
            return StepResult.fail(FailureReason.SELECTOR_CONFLICT, "deployment " + t.key() + " uses matchExpressions or already carries "
                    + RUN_LABEL + " (a gradual rollback left behind?): a human must look first");
        }
        List<ReplicaSet> replicaSets = ctx.cluster().replicaSets(d);
        String foreign = foreignPod(ctx, d, replicaSets, selector);
        if (foreign != null) {
            return StepResult.fail(FailureReason.SELECTOR_CONFLICT, "service " + t.namespace() + "/" + svcName + " (selector " + selector + ") also selects "
                    + foreign + ": moving its traffic would move theirs too");
        }
        ReplicaSet previous = null;
        String toTemplate = ctx.output(PLAN, "toTemplate");
        for (ReplicaSet rs : replicaSets) {
            if (RolloutUndo.templateHash(rs.getSpec().getTemplate()).equals(toTemplate)) {
                previous = rs;
            }
        }
        if (previous == null) {
            return StepResult.fail(FailureReason.NO_EARLIER_REVISION, "the ReplicaSet of revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key()) + " is gone");
        }
        if (ctx.cluster().deployment(t.namespace(), copyName(ctx)).filter(c -> !runLabel(ctx).equals(label(c.getMetadata(), RUN_LABEL))).isPresent()) {
            return StepResult.fail(FailureReason.SELECTOR_CONFLICT, "a deployment " + t.namespace() + "/" + copyName(ctx) + " exists and is not this run's");
        }
        int replicas = Workloads.replicas(d);
        var hpa = ctx.cluster().autoscalerFor(t.namespace(), t.deployment());
        int copyReplicas = hpa.map(h -> h.getStatus() == null || h.getStatus().getDesiredReplicas() == null ? replicas : h.getStatus().getDesiredReplicas())
                .orElse(replicas);
        copyReplicas = Math.max(1, copyReplicas);
        String run = runLabel(ctx);
        PodTemplateSpec template = Json.MAPPER.convertValue(previous.getSpec().getTemplate(), PodTemplateSpec.class);
        Map<String, String> copyLabels = new LinkedHashMap<>(template.getMetadata().getLabels());
        copyLabels.remove("pod-template-hash");
        copyLabels.put(RUN_LABEL, run);
        template.getMetadata().setLabels(copyLabels);
        Map<String, String> copySelector = new LinkedHashMap<>(d.getSpec().getSelector().getMatchLabels());
        copySelector.put(RUN_LABEL, run);
        // The original's pods lack the run label, so the copy never adopts them; the copy's pod-template-hash differs, so no
        // ReplicaSet of the original adopts the copy's pods. HPAs and PDBs are not copied.
        Deployment copy = new DeploymentBuilder().withMetadata(new ObjectMeta()).withNewSpec().withReplicas(copyReplicas)
                .withNewSelector().withMatchLabels(copySelector).endSelector().withTemplate(template).endSpec().build();
        copy.getMetadata().setName(copyName(ctx));
        copy.getMetadata().setNamespace(t.namespace());
        copy.getMetadata().setLabels(Map.of(RUN_LABEL, run, "autonova.io/remediation", ctx.record().name, "app.kubernetes.io/managed-by", "autonova-remediator"));
        copy.getMetadata().setAnnotations(Map.of("autonova.io/copy-of", t.key(), "autonova.io/revision", ctx.output(PLAN, EngineOutput.REVISION_TO.key())));
        Map<String, String> switched = new LinkedHashMap<>(selector);
        switched.put(RUN_LABEL, run);
        return StepResult.done("run revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key()) + " as " + t.namespace() + "/" + copyName(ctx) + " (" + copyReplicas
                        + " replicas" + (hpa.isPresent() ? ", the HPA's desired count" : "") + ") beside revision " + ctx.output(PLAN, EngineOutput.REVISION_FROM.key())
                        + ", then move service " + svcName + " to it",
                out("service", svcName, "originalSelector", json(selector), "switchedSelector", json(switched), "copy", io.autonova.remediator.domain.Redaction.envValuesJson(copy),
                        "copyReplicas", String.valueOf(copyReplicas), "run", run));
    });

    /**
     * A pod the Service selects that is not the Deployment's, described, or null: its controller is not one of the
     * Deployment's ReplicaSets (a pod without a controller counts as the Deployment's only when its selector matches it).
     */
    static String foreignPod(RunContext ctx, Deployment d, List<ReplicaSet> ofDeployment, Map<String, String> serviceSelector) {
        java.util.Set<String> replicaSets = new java.util.HashSet<>();
        ofDeployment.forEach(rs -> replicaSets.add(rs.getMetadata().getName()));
        Map<String, String> own = d.getSpec().getSelector().getMatchLabels();
        for (var pod : ctx.cluster().pods(d.getMetadata().getNamespace(), serviceSelector)) {
            var controller = pod.getMetadata().getOwnerReferences() == null ? null : pod.getMetadata().getOwnerReferences().stream()
                    .filter(o -> Boolean.TRUE.equals(o.getController())).findFirst().orElse(null);
            Map<String, String> labels = pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels();
            boolean mine = controller == null ? labels.entrySet().containsAll(own.entrySet())
                    : "ReplicaSet".equals(controller.getKind()) && replicaSets.contains(controller.getName());
            if (!mine) {
                return "pod " + pod.getMetadata().getName() + (controller == null ? " (no controller)" : " of " + controller.getKind() + " " + controller.getName())
                        + ", which is not deployment " + ctx.target().key() + "'s";
            }
        }
        return null;
    }

    static String label(ObjectMeta m, String key) {
        return m.getLabels() == null ? null : m.getLabels().get(key);
    }

    static final StepHandler SCALE_BAD_STEP = Workloads.scaleDown(SCALE_BAD,
            (ctx, was) -> Math.min(Integer.parseInt(ctx.parameters().getOrDefault("scaleBadTo", "1")), was),
            ": less of the bad release while its replacement starts");

    static final StepHandler SCALE_ORIGINAL_BACK = Workloads.scaleBack(Workloads.SCALE_BACK, SCALE_BAD);
    static final StepHandler RESTORE_ORIGINAL_SIZE = Workloads.scaleBack(Workloads.RESTORE_REPLICAS, SCALE_BAD);

    static final StepHandler CREATE = RollbackSteps.writer(CREATE_COPY, (ctx, inputs) -> {
        String ns = ctx.target().namespace();
        Deployment existing = ctx.cluster().deployment(ns, copyName(ctx)).orElse(null);
        if (existing != null) {
            return runLabel(ctx).equals(label(existing.getMetadata(), RUN_LABEL)) ? StepResult.done("deployment " + ns + "/" + copyName(ctx) + " already created")
                    : StepResult.fail(FailureReason.SELECTOR_CONFLICT, "deployment " + ns + "/" + copyName(ctx) + " exists and is not this run's");
        }
        Deployment copy = copyAgain(ctx);
        if (copy == null) {
            return StepResult.fail(FailureReason.NO_EARLIER_REVISION, "the ReplicaSet of revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key()) + " of " + ctx.target().key()
                    + " is gone or changed since the plan was made");
        }
        try {
            ctx.cluster().createDeployment(copy);
        } catch (KubernetesClientException e) {
            if (ApiFailure.of(e) != ApiFailure.CONFLICT) { // 409: it exists already
                throw e;
            }
            return StepResult.waiting("deployment " + ns + "/" + copyName(ctx) + " exists: looking again");
        }
        return StepResult.done("created deployment " + ns + "/" + copyName(ctx) + " running revision " + ctx.output(PLAN, EngineOutput.REVISION_TO.key()));
    });

    /**
     * The planned copy with its pod spec taken again from the previous revision's ReplicaSet (the record keeps it with
     * environment values redacted), or null when that ReplicaSet is gone or no longer gives the planned copy.
     */
    static Deployment copyAgain(RunContext ctx) {
        Deployment d = ctx.cluster().deployment(ctx.target().namespace(), ctx.target().deployment()).orElse(null);
        if (d == null) {
            return null;
        }
        for (ReplicaSet rs : ctx.cluster().replicaSets(d)) {
            if (RolloutUndo.templateHash(rs.getSpec().getTemplate()).equals(ctx.output(PLAN, "toTemplate"))) {
                try {
                    Deployment copy = Json.MAPPER.readValue(ctx.output(PLAN_GRADUAL, "copy"), Deployment.class);
                    copy.getSpec().getTemplate().setSpec(rs.getSpec().getTemplate().getSpec());
                    return io.autonova.remediator.domain.Redaction.envValuesJson(copy).equals(ctx.output(PLAN_GRADUAL, "copy")) ? copy : null;
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return null;
    }

    private static List<Pod> readyCopyPods(RunContext ctx) {
        Map<String, String> sel = labels(ctx.output(PLAN_GRADUAL, "switchedSelector"));
        return ctx.cluster().pods(ctx.target().namespace(), sel).stream().filter(BlueGreen::ready).toList();
    }

    static boolean ready(Pod p) {
        return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions() != null
                && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Waits until every replica of the copy is Ready (the controller observed it, and the pods say Ready). */
    static final StepHandler WAIT_READY = RollbackSteps.reader(WAIT_COPY, RunContext::verifyTimeout, ctx -> {
        Deployment c = ctx.cluster().deployment(ctx.target().namespace(), copyName(ctx)).orElse(null);
        if (c == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + ctx.target().namespace() + "/" + copyName(ctx) + " disappeared");
        }
        RolloutStatus.Result status = RolloutStatus.evaluate(c);
        if (status.state() == RolloutStatus.State.FAILED) {
            return StepResult.fail(FailureReason.ROLLOUT_FAILED, status.message());
        }
        int want = Integer.parseInt(ctx.output(PLAN_GRADUAL, "copyReplicas"));
        int ready = readyCopyPods(ctx).size();
        return status.state() == RolloutStatus.State.COMPLETE && ready >= want
                ? StepResult.done(ready + " of " + want + " pods of " + copyName(ctx) + " Ready")
                : StepResult.waiting(ready + " of " + want + " pods of " + copyName(ctx) + " Ready; " + status.message());
    });

    /** Moves the Service to the copy's pods; the original selector and the run go on the Service first, in the same write. */
    static StepHandler switchService(String name, boolean toCopy) {
        return new StepHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public StepResult act(RunContext ctx, Map<String, String> inputs) {
                String ns = ctx.target().namespace();
                String svcName = ctx.output(PLAN_GRADUAL, "service");
                Map<String, String> original = labels(ctx.output(PLAN_GRADUAL, "originalSelector"));
                Map<String, String> want = toCopy ? labels(ctx.output(PLAN_GRADUAL, "switchedSelector")) : original;
                return RollbackSteps.lookAgainOnConflict(() -> {
                    Service svc = ctx.cluster().service(ns, svcName).orElse(null);
                    if (svc == null) {
                        return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "service " + ns + "/" + svcName + " disappeared");
                    }
                    if (want.equals(svc.getSpec().getSelector())) {
                        return StepResult.done("service " + ns + "/" + svcName + " selects " + want);
                    }
                    if (toCopy && readyCopyPods(ctx).isEmpty()) {
                        return StepResult.fail(FailureReason.NO_ENDPOINTS, "no Ready pod of " + copyName(ctx) + ": not moving service " + svcName + " to nothing");
                    }
                    List<Map<String, Object>> ops = new ArrayList<>();
                    ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion", "value", svc.getMetadata().getResourceVersion()));
                    ops.add(Map.of("op", "replace", "path", "/spec/selector", "value", want));
                    Map<String, String> ann = new LinkedHashMap<>(svc.getMetadata().getAnnotations() == null ? Map.of() : svc.getMetadata().getAnnotations());
                    if (toCopy) {
                        ann.put(ORIGINAL_SELECTOR, json(original));
                        ann.put(SWITCHED_BY, ctx.record().name);
                    } else {
                        ann.remove(ORIGINAL_SELECTOR);
                        ann.remove(SWITCHED_BY);
                    }
                    ops.add(Map.of("op", "add", "path", "/metadata/annotations", "value", ann));
                    ctx.cluster().patchService(ns, svcName, json(ops));
                    return StepResult.done("service " + ns + "/" + svcName + " now selects " + want + (toCopy ? " (original selector kept in "
                            + ORIGINAL_SELECTOR + ")" : ""));
                }, StepResult.fail(FailureReason.API_ERROR, "service " + ns + "/" + svcName + " kept changing under the switch"));
            }
        };
    }

    static final StepHandler SWITCH_TO_COPY = switchService(SWITCH, true);
    static final StepHandler SWITCH_BACK_STEP = switchService(SWITCH_BACK, false);
    static final StepHandler RESTORE_SELECTOR_STEP = switchService(RESTORE_SELECTOR, false);

    /** After a switch: the Service's EndpointSlices have Ready endpoints, all of them pods of the side it now selects. */
    static StepHandler checkEndpoints(String name, boolean copySide) {
        return RollbackSteps.reader(name, ctx -> Duration.ofMinutes(2), ctx -> {
            String ns = ctx.target().namespace();
            String svcName = ctx.output(PLAN_GRADUAL, "service");
            Set<String> side = ctx.cluster().pods(ns, labels(ctx.output(PLAN_GRADUAL, copySide ? "switchedSelector" : "originalSelector"))).stream()
                    .filter(p -> copySide == runLabel(ctx).equals(label(p.getMetadata(), RUN_LABEL))).map(p -> p.getMetadata().getName())
                    .collect(Collectors.toSet());
            int ready = 0;
            int other = 0;
            for (EndpointSlice slice : ctx.cluster().endpointSlices(ns, svcName)) {
                for (Endpoint e : slice.getEndpoints() == null ? List.<Endpoint>of() : slice.getEndpoints()) {
                    boolean isReady = e.getConditions() == null || e.getConditions().getReady() == null || e.getConditions().getReady();
                    String pod = e.getTargetRef() == null ? null : e.getTargetRef().getName();
                    if (pod != null && side.contains(pod)) {
                        ready += isReady ? 1 : 0;
                    } else {
                        other++;
                    }
                }
            }
            String where = copySide ? copyName(ctx) : ctx.target().deployment();
            if (ready == 0) {
                return StepResult.waiting("service " + svcName + " has no Ready endpoint on " + where + " yet");
            }
            // After the switch back the original selector also matches the copy's pods (same version): only the copy side must be alone.
            return copySide && other > 0 ? StepResult.waiting("service " + svcName + ": " + ready + " Ready endpoint(s) on " + where + ", " + other + " other(s) still listed")
                    : StepResult.done("service " + svcName + ": " + ready + " Ready endpoint(s), all on " + where);
        });
    }

    static final StepHandler CHECK_SWITCHED_STEP = checkEndpoints(CHECK_SWITCHED, true);
    static final StepHandler CHECK_BACK_STEP = checkEndpoints(CHECK_BACK, false);

    /** Connections to the replaced pods finish before anything is scaled to zero or deleted. */
    static StepHandler drainStep(String name) {
        return RollbackSteps.reader(name, ctx -> drain(ctx).plusMinutes(1), ctx -> {
            Duration left = drain(ctx).minus(Duration.between(ctx.startedAt(name), ctx.now()));
            return left.isNegative() || left.isZero() ? StepResult.done("drained for " + Durations.format(drain(ctx)))
                    : StepResult.waiting("draining for " + Durations.format(drain(ctx)), left, Map.of());
        });
    }

    static final StepHandler DRAIN_STEP = drainStep(DRAIN);
    static final StepHandler DRAIN_COPY_STEP = drainStep(DRAIN_COPY);

    /** Without a verify query: the copy must stay fully available for the watch window. */
    static final StepHandler WATCH_STEP = RollbackSteps.reader(WATCH, ctx -> watch(ctx).plusMinutes(1), ctx -> {
        Deployment c = ctx.cluster().deployment(ctx.target().namespace(), copyName(ctx)).orElse(null);
        int want = Integer.parseInt(ctx.output(PLAN_GRADUAL, "copyReplicas"));
        int available = c == null || c.getStatus() == null || c.getStatus().getAvailableReplicas() == null ? 0 : c.getStatus().getAvailableReplicas();
        if (available < want) {
            return StepResult.fail(FailureReason.ROLLOUT_FAILED, copyName(ctx) + " dropped to " + available + " of " + want + " available pods while watched");
        }
        Duration left = watch(ctx).minus(Duration.between(ctx.startedAt(WATCH), ctx.now()));
        Duration every = Duration.ofSeconds(10);
        return left.isNegative() || left.isZero() ? StepResult.done(copyName(ctx) + " stayed fully available for " + Durations.format(watch(ctx)))
                : StepResult.waiting("watching " + copyName(ctx) + ": " + available + " of " + want + " available", left.compareTo(every) < 0 ? left : every,
                        Map.of());
    });

    static StepHandler deleteCopy(String name) {
        return RollbackSteps.writer(name, (ctx, inputs) -> {
            String ns = ctx.target().namespace();
            Deployment c = ctx.cluster().deployment(ns, copyName(ctx)).orElse(null);
            if (c == null) {
                return StepResult.done("deployment " + ns + "/" + copyName(ctx) + " is gone");
            }
            if (!runLabel(ctx).equals(label(c.getMetadata(), RUN_LABEL))) {
                return StepResult.done("deployment " + ns + "/" + copyName(ctx) + " is not this run's: left alone");
            }
            ctx.cluster().deleteDeployment(ns, copyName(ctx));
            return StepResult.done("deleted deployment " + ns + "/" + copyName(ctx));
        });
    }

    static final StepHandler DELETE_COPY_STEP = deleteCopy(DELETE_COPY);

    /**
     * Compensation of the switch, in the order that keeps capacity: the original is scaled back to its recorded size
     * and waited for until all its pods are Ready, and only then does the Service move back to it. Bounded by the
     * verification timeout; past it the run fails and the target is held, the traffic still on the copy.
     */
    static final StepHandler RESTORE_SELECTOR_SAFELY = new StepHandler() {
        @Override
        public String name() {
            return RESTORE_SELECTOR;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return ctx.verifyTimeout();
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Integer size = Workloads.recordedReplicas(ctx, SCALE_BAD);
            if (size != null) {
                StepResult scaled = Workloads.scale(ctx, size, "(its size before the run), before traffic moves back to it", null);
                if (scaled.kind() != StepResult.Kind.DONE) {
                    return scaled;
                }
                Deployment d = ctx.cluster().deployment(ctx.target().namespace(), ctx.target().deployment()).orElse(null);
                int ready = d == null || d.getStatus() == null || d.getStatus().getReadyReplicas() == null ? 0 : d.getStatus().getReadyReplicas();
                if (ready < size) {
                    return StepResult.waiting("deployment " + ctx.target().key() + ": " + ready + " of " + size
                            + " pods Ready; the Service moves back once all are", Duration.ofSeconds(2), Map.of());
                }
            }
            return RESTORE_SELECTOR_STEP.act(ctx, inputs);
        }
    };

    /** When the compensation moved the Service back to the original, or null. */
    static Instant switchedBackAt(RunContext ctx) {
        return ctx.record().status.steps.stream().filter(s -> s.compensation && RESTORE_SELECTOR.equals(s.name) && "succeeded".equals(s.phase))
                .map(s -> s.finishedAt).findFirst().orElse(null);
    }

    /** Compensation of the copy: after the Service moved back, its connections drain for {@code drain}, then it goes. */
    static final StepHandler REMOVE_COPY_STEP = new StepHandler() {
        private final StepHandler delete = deleteCopy(REMOVE_COPY);

        @Override
        public String name() {
            return REMOVE_COPY;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return drain(ctx).plusMinutes(1);
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Instant back = switchedBackAt(ctx);
            if (back != null) {
                Duration left = drain(ctx).minus(Duration.between(back, ctx.now()));
                if (left.compareTo(Duration.ZERO) > 0) {
                    return StepResult.waiting("draining the copy for " + Durations.format(drain(ctx)) + " after the Service moved back", left, Map.of());
                }
            }
            return delete.act(ctx, inputs);
        }
    };
}
