package io.autonova.remediator.runtime;

import io.autonova.remediator.cluster.ArgoTracking;
import io.autonova.remediator.cluster.ConfigHistory;
import io.autonova.remediator.cluster.ReleaseCache;
import io.autonova.remediator.cluster.ReleaseHistory;
import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.policy.ChangeGate;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The change timeline of every target, from watch caches: Deployments and ReplicaSets (and the release's migration
 * Jobs) in the namespaces the service may act in, the configuration history this service keeps, replica changes seen
 * by the watch, and this service's own runs. Reading a timeline never calls the API server, so the gate costs the
 * webhook nothing but a few map lookups.
 */
public final class ChangeWatch {

    private static final Logger LOG = Logger.getLogger(ChangeWatch.class);
    private static final String BY_OWNER = "owner";
    /** Replica changes kept per target (in memory: a restart forgets them, nothing decides on them). */
    static final int MAX_SCALES = 20;

    private final KubernetesClient client;
    private final Optional<Set<String>> namespaces;
    private final StateStore store;
    private final Clock clock;
    private final List<SharedIndexInformer<Deployment>> deployments = new ArrayList<>();
    private final List<SharedIndexInformer<ReplicaSet>> replicaSets = new ArrayList<>();
    private final List<SharedIndexInformer<Job>> jobs = new ArrayList<>();
    private final Map<String, Deque<Change>> scales = new ConcurrentHashMap<>();
    private final Map<String, List<ConfigHistory.Version>> configVersions = new ConcurrentHashMap<>();
    private final ReleaseCache releases = new ReleaseCache();
    private volatile boolean configHistoryKept;
    private volatile boolean jobsWatched = true;
    /** Timelines given rather than watched (rule tests, offline): target key to timeline. */
    private final java.util.function.Function<String, ChangeTimeline> given;

    private ChangeWatch(KubernetesClient client, Optional<Set<String>> namespaces, StateStore store, Clock clock,
                        java.util.function.Function<String, ChangeTimeline> given) {
        this.client = client;
        this.namespaces = namespaces;
        this.store = store;
        this.clock = clock;
        this.given = given;
    }

    /** Without a cluster there is nothing to watch: the gate is not evaluated (only dry-runs happen then). */
    public static ChangeWatch none() {
        return new ChangeWatch(null, Optional.empty(), null, Clock.systemUTC(), null);
    }

    /** Timelines given by the caller, by target key ({@code ns/deployment}): what a rule test says changed. */
    public static ChangeWatch given(java.util.function.Function<String, ChangeTimeline> timelines) {
        return new ChangeWatch(null, Optional.empty(), null, Clock.systemUTC(), timelines);
    }

    /** Watches in {@code namespaces} (empty: every namespace) and waits up to {@code timeout} for the caches. */
    public static ChangeWatch start(KubernetesClient client, Optional<Set<String>> namespaces, StateStore store, Clock clock, Duration timeout) {
        ChangeWatch w = new ChangeWatch(client, namespaces, store, clock, null);
        w.startInformers(timeout);
        return w;
    }

