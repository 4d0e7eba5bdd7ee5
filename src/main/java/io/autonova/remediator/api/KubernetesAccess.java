package io.autonova.remediator.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Actor;
import io.autonova.remediator.runtime.ServiceRuntime;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Operators' identity and rights from the cluster they already use: a bearer token is a Kubernetes token, checked with
 * a TokenReview; each action is a SubjectAccessReview on the remediator's resources ({@code approve}, {@code abort},
 * {@code create}, {@code force} on {@code remediations.autonova.io}, {@code create}/{@code delete} on
 * {@code remediationpauses}, {@code delete} on {@code targetholds}), so who may approve production is ordinary RBAC.
 * Answers are reused for a few seconds (bounded caches): a revoked RoleBinding takes effect within that time.
 */
@Singleton
public class KubernetesAccess {

    private static final Logger LOG = Logger.getLogger(KubernetesAccess.class);
    public static final String GROUP = "autonova.io";

    /** What is asked: verb on group/resource[/subresource] in a namespace ("" for cluster-wide), optionally one object. */
    public record Attributes(String verb, String resource, String subresource, String namespace, String name) {

        public String describe() {
            return "'" + verb + "' on " + resource + (subresource == null ? "" : "/" + subresource) + "." + GROUP
                    + (namespace == null || namespace.isEmpty() ? " (cluster-wide)" : " in namespace " + namespace);
        }
    }

    private final KubernetesClient client;
    private final Cache<String, Optional<Actor>> reviews;
    private final Cache<String, Boolean> decisions;

    @jakarta.inject.Inject
    public KubernetesAccess(RemediatorConfig config, ServiceRuntime runtime) {
        this(config.admin().kubernetesUsers() ? runtime.client().orElse(null) : null, config.admin().reviewCacheTtl());
    }

    KubernetesAccess(KubernetesClient client, java.time.Duration ttl) {
        this.client = client;
        this.reviews = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(1_000).build();
        this.decisions = Caffeine.newBuilder().expireAfterWrite(ttl).maximumSize(10_000).build();
    }

    public boolean enabled() {
        return client != null;
    }

    /** The user a Kubernetes token belongs to, or empty when the API server does not vouch for it. */
    public Optional<Actor> authenticate(String token) {
        if (client == null) {
            return Optional.empty();
        }
        // Keyed by a digest: the cache never holds a usable token.
        String key = java.util.HexFormat.of().formatHex(Tokens.sha256(token));
        return reviews.get(key, k -> review(token));
    }

    private Optional<Actor> review(String token) {
        TokenReview review = new TokenReviewBuilder().withNewSpec().withToken(token).endSpec().build();
        TokenReview answer = client.resource(review).create();
        if (answer.getStatus() == null || !Boolean.TRUE.equals(answer.getStatus().getAuthenticated()) || answer.getStatus().getUser() == null) {
            return Optional.empty();
        }
        var user = answer.getStatus().getUser();
        return Optional.of(Actor.user(user.getUsername(), user.getGroups() == null ? List.of() : user.getGroups()));
    }

    /** Whether the user may do it; the break-glass admin token may do everything. */
    public boolean allowed(Actor who, Attributes what) {
        if (who.breakGlass()) {
            return true;
        }
        if (client == null) {
            return false;
        }
        String key = who.name() + "\u0000" + String.join(",", who.groups()) + "\u0000" + what;
        return decisions.get(key, k -> review(who, what));
    }

    private boolean review(Actor who, Attributes what) {
        SubjectAccessReview sar = new SubjectAccessReviewBuilder().withNewSpec().withUser(who.name()).withGroups(who.groups())
                .withNewResourceAttributes().withGroup(GROUP).withResource(what.resource()).withSubresource(what.subresource())
                .withVerb(what.verb()).withNamespace(what.namespace()).withName(what.name()).endResourceAttributes().endSpec().build();
        try {
            SubjectAccessReview answer = client.resource(sar).create();
            return answer.getStatus() != null && answer.getStatus().getAllowed();
        } catch (KubernetesClientException e) {
            LOG.warnf("SubjectAccessReview for %s failed (%s): refused", who.name(), e.getMessage());
            throw e;
        }
    }
}
