package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ArgoTracking;
import io.autonova.remediator.cluster.ApiFailure;
import io.autonova.remediator.engine.EngineOutput;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.autonova.remediator.domain.KubernetesNames;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.autonova.remediator.state.RemediationRecord;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The steps scenarios 1 and 2 are made of. Each reads what it needs, acts at most once per call, and when
 * run again after a crash recognises its own effect. Outputs carry what later steps and compensations need.
 */
final class RollbackSteps {

    static final String RESOLVE_TARGET = "resolve-target";
    static final String PLAN = "plan-rollback";
    static final String PLAN_ARGO = "plan-argo-rollback";
    static final String DISABLE_AUTO_SYNC = "disable-argo-auto-sync";
    static final String RESTORE_AUTO_SYNC = "restore-argo-auto-sync";
    static final String ROLLBACK_DEPLOYMENT = "rollback-deployment";
    static final String ARGO_ROLLBACK = "argo-rollback-sync";
    static final String VERIFY_ARGO = "verify-argo-sync";
    static final String VERIFY = "verify-rollout";
    static final String GIT_MUST_FOLLOW = "git-must-follow";
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private RollbackSteps() {
    }

    /** The Argo CD Application that manages the target, as namespace/name. */
    static String argoApp(RunContext ctx) {
        return ctx.argoNamespace() + "/" + ctx.output(RESOLVE_TARGET, "argoApplication");
    }

    static boolean argoManaged(RunContext ctx) {
        return ctx.output(RESOLVE_TARGET, "argoApplication") != null;
    }

    /**
     * The steps up to a made plan: the target read, then kubectl's choice of revision. Null once both succeeded
     * and there is something to do; otherwise the steps to take first (a no-op plan ends the run there).
     */
    static List<StepHandler> untilPlanned(RunContext ctx) {
        if (!ctx.succeeded(RESOLVE_TARGET)) {
            return List.of(RESOLVE);
        }
        if (!ctx.succeeded(PLAN) || noop(ctx, PLAN)) {
            return List.of(RESOLVE, PLAN_UNDO);
        }
        return null;
    }

    static boolean noop(RunContext ctx, String planStep) {
        return "true".equals(ctx.output(planStep, "noop"));
    }

    static Map<String, String> out(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put(kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    /** Reads the Deployment and finds whether Argo CD really manages it. */
    static final StepHandler RESOLVE = reader(RESOLVE_TARGET, ctx -> {
        Target t = ctx.target();
        Optional<Deployment> found = ctx.cluster().deployment(t.namespace(), t.deployment());
        if (found.isEmpty()) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " not found");
        }
        Deployment d = found.get();
        String revision = String.valueOf(RolloutUndo.revision(d.getMetadata().getAnnotations()));
        String generation = String.valueOf(d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration());
        String template = RolloutUndo.templateHash(d.getSpec().getTemplate());
        StepResult changed = changedSinceDecided(ctx, template);
        if (changed != null) {
            return changed;
        }
        String named = t.argoApplication();
        Optional<ArgoTracking.AppRef> tracked = ArgoTracking.trackedApplicationRef(d);
        String app = named != null ? named : tracked.map(ArgoTracking.AppRef::name).orElse(null);
        String note = ", not managed by Argo CD";
        if (app != null) {
            boolean otherNamespace = named == null && tracked.get().namespace() != null && !tracked.get().namespace().equals(ctx.argoNamespace());
            Map<String, Object> appObject = otherNamespace || KubernetesNames.objectNameProblem(app).isPresent() ? null
                    : ctx.cluster().argoApplication(ctx.argoNamespace(), app).orElse(null);
            boolean verified = appObject != null && ArgoCd.manages(appObject, t.namespace(), t.deployment());
            if (verified) {
                return StepResult.done("deployment " + t.key() + " at revision " + revision + ", managed by Argo CD application "
                                + ctx.argoNamespace() + "/" + app,
                        out("argoApplication", app, "revision", revision, "generation", generation, "template", template));
            }
            if (named != null) {
                return StepResult.fail(FailureReason.ARGO_UNVERIFIED, "Argo CD application " + ctx.argoNamespace() + "/" + app
                        + " named by the rule " + (appObject == null ? "does not exist" : "does not list deployment " + t.key() + " in status.resources"));
            }
            note = ", labelled for Argo CD application " + app + " which "
                    + (otherNamespace ? "lives in namespace " + tracked.get().namespace() + ", not " + ctx.argoNamespace()
                    : appObject == null ? "does not exist" : "does not list it in status.resources")
                    + ": treated as not managed (kubectl path)";
        }
        return StepResult.done("deployment " + t.key() + " at revision " + revision + note,
                out("revision", revision, "generation", generation, "template", template));
    });

