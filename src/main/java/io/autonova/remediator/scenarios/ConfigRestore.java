package io.autonova.remediator.scenarios;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.cluster.ConfigHistory;
import io.autonova.remediator.engine.EngineOutput;
import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Target;
import io.autonova.remediator.engine.FailureReason;
import io.autonova.remediator.engine.RunContext;
import io.autonova.remediator.engine.StepHandler;
import io.autonova.remediator.engine.StepResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.autonova.remediator.scenarios.RollbackSteps.out;

/**
 * The steps of runbook scenario 5: find which referenced, opted-in ConfigMaps and Secrets changed shortly
 * before the alert, restore their previous content from the kept history (never into or out of anything but
 * their own kind), force External Secrets to refresh, and restart the app as {@code kubectl rollout restart}.
 */
final class ConfigRestore {

    static final String PLAN_CONFIG = "plan-config-restore";
    static final String RESTORE_CONFIG = "restore-config";
    static final String PUT_BACK = "put-config-back";
    static final String RESTART = "rollout-restart";
    static final String REFRESH_EXTERNAL = "refresh-external-secrets";
    static final String WAIT_EXTERNAL = "wait-external-secrets";
    static final String RESTARTED_AT = "kubectl.kubernetes.io/restartedAt";
    static final Duration DEFAULT_CHANGED_WITHIN = Duration.ofHours(1);
    private static final TypeReference<List<Map<String, String>>> ITEMS = new TypeReference<>() {
    };

    private ConfigRestore() {
    }

    static Instant since(RunContext ctx) {
        Instant alert = ctx.record().spec.trigger.startsAt != null ? ctx.record().spec.trigger.startsAt : ctx.record().createdAt;
        String w = ctx.parameters().get("changedWithin");
        return (alert == null ? ctx.now() : alert).minus(w == null ? DEFAULT_CHANGED_WITHIN : Durations.parse(w));
    }

