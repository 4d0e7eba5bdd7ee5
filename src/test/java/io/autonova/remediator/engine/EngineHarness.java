package io.autonova.remediator.engine;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.policy.GlobalState;
import io.autonova.remediator.policy.TargetState;
import io.autonova.remediator.cluster.ClusterActions;
import io.autonova.remediator.cluster.FabricClusterActions;
import io.autonova.remediator.scenarios.RolloutUndo;
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
import java.util.ArrayList;
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

    static class MutableClock extends Clock {
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
    final InMemoryStateStore store = new InMemoryStateStore(clock);
    final AtomicInteger clusterWrites = new AtomicInteger();
    final AtomicInteger deploymentPatches = new AtomicInteger();
    final Map<String, String> seenTemplates = new HashMap<>();
    /** While true, the played Deployment controller bumps generations but does not catch the status up. */
    boolean lagging;
    /** Prometheus for the verify-signal step; null: not configured. */
    io.autonova.remediator.peers.PrometheusClient prometheus;
    io.autonova.remediator.peers.GitOps gitops;
    /** GitOps write-back's peers when {@link #gitops(java.nio.file.Path)} was called: a real repository and a local GitHub over it. */
    io.autonova.remediator.fixtures.GitRepo git;
    io.autonova.remediator.fixtures.GitProviderServer provider;
    private java.nio.file.Path gitDir;
    /** While true, the played reviewer merges every open pull request at once. */
    boolean mergeRequests = true;
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    EngineHarness(KubernetesClient client) {
        this.client = client;
    }

    /** The namespace the played controllers look at: the newest one (each run gets its own; listing all of them grows with every run). */
    String current = "default";

    String namespace() {
        String ns = "eng-" + NAMESPACES.incrementAndGet();
        current = ns;
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        return ns;
    }

    void deploy(String ns, String name, int revisions, Map<String, String> labels) {
        Deployment created = ClusterFixtures.install(client, ns, name, revisions, labels, Map.of()).deployment();
        seenTemplates.put(ns + "/" + name, RolloutUndo.templateHash(created.getSpec().getTemplate()));
    }

    void deploy(String ns, String name, int revisions, java.util.function.Consumer<io.fabric8.kubernetes.api.model.PodSpec> everyRevision) {
        Deployment created = ClusterFixtures.install(client, ns, name, revisions, Map.of(), Map.of(), everyRevision).deployment();
        seenTemplates.put(ns + "/" + name, RolloutUndo.templateHash(created.getSpec().getTemplate()));
    }

    /**
     * Git write-back on: a real repository (file://), a local GitHub API over it whose open pull requests the played
     * reviewer merges at once, and each replica with a mirror of its own (as separate pods would have).
     */
    void gitops(java.nio.file.Path dir) throws java.io.IOException {
        gitDir = dir;
        git = io.autonova.remediator.fixtures.GitRepo.create(dir.resolve("repo"), "deploys.git");
        git.commit("start", Map.of("README.md", "deploys\n"));
        provider = new io.autonova.remediator.fixtures.GitProviderServer(io.autonova.remediator.fixtures.GitProviderServer.Kind.GITHUB, git,
                io.autonova.remediator.peers.PullRequests.repositoryPath(git.url()), "token");
        java.nio.file.Files.writeString(dir.resolve("token"), "token");
        gitops = gitopsFor("shared");
    }

    private io.autonova.remediator.peers.GitOps gitopsFor(String replica) {
        java.nio.file.Path token = gitDir.resolve("token");
        return new io.autonova.remediator.peers.GitOps(List.of(git.url()),
                new io.autonova.remediator.peers.GitRemote(gitDir.resolve("mirror-" + replica), token, "x-access-token", "autonova-remediator", "bot@example.com"),
                new io.autonova.remediator.peers.PullRequests(io.autonova.remediator.peers.PullRequests.Provider.GITHUB, provider.api(), token,
                        new io.autonova.remediator.peers.HttpPeer(Duration.ofSeconds(5))), Duration.ofSeconds(1));
    }

    /**
     * An Application synced from the repository: the good commit (the Deployment's revision 2) and then the bad one
     * (revision 3) under {@code apps/<ns>}, both in its history, automated sync on. Returns {good, bad}.
     */
    @SuppressWarnings("unchecked")
    String[] argoAppFromGit(String ns, String app, String deployment) throws java.io.IOException {
        String path = "apps/" + ns;
        String good = git.commit(ns + " good", Map.of(path + "/deployment.yaml", "image: " + ClusterFixtures.image(deployment, 2) + "\n"));
        String bad = git.commit(ns + " bad", Map.of(path + "/deployment.yaml", "image: " + ClusterFixtures.image(deployment, 3) + "\n"));
        GenericKubernetesResource a = ClusterFixtures.argoApplication("argocd", app, ns, deployment, 2, true);
        Map<String, Object> source = Map.of("repoURL", git.url(), "path", path, "targetRevision", "main");
        ((Map<String, Object>) a.getAdditionalProperties().get("spec")).put("source", source);
        Map<String, Object> status = (Map<String, Object>) a.getAdditionalProperties().get("status");
        status.put("history", List.of(Map.of("id", 1, "revision", good, "source", source), Map.of("id", 2, "revision", bad, "source", source)));
        status.put("sync", Map.of("status", "Synced", "revision", bad));
        client.genericKubernetesResources(APPLICATION).inNamespace("argocd").resource(a).create();
        return new String[]{good, bad};
    }

    /** Argo CD's answer to a refresh: the tracked branch resolved again, compared with what it last deployed. */
    @SuppressWarnings("unchecked")
    private void playRefresh(GenericKubernetesResource app) throws java.io.IOException {
        Map<String, Object> spec = (Map<String, Object>) app.getAdditionalProperties().get("spec");
        Map<String, Object> source = (Map<String, Object>) spec.get("source");
        Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) app.getAdditionalProperties().get("status"));
        String deployed = io.autonova.remediator.scenarios.ArgoCd.operationRevision(app.getAdditionalProperties());
        if (deployed == null) {
            List<io.autonova.remediator.scenarios.ArgoCd.HistoryEntry> h = io.autonova.remediator.scenarios.ArgoCd.history(app.getAdditionalProperties());
            deployed = h.get(h.size() - 1).revision();
        }
        String head = git.originRef("refs/heads/main");
        String path = (String) source.get("path");
        boolean same = io.autonova.remediator.fixtures.GitRepo.git(git.origin, "rev-parse", head + ":" + path)
                .equals(io.autonova.remediator.fixtures.GitRepo.git(git.origin, "rev-parse", deployed + ":" + path));
        status.put("sync", Map.of("status", same ? "Synced" : "OutOfSync", "revision", head));
        app.getAdditionalProperties().put("status", status);
        app.getMetadata().getAnnotations().remove("argocd.argoproj.io/refresh");
        client.genericKubernetesResources(APPLICATION).inNamespace("argocd").resource(app).update();
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
        return admit(ns, deployment, scenario, argoApp, Map.of());
    }

    String admit(String ns, String deployment, String scenario, String argoApp, Map<String, String> parameters) {
        return admit(ns, deployment, scenario, argoApp, parameters, 1);
    }

    String admit(String ns, String deployment, String scenario, String argoApp, Map<String, String> parameters, int episode) {
        RemediationRecord r = new RemediationRecord();
        r.spec.parameters.putAll(parameters);
        r.name = scenario + "-" + ns + "-" + episode;
        r.createdAt = clock.instant();
        r.spec.rule = "test-rule";
        r.spec.episode = episode;
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

    /** A replica in dry-run: reads go to the cluster, writes are described (counted if any reached it). */
    Reconciler dryRunReplica(String id) {
        return replica(id, 0, 0, true);
    }

    /** A replica; {@code crashAfterStoreWrite}/{@code crashAfterClusterWrite} kill it after that many writes (0: never). */
    Reconciler replica(String id, int crashAfterStoreWrite, int crashAfterClusterWrite) {
        return replica(id, crashAfterStoreWrite, crashAfterClusterWrite, false);
    }

    /** Calls of {@link #failingReplica}'s {@code method}, failed or not. */
    final AtomicInteger failingCalls = new AtomicInteger();

    /** A replica whose cluster answers the first {@code times} calls of {@code method} with HTTP {@code status}. */
    Reconciler failingReplica(String id, String method, int status, int times) {
        ClusterActions real = crashing(new FabricClusterActions(client), 0);
        ClusterActions failing = (ClusterActions) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{ClusterActions.class},
                (proxy, m, args) -> {
                    if (m.getName().equals(method) && failingCalls.incrementAndGet() <= times) {
                        throw new io.fabric8.kubernetes.client.KubernetesClientException(new io.fabric8.kubernetes.api.model.StatusBuilder()
                                .withCode(status).withMessage("played answer " + status).build());
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return replica(id, 0, failing);
    }

    /** A replica whose cluster calls pass the namespace guard, as the service's do. */
    Reconciler guardedReplica(String id, io.autonova.remediator.domain.NamespaceGuard guard) {
        return replica(id, 0, new io.autonova.remediator.cluster.GuardedClusterActions(crashing(new FabricClusterActions(client), 0), guard, "argocd", null));
    }

    private Reconciler replica(String id, int crashAfterStoreWrite, int crashAfterClusterWrite, boolean dryRun) {
        ClusterActions real = crashing(new FabricClusterActions(client), crashAfterClusterWrite);
        return replica(id, crashAfterStoreWrite, dryRun ? new io.autonova.remediator.cluster.DryRunClusterActions(real) : real);
    }

    private Reconciler replica(String id, int crashAfterStoreWrite, ClusterActions cluster) {
        return replica(id, crashing(store, crashAfterStoreWrite), cluster, clock);
    }

    /** A replica with this Git write-back (null: not configured), whatever {@link #gitops(java.nio.file.Path)} set up. */
    Reconciler replicaWithGitOps(String id, io.autonova.remediator.peers.GitOps with) {
        return new Reconciler(store, crashing(new FabricClusterActions(client), 0), ScenarioPlan.all(), EventRecorder.NONE, clock,
                new Reconciler.Settings(id, LEASE, Duration.ofSeconds(2), Duration.ofMinutes(5), "argocd", prometheus, List.of(), with),
                new Reconciler.Outcomes() {
                    @Override
                    public void finished(RemediationRecord record, Phase outcome) {
                    }

                    @Override
                    public void step(String scenario, String step, String outcome, Duration took) {
                    }
                });
    }

    /** A replica with its own view of the store (e.g. a stale cache) and its own clock (e.g. skewed). */
    Reconciler replica(String id, StateStore view, Clock replicaClock) {
        return replica(id, view, crashing(new FabricClusterActions(client), 0), replicaClock);
    }

    private Reconciler replica(String id, StateStore view, ClusterActions cluster, Clock replicaClock) {
        return new Reconciler(view, cluster,
                ScenarioPlan.all(), EventRecorder.NONE, replicaClock,
                new Reconciler.Settings(id, LEASE, Duration.ofSeconds(2), Duration.ofMinutes(5), "argocd", prometheus, List.of(),
                        gitDir == null ? gitops : gitopsFor(id)), new Reconciler.Outcomes() {
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
            "deleteDeployment", "patchService", "createJob", "deleteJob", "createConfigMap", "patchConfigMap", "deleteConfigMap", "createSecret", "patchSecret",
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

    /** How the played Job controller ends a Job: "Complete", "Failed", or "" (never). */
    String jobOutcome = "Complete";
    /** App pods seen when each Job was first picked up by the played Job controller. */
    final Map<String, Integer> appPodsWhenJobStarted = new HashMap<>();

    static final String OWNER = "autonova.test/owner";

    /**
     * Plays the ReplicaSet controller for pods (one Ready pod per replica, labelled as the template; ownership kept in a
     * test label, as ownerReferences would), garbage collection of a deleted Deployment's pods, the Job controller and
     * the EndpointSlice controller.
     */
    private void playPodsAndJobs() {
        java.util.Set<String> alive = new java.util.HashSet<>();
        for (Deployment d : client.apps().deployments().inNamespace(current).list().getItems()) {
            String ns = d.getMetadata().getNamespace();
            alive.add(ns + "/" + d.getMetadata().getName());
            Map<String, String> selector = new LinkedHashMap<>(d.getSpec().getSelector().getMatchLabels());
            selector.put(OWNER, d.getMetadata().getName());
            var pods = client.pods().inNamespace(ns).withLabels(selector).list().getItems();
            int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            for (int i = want; i < pods.size(); i++) {
                client.pods().inNamespace(ns).withName(pods.get(i).getMetadata().getName()).delete();
            }
            for (int i = pods.size(); i < want; i++) {
                Map<String, String> labels = new LinkedHashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
                labels.put(OWNER, d.getMetadata().getName());
                client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
                        .withName(d.getMetadata().getName() + "-" + java.util.UUID.randomUUID().toString().substring(0, 5))
                        .withLabels(labels).endMetadata()
                        .withSpec(d.getSpec().getTemplate().getSpec()).withNewStatus().withPhase("Running").withPodIP("10.0.0." + (i + 10))
                        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
            }
        }
        for (var p : client.pods().inNamespace(current).withLabel(OWNER).list().getItems()) {
            if (!alive.contains(p.getMetadata().getNamespace() + "/" + p.getMetadata().getLabels().get(OWNER))) {
                client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
            }
        }
        for (var svc : client.services().inNamespace(current).list().getItems()) {
            if (svc.getSpec().getSelector() == null || svc.getSpec().getSelector().isEmpty()) {
                continue;
            }
            String ns = svc.getMetadata().getNamespace();
            var endpoints = client.pods().inNamespace(ns).withLabels(svc.getSpec().getSelector()).list().getItems().stream()
                    .map(p -> new io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder().addToAddresses(p.getStatus() == null || p.getStatus().getPodIP() == null
                                    ? "10.0.0.1" : p.getStatus().getPodIP()).withNewConditions().withReady(true).endConditions()
                            .withNewTargetRef().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(ns).endTargetRef().build()).toList();
            client.discovery().v1().endpointSlices().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder()
                    .withNewMetadata().withName(svc.getMetadata().getName() + "-slice").withNamespace(ns)
                    .addToLabels("kubernetes.io/service-name", svc.getMetadata().getName()).endMetadata().withAddressType("IPv4")
                    .withEndpoints(endpoints).build()).createOr(x -> x.update());
        }
        // Garbage collection of a deleted Job's pods (foreground deletion: the pods go, then the Job; the mock drops the Job at once).
        for (var p : client.pods().inNamespace(current).withLabel("batch.kubernetes.io/job-name").list().getItems()) {
            if (client.batch().v1().jobs().inNamespace(current).withName(p.getMetadata().getLabels().get("batch.kubernetes.io/job-name")).get() == null) {
                client.pods().inNamespace(current).withName(p.getMetadata().getName()).delete();
            }
        }
        for (var job : client.batch().v1().jobs().inNamespace(current).list().getItems()) {
            String ns = job.getMetadata().getNamespace();
            String name = job.getMetadata().getName();
            if (Boolean.TRUE.equals(job.getSpec().getSuspend()) || job.getStatus() != null && job.getStatus().getConditions() != null
                    && !job.getStatus().getConditions().isEmpty()) {
                continue;
            }
            if (job.getStatus() == null || job.getStatus().getActive() == null) {
                String app = job.getMetadata().getAnnotations() == null ? null : job.getMetadata().getAnnotations().get("autonova.io/undoes-deployment");
                if (app != null) {
                    var d = client.apps().deployments().inNamespace(ns).withName(app.substring(app.indexOf('/') + 1)).get();
                    appPodsWhenJobStarted.put(ns + "/" + name, client.pods().inNamespace(ns).withLabels(d.getSpec().getSelector().getMatchLabels()).list().getItems().size());
                }
                client.pods().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(name + "-run")
                        .withLabels(Map.of("batch.kubernetes.io/job-name", name, "job-name", name)).endMetadata()
                        .withSpec(job.getSpec().getTemplate().getSpec()).build()).create();
                job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withActive(1).build());
                client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
            } else if (!jobOutcome.isEmpty()) {
                var st = new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withActive(0);
                if (jobOutcome.equals("Complete")) {
                    st.withSucceeded(1).addNewCondition().withType("SuccessCriteriaMet").withStatus("True").endCondition()
                            .addNewCondition().withType("Complete").withStatus("True").endCondition();
                } else {
                    st.withFailed(1).addNewCondition().withType("FailureTarget").withStatus("True").withReason("PodFailurePolicy")
                            .withMessage("Container migration-undo for pod " + ns + "/" + name + "-run failed with exit code 1 matching FailJob rule at index 1").endCondition()
                            .addNewCondition().withType("Failed").withStatus("True").withReason("PodFailurePolicy").endCondition();
                }
                job.setStatus(st.build());
                client.batch().v1().jobs().inNamespace(ns).resource(job).updateStatus();
            }
        }
    }

    static final ResourceDefinitionContext EXTERNAL_SECRET = new ResourceDefinitionContext.Builder()
            .withGroup("external-secrets.io").withVersion("v1beta1").withKind("ExternalSecret").withPlural("externalsecrets").withNamespaced(true).build();

    /** Plays this service's configuration history watcher, and the External Secrets Operator answering a force-sync. */
    private void playConfigHistoryAndExternalSecrets() {
        var actions = new FabricClusterActions(client);
        client.configMaps().inNamespace(current).withLabel(io.autonova.remediator.cluster.ConfigHistory.OPT_IN, "true").list().getItems()
                .forEach(c -> io.autonova.remediator.cluster.ConfigHistory.record(actions, c, clock.now, 10));
        client.secrets().inNamespace(current).withLabel(io.autonova.remediator.cluster.ConfigHistory.OPT_IN, "true").list().getItems()
                .forEach(s -> io.autonova.remediator.cluster.ConfigHistory.record(actions, s, clock.now, 10));
        if (!externalSecrets) {
            return;
        }
        for (GenericKubernetesResource es : client.genericKubernetesResources(EXTERNAL_SECRET).inNamespace(current).list().getItems()) {
            String asked = es.getMetadata().getAnnotations() == null ? null : es.getMetadata().getAnnotations().get("force-sync");
            Map<String, Object> status = (Map<String, Object>) es.getAdditionalProperties().getOrDefault("status", Map.of());
            if (asked != null && !asked.equals(status.get("autonova.test/seen-force-sync"))) {
                es.getAdditionalProperties().put("status", Map.of("refreshTime", clock.now.toString(), "autonova.test/seen-force-sync", asked,
                        "conditions", List.of(Map.of("type", "Ready", "status", "True", "reason", "SecretSynced"))));
                client.genericKubernetesResources(EXTERNAL_SECRET).inNamespace(es.getMetadata().getNamespace()).resource(es).update();
            }
        }
    }

    /** True once a test registered the ExternalSecret CRD with the mock. */
    boolean externalSecrets;

    /** Plays the controllers once: what Kubernetes and Argo CD would have done since the last look. */
    void playControllers() {
        playPodsAndJobs();
        playConfigHistoryAndExternalSecrets();
        for (Deployment d : client.apps().deployments().inNamespace(current).list().getItems()) {
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
            int want = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
            if (d.getStatus() == null) {
                d.setStatus(new io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder().withObservedGeneration(0L).build());
            }
            var st = d.getStatus();
            boolean behind = st.getObservedGeneration() == null || st.getObservedGeneration() < d.getMetadata().getGeneration()
                    || !Integer.valueOf(want).equals(st.getReplicas()) || !Integer.valueOf(want).equals(st.getAvailableReplicas());
            if (!lagging && behind) {
                st.setObservedGeneration(d.getMetadata().getGeneration());
                st.setReplicas(want);
                st.setUpdatedReplicas(want);
                st.setReadyReplicas(want);
                st.setAvailableReplicas(want);
                client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(d).updateStatus();
            }
        }
        if (provider != null) {
            try {
                for (long n = mergeRequests ? provider.count() : 0; n > 0; n--) { // the reviewer merges what is open
                    if ("open".equals(provider.request(n).path("state").asText())) {
                        provider.merge(n);
                    }
                }
                for (GenericKubernetesResource app : client.genericKubernetesResources(APPLICATION).inNamespace("argocd").list().getItems()) {
                    if (app.getMetadata().getAnnotations() != null && app.getMetadata().getAnnotations().containsKey("argocd.argoproj.io/refresh")) {
                        playRefresh(app);
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        for (GenericKubernetesResource app : client.genericKubernetesResources(APPLICATION).inNamespace("argocd").list().getItems()) {
            Object op = app.getAdditionalProperties().remove("operation");
            if (op instanceof Map<?, ?> operation) {
                // As the real controller (seen on Argo CD 3.2): the operation moves to operationState with its syncResult,
                // and the synced revision becomes the newest history entry.
                Map<String, Object> status = new LinkedHashMap<>((Map<String, Object>) app.getAdditionalProperties().get("status"));
                Map<?, ?> sync = (Map<?, ?>) operation.get("sync");
                status.put("operationState", Map.of("phase", "Succeeded", "message", "successfully synced (all tasks run)", "operation", operation,
                        "syncResult", Map.of("revision", sync.get("revision"))));
                List<Map<String, Object>> history = new ArrayList<>((List<Map<String, Object>>) status.getOrDefault("history", List.of()));
                long next = history.stream().mapToLong(e -> ((Number) e.get("id")).longValue()).max().orElse(-1) + 1;
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", next);
                entry.put("revision", sync.get("revision"));
                if (sync.get("source") != null) {
                    entry.put("source", sync.get("source"));
                }
                history.add(entry);
                status.put("history", history);
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

    /** The same admission as a dry-run record, run once by a dry-run replica: the plan walks reads only. */
    String dryRun(String ns, String deployment, String scenario, Map<String, String> parameters) {
        String name = admit(ns, deployment, scenario, null, parameters);
        RemediationRecord r = record(name).copy();
        r.status.phase = Phase.DRY_RUN;
        r.spec.dryRun = true;
        if (!store.update(r) || dryRunReplica("a").reconcile(name) != null) {
            throw new AssertionError("dry-run record not handled in one look");
        }
        RemediationRecord done = record(name);
        if (!done.status.message.startsWith("dry-run: ") || done.status.message.contains("would fail")) {
            throw new AssertionError("dry-run did not walk the plan: " + done.status.message);
        }
        return name;
    }

    void abort(String name) {
        RemediationRecord r = record(name).copy();
        r.spec.abortRequested = true;
        r.spec.abortRequestedBy = "test";
        if (!store.update(r)) {
            throw new AssertionError("abort not written");
        }
    }

    /** A run set up fresh in its own namespace: returns {namespace, record name}. */
    interface Setup {
        String[] run();
    }

    /** What must hold once a run ended (given namespace and record name). */
    interface EndCheck {
        void check(String ns, String name, String row);
    }

    /**
     * The crash table for one scenario: a clean run counts the writes; then, for every store and cluster write n,
     * replica A dies right after its n-th write and replica B takes the Lease over once it expired and finishes.
     * Returns the number of rows; each row ends as {@code end} says.
     */
    int crashEveryWrite(Setup setup, EndCheck end) {
        String[] clean = setup.run();
        long v0 = Long.parseLong(store.record(clean[1]).orElseThrow().resourceVersion);
        int c0 = clusterWrites.get();
        if (!"done".equals(drive(replica("a", 0, 0), clean[1], 300))) {
            throw new AssertionError("the clean run did not end: " + record(clean[1]).status.message);
        }
        end.check(clean[0], clean[1], "clean run");
        int storeWrites = (int) (Long.parseLong(store.record(clean[1]).orElseThrow().resourceVersion) - v0);
        int clusterWritesOfRun = clusterWrites.get() - c0;
        int rows = 0;
        for (int kind = 0; kind < 2; kind++) {
            int writes = kind == 0 ? storeWrites : clusterWritesOfRun;
            for (int n = 1; n <= writes; n++) {
                String[] run = setup.run();
                Reconciler a = kind == 0 ? replica("a", n, 0) : replica("a", 0, n);
                String row = (kind == 0 ? "store" : "cluster") + " write " + n;
                if (drive(a, run[1], 300).equals("died")) {
                    clock.now = clock.now.plus(LEASE).plusSeconds(1);
                    Reconciler b = replica("b", 0, 0);
                    if (record(run[1]).status.phase.finished()) {
                        settle(b, run[1]);
                    } else if (!"done".equals(drive(b, run[1], 300))) {
                        throw new AssertionError(row + ": B did not finish: " + record(run[1]).status.message);
                    }
                }
                end.check(run[0], run[1], row);
                rows++;
            }
        }
        return rows;
    }

    RemediationRecord record(String name) {
        return store.record(name).orElseThrow();
    }

    /**
     * Lets {@code replica} look at an ended run until it has nothing more to do (a tidy-up of a dead replica's Lease waits
     * until this replica has seen that Lease unrenewed for a whole lease duration), the clock following its answers.
     */
    void settle(Reconciler replica, String name) {
        for (int i = 0; i < 10; i++) {
            Instant next = replica.reconcile(name);
            if (next == null) {
                return;
            }
            if (next.isAfter(clock.now)) {
                clock.now = next;
            }
        }
        throw new AssertionError("run " + name + " still wants looking at");
    }
}
