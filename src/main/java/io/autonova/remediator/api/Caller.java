package io.autonova.remediator.api;

import io.autonova.remediator.domain.Actor;
import jakarta.enterprise.context.RequestScoped;

/**
 * The person behind the current operator API request, set by {@link BearerAuthFilter}; resources ask
 * {@link #require} before each action, which answers 403 with the missing verb named.
 */
@RequestScoped
public class Caller {

    private Actor actor;
    private KubernetesAccess access;

    void set(Actor actor, KubernetesAccess access) {
        this.actor = actor;
        this.access = access;
    }

    public Actor actor() {
        if (actor == null) {
            throw new ProblemException(401, "Unauthorized", "no authenticated caller");
        }
        return actor;
    }

    /** Throws 403 (problem+json naming the verb and resource) unless the caller may do it. */
    public Actor require(String verb, String resource, String subresource, String namespace, String name) {
        Actor who = actor();
        KubernetesAccess.Attributes what = new KubernetesAccess.Attributes(verb, resource, subresource, namespace == null ? "" : namespace, name);
        boolean ok;
        try {
            ok = access.allowed(who, what);
        } catch (RuntimeException e) {
            throw new ProblemException(503, "Authorization unavailable", "could not ask the API server whether " + who.name() + " may do this: "
                    + e.getMessage());
        }
        if (!ok) {
            throw new ProblemException(403, "Forbidden", who.name() + " may not do this: it needs " + what.describe()
                    + " (Kubernetes RBAC; see the example ClusterRoles autonova-remediator-viewer, -operator and -approver)");
        }
        return who;
    }
}