    static List<Map<String, String>> items(RunContext ctx, String key) {
        String json = ctx.output(PLAN_CONFIG, key);
        try {
            return json == null ? List.of() : Json.MAPPER.readValue(json, ITEMS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean imageChanged(RunContext ctx) {
        return "true".equals(ctx.output(PLAN_CONFIG, "imageChanged"));
    }

    private static HasMetadata read(RunContext ctx, String kind, String name) {
        String ns = ctx.target().namespace();
        return kind.equals("Secret") ? ctx.cluster().secret(ns, name).orElse(null) : ctx.cluster().configMap(ns, name).orElse(null);
    }

    private static String hash(HasMetadata o) {
        return o instanceof Secret s ? ConfigHistory.hash(s) : ConfigHistory.hash((ConfigMap) o);
    }

    private static String externalSecretOwner(HasMetadata o) {
        if (o.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        for (OwnerReference r : o.getMetadata().getOwnerReferences()) {
            if ("ExternalSecret".equals(r.getKind()) && r.getApiVersion() != null && r.getApiVersion().startsWith("external-secrets.io/")) {
                return r.getName();
            }
        }
        return null;
    }

    /** Which referenced objects changed since the alert's window began, and to what they go back. Reads only. */
    static final StepHandler PLAN = RollbackSteps.reader(PLAN_CONFIG, ctx -> {
        Target t = ctx.target();
        Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
        if (d == null) {
            return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " not found");
        }
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            return StepResult.fail(FailureReason.DEPLOYMENT_PAUSED, "deployment " + t.key() + " is paused: it could not be restarted onto "
                    + "restored configuration (kubectl rollout restart refuses a paused Deployment); nothing was changed");
        }
        Instant since = since(ctx);
        boolean rotatedOk = "true".equals(ctx.parameters().get("restoreRotatedCredentials"));
        List<Map<String, String>> restores = new ArrayList<>();
        List<Map<String, String>> external = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String ref : io.autonova.remediator.cluster.ReleaseHistory.configReferences(d.getSpec().getTemplate().getSpec())) {
            String kind = ref.substring(0, ref.indexOf('/'));
            String name = ref.substring(ref.indexOf('/') + 1);
            if (kind.equals("Secret") && !ctx.cluster().handlesSecrets(t.namespace())) {
                notes.add(ref + ": Secrets in " + t.namespace() + " are not kept or restored (remediator.config-history.secret-namespaces)");
                continue;
            }
            HasMetadata o = read(ctx, kind, name);
            if (o == null || !ConfigHistory.optedIn(o)) {
                continue;
            }
            String current = hash(o);
            io.autonova.remediator.state.RemediationRecord.ChangeRef decided = ctx.record().spec.change;
            if (decided != null && "config".equals(decided.kind) && (kind + " " + t.namespace() + "/" + name).equals(decided.object)
                    && decided.toRef != null && !decided.toRef.equals(current)) {
                // The run undoes the content it was decided on: another content since is someone's newer change.
                return StepResult.fail(FailureReason.CHANGED_SINCE_ALERT, decided.object + " no longer holds the content the run was decided on ("
                        + decided.to + "): it changed since, so the run leaves it alone");
            }
            List<ConfigHistory.Version> versions = ConfigHistory.versions(ctx.cluster(), kind, t.namespace(), name);
            int at = -1;
            for (int i = 0; i < versions.size(); i++) {
                if (versions.get(i).hash().equals(current)) {
                    at = i;
                    break;
                }
            }
            if (at < 0) {
                notes.add(ref + ": its current content is not in the history yet");
                continue;
            }
            if (versions.get(at).firstSeen().isBefore(since)) {
                continue; // unchanged in the window
            }
            // The newest earlier content no run rolled back from.
            ConfigHistory.Version previous = versions.stream().skip(at + 1).filter(v -> !v.knownBad()).findFirst().orElse(null);
            if (previous == null && versions.stream().skip(at + 1).anyMatch(ConfigHistory.Version::knownBad)) {
                notes.add(ref + ": every earlier content was rolled back from by a run before");
                continue;
            }
            String es = externalSecretOwner(o);
            if (es != null) {
                external.add(Map.of("secret", name, "externalSecret", es));
                continue;
            }
            if (previous == null) {
                notes.add(ref + " changed at " + versions.get(at).firstSeen() + " but no earlier content is kept");
                continue;
            }
            if (o instanceof Secret s && !rotatedOk) {
                Secret before = ctx.cluster().secret(t.namespace(), previous.snapshot()).orElse(null);
                Set<String> nowKeys = s.getData() == null ? Set.of() : s.getData().keySet();
                Set<String> thenKeys = before == null || before.getData() == null ? Set.of() : before.getData().keySet();
                if (nowKeys.equals(thenKeys)) {
                    return StepResult.fail(FailureReason.SECRET_ROTATION, "Secret " + t.namespace() + "/" + name + " changed at "
                            + versions.get(at).firstSeen() + " with the same keys and new values, as a credential rotation does; restoring old "
                            + "credentials needs restoreRotatedCredentials: true in the rule. Nothing was changed");
                }
            }
            restores.add(Map.of("kind", kind, "name", name, "fromHash", current, "toHash", previous.hash(), "snapshot", previous.snapshot(),
                    "changedAt", versions.get(at).firstSeen().toString()));
        }
        boolean imageChanged = imageChangedSince(ctx, d, since);
        if (restores.isEmpty() && external.isEmpty()) {
            if (imageChanged) {
                return StepResult.done("no referenced ConfigMap or Secret changed since " + since + "; the pod template did: rolling it back",
                        out("restores", "[]", "external", "[]", "imageChanged", "true"));
            }
            return StepResult.fail(FailureReason.CONFIG_HISTORY_MISSING, "no referenced ConfigMap or Secret with kept history (label "
                    + ConfigHistory.OPT_IN + "=true) changed since " + since + (notes.isEmpty() ? "" : "; " + String.join("; ", notes)));
        }
        try {
            String what = restores.stream().map(r -> r.get("kind") + " " + r.get("name")).toList() + (external.isEmpty() ? ""
                    : ", External Secrets " + external.stream().map(e -> e.get("externalSecret")).toList()) + (imageChanged ? ", and the pod template" : "");
            return StepResult.done("restore " + what + " to their content before the change" + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")"),
                    out("restores", Json.MAPPER.writeValueAsString(restores), "external", Json.MAPPER.writeValueAsString(external),
                            "imageChanged", String.valueOf(imageChanged)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    });

    /** True when the Deployment's current revision was rolled out after {@code since} and there is one before it. */
    private static boolean imageChangedSince(RunContext ctx, Deployment d, Instant since) {
        long revision = RolloutUndo.revision(d.getMetadata().getAnnotations());
        for (ReplicaSet rs : ctx.cluster().replicaSets(d)) {
            if (RolloutUndo.revision(rs.getMetadata().getAnnotations()) == revision && revision > 1 && rs.getMetadata().getCreationTimestamp() != null) {
                return !Instant.parse(rs.getMetadata().getCreationTimestamp()).isBefore(since);
            }
        }
        return false;
    }

    /** Writes each object's earlier content back, only while it still holds the content the plan saw. */
    static final StepHandler RESTORE = RollbackSteps.writer(RESTORE_CONFIG, (ctx, inputs) -> {
        List<String> done = new ArrayList<>();
        for (Map<String, String> item : items(ctx, "restores")) {
            StepResult r = put(ctx, item.get("kind"), item.get("name"), item.get("fromHash"), item.get("toHash"), item.get("snapshot"));
            if (r.kind() != StepResult.Kind.DONE) {
                return r;
            }
            ConfigHistory.markRolledBackFrom(ctx.cluster(), item.get("kind"), ctx.target().namespace(), item.get("name"), item.get("fromHash"),
                    ctx.record().name);
            done.add(item.get("kind") + " " + item.get("name"));
        }
        return StepResult.done("restored " + done + " to their earlier content");
    });

    /** Compensation: the changed content goes back, but only while no pod has been restarted onto the restored one. */
    static final StepHandler PUT_BACK_STEP = RollbackSteps.writer(PUT_BACK, (ctx, inputs) -> {
        if (mayHaveRestarted(ctx, RESTART) || mayHaveRestarted(ctx, RollbackSteps.ROLLBACK_DEPLOYMENT)) {
            String s = "restored configuration of " + ctx.target().key() + " left in place: the app was already restarted onto it";
            return StepResult.done(s, out(EngineOutput.HUMAN_ACTION.key(), s));
        }
        for (Map<String, String> item : items(ctx, "restores")) {
            String from = ConfigHistory.versions(ctx.cluster(), item.get("kind"), ctx.target().namespace(), item.get("name")).stream()
                    .filter(v -> v.hash().equals(item.get("fromHash"))).map(ConfigHistory.Version::snapshot).findFirst().orElse(null);
            if (from == null) {
                return StepResult.fail(FailureReason.CONFIG_HISTORY_MISSING, "the replaced content of " + item.get("kind") + " " + item.get("name")
                        + " is no longer kept; put it back by hand");
            }
            StepResult r = put(ctx, item.get("kind"), item.get("name"), item.get("toHash"), item.get("fromHash"), from);
            if (r.kind() == StepResult.Kind.FAIL && r.reason() != FailureReason.NEWER_DEPLOY) {
                return r;
            }
        }
        return StepResult.done("configuration of " + ctx.target().key() + " put back as it was before the run");
    });

    /** A step that succeeded, or was cut short by a crash after it may have acted; not one that failed before writing. */
    private static boolean mayHaveRestarted(RunContext ctx, String step) {
        var s = ctx.record().step(step);
        return s != null && !"pending".equals(s.phase) && !"failed".equals(s.phase);
    }

    /** Sets an object's data to a snapshot's (tested against the resourceVersion read); done once it holds it. */
    private static StepResult put(RunContext ctx, String kind, String name, String expectHash, String toHash, String snapshot) {
        String ns = ctx.target().namespace();
        return RollbackSteps.lookAgainOnConflict(() -> {
            HasMetadata o = read(ctx, kind, name);
            if (o == null) {
                return StepResult.fail(FailureReason.TARGET_NOT_FOUND, kind + " " + ns + "/" + name + " disappeared");
            }
            String h = hash(o);
            if (h.equals(toHash)) {
                return StepResult.done(kind + " " + ns + "/" + name + " holds the content it goes back to");
            }
            if (!h.equals(expectHash)) {
                return StepResult.fail(FailureReason.NEWER_DEPLOY, kind + " " + ns + "/" + name + " changed again since the plan was made: not overwriting it");
            }
            HasMetadata snap = read(ctx, kind, snapshot);
            if (snap == null || !toHash.equals(hash(snap))) {
                return StepResult.fail(FailureReason.CONFIG_HISTORY_MISSING, "the kept content of " + kind + " " + ns + "/" + name + " is gone");
            }
            List<Map<String, Object>> ops = new ArrayList<>();
            ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion", "value", o.getMetadata().getResourceVersion()));
            Map<String, String> data = snap instanceof Secret s ? s.getData() : ((ConfigMap) snap).getData();
            ops.add(Map.of("op", "add", "path", "/data", "value", data == null ? Map.of() : data));
            if (snap instanceof ConfigMap c) {
                // fabric8 reads an absent map as empty: a path is patched only where the server's JSON has it.
                Map<String, String> bin = c.getBinaryData();
                boolean has = ((ConfigMap) o).getBinaryData() != null && !((ConfigMap) o).getBinaryData().isEmpty();
                if (bin != null && !bin.isEmpty()) {
                    ops.add(Map.of("op", "add", "path", "/binaryData", "value", bin));
                } else if (has) {
                    ops.add(Map.of("op", "remove", "path", "/binaryData"));
                }
            }
            String patch = Json.MAPPER.writeValueAsString(ops);
            if (kind.equals("Secret")) {
                ctx.cluster().patchSecret(ns, name, patch);
            } else {
                ctx.cluster().patchConfigMap(ns, name, patch);
            }
            return StepResult.done("wrote the content back to " + kind + " " + ns + "/" + name);
        }, StepResult.fail(FailureReason.NEWER_DEPLOY, kind + " " + ns + "/" + name + " kept changing under the restore"));
    }

    /** {@code kubectl rollout restart}: a new restartedAt on the pod template; refused for a paused Deployment, as kubectl does. */
    static final StepHandler RESTART_STEP = new StepHandler() {
        @Override
        public String name() {
            return RESTART;
        }

        @Override
        public Map<String, String> prepare(RunContext ctx) {
            return out("restartedAt", ctx.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            Target t = ctx.target();
            return RollbackSteps.lookAgainOnConflict(() -> {
                Deployment d = ctx.cluster().deployment(t.namespace(), t.deployment()).orElse(null);
                if (d == null) {
                    return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "deployment " + t.key() + " disappeared");
                }
                if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
                    return StepResult.fail(FailureReason.DEPLOYMENT_PAUSED, "deployment " + t.key() + " is paused; kubectl rollout restart refuses it too");
                }
                Map<String, String> ann = d.getSpec().getTemplate().getMetadata() == null ? null : d.getSpec().getTemplate().getMetadata().getAnnotations();
                if (ann != null && inputs.get("restartedAt").equals(ann.get(RESTARTED_AT))) {
                    return StepResult.done("deployment " + t.key() + " already restarted at " + inputs.get("restartedAt"),
                            out("expectGeneration", String.valueOf(Workloads.generation(d))));
                }
                List<Map<String, Object>> ops = new ArrayList<>();
                ops.add(Map.of("op", "test", "path", "/metadata/resourceVersion", "value", d.getMetadata().getResourceVersion()));
                if (ann == null || ann.isEmpty()) {
                    // fabric8 reads absent annotations as an empty map; adding below a member the server lacks is a 422.
                    ops.add(Map.of("op", "add", "path", "/spec/template/metadata/annotations", "value", Map.of(RESTARTED_AT, inputs.get("restartedAt"))));
                } else {
                    ops.add(Map.of("op", "add", "path", "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt", "value", inputs.get("restartedAt")));
                }
                Deployment after = ctx.cluster().patchDeployment(t.namespace(), t.deployment(), Json.MAPPER.writeValueAsString(ops));
                long got = after == null ? 0 : Workloads.generation(after);
                return StepResult.done("restarted deployment " + t.key() + " (kubectl.kubernetes.io/restartedAt " + inputs.get("restartedAt") + ")",
                        out("expectGeneration", String.valueOf(Math.max(got, Workloads.generation(d) + 1))));
            }, StepResult.fail(FailureReason.NEWER_DEPLOY, "deployment " + t.key() + " kept changing under the restart"));
        }
    };

    /** Asks the External Secrets Operator to re-read the provider now (force-sync annotation). */
    static final StepHandler REFRESH = new StepHandler() {
        @Override
        public String name() {
            return REFRESH_EXTERNAL;
        }

        @Override
        public Map<String, String> prepare(RunContext ctx) {
            return out("forceSync", String.valueOf(ctx.now().getEpochSecond()));
        }

        @Override
        public StepResult act(RunContext ctx, Map<String, String> inputs) {
            List<String> names = new ArrayList<>();
            List<String> actions = new ArrayList<>();
            for (Map<String, String> e : items(ctx, "external")) {
                String es = e.get("externalSecret");
                var found = ctx.cluster().externalSecret(ctx.target().namespace(), es);
                if (found.isEmpty()) {
                    return StepResult.fail(FailureReason.TARGET_NOT_FOUND, "ExternalSecret " + ctx.target().namespace() + "/" + es + " not found");
                }
                Map<String, Object> patch = Map.of("metadata", Map.of("annotations", Map.of("force-sync", inputs.get("forceSync"))));
                ctx.cluster().mergePatchExternalSecret(ctx.target().namespace(), es, patch);
                names.add(es);
                actions.add("Secret " + ctx.target().namespace() + "/" + e.get("secret") + " comes from ExternalSecret " + es
                        + ": if its new value is the fault, restore the previous version in the secret provider; this run only forced a refresh");
            }
            Map<String, String> outputs = new LinkedHashMap<>();
            outputs.put(EngineOutput.HUMAN_ACTION.key(), String.join("; ", actions));
            return StepResult.done("forced a refresh of ExternalSecrets " + names, outputs);
        }
    };

    /** Waits until each ExternalSecret refreshed after the force-sync and is Ready. */
    static final StepHandler WAIT_REFRESH = RollbackSteps.reader(WAIT_EXTERNAL, RunContext::verifyTimeout, ctx -> {
        long asked = Long.parseLong(ctx.record().step(REFRESH_EXTERNAL).inputs.get("forceSync"));
        for (Map<String, String> e : items(ctx, "external")) {
            Map<String, Object> es = ctx.cluster().externalSecret(ctx.target().namespace(), e.get("externalSecret")).orElse(null);
            Map<?, ?> status = es == null ? null : (Map<?, ?>) es.get("status");
            Object refreshed = status == null ? null : status.get("refreshTime");
            if (refreshed == null || Instant.parse(refreshed.toString()).getEpochSecond() < asked) {
                return StepResult.waiting("ExternalSecret " + e.get("externalSecret") + " not refreshed yet");
            }
            boolean ready = status.get("conditions") instanceof List<?> cs && cs.stream().anyMatch(c -> c instanceof Map<?, ?> m
                    && "Ready".equals(m.get("type")) && "True".equals(m.get("status")));
            if (!ready) {
                return StepResult.waiting("ExternalSecret " + e.get("externalSecret") + " refreshed but not Ready");
            }
        }
        return StepResult.done("ExternalSecrets refreshed from the provider");
    });
}
