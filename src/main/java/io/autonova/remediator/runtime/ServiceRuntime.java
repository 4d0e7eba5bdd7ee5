package io.autonova.remediator.runtime;

import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.KubernetesStateStore;
import io.autonova.remediator.state.KubernetesEventRecorder;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.cluster.ClusterActions;
import io.autonova.remediator.cluster.DryRunClusterActions;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Decides at start-up where state lives and whether actions are real: the Kubernetes store when the API
 * server answers (or is required), otherwise an in-memory store with dry-run forced on, said loudly.
 */
@io.quarkus.runtime.Startup
@Singleton
public class ServiceRuntime {

    private static final Logger LOG = Logger.getLogger(ServiceRuntime.class);

    private final StateStore store;
    private final boolean dryRun;
    private final ClusterActions cluster;
    private final EventRecorder events;
    private final String identity;
    private final java.util.concurrent.ScheduledExecutorService background;
    private final KubernetesClient client;
    private final io.autonova.remediator.domain.NamespaceGuard guard;
    private final ChangeWatch changes;

    @jakarta.inject.Inject
    public ServiceRuntime(RemediatorConfig config, jakarta.enterprise.inject.Instance<KubernetesClient> clients, java.time.Clock clock) {
        identity = config.replicaId().orElseGet(ServiceRuntime::hostName);
        guard = new io.autonova.remediator.domain.NamespaceGuard(config.state().namespace(), config.argocd().namespace(),
                config.deniedNamespaces().orElse(java.util.Set.of()), config.allowedNamespaces().orElse(null));
        RemediatorConfig.StoreMode mode = config.state().store();
        // The client is built only when there may be a cluster to talk to: it is costly to start.
        boolean wanted = mode == RemediatorConfig.StoreMode.KUBERNETES || mode == RemediatorConfig.StoreMode.AUTO && clusterConfigured();
        if (mode == RemediatorConfig.StoreMode.AUTO && !wanted) {
            LOG.info("no in-cluster service account, kubeconfig or API server URL configured: not probing for a cluster");
        }
        KubernetesClient client = wanted ? clients.get() : null;
        boolean reachable = wanted && probe(client, config);
        this.client = reachable || mode == RemediatorConfig.StoreMode.KUBERNETES ? client : null;
        if (mode == RemediatorConfig.StoreMode.KUBERNETES || reachable) {
            if (!reachable) {
                LOG.errorf("state store 'kubernetes' is required but the API server did not answer; requests will fail with 503 until it does");
            }
            KubernetesStateStore kube = new KubernetesStateStore(client, config.state().namespace(), config.state().globalName(), clock)
                    .start(config.state().syncTimeout());
            store = kube;
            // Secret contents are hashed under a key of their own, derived from the records' seal key.
            kube.derivedKey("config-history secret hashes").ifPresentOrElse(io.autonova.remediator.cluster.ConfigHistory::keySecretHashes,
                    () -> LOG.error("the seal key is not readable: configuration history of Secrets is off (restart once it is)"));
            KubernetesEventRecorder recorder = new KubernetesEventRecorder(client, config.state().namespace(), identity, clock, kube.writes());
            events = recorder;
            background = io.autonova.remediator.config.DaemonThreads.scheduler("event-series");
            long every = 30_000;
            background.scheduleWithFixedDelay(recorder::flushSeries, every, every, TimeUnit.MILLISECONDS);
            dryRun = config.dryRun();
            // Every call a step makes is checked against the guard again, whatever a record says its target is.
            ClusterActions real = new io.autonova.remediator.cluster.GuardedClusterActions(new FabricClusterActions(client), guard,
                    config.argocd().namespace(), config.configHistory().secretNamespaces().orElse(java.util.Set.of()));
            // A dry-run replica's walks keep their writes in views of their own; this one catches any other path.
            cluster = dryRun ? new DryRunClusterActions(real) : real;
            changes = ChangeWatch.start(client, guard.allowed(), store, clock, config.state().syncTimeout());
            ChangeWatch watched = changes;
            recorder.deploymentUids((ns, name) -> watched.deployment(ns, name).map(d -> d.getMetadata().getUid()));
            LOG.infof("state store: Kubernetes (records, leases, pauses and policy state in namespace %s, API server %s); replica %s; dry-run: %s",
                    config.state().namespace(), client.getMasterUrl(), identity, dryRun);
        } else {
            store = new InMemoryStateStore(clock);
            events = EventRecorder.NONE;
            background = null;
            dryRun = true;
            cluster = null;
            changes = ChangeWatch.none();
            LOG.warnf("no reachable Kubernetes cluster (state store mode %s): running in DRY-RUN with an IN-PROCESS store. "
                    + "Decisions and the steps they would take are recorded in memory and lost on restart; nothing is changed anywhere.",
                    mode.name().toLowerCase());
        }
    }

