package io.autonova.remediator.runtime;

import io.autonova.remediator.cluster.Permissions;
import io.autonova.remediator.cluster.Permissions.Permission;
import io.autonova.remediator.config.DaemonThreads;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks the API server, as the service's own identity, whether it may make every call its configuration needs
 * (SelfSubjectAccessReview, allowed for every authenticated user). A missing permission is logged by name and makes the
 * replica unready: a rollback that would fail with 403 at 3 a.m. is found at deploy time instead. Checked again every
 * {@code remediator.permission-check-interval}, so granting the verb makes it ready without a restart, and taking one away is noticed.
 */
@ApplicationScoped
public class PermissionCheck {

    private static final Logger LOG = Logger.getLogger(PermissionCheck.class);

    private final ServiceRuntime runtime;
    private final RemediatorConfig config;
    private final RuleRepository rules;
    private final RemediatorMetrics metrics;
    private ScheduledExecutorService scheduler;
    private volatile List<Permission> missing = List.of();
    private volatile List<Permission> optionalMissing = List.of();
    private volatile boolean checked;

    public PermissionCheck(ServiceRuntime runtime, RemediatorConfig config, RuleRepository rules, RemediatorMetrics metrics) {
        this.runtime = runtime;
        this.config = config;
        this.rules = rules;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        if (runtime.client().isEmpty()) {
            checked = true; // no cluster: nothing to be allowed to do
            return;
        }
        metrics.gauge("remediator_permissions_missing", "Kubernetes permissions the configuration needs and the service account lacks",
                () -> missing.size());
        scheduler = DaemonThreads.scheduler("permission-check");
        // The first check before start-up ends (bounded: an API server that does not answer must not hold the start),
        // so a replica is not reported unready for "not checked yet" when it has what it needs.
        var first = scheduler.submit(this::checkSafely);
        try {
            first.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.warnf("the first permission check did not finish at start-up: %s", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long every = config.permissionCheckInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::checkSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warnf("could not check the service account's permissions: %s", e.getMessage());
        }
    }

    /** Runs the check now. */
    public void check() {
        KubernetesClient client = runtime.client().orElseThrow();
        Set<io.autonova.remediator.rules.Scenario> used = new java.util.LinkedHashSet<>();
        for (Rule r : rules.current().rules()) {
            used.addAll(r.possibleScenarios());
        }
        List<Permission> needed = Permissions.required(config.state().namespace(), config.state().globalName(), runtime.allowedNamespaces().orElse(Set.of()), used,
                config.configHistory().enabled() && !runtime.dryRun(), config.configHistory().secretNamespaces().orElse(Set.of()),
                config.argocd().namespace());
        if (config.admin().kubernetesUsers()) {
            needed.addAll(Permissions.operatorAccess());
        }
        List<Permission> lacking = new ArrayList<>();
        List<Permission> lackingOptional = new ArrayList<>();
        for (Permission p : needed) {
            Boolean allowed = allowed(client, p);
            if (allowed == null) {
                // Not evaluated (a server without authorization, such as a test double): nothing to conclude.
                continue;
            }
            if (!allowed) {
                (Permissions.optional(p) ? lackingOptional : lacking).add(p);
            }
        }
        for (Permission p : lacking) {
            if (!missing.contains(p)) {
                LOG.errorf("RBAC: the service account may not %s: remediations that need it would fail; grant it (k8s/base/rbac.yaml) "
                        + "or narrow the configuration", p.describe());
            }
        }
        for (Permission p : lackingOptional) {
            if (!optionalMissing.contains(p)) {
                LOG.warnf("RBAC: the service account may not %s: %s will not work until it is granted", p.describe(), p.why());
            }
        }
        if (!missing.isEmpty() && lacking.isEmpty()) {
            LOG.infof("RBAC: every permission the configuration needs is now granted");
        }
        missing = List.copyOf(lacking);
        optionalMissing = List.copyOf(lackingOptional);
        checked = true;
    }

    /** True or false as the API server's authorizer says; null when it gave no verdict (the call failed, or a test double). */
    private static Boolean allowed(KubernetesClient client, Permission p) {
        String[] rs = p.resource().split("/", 2);
        SelfSubjectAccessReview review;
        try {
            // No metadata: a real API server refuses any ("must be empty"); the review is not stored.
            review = client.authorization().v1().selfSubjectAccessReview().create(new SelfSubjectAccessReviewBuilder()
                .withNewSpec().withNewResourceAttributes().withNamespace(p.namespace().isEmpty() ? null : p.namespace()).withGroup(p.group())
                .withResource(rs[0]).withSubresource(rs.length > 1 ? rs[1] : null).withName(p.name().isEmpty() ? null : p.name()).withVerb(p.verb()).endResourceAttributes().endSpec().build());
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            LOG.debugf("no verdict on %s: %s", p.describe(), e.getMessage());
            return null;
        }
        return review == null || review.getStatus() == null ? null : review.getStatus().getAllowed();
    }

    /** Required permissions the service account lacks (empty until first checked, and when all are granted). */
    public List<Permission> missing() {
        return missing;
    }

    public List<Permission> optionalMissing() {
        return optionalMissing;
    }

    public boolean checked() {
        return checked;
    }
}
