package io.autonova.remediator.domain;

import java.util.ArrayList;
import java.util.List;

/** A rendered, not yet trusted target. {@link #problems()} must be empty before any API call uses it. */
public record Target(String namespace, String deployment, String argoApplication) {

    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        KubernetesNames.namespaceProblem(namespace).ifPresent(p -> problems.add("namespace " + KubernetesNames.quoteUntrusted(namespace) + " " + p));
        KubernetesNames.objectNameProblem(deployment).ifPresent(p -> problems.add("deployment " + KubernetesNames.quoteUntrusted(deployment) + " " + p));
        if (argoApplication != null) {
            KubernetesNames.objectNameProblem(argoApplication).ifPresent(p -> problems.add("argoApplication " + KubernetesNames.quoteUntrusted(argoApplication) + " " + p));
        }
        return problems;
    }

    /** Key used by cooldowns, rate limits and in-flight tracking. */
    public String key() {
        return namespace + "/" + deployment;
    }
}