    private static boolean probe(KubernetesClient client, RemediatorConfig config) {
        try {
            CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
                client.configMaps().inNamespace(config.state().namespace()).withName(config.state().globalName()).get();
                return Boolean.TRUE;
            });
            f.get(config.state().probeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            LOG.warnf("Kubernetes API server did not answer the start-up probe: %s", e.toString());
            return false;
        }
    }

    /** In a pod, with a kubeconfig, or with an explicit API server URL; otherwise there is nothing to probe. */
    private static boolean clusterConfigured() {
        if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
            return true;
        }
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        // Quarkus' own setting, or fabric8's kubernetes.master (system property, config or KUBERNETES_MASTER).
        if (config.getOptionalValue("quarkus.kubernetes-client.api-server-url", String.class).isPresent()
                || config.getOptionalValue("kubernetes.master", String.class).isPresent()
                || System.getProperty("kubernetes.master") != null || System.getenv("KUBERNETES_MASTER") != null) {
            return true;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        java.nio.file.Path path = kubeconfig != null && !kubeconfig.isBlank()
                ? java.nio.file.Path.of(kubeconfig.split(java.io.File.pathSeparator)[0])
                : java.nio.file.Path.of(System.getProperty("user.home"), ".kube", "config");
        return java.nio.file.Files.isRegularFile(path);
    }

    /** A replica assembled by hand: a second replica in one JVM for tests, or tools. */
    public ServiceRuntime(StateStore store, ClusterActions cluster, EventRecorder events, String identity, boolean dryRun) {
        this(store, cluster, events, identity, dryRun, null);
    }

    /** As above, acting only in {@code allowedNamespaces} (null: every namespace). */
    public ServiceRuntime(StateStore store, ClusterActions cluster, EventRecorder events, String identity, boolean dryRun,
                          java.util.Set<String> allowedNamespaces) {
        this(store, cluster, events, identity, dryRun, allowedNamespaces, ChangeWatch.none());
    }

    /** As above, with the change timeline of a cluster (a second replica that gates its rollbacks as the first does). */
    public ServiceRuntime(StateStore store, ClusterActions cluster, EventRecorder events, String identity, boolean dryRun,
                          java.util.Set<String> allowedNamespaces, ChangeWatch changes) {
        this.changes = changes;
        this.guard = new io.autonova.remediator.domain.NamespaceGuard("autonova-system", "argocd", java.util.Set.of(), allowedNamespaces);
        this.store = store;
        this.cluster = cluster == null ? null : new io.autonova.remediator.cluster.GuardedClusterActions(cluster, guard, "argocd", null);
        this.events = events;
        this.identity = identity;
        this.dryRun = dryRun;
        this.background = null;
        this.client = null;
    }

    private static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.net.UnknownHostException e) {
                h = "replica";
            }
        }
        return h + "-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffL);
    }

    /** This replica's name in Leases and records (host name plus a random suffix: a restarted pod is a new holder). */
    public String identity() {
        return identity;
    }

    public EventRecorder events() {
        return events;
    }

    @jakarta.annotation.PreDestroy
    void close() {
        if (background != null) {
            background.shutdownNow();
        }
        if (events instanceof KubernetesEventRecorder k) {
            k.flushSeries();
            k.stop();
        }
        if (store instanceof KubernetesStateStore k) {
            k.stop();
        }
        changes.stop();
    }

    /** What changed about each target, from watch caches (nothing to watch without a cluster). */
    public ChangeWatch changes() {
        return changes;
    }

    public StateStore store() {
        return store;
    }

    /** True when actions are recorded, not carried out. */
    public boolean dryRun() {
        return dryRun;
    }

    /** Where this service may act: protected namespaces, the deny list, the allow list. */
    public io.autonova.remediator.domain.NamespaceGuard guard() {
        return guard;
    }

    /** True when this service may act in the namespace. */
    public boolean mayActIn(String namespace) {
        return guard.check(namespace) == io.autonova.remediator.domain.NamespaceGuard.Verdict.ALLOWED;
    }

    /** The namespaces it may act in, or empty for every namespace not refused. */
    public java.util.Optional<java.util.Set<String>> allowedNamespaces() {
        return guard.allowed();
    }

    /** The client, for watches outside the state store (configuration history); empty without a cluster. */
    public java.util.Optional<KubernetesClient> client() {
        return java.util.Optional.ofNullable(client);
    }

    /** Cluster access for scenarios (a dry-run wrapper when dry-run is on); null without a cluster. */
    public ClusterActions cluster() {
        return cluster;
    }
}
