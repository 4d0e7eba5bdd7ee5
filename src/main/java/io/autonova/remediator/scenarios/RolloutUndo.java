package io.autonova.remediator.scenarios;

import com.fasterxml.jackson.core.type.TypeReference;
import io.autonova.remediator.domain.Json;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@code kubectl rollout undo deployment/X [--to-revision=N]} would do, computed without I/O:
 * the ReplicaSets the Deployment controls, the revision to go back to, and the JSON patch that copies
 * its pod template (without {@code pod-template-hash}) and annotations onto the Deployment.
 */
public final class RolloutUndo {

    public static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
    public static final String POD_TEMPLATE_HASH = "pod-template-hash";
    // The annotations kubectl keeps from the Deployment rather than copying from the ReplicaSet.
    private static final Set<String> ANNOTATIONS_TO_SKIP = Set.of(
            "kubectl.kubernetes.io/last-applied-configuration",
            REVISION_ANNOTATION,
            "deployment.kubernetes.io/revision-history",
            "deployment.kubernetes.io/desired-replicas",
            "deployment.kubernetes.io/max-replicas",
            "deprecated.deployment.rollback.to");
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    public enum Kind { PATCH, ALREADY_AT_REVISION, REFUSED }

    /** The plan: a patch to send, nothing to do, or a refusal with kubectl's reason. */
    public record Plan(Kind kind, long fromRevision, long toRevision, String jsonPatch, String message, String fromTemplate, String toTemplate) {
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL = Json.MAPPER.copy()
            .configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** A stable identity of a pod template (without pod-template-hash): what "the same release" means here. */
    public static String templateHash(Object podTemplate) {
        try {
            return io.autonova.remediator.domain.Hashes.sha256Hex(CANONICAL.writeValueAsString(withoutHash(Json.MAPPER.convertValue(podTemplate, MAP))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private RolloutUndo() {
    }

    /** @param toRevision 0 for the previous revision, as kubectl's default */
    public static Plan plan(Deployment deployment, List<ReplicaSet> replicaSets, long toRevision) {
        String name = deployment.getMetadata().getName();
        long current = revision(deployment.getMetadata().getAnnotations());
        if (Boolean.TRUE.equals(deployment.getSpec().getPaused())) {
            return refused(current, toRevision, "deployment " + name + " is paused; kubectl refuses to roll back a paused deployment "
                    + "(resume it first with 'kubectl rollout resume')");
        }
        String uid = deployment.getMetadata().getUid();
        TreeMap<Long, ReplicaSet> byRevision = new TreeMap<>();
        for (ReplicaSet rs : replicaSets) {
            if (controlledBy(rs, uid)) {
                long rev = revision(rs.getMetadata().getAnnotations());
                if (rev > 0) {
                    byRevision.put(rev, rs);
                }
            }
        }
        ReplicaSet chosen;
        if (toRevision > 0) {
            chosen = byRevision.get(toRevision);
            if (chosen == null) {
                return refused(current, toRevision, "unable to find specified revision " + toRevision + " in history of deployment " + name);
            }
        } else {
            if (byRevision.size() < 2) {
                return refused(current, 0, "no rollout history found for deployment " + name + " (no earlier revision to go back to)");
            }
            chosen = byRevision.get(byRevision.lowerKey(byRevision.lastKey()));
        }
        long target = revision(chosen.getMetadata().getAnnotations());
        Map<String, Object> rsTemplate = withoutHash(Json.MAPPER.convertValue(chosen.getSpec().getTemplate(), MAP));
        Map<String, Object> currentTemplate = withoutHash(Json.MAPPER.convertValue(deployment.getSpec().getTemplate(), MAP));
        if (rsTemplate.equals(currentTemplate)) {
            String same = templateHash(deployment.getSpec().getTemplate());
            return new Plan(Kind.ALREADY_AT_REVISION, current, target, null,
                    "skipped rollback (current template already matches revision " + target + ")", same, same);
        }
        Map<String, String> annotations = new TreeMap<>();
        Map<String, String> deploymentAnnotations = deployment.getMetadata().getAnnotations() == null ? Map.of() : deployment.getMetadata().getAnnotations();
        for (String skip : ANNOTATIONS_TO_SKIP) {
            if (deploymentAnnotations.containsKey(skip)) {
                annotations.put(skip, deploymentAnnotations.get(skip));
            }
        }
        if (chosen.getMetadata().getAnnotations() != null) {
            chosen.getMetadata().getAnnotations().forEach((k, v) -> {
                if (!ANNOTATIONS_TO_SKIP.contains(k)) {
                    annotations.put(k, v);
                }
            });
        }
        List<Map<String, Object>> ops = new ArrayList<>();
        ops.add(op("test", "/metadata/uid", uid));
        ops.add(op("replace", "/spec/template", rsTemplate));
        ops.add(op("replace", "/metadata/annotations", annotations));
        try {
            return new Plan(Kind.PATCH, current, target, Json.MAPPER.writeValueAsString(ops),
                    "roll back deployment " + name + " from revision " + current + " to revision " + target,
                    templateHash(deployment.getSpec().getTemplate()), templateHash(chosen.getSpec().getTemplate()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> op(String op, String path, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", op);
        m.put("path", path);
        m.put("value", value);
        return m;
    }

    private static Plan refused(long current, long to, String message) {
        return new Plan(Kind.REFUSED, current, to, null, message, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> withoutHash(Map<String, Object> template) {
        Object meta = template.get("metadata");
        if (meta instanceof Map<?, ?> m && m.get("labels") instanceof Map<?, ?> labels) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) labels);
            copy.remove(POD_TEMPLATE_HASH);
            Map<String, Object> metaCopy = new LinkedHashMap<>((Map<String, Object>) m);
            metaCopy.put("labels", copy);
            Map<String, Object> t = new LinkedHashMap<>(template);
            t.put("metadata", metaCopy);
            return t;
        }
        return template;
    }

    private static boolean controlledBy(ReplicaSet rs, String uid) {
        if (rs.getMetadata().getOwnerReferences() == null) {
            return false;
        }
        for (OwnerReference ref : rs.getMetadata().getOwnerReferences()) {
            if (Boolean.TRUE.equals(ref.getController()) && uid != null && uid.equals(ref.getUid())) {
                return true;
            }
        }
        return false;
    }

    public static long revision(Map<String, String> annotations) {
        if (annotations == null || !annotations.containsKey(REVISION_ANNOTATION)) {
            return 0;
        }
        try {
            return Long.parseLong(annotations.get(REVISION_ANNOTATION));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