    /** {@code kubectl rollout undo}'s choice of revision, and the patch, computed before any write. */
    static final StepHandler PLAN_UNDO = reader(PLAN, ctx -> {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " not found");
        }
        List<ReplicaSet> sets = ctx.cluster().replicaSets(d);
        long to = toRevision(ctx, sets);
        if (to < 0) {
            return StepResult.fail(FailureReason.NO_EARLIER_REVISION, "the revision " + ctx.record().spec.change.from + " that the release change came from "
                    + "is no longer in the history of deployment " + t.key());
        }
        RolloutUndo.Plan plan = RolloutUndo.plan(d, sets, to);
        if (plan.kind() == RolloutUndo.Kind.REFUSED) {
            return StepResult.fail(Boolean.TRUE.equals(d.getSpec().getPaused()) ? FailureReason.DEPLOYMENT_PAUSED : FailureReason.NO_EARLIER_REVISION,
                    plan.message());
        }
        String from = String.valueOf(plan.fromRevision());
        String toRev = String.valueOf(plan.toRevision());
        if (plan.kind() == RolloutUndo.Kind.ALREADY_AT_REVISION) {
            return StepResult.done(plan.message(), out("noop", "true", EngineOutput.SUMMARY.key(), plan.message()));
        }
        if (ctx.targetState().isBad(plan.toTemplate())) {
            return StepResult.fail(FailureReason.KNOWN_BAD_REVISION, "revision " + toRev + " of " + t.key()
                    + " is a release this service rolled back from earlier; not re-deploying it automatically");
        }
        // The patch itself is not kept: it carries the whole pod template, inline environment values included.
        return StepResult.done(plan.message(), out(EngineOutput.REVISION_FROM.key(), from, EngineOutput.REVISION_TO.key(), toRev, EngineOutput.FROM_TEMPLATE.key(), plan.fromTemplate(),
                "toTemplate", plan.toTemplate()));
    });

    /** The rule's {@code toRevision}, or 0: the previous revision. */
    static long toRevision(RunContext ctx) {
        return ctx.parameters().containsKey("toRevision") ? Long.parseLong(ctx.parameters().get("toRevision")) : 0;
    }

    /**
     * The revision to go back to: the rule's {@code toRevision}; else the one the release change the run undoes came from
     * (found by its template, revision numbers move on with every undo), -1 when that one is gone; else 0 (the previous).
     */
    static long toRevision(RunContext ctx, List<ReplicaSet> sets) {
        long explicit = toRevision(ctx);
        RemediationRecord.ChangeRef c = ctx.record().spec.change;
        if (explicit > 0 || c == null || !"release".equals(c.kind) || c.fromRef == null) {
            return explicit;
        }
        return sets.stream().filter(rs -> c.fromRef.equals(RolloutUndo.templateHash(rs.getSpec().getTemplate())))
                .mapToLong(rs -> RolloutUndo.revision(rs.getMetadata().getAnnotations())).max().orElse(-1);
    }

    /**
     * The run undoes the release change its record names: if the Deployment no longer runs that change's template, it
     * changed after the decision (a fix deployed, a human's undo), and the run leaves it alone.
     */
    static StepResult changedSinceDecided(RunContext ctx, String template) {
        RemediationRecord.ChangeRef c = ctx.record().spec.change;
        if (c == null || !"release".equals(c.kind) || c.toRef == null || c.toRef.equals(template)) {
            return null;
        }
        return StepResult.fail(FailureReason.CHANGED_SINCE_ALERT, "deployment " + ctx.target().key() + " no longer runs the release the run was "
                + "decided on (" + c.to + "): it changed since, so the run leaves it alone");
    }

    /** The JSON patch of the plan, applied only while the Deployment still runs the template the plan was made from. */
    static final StepHandler ROLLBACK = new StepHandler() {
        @Override
        public String name() {
            return ROLLBACK_DEPLOYMENT;
        }

        @Override
        public Map<String, String> prepare(RunContext ctx) {
            return out(EngineOutput.FROM_TEMPLATE.key(), ctx.output(PLAN, EngineOutput.FROM_TEMPLATE.key()), "toTemplate", ctx.output(PLAN, "toTemplate"));
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Target t = ctx.target();
            String from = ctx.output(PLAN, EngineOutput.REVISION_FROM.key());
            String to = ctx.output(PLAN, EngineOutput.REVISION_TO.key());
            return lookAgainOnConflict(() -> {
                Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
                if (d == null) {
                    return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " disappeared");
                }
                long generation = d.getMetadata().getGeneration() == null ? 0 : d.getMetadata().getGeneration();
                String current = RolloutUndo.templateHash(d.getSpec().getTemplate());
                if (current.equals(inputs.get("toTemplate"))) {
                    // Our patch went through before a crash (or someone did the same): the effect is there.
                    return StepResult.done("deployment " + t.key() + " already runs the template of revision " + to,
                            committed(inputs, from, to, String.valueOf(generation)));
                }
                if (!current.equals(inputs.get(EngineOutput.FROM_TEMPLATE.key()))) {
                    return StepResult.fail(FailureReason.NEWER_DEPLOY, "deployment " + t.key() + " changed since the plan was made "
                            + "(a newer deploy?): not overwriting it");
                }
                // Planned again from the same state (the template checked above): the same revision, or not at all.
                List<ReplicaSet> sets = ctx.cluster().replicaSets(d);
                RolloutUndo.Plan again = RolloutUndo.plan(d, sets, Math.max(0, toRevision(ctx, sets)));
                if (again.kind() == RolloutUndo.Kind.REFUSED || !inputs.get("toTemplate").equals(again.toTemplate())) {
                    return StepResult.fail(FailureReason.NEWER_DEPLOY, "the revision to go back to on deployment " + t.key() + " changed since the plan was made");
                }
                Deployment after = ctx.cluster().patchDeployment(t.namespace(), t.deployment(),
                        withPrecondition(again.jsonPatch(), d.getMetadata().getResourceVersion()));
                long got = after == null || after.getMetadata().getGeneration() == null ? 0 : after.getMetadata().getGeneration();
                // A template change always moves the generation on; never verify against the old one.
                return StepResult.done("patched deployment " + t.key() + " (JSON patch) to revision " + to,
                        committed(inputs, from, to, String.valueOf(Math.max(got, generation + 1))));
            }, StepResult.fail(FailureReason.NEWER_DEPLOY, "deployment " + t.key() + " kept changing under the rollback"));
        }
    };

    private static Map<String, String> committed(Map<String, String> inputs, String from, String to, String expectGeneration) {
        return out(EngineOutput.COMMITTED.key(), "true", EngineOutput.FROM_TEMPLATE.key(), inputs.get(EngineOutput.FROM_TEMPLATE.key()), "expectGeneration", expectGeneration,
                EngineOutput.REVISION_FROM.key(), from, EngineOutput.REVISION_TO.key(), to);
    }

    /** One read-check-write of a step; its write carries a precondition on what it read. */
    interface Attempt {
        StepResult run() throws JsonProcessingException;
    }

    /**
     * Runs {@code attempt} up to three times: a write refused by its precondition (409, or 422 for a failed JSON-patch
     * {@code test}) means someone wrote meanwhile, so it reads and checks again; after three, {@code exhausted}.
     */
    static StepResult lookAgainOnConflict(Attempt attempt, StepResult exhausted) {
        String last = "";
        for (int i = 0; i < 3; i++) {
            try {
                return attempt.run();
            } catch (KubernetesClientException e) {
                if (ApiFailure.of(e) != ApiFailure.CONFLICT && e.getCode() != 422) { // 422 here: the patch's resourceVersion test failed
                    throw e;
                }
                last = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        // What the API server said the last time: a precondition that never holds reads differently from a busy object.
        return new StepResult(exhausted.kind(), exhausted.outputs(), exhausted.message() + " (last answer: " + last + ")", exhausted.reason(),
                exhausted.checkAgainIn());
    }

    /** Prepends a test of the resourceVersion the plan was checked against: a write in between fails the patch. */
    @SuppressWarnings("unchecked")
    static String withPrecondition(String patch, String resourceVersion) {
        try {
            List<Object> ops = new ArrayList<>(Json.MAPPER.readValue(patch, List.class));
            Map<String, Object> test = new LinkedHashMap<>();
            test.put("op", "test");
            test.put("path", "/metadata/resourceVersion");
            test.put("value", resourceVersion);
            ops.add(0, test);
            return Json.MAPPER.writeValueAsString(ops);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns Argo CD automated sync off (self-heal would undo the rollback); the policy it replaces is kept first. */
    static final StepHandler DISABLE_SYNC = new StepHandler() {
        @Override
        public String name() {
            return DISABLE_AUTO_SYNC;
        }

        @Override
        public Map<String, String> prepare(RunContext ctx) {
            Map<String, Object> app = application(ctx);
            Optional<Object> automated = app == null ? Optional.empty() : ArgoCd.automatedSyncPolicy(app);
            try {
                return out("previousAutomated", automated.isPresent() ? Json.MAPPER.writeValueAsString(automated.get()) : "");
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Map<String, Object> app = application(ctx);
            String name = argoApp(ctx);
            if (app == null) {
                return applicationGone(ctx);
            }
            if (ArgoCd.automatedSyncPolicy(app).isEmpty()) {
                return StepResult.done(inputs.getOrDefault("previousAutomated", "").isEmpty() ? "application " + name + " has no automated sync"
                        : "automated sync of " + name + " is off");
            }
            return StepResult.done(ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), ctx.output(RESOLVE_TARGET, "argoApplication"),
                    ArgoCd.disableAutomatedSyncPatch()) + ": automated sync off so self-heal cannot undo the rollback");
        }
    };

    /**
     * Compensation of {@link #DISABLE_SYNC}: puts the saved automated policy back, but only while the rollback
     * has not reached the cluster. After it has, automated sync would re-deploy the bad release from Git, so it
     * stays off and a human is told.
     */
    static final StepHandler RESTORE_SYNC = new StepHandler() {
        @Override
        public String name() {
            return RESTORE_AUTO_SYNC;
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            String saved = savedAutomatedPolicy(ctx);
            String app = ctx.output(RESOLVE_TARGET, "argoApplication");
            if (saved.isEmpty()) {
                return StepResult.done("nothing to restore: application " + app + " had no automated sync");
            }
            if (rollbackReachedCluster(ctx)) {
                return StepResult.done("automated sync of " + app + " left off: the rollback is in the cluster and automated sync would "
                                + "re-deploy the bad release", out(EngineOutput.HUMAN_ACTION.key(), "Argo CD application " + ctx.argoNamespace() + "/" + app
                                + " has automated sync off; fix Git, then re-enable it with the saved policy " + saved, EngineOutput.GIT_MUST_FOLLOW.key(), "true"));
            }
            Map<String, Object> current = application(ctx);
            if (current != null && ArgoCd.automatedSyncPolicy(current).isPresent()) {
                return StepResult.done("automated sync of " + app + " is on again");
            }
            return StepResult.done(restoreAutomatedPolicy(ctx, saved) + ": restored automated sync " + saved);
        }
    };

    /** The automated sync policy {@link #DISABLE_SYNC} saved before turning it off, as JSON; empty when there was none. */
    static String savedAutomatedPolicy(RunContext ctx) {
        RemediationRecord.Step s = ctx.record().step(DISABLE_AUTO_SYNC);
        return s == null ? "" : s.inputs.getOrDefault("previousAutomated", "");
    }

    /** Puts a saved automated sync policy back on the target's Application; returns what the patch said. */
    static String restoreAutomatedPolicy(RunContext ctx, String saved) {
        try {
            Object policy = Json.MAPPER.readValue(saved, Object.class);
            return ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), ctx.output(RESOLVE_TARGET, "argoApplication"),
                    ArgoCd.restoreAutomatedSyncPatch(policy));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the run's rollback write is in the cluster: recorded as committed, or visible there after a crash. */
    static boolean rollbackReachedCluster(RunContext ctx) {
        for (String step : List.of(ROLLBACK_DEPLOYMENT, ARGO_ROLLBACK)) {
            if ("true".equals(ctx.output(step, EngineOutput.COMMITTED.key()))) {
                return true;
            }
        }
        if (ctx.started(ROLLBACK_DEPLOYMENT)) {
            Deployment d = ctx.cluster().deployment(ctx.target().namespace(), ctx.target().deployment()).orElse(null);
            return d != null && RolloutUndo.templateHash(d.getSpec().getTemplate()).equals(ctx.output(PLAN, "toTemplate"));
        }
        if (ctx.started(ARGO_ROLLBACK)) {
            Map<String, Object> app = application(ctx);
            return app != null && ctx.output(PLAN_ARGO, EngineOutput.REVISION_TO.key()) != null && ctx.output(PLAN_ARGO, EngineOutput.REVISION_TO.key()).equals(ArgoCd.operationRevision(app));
        }
        return false;
    }

    /** The Application resolved at the start of the run is gone: nothing to sync or restore through. */
    static StepResult applicationGone(RunContext ctx) {
        return StepResult.fail(FailureReason.ARGO_UNVERIFIED, "application " + ctx.argoNamespace() + "/"
                + ctx.output(RESOLVE_TARGET, "argoApplication") + " disappeared");
    }

    static Map<String, Object> application(RunContext ctx) {
        String app = ctx.output(RESOLVE_TARGET, "argoApplication");
        return app == null ? null : ctx.cluster().argoApplication(ctx.argoNamespace(), app).orElse(null);
    }

    /** {@code argocd app rollback}'s choice: the history entry before the current one (or the given id). */
    static final StepHandler PLAN_ARGO_ROLLBACK = reader(PLAN_ARGO, ctx -> {
        Map<String, Object> app = application(ctx);
        String name = argoApp(ctx);
        if (app == null) {
            return applicationGone(ctx);
        }
        if (ArgoCd.operationInProgress(app)) {
            return StepResult.fail(FailureReason.ARGO_OPERATION_IN_PROGRESS, "another operation is already in progress on application " + name);
        }
        List<ArgoCd.HistoryEntry> history = ArgoCd.history(app);
        long id = toRevision(ctx);
        Optional<ArgoCd.HistoryEntry> entry = ArgoCd.rollbackEntry(history, id);
        if (entry.isEmpty()) {
            return StepResult.fail(FailureReason.ARGO_NO_HISTORY, id > 0 ? "application " + name + " has no history entry with id " + id
                    : "application " + name + " has no earlier deployment in status.history");
        }
        String current = history.isEmpty() ? "unknown" : history.get(history.size() - 1).revision();
        String to = entry.get().revision();
        if (ctx.targetState().isBad("argo:" + to)) {
            return StepResult.fail(FailureReason.KNOWN_BAD_REVISION, "revision " + to + " of application " + name
                    + " is a release this service rolled back from earlier; not re-deploying it automatically");
        }
        try {
            return StepResult.done("sync application " + name + " back to history id " + entry.get().id() + " (revision " + to + ")",
                    out(EngineOutput.REVISION_FROM.key(), current, EngineOutput.REVISION_TO.key(), to, "historyId", String.valueOf(entry.get().id()),
                            "source", entry.get().source() == null ? null : Json.MAPPER.writeValueAsString(entry.get().source()),
                            EngineOutput.FROM_TEMPLATE.key(), "argo:" + current));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    });

    /** Starts the sync operation to the chosen history entry, once. */
    static final StepHandler ARGO_SYNC = new StepHandler() {
        @Override
        public String name() {
            return ARGO_ROLLBACK;
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Map<String, Object> app = application(ctx);
            String appName = ctx.output(RESOLVE_TARGET, "argoApplication");
            String to = ctx.output(PLAN_ARGO, EngineOutput.REVISION_TO.key());
            if (app == null) {
                return applicationGone(ctx);
            }
            Map<String, String> committed = out(EngineOutput.COMMITTED.key(), "true", EngineOutput.FROM_TEMPLATE.key(), ctx.output(PLAN_ARGO, EngineOutput.FROM_TEMPLATE.key()));
            if (to.equals(ArgoCd.operationRevision(app))) {
                return StepResult.done("sync operation to revision " + to + " already started", committed);
            }
            if (ArgoCd.operationInProgress(app)) {
                return StepResult.fail(FailureReason.ARGO_OPERATION_IN_PROGRESS, "another operation started on application " + appName);
            }
            Map<String, Object> source = null;
            try {
                String s = ctx.output(PLAN_ARGO, "source");
                source = s == null ? null : Json.MAPPER.readValue(s, MAP);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            ArgoCd.HistoryEntry entry = new ArgoCd.HistoryEntry(Long.parseLong(ctx.output(PLAN_ARGO, "historyId")), to, source);
            String msg = ctx.cluster().mergePatchArgoApplication(ctx.argoNamespace(), appName,
                    ArgoCd.rollbackOperationPatch(entry, "autonova-remediator rollback of " + ctx.target().key() + " (" + ctx.record().name + ")"));
            return StepResult.done(msg + ": sync operation to revision " + to, committed);
        }
    };

    /** Waits for the sync operation to end. */
    static final StepHandler ARGO_VERIFY = new StepHandler() {
        @Override
        public String name() {
            return VERIFY_ARGO;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return ctx.verifyTimeout();
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Map<String, Object> app = application(ctx);
            if (app == null) {
                return applicationGone(ctx);
            }
            String[] state = ArgoCd.operationState(app);
            if (state == null || ArgoCd.operationInProgress(app)) {
                return StepResult.waiting("sync operation running");
            }
            if ("Failed".equals(state[0]) || "Error".equals(state[0])) {
                return StepResult.fail(FailureReason.ARGO_SYNC_FAILED, "sync operation " + state[0].toLowerCase() + ": " + state[1]);
            }
            return "Succeeded".equals(state[0]) ? StepResult.done("sync operation succeeded" + (state[1] == null ? "" : ": " + state[1]))
                    : StepResult.waiting("sync operation " + state[0]);
        }
    };

    /**
     * {@code kubectl rollout status}: the controller observed the rollback's generation and the new replicas
     * are updated and available. Waits are persisted "check again at", not a sleeping thread.
     */
    static final StepHandler VERIFY_ROLLOUT = new StepHandler() {
        @Override
        public String name() {
            return VERIFY;
        }

        @Override
        public Duration deadline(RunContext ctx) {
            return ctx.verifyTimeout();
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Target t = ctx.target();
            Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
            if (d == null) {
                return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " disappeared during verification");
            }
            String moved = templateMovedAway(ctx, d);
            if (moved != null) {
                return StepResult.fail(FailureReason.TEMPLATE_CHANGED, moved);
            }
            String expect = expectedGeneration(ctx);
            long observed = d.getStatus() == null || d.getStatus().getObservedGeneration() == null ? 0 : d.getStatus().getObservedGeneration();
            if (expect != null && observed < Long.parseLong(expect)) {
                return StepResult.waiting("waiting for the controller to observe generation " + expect + " (observed " + observed + ")");
            }
            RolloutStatus.Result status = RolloutStatus.evaluate(d);
            return switch (status.state()) {
                case FAILED -> StepResult.fail(FailureReason.ROLLOUT_FAILED, status.message());
                case COMPLETE -> StepResult.done(status.message());
                case PROGRESSING -> StepResult.waiting(status.message());
            };
        }
    };

    /**
     * Why the Deployment no longer runs the template the run rolled it back to, naming who changed it, or null: a rollout
     * that completes on someone else's template (Argo CD self-heal putting the bad release back, a CI redeploy) is not
     * this run's success.
     */
    static String templateMovedAway(RunContext ctx, Deployment d) {
        var rollback = ctx.record().step(ROLLBACK_DEPLOYMENT);
        if (rollback == null || !"true".equals(rollback.outputs.get(EngineOutput.COMMITTED.key())) || rollback.inputs.get("toTemplate") == null) {
            return null;
        }
        String current = RolloutUndo.templateHash(d.getSpec().getTemplate());
        if (current.equals(rollback.inputs.get("toTemplate"))) {
            return null;
        }
        String who = lastTemplateWriter(d);
        return current.equals(rollback.inputs.get(EngineOutput.FROM_TEMPLATE.key()))
                ? "the release rolled back from is back on deployment " + ctx.target().key() + " (" + who + "): self-heal or a redeploy undid the rollback"
                : "deployment " + ctx.target().key() + " runs another template than the one rolled back to (" + who + "): deployed again during verification";
    }

    /** The field manager that last wrote the pod template, from managedFields ("an unknown writer" when not tracked). */
    static String lastTemplateWriter(Deployment d) {
        var entries = d.getMetadata().getManagedFields();
        io.fabric8.kubernetes.api.model.ManagedFieldsEntry last = null;
        for (var e : entries == null ? List.<io.fabric8.kubernetes.api.model.ManagedFieldsEntry>of() : entries) {
            Object spec = e.getFieldsV1() == null ? null : e.getFieldsV1().getAdditionalProperties().get("f:spec");
            if (spec instanceof Map<?, ?> m && m.containsKey("f:template") && (last == null || String.valueOf(e.getTime()).compareTo(String.valueOf(last.getTime())) > 0)) {
                last = e;
            }
        }
        return last == null ? "changed by an unknown writer" : "last template change by field manager '" + last.getManager() + "' (" + last.getOperation()
                + (last.getTime() == null ? "" : " at " + last.getTime()) + ")";
    }

    /** The newest generation the run's own writes to the Deployment produced (rollback, scale), or null. */
    static String expectedGeneration(RunContext ctx) {
        long max = -1;
        for (var s : ctx.record().status.steps) {
            String g = s.compensation ? null : s.outputs.get("expectGeneration");
            if (g != null) {
                max = Math.max(max, Long.parseLong(g));
            }
        }
        return max < 0 ? null : String.valueOf(max);
    }

    /** Records that Git must be brought in line with what the cluster now runs. */
    static StepHandler gitMustFollow(String sentence) {
        return reader(GIT_MUST_FOLLOW, ctx -> StepResult.done(sentence, out(EngineOutput.HUMAN_ACTION.key(), sentence, EngineOutput.GIT_MUST_FOLLOW.key(), "true")));
    }

    /** A step that writes and needs no inputs prepared; written ahead as running, run again after a crash (it must be idempotent). */
    static StepHandler writer(String name, java.util.function.BiFunction<RunContext, Map<String, String>, StepResult> act) {
        return new StepHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public StepResult act(RunContext ctx, Map<String, String> inputs) {
                return act.apply(ctx, inputs);
            }
        };
    }

    /** A step that only reads: not written ahead, simply run again after a crash. */
    static StepHandler reader(String name, java.util.function.Function<RunContext, StepResult> act) {
        return reader(name, ctx -> null, act);
    }

    /** A read-only step that waits, and gives up after {@code deadline} from its start. */
    static StepHandler reader(String name, java.util.function.Function<RunContext, Duration> deadline,
                              java.util.function.Function<RunContext, StepResult> act) {
        return new StepHandler() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Duration deadline(RunContext ctx) {
                return deadline.apply(ctx);
            }

            @Override
            public boolean readOnly() {
                return true;
            }

            @Override
            public StepResult act(RunContext ctx, Map<String, String> inputs) {
                return act.apply(ctx);
            }
        };
    }
}
