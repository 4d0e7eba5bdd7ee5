package io.autonova.remediator.cluster;

import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.Map;
import java.util.Optional;

/** Which Argo CD Application a Deployment says it belongs to (tracking annotation or instance label); proves nothing alone. */
public final class ArgoTracking {

    public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";
    public static final String TRACKING_ANNOTATION = "argocd.argoproj.io/tracking-id";

    private ArgoTracking() {
    }

    /** An Application reference read off a Deployment; {@code namespace} is null when the tracking data does not name one. */
    public record AppRef(String namespace, String name) {
    }

    /** The Application name Argo CD's tracking label or annotation points at, if any. */
    public static Optional<String> trackedApplication(Deployment d) {
        return trackedApplicationRef(d).map(AppRef::name);
    }

    /**
     * The Application Argo CD's tracking annotation ({@code <app>:<group>/<kind>:<namespace>/<name>}, where an
     * Application outside Argo CD's own namespace is {@code <app-namespace>_<app>}) or instance label names.
     */
    public static Optional<AppRef> trackedApplicationRef(Deployment d) {
        Map<String, String> annotations = d.getMetadata().getAnnotations();
        if (annotations != null && annotations.containsKey(TRACKING_ANNOTATION)) {
            String id = annotations.get(TRACKING_ANNOTATION);
            int colon = id.indexOf(':');
            String app = colon < 0 ? id : id.substring(0, colon);
            int underscore = app.indexOf('_');
            return Optional.of(underscore < 0 ? new AppRef(null, app) : new AppRef(app.substring(0, underscore), app.substring(underscore + 1)));
        }
        Map<String, String> labels = d.getMetadata().getLabels();
        return labels == null || labels.get(INSTANCE_LABEL) == null ? Optional.empty() : Optional.of(new AppRef(null, labels.get(INSTANCE_LABEL)));
    }
}
