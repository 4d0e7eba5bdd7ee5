package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.cluster.ClusterActions;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.autonova.remediator.scenarios.ImmediateRollback;
import io.autonova.remediator.scenarios.RolloutUndo;
import io.autonova.remediator.scenarios.SelectiveRollback;
import io.autonova.remediator.state.EventRecorder;
import io.autonova.remediator.state.InMemoryStateStore;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import io.autonova.remediator.state.Versioned;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Two engines ("replicas") over one state store and one mock API server, an injected clock, and the
 * controllers played synchronously between reconciles: the Deployment controller (generation bumped by a
 * template change, the revision renumbered, status caught up when {@link #lagging} allows) and Argo CD
 * (a sync operation ends Succeeded). A replica "dies" when its adapter throws an {@link Error} after a write.
 */
final class EngineHarness {

    static final ResourceDefinitionContext APPLICATION = new ResourceDefinitionContext.Builder()
            .withGroup("argoproj.io").withVersion("v1alpha1").withKind("Application").withPlural("applications").withNamespaced(true).build();
    static final Duration LEASE = Duration.ofSeconds(15);

    /** Thrown by a crashing adapter: nothing after it reaches the server, as if the process was killed. */
    static final class Died extends Error {
        Died() {
            super("replica killed (test)");
        }
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-11-26T03:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    final KubernetesClient client;
    final MutableClock clock = new MutableClock();
    final InMemoryStateStore store = new InMemoryStateStore();
    final AtomicInteger clusterWrites = new AtomicInteger();
    final AtomicInteger deploymentPatches = new AtomicInteger();
    final Map<String, String> seenTemplates = new HashMap<>();
    /** While true, the played Deployment controller bumps generations but does not catch the status up. */
    boolean lagging;
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    EngineHarness(KubernetesClient client) {
        this.client = client;
    }

    String namespace() {
        String ns = "eng-" + NAMESPACES.incrementAndGet();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        return ns;
    }

    void deploy(String ns, String name, int revisions, Map<String, String> labels) {
        Deployment created = ClusterFixtures.install(client, ns, name, revisions, labels, Map.of()).deployment();
        seenTemplates.put(ns + "/" + name, RolloutUndo.templateHash(created.getSpec().getTemplate()));
    }

    void argoApp(String ns, String app, String deployment, int history) {
        client.genericKubernetesResources(APPLICATION).inNamespace("argocd")
                .resource(ClusterFixtures.argoApplication("argocd", app, ns, deployment, history, true)).create();
    }

    Deployment deployment(String ns, String name) {
        return client.apps().deployments().inNamespace(ns).withName(name).get();
    }

    String image(String ns, String name) {
        return deployment(ns, name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    Map<?, ?> app(String name) {
        return client.genericKubernetesResources(APPLICATION).inNamespace("argocd").withName(name).get().getAdditionalProperties();
    }

    /** A record as the pipeline leaves it after admitting an action: PENDING, the target in flight. */
    String admit(String ns, String deployment, String scenario, String argoApp) {
        RemediationRecord r = new RemediationRecord();
        r.name = scenario + "-" + ns + "-1";
        r.createdAt = clock.instant();
        r.spec.rule = "test-rule";
        r.spec.episode = 1;
        r.spec.scenario = scenario;
        r.spec.target.namespace = ns;
        r.spec.target.deployment = deployment;
        r.spec.target.argoApplication = argoApp;
        r.status.phase = Phase.PENDING;
        store.create(r);
        String key = ns + "/" + deployment;
        Versioned<GlobalState> g = store.global();
        store.replaceGlobal(g, g.value().withAdmission(new GlobalState.Admission(key, "test-rule", clock.instant(), r.name, false), true, Duration.ofHours(1)));
        var t = store.target(key);
        store.replaceTarget(t, t.value().withState(t.value().state().withAction(new TargetState.Action(r.name, "test-rule", clock.instant(), false),
                Duration.ofHours(1), Duration.ofHours(24))));
        return r.name;
    }

    /** A replica; {@code crashAfterStoreWrite}/{@code crashAfterClusterWrite} kill it after that many writes (0: never). */
    Reconciler replica(String id, int crashAfterStoreWrite, int crashAfterClusterWrite) {
        return new Reconciler(crashing(store, crashAfterStoreWrite), crashing(new FabricClusterActions(client), crashAfterClusterWrite),
                List.of(new ImmediateRollback(), new SelectiveRollback()), EventRecorder.NONE, clock,
                new Reconciler.Settings(id, LEASE, Duration.ofSeconds(2), Duration.ofMinutes(5), "argocd"), new Reconciler.Outcomes() {
                    @Override
                    public void finished(RemediationRecord record, Phase outcome) {
                    }

                    @Override
                    public void step(String scenario, String step, String outcome, Duration took) {
                    }
                });
    }

    private static final Set<String> STORE_WRITES = Set.of("create", "update", "replaceTarget", "replaceGlobal", "delete");
    private static final Set<String> CLUSTER_WRITES = Set.of("patchDeployment", "mergePatchArgoApplication", "createDeployment",
            "deleteDeployment", "patchService", "createJob", "createConfigMap", "patchConfigMap", "deleteConfigMap", "createSecret", "patchSecret",
            "deleteSecret", "mergePatchExternalSecret");

    @SuppressWarnings("unchecked")
    private <T> T crashing(T delegate, int after) {
        Class<?> type = delegate instanceof StateStore ? StateStore.class : ClusterActions.class;
        Set<String> writes = delegate instanceof StateStore ? STORE_WRITES : CLUSTER_WRITES;
        AtomicInteger count = new AtomicInteger();
        return (T) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{type}, (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (writes.contains(method.getName())) {
                if (type == ClusterActions.class) {
                    clusterWrites.incrementAndGet();
                    if (method.getName().equals("patchDeployment")) {
                        deploymentPatches.incrementAndGet();
                    }
                }
                if (after > 0 && count.incrementAndGet() == after) {
                    throw new Died();
                }
            }
            return result;
        });
    }

    /** Plays the controllers once: what Kubernetes and Argo CD would have done since the last look. */
    void playControllers() {
        for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
            String key = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
            String hash = RolloutUndo.templateHash(d.getSpec().getTemplate());
            if (!hash.equals(seenTemplates.put(key, hash))) {
                List<ReplicaSet> sets = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).list().getItems();
                long max = sets.stream().mapToLong(rs -> RolloutUndo.revision(rs.getMetadata().getAnnotations())).max().orElse(0);
                for (ReplicaSet rs : sets) {
                    if (RolloutUndo.templateHash(rs.getSpec().getTemplate()).equals(hash)) {
                        Map<String, String> ann = new LinkedHashMap<>(rs.getMetadata().getAnnotations());
                        ann.put(RolloutUndo.REVISION_ANNOTATION, String.valueOf(max + 1));
                        rs.getMetadata().setAnnotations(ann);
                        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(rs).update();
                    }
                }
                d.getMetadata().setGeneration(d.getMetadata().getGeneration() + 1);
                Map<String, String> ann = new LinkedHashMap<>(d.getMetadata().getAnnotations());
                ann.put(RolloutUndo.REVISION_ANNOTATION, String.valueOf(max + 1));
                d.getMetadata().setAnnotations(ann);
                d.getMetadata().setResourceVersion(null);
                d = client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).update();
            }
            if (!lagging && d.getStatus().getObservedGeneration() < d.getMetadata().getGeneration()) {
                d.getStatus().setObservedGeneration(d.getMetadata().getGeneration());
                client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
            }
        }
        for (GenericKubernetesResource app : client.genericKubernetesResources(APPLICATION).inNamespace("argocd").list().getItems()) {
            Object op = app.getAdditionalProperties().remove("operation");
            if (op instanceof Map<?, ?> operation) {
                Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) app.getAdditionalProperties().get("status"));
                status.put("operationState", Map.of("phase", "Succeeded", "message", "successfully synced", "operation", operation));
                app.getAdditionalProperties().put("status", status);
                client.genericKubernetesResources(APPLICATION).inNamespace("argocd").resource(app).update();
            }
        }
    }

    /** Runs one replica until the record ends, it dies, or {@code limit} reconciles; returns "died", "done" or "stopped". */
    String drive(Reconciler replica, String name, int limit) {
        for (int i = 0; i < limit; i++) {
            Instant next;
            try {
                next = replica.reconcile(name);
            } catch (Died e) {
                return "died";
            }
            playControllers();
            if (record(name).status.phase.finished()) {
                return "done";
            }
            if (next != null && next.isAfter(clock.now)) {
                clock.now = next;
            }
        }
        return "stopped";
    }

    RemediationRecord record(String name) {
        return store.record(name).orElseThrow();
    }
}