    private void startInformers(Duration timeout) {
        List<String> where = namespaces.map(s -> List.copyOf(s)).orElse(List.of());
        for (String ns : where.isEmpty() ? java.util.Collections.<String>singletonList(null) : where) {
            deployments.add(informer(ns == null ? client.apps().deployments().inAnyNamespace() : client.apps().deployments().inNamespace(ns),
                    this::onDeploymentUpdate, releases::forget));
            SharedIndexInformer<ReplicaSet> rs = informer(ns == null ? client.apps().replicaSets().inAnyNamespace()
                    : client.apps().replicaSets().inNamespace(ns), null, null);
            replicaSets.add(rs);
            rs.addIndexers(Map.of(BY_OWNER, ChangeWatch::owners));
            // Only the release's migration Jobs (labelled): never every Job of the namespace.
            for (String label : List.of(ReleaseHistory.MIGRATION_FOR, ReleaseHistory.MIGRATION_UNDO_FOR)) {
                SharedIndexInformer<Job> j = (ns == null ? client.batch().v1().jobs().inAnyNamespace().withLabel(label)
                        : client.batch().v1().jobs().inNamespace(ns).withLabel(label)).runnableInformer(0);
                j.exceptionHandler((started, t) -> {
                    // Without the right to watch Jobs there (the migration role is bound only where undo may run): said once, not retried.
                    if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && (k.getCode() == 403 || k.getCode() == 401)) {
                        if (jobsWatched) {
                            LOG.warnf("migration Jobs are not watched%s: %s (the change timeline will not show migrations there)",
                                    ns == null ? "" : " in " + ns, k.getMessage());
                        }
                        jobsWatched = false;
                        return false;
                    }
                    return true;
                });
                jobs.add(j);
            }
        }
        List<SharedIndexInformer<?>> required = new ArrayList<>(deployments);
        required.addAll(replicaSets);
        required.forEach(SharedIndexInformer::start);
        jobs.forEach(SharedIndexInformer::start);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (SharedIndexInformer<?> i : required) {
            try {
                i.start().toCompletableFuture().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                LOG.warnf("the change timeline's caches are not filled yet (%s); decisions that need them wait", e.toString());
                break;
            }
        }
    }

    private static <T extends HasMetadata> SharedIndexInformer<T> informer(io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable<T, ?, ?> op,
                                                                          java.util.function.BiConsumer<T, T> onUpdate,
                                                                          java.util.function.Consumer<T> onDelete) {
        SharedIndexInformer<T> i = op.runnableInformer(0);
        if (onUpdate != null) {
            i.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(T obj) {
                }

                @Override
                public void onUpdate(T oldObj, T newObj) {
                    onUpdate.accept(oldObj, newObj);
                }

                @Override
                public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                    if (onDelete != null) {
                        onDelete.accept(obj);
                    }
                }
            });
        }
        return i;
    }

    private static List<String> owners(ReplicaSet rs) {
        return rs.getMetadata().getOwnerReferences() == null ? List.of()
                : rs.getMetadata().getOwnerReferences().stream().map(io.fabric8.kubernetes.api.model.OwnerReference::getUid).filter(Objects::nonNull).toList();
    }

    /** A replica count that moved: a person scaled it, or an autoscaler did. */
    private void onDeploymentUpdate(Deployment before, Deployment after) {
        Integer b = before.getSpec().getReplicas();
        Integer a = after.getSpec().getReplicas();
        if (Objects.equals(a, b)) {
            return;
        }
        String key = after.getMetadata().getNamespace() + "/" + after.getMetadata().getName();
        Deque<Change> d = scales.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(new Change(Change.Kind.SCALE, clock.instant(), true, "Deployment " + key, b + " replicas", a + " replicas", null, null,
                    List.of(), null));
            while (d.size() > MAX_SCALES) {
                d.removeFirst();
            }
        }
    }

    /** Whether there is a cluster to build timelines from. */
    public boolean available() {
        return client != null || given != null;
    }

    /** Throws while the caches are not filled: a decision taken on an empty cache would refuse for "no change" wrongly. */
    public void checkReady() {
        if (client == null) {
            return;
        }
        if (!deployments.stream().allMatch(SharedIndexInformer::hasSynced) || !replicaSets.stream().allMatch(SharedIndexInformer::hasSynced)) {
            throw new StateStore.StoreUnavailableException("the change timeline's caches (Deployments, ReplicaSets) are not filled yet", null);
        }
    }

    /** The configuration history of one object, newest first (from the configuration history watcher). */
    public void configVersions(String namespace, String kind, String name, List<ConfigHistory.Version> versions) {
        configVersions.put(namespace + "/" + kind + "/" + name, List.copyOf(versions));
    }

    /** Whether configuration history is kept at all (off: configuration changes are unknown, not absent). */
    public void configHistoryKept(boolean kept) {
        configHistoryKept = kept;
    }

    public Optional<Deployment> deployment(String namespace, String name) {
        String key = namespace + "/" + name;
        for (SharedIndexInformer<Deployment> i : deployments) {
            Deployment d = i.getStore().getByKey(key);
            if (d != null) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * The Deployment and its ReplicaSets come through two watches: the one may bring a new revision a moment before the
     * other brings its ReplicaSet. Waits that moment (at most {@link #CATCH_UP}) rather than read a rollout of unknown time.
     */
    private void awaitRevisionSeen(Deployment d) {
        long current = ReleaseHistory.revision(d.getMetadata().getAnnotations());
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (current > 0 && replicaSetsOf(d).stream().noneMatch(rs -> ReleaseHistory.revision(rs.getMetadata().getAnnotations()) == current)) {
            if (System.nanoTime() > deadline) {
                return; // still not seen: the timeline says the rollout's time is unknown, and the gate refuses
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** How long a timeline waits for the ReplicaSet watch to catch up with the Deployment's. */
    static final Duration CATCH_UP = Duration.ofSeconds(1);

    private List<ReplicaSet> replicaSetsOf(Deployment d) {
        List<ReplicaSet> out = new ArrayList<>();
        for (SharedIndexInformer<ReplicaSet> i : replicaSets) {
            out.addAll(i.getIndexer().byIndex(BY_OWNER, d.getMetadata().getUid()));
        }
        return out;
    }

    private List<Job> jobsIn(String namespace) {
        List<Job> out = new ArrayList<>();
        for (SharedIndexInformer<Job> i : jobs) {
            out.addAll(i.getIndexer().byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, namespace));
        }
        return out;
    }

    /** The target's timeline, from the caches. */
    public ChangeTimeline timeline(String namespace, String name) {
        String key = namespace + "/" + name;
        if (given != null) {
            return given.apply(key);
        }
        if (client == null) {
            return ChangeTimeline.missing(key, "no Kubernetes API: the change timeline is unknown");
        }
        Optional<Deployment> found = deployment(namespace, name);
        if (found.isEmpty()) {
            return ChangeTimeline.missing(key, "deployment " + key + " does not exist (or is not in a namespace this service watches)");
        }
        Deployment d = found.get();
        Map<String, List<ConfigHistory.Version>> config = new java.util.HashMap<>();
        for (String ref : ReleaseHistory.configReferences(d.getSpec().getTemplate().getSpec())) {
            List<ConfigHistory.Version> v = configVersions.get(namespace + "/" + ref);
            if (v != null) {
                config.put(ref, v);
            }
        }
        List<Change> scaled;
        Deque<Change> s = scales.get(key);
        if (s == null) {
            scaled = List.of();
        } else {
            synchronized (s) {
                scaled = List.copyOf(s);
            }
        }
        awaitRevisionSeen(d);
        List<ReplicaSet> rs = replicaSetsOf(d);
        ChangeTimeline t = ReleaseHistory.build(new ReleaseHistory.Inputs(d, rs, config, configHistoryKept, jobsIn(namespace),
                runs(key), scaled, releaseGroup(d)), releases.releases(d, rs), clock.instant());
        if (!jobsWatched) {
            List<String> gaps = new ArrayList<>(t.gaps());
            gaps.add("migration Jobs are not watched (no list/watch right on jobs)");
            t = new ChangeTimeline(t.target(), t.found(), t.changes(), gaps, t.reads(), t.releaseGroup(), t.migrationUndo());
        }
        return t;
    }

    /**
     * Builds the releases of the watched Deployments before the first alert asks for them (the start-up warm-up), until
     * {@code deadline} ({@link System#nanoTime}); how many. Reads the caches only.
     */
    public int prime(long deadline) {
        int n = 0;
        for (SharedIndexInformer<Deployment> i : deployments) {
            for (Deployment d : i.getStore().list()) {
                if (System.nanoTime() > deadline) {
                    return n;
                }
                releases.releases(d, replicaSetsOf(d));
                n++;
            }
        }
        return n;
    }

    /** This service's runs on the target that acted (not dry-runs): from its records, which outlive the policy's windows. */
    private List<ReleaseHistory.Run> runs(String key) {
        List<ReleaseHistory.Run> out = new ArrayList<>();
        for (RemediationRecord r : store.recordsOf(key)) {
            if (!r.spec.dryRun && r.status.startedAt != null) {
                out.add(new ReleaseHistory.Run(r.name, r.status.startedAt, r.status.finishedAt));
            }
        }
        return out;
    }

    /**
     * Other Deployments of the same Argo CD application whose newest release came within minutes of this one's: one
     * change (a Git commit, a sync) that released several services.
     */
    private List<String> releaseGroup(Deployment d) {
        Optional<String> app = ArgoTracking.trackedApplication(d);
        Instant mine = newestRelease(d);
        if (app.isEmpty() || mine == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (SharedIndexInformer<Deployment> i : deployments) {
            for (Deployment other : i.getIndexer().byIndex(io.fabric8.kubernetes.client.informers.cache.Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace())) {
                if (other.getMetadata().getName().equals(d.getMetadata().getName()) || !app.equals(ArgoTracking.trackedApplication(other))) {
                    continue;
                }
                Instant theirs = newestRelease(other);
                if (theirs != null && Duration.between(theirs, mine).abs().compareTo(ChangeGate.TOGETHER) <= 0) {
                    out.add(other.getMetadata().getName());
                }
            }
        }
        return out;
    }

    private Instant newestRelease(Deployment d) {
        long current = ReleaseHistory.revision(d.getMetadata().getAnnotations());
        return replicaSetsOf(d).stream().filter(rs -> ReleaseHistory.revision(rs.getMetadata().getAnnotations()) == current)
                .map(ReleaseHistory::created).filter(Objects::nonNull).findFirst().orElse(null);
    }

    public void stop() {
        deployments.forEach(SharedIndexInformer::stop);
        replicaSets.forEach(SharedIndexInformer::stop);
        jobs.forEach(SharedIndexInformer::stop);
    }

}
