package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ReleaseHistory;
import io.autonova.remediator.domain.Json;
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

    public static final String REVISION_ANNOTATION = ReleaseHistory.REVISION_ANNOTATION;
    public static final String POD_TEMPLATE_HASH = ReleaseHistory.POD_TEMPLATE_HASH;
    // The annotations kubectl keeps from the Deployment rather than copying from the ReplicaSet.
    private static final Set<String> ANNOTATIONS_TO_SKIP = Set.of(
            "kubectl.kubernetes.io/last-applied-configuration",
            REVISION_ANNOTATION,
            ReleaseHistory.REVISION_HISTORY,
            "deployment.kubernetes.io/desired-replicas",
            "deployment.kubernetes.io/max-replicas",
            "deprecated.deployment.rollback.to");

    public enum Kind { PATCH, ALREADY_AT_REVISION, REFUSED }

    /** The plan: a patch to send, nothing to do, or a refusal with kubectl's reason. */
    public record Plan(Kind kind, long fromRevision, long toRevision, String jsonPatch, String message, String fromTemplate, String toTemplate) {
    }

    /** A stable identity of a pod template (without pod-template-hash): what "the same release" means here. */
    public static String templateHash(Object podTemplate) {
        return ReleaseHistory.templateHash(podTemplate);
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
            if (ReleaseHistory.controlledBy(rs, uid)) {
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
        Map<String, Object> rsTemplate = ReleaseHistory.withoutHash(ReleaseHistory.asMap(chosen.getSpec().getTemplate()));
        Map<String, Object> currentTemplate = ReleaseHistory.withoutHash(ReleaseHistory.asMap(deployment.getSpec().getTemplate()));
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

    public static long revision(Map<String, String> annotations) {
        return ReleaseHistory.revision(annotations);
    }
}
