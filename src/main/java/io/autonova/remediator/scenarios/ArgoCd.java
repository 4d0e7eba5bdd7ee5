package io.autonova.remediator.scenarios;

import io.autonova.remediator.cluster.ArgoTracking;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Argo CD logic without I/O: which Application manages a Deployment, and what a rollback writes. */
public final class ArgoCd {

    public static final String INSTANCE_LABEL = ArgoTracking.INSTANCE_LABEL;
    public static final String TRACKING_ANNOTATION = ArgoTracking.TRACKING_ANNOTATION;

    private ArgoCd() {
    }

    /**
     * True when the Application really manages the Deployment: its destination namespace is the Deployment's
     * (or unset) and its {@code status.resources} lists that Deployment. A label alone proves nothing.
     */
    public static boolean manages(Map<String, Object> application, String namespace, String deployment) {
        if (application.get("status") instanceof Map<?, ?> status && status.get("resources") instanceof List<?> resources) {
            for (Object o : resources) {
                if (o instanceof Map<?, ?> r && "Deployment".equals(r.get("kind")) && deployment.equals(r.get("name"))
                        && namespace.equals(r.get("namespace") == null ? namespaceOf(application) : r.get("namespace"))
                        && (r.get("group") == null || "apps".equals(r.get("group")))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String namespaceOf(Map<String, Object> application) {
        if (application.get("spec") instanceof Map<?, ?> spec && spec.get("destination") instanceof Map<?, ?> dest
                && dest.get("namespace") instanceof String ns) {
            return ns;
        }
        return "";
    }

    /** The revision of the operation running or last run, or null. */
    public static String operationRevision(Map<String, Object> application) {
        if (application.get("operation") instanceof Map<?, ?> op && op.get("sync") instanceof Map<?, ?> sync) {
            return (String) sync.get("revision");
        }
        if (application.get("status") instanceof Map<?, ?> s && s.get("operationState") instanceof Map<?, ?> os
                && os.get("operation") instanceof Map<?, ?> op && op.get("sync") instanceof Map<?, ?> sync) {
            return (String) sync.get("revision");
        }
        return null;
    }

    /** A history entry of {@code status.history}. */
    public record HistoryEntry(long id, String revision, Map<String, Object> source) {
    }

    @SuppressWarnings("unchecked")
    public static List<HistoryEntry> history(Map<String, Object> application) {
        List<HistoryEntry> result = new ArrayList<>();
        Object status = application.get("status");
        if (status instanceof Map<?, ?> s && s.get("history") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> h && h.get("id") instanceof Number id) {
                    result.add(new HistoryEntry(id.longValue(), (String) h.get("revision"),
                            h.get("source") instanceof Map<?, ?> src ? (Map<String, Object>) src : null));
                }
            }
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    public static Optional<Object> automatedSyncPolicy(Map<String, Object> application) {
        if (application.get("spec") instanceof Map<?, ?> spec && spec.get("syncPolicy") instanceof Map<?, ?> sp) {
            return Optional.ofNullable(((Map<String, Object>) sp).get("automated"));
        }
        return Optional.empty();
    }

    public static boolean operationInProgress(Map<String, Object> application) {
        return application.get("operation") != null;
    }

    /** The entry {@code argocd app rollback APP} picks: the given id, or the one before the current deployment. */
    public static Optional<HistoryEntry> rollbackEntry(List<HistoryEntry> history, long id) {
        if (id > 0) {
            return history.stream().filter(h -> h.id() == id).findFirst();
        }
        if (history.size() < 2) {
            return Optional.empty();
        }
        List<HistoryEntry> sorted = history.stream().sorted((a, b) -> Long.compare(a.id(), b.id())).toList();
        return Optional.of(sorted.get(sorted.size() - 2));
    }

    /** The merge patch that turns automated sync off, as {@code argocd app set --sync-policy none} does. */
    public static Map<String, Object> disableAutomatedSyncPatch() {
        Map<String, Object> syncPolicy = new LinkedHashMap<>();
        syncPolicy.put("automated", null);
        return Map.of("spec", Map.of("syncPolicy", syncPolicy));
    }

    /** The merge patch that restores an automated sync policy read earlier. */
    public static Map<String, Object> restoreAutomatedSyncPatch(Object automated) {
        Map<String, Object> syncPolicy = new LinkedHashMap<>();
        syncPolicy.put("automated", automated);
        return Map.of("spec", Map.of("syncPolicy", syncPolicy));
    }

    /** The sync operation Argo CD's rollback starts: the history entry's revision and source. */
    public static Map<String, Object> rollbackOperationPatch(HistoryEntry entry, String reason) {
        Map<String, Object> sync = new LinkedHashMap<>();
        sync.put("revision", entry.revision());
        if (entry.source() != null) {
            sync.put("source", entry.source());
        }
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("sync", sync);
        op.put("initiatedBy", Map.of("username", "autonova-remediator"));
        op.put("info", List.of(Map.of("name", "Reason", "value", reason)));
        return Map.of("operation", op);
    }

    /** Where an Application syncs from: one Git source ({@code spec.source}); multi-source Applications give empty. */
    public record Source(String repoURL, String path, String targetRevision) {
    }

    public static Optional<Source> gitSource(Map<String, Object> application) {
        if (application.get("spec") instanceof Map<?, ?> spec && spec.get("sources") == null && spec.get("source") instanceof Map<?, ?> src
                && src.get("repoURL") instanceof String url && src.get("chart") == null) {
            String path = src.get("path") instanceof String p ? p.replaceAll("^\\./?|^/+|/+$", "") : "";
            return Optional.of(new Source(url, path, src.get("targetRevision") instanceof String r ? r : "HEAD"));
        }
        return Optional.empty();
    }

    /** {@code status.sync}: the Git commit the last comparison resolved the target revision to, and Synced/OutOfSync. */
    public static String[] sync(Map<String, Object> application) {
        if (application.get("status") instanceof Map<?, ?> s && s.get("sync") instanceof Map<?, ?> sync) {
            return new String[]{(String) sync.get("revision"), (String) sync.get("status")};
        }
        return new String[]{null, null};
    }

    /** The merge patch that asks the controller to compare with Git now, as {@code argocd app get --refresh} does. */
    public static Map<String, Object> refreshPatch() {
        return Map.of("metadata", Map.of("annotations", Map.of("argocd.argoproj.io/refresh", "normal")));
    }

    /** {@code status.operationState.phase} and message, or null when no operation has run. */
    @SuppressWarnings("unchecked")
    public static String[] operationState(Map<String, Object> application) {
        if (application.get("status") instanceof Map<?, ?> s && s.get("operationState") instanceof Map<?, ?> os) {
            return new String[]{(String) os.get("phase"), (String) os.get("message")};
        }
        return null;
    }
}
