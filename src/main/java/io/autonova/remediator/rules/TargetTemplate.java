package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Target;
import java.util.Map;

/** How a rule names its target from an alert: namespace and Deployment, optionally an Argo CD Application. */
public record TargetTemplate(NameTemplate namespace, NameTemplate deployment, NameTemplate argoApplication) {

    public Target render(Map<String, String> labels, Map<String, String> annotations) {
        return new Target(namespace.render(labels, annotations), deployment.render(labels, annotations),
                argoApplication == null ? null : emptyToNull(argoApplication.render(labels, annotations)));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
