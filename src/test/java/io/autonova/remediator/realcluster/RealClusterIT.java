package io.autonova.remediator.realcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.fixtures.GitProviderServer;
import io.autonova.remediator.fixtures.GitRepo;
import io.autonova.remediator.fixtures.RealCluster;
import io.autonova.remediator.fixtures.ServiceProcess;
import io.autonova.remediator.it.Alerts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service on a real API server with real controllers (scripts/cluster), installed from k8s/base and running as its
 * own ServiceAccount with a TokenRequest token: every call it makes must be allowed by the shipped RBAC, every object
 * it writes must pass the real CRD schema and Event validation, and rollbacks are carried out by the real Deployment
 * controller.
 */
class RealClusterIT {

    static final Path LOGS = Path.of("target/real-cluster-it");
    static final ObjectMapper JSON = new ObjectMapper();
    static final ResourceDefinitionContext REMEDIATIONS = new ResourceDefinitionContext.Builder().withGroup("autonova.io").withVersion("v1alpha1")
            .withKind("Remediation").withPlural("remediations").withNamespaced(true).build();
    static final String STATE = "autonova-system";
    static final String APPS = "apps";
    static final String SA = "system:serviceaccount:autonova-system:autonova-remediator";

    static RealCluster cluster;
    static GitRepo deploys;
    static Process gitDaemon;
    static String gitUrl;
    static GitProviderServer github;
    static KubernetesClient admin;
    static ServiceProcess service;
    static String token;

    @BeforeAll
    static void install() throws Exception {
        cluster = RealCluster.shared();
        admin = cluster.admin();
        for (String ns : List.of(APPS, "other")) {
            if (admin.namespaces().withName(ns).get() == null) {
                admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            }
        }
        // The base as an operator applies it: CRDs, RBAC bound in the listed namespace only, the service's own objects.
        cluster.kubectlWith(cluster.render("k8s/base"), "apply", "--server-side", "--force-conflicts", "-f", "-");
        cluster.awaitEstablished("remediations.autonova.io", "remediationpauses.autonova.io");
        // Secrets opted in for apps, as the rbac.yaml comment says: the binding beside the setting.
        cluster.kubectlWith(cluster.kubectl("create", "rolebinding", "autonova-remediator-config-secrets", "-n", APPS,
                "--clusterrole=autonova-remediator-config-secrets", "--serviceaccount=autonova-system:autonova-remediator", "--dry-run=client", "-o", "yaml"),
                "apply", "-f", "-");
        // Argo CD's real Application CRD (from its release's Go module: its schema, not our belief of it), and the
        // component that lets the service read and patch Applications in argocd. Argo CD's controller is played.
        cluster.kubectl("apply", "--server-side", "-f", RealCluster.argocdCrds().resolve("application-crd.yaml").toString());
        cluster.awaitEstablished("applications.argoproj.io");
        if (admin.namespaces().withName("argocd").get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("argocd").endMetadata().build()).create();
        }
        cluster.kubectl("apply", "-f", "k8s/components/argocd/rbac.yaml");
        token = cluster.token(STATE, "autonova-remediator");
        Path rules = Files.createDirectories(LOGS.resolve("rules"));
        Files.writeString(rules.resolve("rules.yaml"), """
                global:
                  rateLimit: {count: 100, window: 1h}
                  maxInFlight: 10
                defaults:
                  cooldown: 1m
                  targetRateLimit: {count: 10, window: 1h}
                  ruleRateLimit: {count: 100, window: 1h}
                  maxConsecutive: {count: 10, within: 24h}
                rules:
                  - name: high-error-rate
                    matchers: ['alertname="HighErrorRate"']
                    threshold: {value: annotation:value, op: ">", bound: 0.10}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                  - name: restarts
                    matchers: ['alertname="PodRestartsHigh"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: selective-rollback
                  - name: latency
                    matchers: ['alertname="LatencyDegraded"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: gradual-rollback
                    parameters: {scaleBadTo: "1", drain: 1s, watch: 3s}
                  - name: migration
                    matchers: ['alertname="MigrationErrors"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: database-migration-rollback
                    parameters: {reversible: "true", migrationTimeout: 2m}
                  - name: approve-first
                    matchers: ['alertname="NeedsApproval"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                    scenario: immediate-rollback
                    approval: {timeout: 10m}
                  - name: gitops
                    matchers: ['alertname="GitOpsErrors"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                    gitops: {mode: pull-request, mergeTimeout: 10m}
                  - name: config
                    matchers: ['alertname="ConfigErrors"']
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: configuration-rollback
                    parameters: {changedWithin: 1h}
                """);
        // GitOps write-back's peers: a real Git repository served by git daemon, and a local GitHub API over it.
        Path gitBase = Files.createDirectories(LOGS.resolve("git-" + Long.toString(System.nanoTime(), 36)));
        deploys = GitRepo.create(gitBase.resolve("team"), "deploys.git");
        deploys.commit("start", Map.of("README.md", "deploys\n"));
        int gitPort = io.autonova.remediator.fixtures.LocalPeers.freePort();
        gitDaemon = GitRepo.serve(gitBase, gitPort, LOGS.resolve("git-daemon.log"));
        gitUrl = "git://127.0.0.1:" + gitPort + "/team/deploys.git";
        github = new GitProviderServer(GitProviderServer.Kind.GITHUB, deploys, "team/deploys", "gh-token");
        Files.writeString(LOGS.resolve("gitops-token"), "gh-token\n");
        service = startService("real-1", 18711, Map.of());
    }

    /** A replica's settings against the real control plane, as its ServiceAccount, acting in {@code allowed} only. */
    static Map<String, String> serviceEnv(RealCluster cluster, String token, String stateNamespace, String allowed) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(cluster.serviceEnv(token));
        env.put("REMEDIATOR_STATE_STORE", "kubernetes");
        env.put("REMEDIATOR_STATE_NAMESPACE", stateNamespace);
        env.put("REMEDIATOR_ALLOWED_NAMESPACES", allowed);
        env.put("REMEDIATOR_EXECUTION_POLL_INTERVAL", "200ms");
        env.put("REMEDIATOR_EXECUTION_VERIFY_TIMEOUT", "60s");
        env.put("QUARKUS_LOG_CATEGORY__IO_AUTONOVA__LEVEL", "INFO");
        return env;
    }

    static ServiceProcess startService(String id, int port, Map<String, String> extra) throws Exception {
        Map<String, String> env = serviceEnv(cluster, token, STATE, APPS);
        env.put("REMEDIATOR_PERMISSION_CHECK_INTERVAL", "1s");
        env.put("REMEDIATOR_EXECUTION_LEASE_DURATION", "6s");
        env.put("REMEDIATOR_CONFIG_HISTORY_SECRET_NAMESPACES", APPS);
        env.put("REMEDIATOR_ADMIN_REVIEW_CACHE_TTL", "2s");
        env.put("REMEDIATOR_ADMIN_KUBECTL_ANSWERS", "true"); // as the shipped Deployment: the base's policy is installed
        env.put("REMEDIATOR_GITOPS_REPOSITORIES", gitUrl);
        env.put("REMEDIATOR_GITOPS_API_URL", github.api().toString());
        env.put("REMEDIATOR_GITOPS_TOKEN_FILE", LOGS.resolve("gitops-token").toAbsolutePath().toString());
        env.put("REMEDIATOR_GITOPS_WORK_DIR", LOGS.resolve("gitops-" + id).toAbsolutePath().toString());
        env.put("REMEDIATOR_GITOPS_POLL_INTERVAL", "1s");
        env.putAll(extra);
        ServiceProcess p = ServiceProcess.start(id, port, LOGS.resolve("rules").toString(), List.of(), env, LOGS);
        try {
            return p.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            p.kill();
            throw e;
        }
    }

    /**
     * Last, over everything the tests made the service write: the real API server refused none of its Remediations,
     * RemediationPauses or Events (apiserver_request_total by code: no 400 or 422 on those resources).
     */
    @AfterAll
    static void theApiServerRefusedNothingTheServiceWrote() throws Exception {
        String metrics = cluster.kubectl("get", "--raw", "/metrics");
        List<String> refused = metrics.lines().filter(l -> l.startsWith("apiserver_request_total{"))
                .filter(l -> l.contains("code=\"422\"") || l.contains("code=\"400\""))
                .filter(l -> l.contains("resource=\"remediations\"") || l.contains("resource=\"remediationpauses\"") || l.contains("resource=\"events\""))
                // The service creates and updates (POST, PUT); PATCHes refused are people's kubectl writes the shipped policy denied.
                .filter(l -> !l.contains("verb=\"PATCH\""))
                .toList();
        assertEquals(List.of(), refused);
        assertTrue(metrics.contains("resource=\"remediations\""), "the records were written through this API server");
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.stop();
        }
        if (github != null) {
            github.close();
        }
        if (gitDaemon != null) {
            gitDaemon.destroy();
        }
        if (admin != null) {
            admin.close();
        }
    }

    /** A Deployment with real revision history: {@code images} rolled out one after the other by the real controller. */
    static Deployment deploy(String ns, String name, String... images) {
        return deploy(ns, name, c -> {
        }, images);
    }

    static Deployment deploy(String ns, String name, java.util.function.Consumer<io.fabric8.kubernetes.api.model.Container> container, String... images) {
        return deploy(admin, ns, name, container, images);
    }

    static Deployment deploy(KubernetesClient admin, String ns, String name, java.util.function.Consumer<io.fabric8.kubernetes.api.model.Container> container,
                             String... images) {
        var c = new io.fabric8.kubernetes.api.model.ContainerBuilder().withName("app").withImage(images[0]).build();
        container.accept(c);
        Deployment d = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                .withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withContainers(c).endSpec().endTemplate().endSpec().build();
        admin.apps().deployments().inNamespace(ns).resource(d).create();
        awaitRolledOut(admin, ns, name);
        for (int i = 1; i < images.length; i++) {
            String image = images[i];
            admin.apps().deployments().inNamespace(ns).withName(name).edit(x -> {
                x.getSpec().getTemplate().getSpec().getContainers().get(0).setImage(image);
                return x;
            });
            awaitRolledOut(admin, ns, name);
        }
        return admin.apps().deployments().inNamespace(ns).withName(name).get();
    }

    static void awaitRolledOut(String ns, String name) {
        awaitRolledOut(admin, ns, name);
    }

    static void awaitRolledOut(KubernetesClient client, String ns, String name) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Deployment d = client.apps().deployments().inNamespace(ns).withName(name).get();
            var s = d.getStatus();
            return s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= d.getMetadata().getGeneration()
                    && d.getSpec().getReplicas().equals(s.getUpdatedReplicas()) && d.getSpec().getReplicas().equals(s.getAvailableReplicas())
                    && d.getSpec().getReplicas().equals(s.getReplicas());
        });
    }

    static String image(String ns, String name) {
        return admin.apps().deployments().inNamespace(ns).withName(name).get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    static JsonNode post(ServiceProcess replica, Alerts.Spec alert) throws Exception {
        HttpResponse<String> r = ServiceProcess.HTTP.send(replica.webhook(Alerts.body(alert)), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("results");
    }

    static GenericKubernetesResource record(String name) {
        return admin.genericKubernetesResources(REMEDIATIONS).inNamespace(STATE).withName(name).get();
    }

    static String phase(String name) {
        return phase(admin, STATE, name);
    }

    /** A Remediation record's phase, or null while there is none. */
    @SuppressWarnings("unchecked")
    static String phase(KubernetesClient admin, String stateNamespace, String name) {
        GenericKubernetesResource r = admin.genericKubernetesResources(REMEDIATIONS).inNamespace(stateNamespace).withName(name).get();
        Object status = r == null ? null : r.getAdditionalProperties().get("status");
        return status == null ? null : String.valueOf(((Map<String, Object>) status).get("phase"));
    }

    static String awaitFinished(String name) {
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            String p = phase(name);
            return p != null && List.of("SUCCEEDED", "FAILED", "ABORTED", "REFUSED", "CLEARED", "DRY_RUN").contains(p);
        });
        return phase(name);
    }

    /**
     * The Deployment's revisions as `kubectl rollout history` lists them, from its revision column only: the header line
     * names the Deployment, whose random suffix can hold any digit.
     */
    static List<Long> revisions(String namespace, String deployment) throws Exception {
        String history = cluster.kubectl("rollout", "history", "deployment/" + deployment, "-n", namespace);
        return history.lines().map(String::trim).filter(l -> l.matches("\\d+\\s.*")).map(l -> Long.parseLong(l.split("\\s+")[0])).toList();
    }

    /** A name of its own per run, so a cluster kept between runs (AUTONOVA_TEST_CLUSTER) needs no clean-up. */
    static String unique(String base) {
        return base + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    }

    @Test
    void immediateRollbackIsCarriedOutByTheRealDeploymentController() throws Exception {
        String api = unique("api");
        deploy(APPS, api, "registry.local/api:1.0", "registry.local/api:2.0");
        JsonNode results = post(service, Alerts.firingNow(Map.of("alertname", "HighErrorRate", "namespace", APPS, "service", api), "0.4"));
        assertEquals("ALL_CHECKS_PASSED", results.get(0).get("reason").asText(), results.toString());
        String name = results.get(0).get("remediation").asText();

        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/api:1.0", image(APPS, api));
        awaitRolledOut(APPS, api);
        // What the real controller made of it: a third revision with the first one's template, as `kubectl rollout undo`.
        assertEquals(List.of(2L, 3L), revisions(APPS, api));
        // The decision and outcome are on the Deployment, accepted by the real events.k8s.io/v1 validation.
        String events = cluster.kubectl("get", "events.events.k8s.io", "-n", APPS, "--field-selector", "regarding.name=" + api,
                "-o", "jsonpath={range .items[*]}{.reportingController} {.reason} {.note}{\"\\n\"}{end}");
        assertTrue(events.contains("autonova"), events);
        String describe = cluster.kubectl("describe", "deployment", api, "-n", APPS);
        assertTrue(describe.contains("RemediationSucceeded") && describe.contains("autonova.io/remediator"), describe);
    }

    /**
     * The change timeline as the real control plane writes it: ReplicaSets created and dated by the Deployment controller
     * and the API server, their templates compared; an alert that started before the rollout is left to a human.
     */
    @Test
    void theChangeTimelineReadsWhatTheRealControllerWrote() throws Exception {
        String api = unique("timeline");
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minusSeconds(1);
        deploy(APPS, api, "registry.local/timeline:1.0", "registry.local/timeline:2.0");
        Instant after = Instant.now().plusSeconds(1);
        String path = "/api/v1/targets/" + APPS + "/" + api + "/changes";
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            HttpResponse<String> r = call("GET", path, ServiceProcess.ADMIN_TOKEN, null);
            return r.statusCode() == 200 && JSON.readTree(r.body()).get("changes").size() == 2;
        });
        JsonNode newest = JSON.readTree(call("GET", path, ServiceProcess.ADMIN_TOKEN, null).body()).get("changes").get(0);
        assertEquals("release", newest.get("kind").asText(), newest.toString());
        assertTrue(newest.get("to").asText().endsWith("(registry.local/timeline:2.0)"), newest.toString());
        assertTrue(newest.get("exactTime").asBoolean(), "a ReplicaSet the controller created for the rollout");
        Instant at = Instant.parse(newest.get("at").asText());
        assertTrue(!at.isBefore(before) && !at.isAfter(after), at + " is when the API server created it, between " + before + " and " + after);
        assertEquals("image of app: registry.local/timeline:1.0 -> registry.local/timeline:2.0", newest.get("details").get(0).asText());

        Alerts.Spec early = new Alerts.Spec(Alerts.newFingerprint(), "firing", Map.of("alertname", "HighErrorRate", "namespace", APPS, "service", api),
                Map.of("value", "0.4"), before.minus(Duration.ofMinutes(5)));
        JsonNode refused = post(service, early).get(0);
        assertEquals("CHANGED_AFTER_ALERT", refused.get("reason").asText(), refused.toString());
        assertEquals("registry.local/timeline:2.0", image(APPS, api), "nothing rolled back");
    }

    static String act(String alertname, String deployment) throws Exception {
        JsonNode results = post(service, Alerts.firingNow(Map.of("alertname", alertname, "namespace", APPS, "deployment", deployment), null));
        assertEquals("ALL_CHECKS_PASSED", results.get(0).get("reason").asText(), results.toString());
        return results.get(0).get("remediation").asText();
    }

    @Test
    void selectiveRollbackOfOneDeploymentLeavesItsNeighbourAlone() throws Exception {
        String bad = unique("worker");
        String neighbour = unique("cart");
        deploy(APPS, bad, "registry.local/worker:1.0", "registry.local/worker:2.0");
        deploy(APPS, neighbour, "registry.local/cart:1.0", "registry.local/cart:2.0");
        String rv = admin.apps().deployments().inNamespace(APPS).withName(neighbour).get().getMetadata().getResourceVersion();
        String name = act("PodRestartsHigh", bad);
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/worker:1.0", image(APPS, bad));
        awaitRolledOut(APPS, bad);
        assertEquals(rv, admin.apps().deployments().inNamespace(APPS).withName(neighbour).get().getMetadata().getResourceVersion(), "untouched");
    }

    static final ResourceDefinitionContext APPLICATIONS = new ResourceDefinitionContext.Builder().withGroup("argoproj.io").withVersion("v1alpha1")
            .withKind("Application").withPlural("applications").withNamespaced(true).build();

    /**
     * The GitOps loop against a real Argo CD: a bad commit synced by the real controller, the alert, the rollback through
     * the Application, the revert pushed to a branch and its pull request opened, the request merged (a real git merge),
     * then automated sync restored once Argo CD compares against the merge, and Argo CD Synced on it.
     */
    @Test
    @SuppressWarnings("unchecked")
    void gitFollowsARollbackThroughTheRealArgoCd() throws Exception {
        String web = unique("gitops");
        String path = "apps/" + web;
        try (AutoCloseable argo = cluster.argocd()) {
            String bad = syncedThroughArgoCd(web, false);

            JsonNode results = post(service, Alerts.firingNow(Map.of("alertname", "GitOpsErrors", "namespace", APPS, "deployment", web), "1"));
            assertEquals("ALL_CHECKS_PASSED", results.get(0).get("reason").asText(), results.toString());
            String name = results.get(0).get("remediation").asText();
            String branch = "autonova/revert-" + name;

            // Rolled back through the real Argo CD; the revert waits on its branch with a pull request, main untouched.
            await().atMost(Duration.ofSeconds(120)).until(() -> deploys.originRef("refs/heads/" + branch) != null
                    && github.numberOf(branch) > 0);
            assertEquals("registry.local/web:1.0", image(APPS, web));
            assertEquals(bad, deploys.originRef("refs/heads/main"));
            assertEquals(null, appField(web, "spec", "syncPolicy", "automated"), "automated sync stays off while Git says 2.0");
            GitProviderServer.Seen opened = github.seen.stream().filter(r -> r.method().equals("POST") && r.body().contains(branch)).findFirst().orElseThrow();
            JsonNode pr = JSON.readTree(opened.body());
            assertEquals(branch, pr.get("head").asText());
            assertEquals("main", pr.get("base").asText());
            assertTrue(pr.get("body").asText().contains(name) && pr.get("body").asText().contains("/report"), pr.toString());
            assertTrue(deploys.show(deploys.originRef("refs/heads/" + branch), path + "/deployment.yaml").contains("web:1.0"));
            assertEquals("RUNNING", phase(name));

            String merged = github.merge(github.numberOf(branch));
            assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
            Map<String, Object> automated = (Map<String, Object>) appValue(web, "spec", "syncPolicy", "automated");
            assertEquals(Map.of("prune", true, "selfHeal", true), automated, "the saved policy is back");
            assertEquals(merged, appField(web, "status", "sync", "revision"));
            assertEquals("Synced", appField(web, "status", "sync", "status"));
            Map<String, Object> status = (Map<String, Object>) record(name).getAdditionalProperties().get("status");
            assertEquals(false, status.get("gitMustFollow"), () -> String.valueOf(status));
            assertTrue(String.valueOf(status.get("steps")).contains("gitAgreedAt"), () -> String.valueOf(status));
            String report = call("GET", "/api/v1/remediations/" + name + "/report", ServiceProcess.ADMIN_TOKEN, null).body();
            assertTrue(report.contains("Git reverted by commit") && report.contains("pull/") && report.contains("agreed at"), report);
            // Automated sync is on again and Git says 1.0: the release stays rolled back.
            Thread.sleep(3000);
            assertEquals("registry.local/web:1.0", image(APPS, web));
        }
    }

    /**
     * Scenarios 2 and 3 on a Deployment the real Argo CD manages (self-heal on, as most teams run it): automated sync goes
     * off before the service touches the Deployment (or its Service), so the real controller does not put the bad
     * release back; it stays off at the end (Git still says the bad release) and Argo CD reports the drift as OutOfSync.
     */
    @Test
    @SuppressWarnings("unchecked")
    void selectiveAndGradualRollbacksTurnSelfHealOffOnTheRealArgoCdAndItStaysOut() throws Exception {
        try (AutoCloseable argo = cluster.argocd()) {
            for (String alert : List.of("PodRestartsHigh", "LatencyDegraded")) {
                String web = unique(alert.startsWith("Pod") ? "selective" : "gradual");
                boolean gradual = alert.startsWith("Latency");
                String bad = syncedThroughArgoCd(web, gradual);
                String name = act(alert, web);
                assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
                assertEquals("registry.local/web:1.0", image(APPS, web), alert);
                assertEquals(null, appField(web, "spec", "syncPolicy", "automated"), alert + ": self-heal stays off, Git still says 2.0");
                Map<String, Object> status = (Map<String, Object>) record(name).getAdditionalProperties().get("status");
                assertEquals(true, status.get("gitMustFollow"), alert);
                if (gradual) {
                    assertEquals(Map.of("app", web), admin.services().inNamespace(APPS).withName(web).get().getSpec().getSelector());
                    await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments().inNamespace(APPS).withName(web + "-rollback").get() == null);
                }
                // The real controller sees the drift and leaves it: OutOfSync against the bad commit, the rollback in place.
                refresh(web);
                await().atMost(Duration.ofSeconds(60)).until(() -> "OutOfSync".equals(appField(web, "status", "sync", "status"))
                        && bad.equals(appField(web, "status", "sync", "revision")));
                Thread.sleep(3000);
                assertEquals("registry.local/web:1.0", image(APPS, web), alert + ": nothing put the bad release back");
            }
        }
    }

    /** An Application for {@code web} synced by the real Argo CD at 1.0, then at 2.0 (with a Service for the gradual scenario); returns 2.0's commit. */
    static String syncedThroughArgoCd(String web, boolean withService) throws Exception {
        String path = "apps/" + web;
        String service = withService ? """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  selector: {app: %1$s}
                  ports: [{port: 80, targetPort: 8080}]
                """.formatted(web, APPS) : "";
        String good = deploys.commit(web + " 1.0", Map.of(path + "/deployment.yaml", manifest(web, "registry.local/web:1.0") + service));
        createApplication(web, path);
        await().atMost(Duration.ofSeconds(90)).until(() -> good.equals(appField(web, "status", "sync", "revision"))
                && "Synced".equals(appField(web, "status", "sync", "status")) && "Healthy".equals(appField(web, "status", "health", "status")));
        String bad = deploys.commit(web + " 2.0", Map.of(path + "/deployment.yaml", manifest(web, "registry.local/web:2.0") + service));
        refresh(web); // as Git's webhook to Argo CD would
        await().atMost(Duration.ofSeconds(90)).until(() -> "registry.local/web:2.0".equals(image(APPS, web))
                && bad.equals(appField(web, "status", "operationState", "syncResult", "revision"))
                && "Succeeded".equals(appField(web, "status", "operationState", "phase")));
        awaitRolledOut(APPS, web);
        if (withService) {
            await().atMost(Duration.ofSeconds(30)).until(() -> endpoints(web).size() == 2);
        }
        return bad;
    }

    static String manifest(String name, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %1$s, namespace: %2$s}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: %1$s}}
                  template:
                    metadata: {labels: {app: %1$s}}
                    spec:
                      containers: [{name: app, image: "%3$s"}]
                """.formatted(name, APPS, image);
    }

    static void createApplication(String name, String path) throws Exception {
        cluster.kubectlWith("""
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: %1$s, namespace: argocd}
                spec:
                  project: default
                  source: {repoURL: "%2$s", path: %3$s, targetRevision: main}
                  destination: {server: https://kubernetes.default.svc, namespace: %4$s}
                  syncPolicy: {automated: {prune: true, selfHeal: true}}
                """.formatted(name, gitUrl, path, APPS), "apply", "-f", "-");
    }

    static void refresh(String app) throws Exception {
        cluster.kubectl("annotate", "application", app, "-n", "argocd", "argocd.argoproj.io/refresh=normal", "--overwrite");
    }

    @SuppressWarnings("unchecked")
    static Object appValue(String app, String... path) {
        Object v = admin.genericKubernetesResources(APPLICATIONS).inNamespace("argocd").withName(app).get().getAdditionalProperties();
        for (String p : path) {
            v = v instanceof Map<?, ?> m ? ((Map<String, Object>) m).get(p) : null;
        }
        return v;
    }

    static String appField(String app, String... path) {
        Object v = appValue(app, path);
        return v == null ? null : String.valueOf(v);
    }

    /** Scenario 2 on an Argo CD-managed Deployment: the real Application CRD accepts the service's patches; auto-sync ends off. */
    @Test
    @SuppressWarnings("unchecked")
    void selectiveRollbackOfAnArgoManagedDeploymentTurnsAutoSyncOffOnTheRealApplication() throws Exception {
        String shop = unique("shop");
        deploy(APPS, shop, "registry.local/shop:1.0", "registry.local/shop:2.0");
        admin.apps().deployments().inNamespace(APPS).withName(shop).edit(d -> {
            d.getMetadata().getLabels().put("app.kubernetes.io/instance", shop + "-app");
            return d;
        });
        admin.genericKubernetesResources(APPLICATIONS).inNamespace("argocd")
                .resource(io.autonova.remediator.fixtures.ClusterFixtures.argoApplication("argocd", shop + "-app", APPS, shop, 2, true)).create();
        String name = act("PodRestartsHigh", shop);
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/shop:1.0", image(APPS, shop));
        var app = admin.genericKubernetesResources(APPLICATIONS).inNamespace("argocd").withName(shop + "-app").get();
        Map<String, Object> policy = (Map<String, Object>) ((Map<String, Object>) app.getAdditionalProperties().get("spec")).get("syncPolicy");
        assertTrue(policy == null || policy.get("automated") == null, "self-heal cannot undo the rollback: " + policy);
        assertTrue(String.valueOf(record(name)).contains("git-must-follow"), () -> String.valueOf(record(name)));
    }

    @Test
    void gradualRollbackMovesTheServiceAndRealEndpointSlicesFollow() throws Exception {
        String web = unique("web");
        deploy(APPS, web, "registry.local/web:1.0", "registry.local/web:2.0");
        serve(web);
        String uid = admin.apps().deployments().inNamespace(APPS).withName(web).get().getMetadata().getUid();
        String name = act("LatencyDegraded", web);
        // While the copy takes the traffic, the real EndpointSlice controller lists only the copy's pods.
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            var svc = admin.services().inNamespace(APPS).withName(web).get();
            return svc.getSpec().getSelector().containsKey("autonova.io/rollback")
                    && endpoints(web).stream().allMatch(p -> p.startsWith(web + "-rollback-")) && !endpoints(web).isEmpty();
        });
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/web:1.0", image(APPS, web), "the original itself runs the previous version");
        assertEquals(uid, admin.apps().deployments().inNamespace(APPS).withName(web).get().getMetadata().getUid(), "never re-created");
        assertEquals(Map.of("app", web), admin.services().inNamespace(APPS).withName(web).get().getSpec().getSelector());
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.apps().deployments().inNamespace(APPS).withName(web + "-rollback").get() == null
                && endpoints(web).size() == 2 && endpoints(web).stream().noneMatch(p -> p.contains("-rollback-")));
    }

    /** A Service in front of the Deployment of the same name, with its endpoints Ready. */
    static void serve(String name) {
        admin.services().inNamespace(APPS).resource(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addToSelector("app", name).addNewPort().withPort(80).withNewTargetPort(8080).endPort().endSpec().build()).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoints(name).size() == 2);
    }

    /** The pods the real EndpointSlice controller lists as ready endpoints of a Service. */
    static List<String> endpoints(String service) {
        return admin.discovery().v1().endpointSlices().inNamespace(APPS).withLabel("kubernetes.io/service-name", service).list().getItems().stream()
                .flatMap(s -> s.getEndpoints() == null ? java.util.stream.Stream.empty() : s.getEndpoints().stream())
                .filter(e -> e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getReady()) && e.getTargetRef() != null)
                .map(e -> e.getTargetRef().getName()).toList();
    }

    /** The undo Job a release ships: suspended, labelled for its Deployment, annotated with the image it undoes. */
    static void shipUndo(String deployment, String image, boolean fails) {
        shipUndo(deployment, image, fails, Map.of());
    }

    /** {@code nodeSelector}: one no node matches keeps the undo's pod Pending, i.e. an undo that runs on and on. */
    static void shipUndo(String deployment, String image, boolean fails, Map<String, String> nodeSelector) {
        var labels = new java.util.HashMap<String, String>(Map.of("app", deployment + "-migrate"));
        if (fails) {
            labels.put("autonova.dev/kwok-outcome", "failed");
        }
        admin.batch().v1().jobs().inNamespace(APPS).resource(new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder().withNewMetadata()
                .withName(deployment + "-undo").addToLabels("autonova.io/migration-undo-for", deployment)
                .addToAnnotations("autonova.io/undoes-image", image).endMetadata()
                .withNewSpec().withSuspend(true).withBackoffLimit(0).withNewTemplate().withNewMetadata().addToLabels(labels).endMetadata()
                .withNewSpec().withRestartPolicy("Never").withNodeSelector(nodeSelector).addNewContainer().withName("flyway").withImage("flyway/flyway:10")
                .withArgs("undo").endContainer().endSpec().endTemplate().endSpec().build()).create();
    }

    /**
     * A human deletes the record while the undo runs (app at zero): the finalizer keeps it until the run is undone; the
     * undo Job is stopped (the real garbage collector removes its pod) before the app scales back up, then the record goes.
     */
    @Test
    void aRecordDeletedMidUndoStopsTheUndoRestoresTheAppAndThenGoes() throws Exception {
        String orders = unique("ledger");
        deploy(APPS, orders, "registry.local/ledger:1.0", "registry.local/ledger:2.0");
        shipUndo(orders, "registry.local/ledger:2.0", false, Map.of("autonova.dev/no-such-node", "true"));
        String name = act("MigrationErrors", orders);
        await().atMost(Duration.ofSeconds(60)).until(() -> !admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems().isEmpty()
                && admin.pods().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems().size() == 1);
        assertEquals(0, admin.apps().deployments().inNamespace(APPS).withName(orders).get().getSpec().getReplicas(), "stopped while the undo runs");
        assertTrue(String.valueOf(record(name).getMetadata().getFinalizers()).contains("autonova.io/compensate"));

        cluster.kubectl("delete", "remediations.autonova.io", name, "-n", STATE, "--wait=false");
        await().atMost(Duration.ofSeconds(90)).until(() -> record(name) == null);
        assertTrue(admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems().isEmpty(), "the undo was stopped");
        assertTrue(admin.pods().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems().isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var d = admin.apps().deployments().inNamespace(APPS).withName(orders).get();
            return d.getSpec().getReplicas() == 2 && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas());
        });
        assertEquals("registry.local/ledger:2.0", image(APPS, orders), "not rolled back onto a schema in an unknown state");
        String events = cluster.kubectl("get", "events.events.k8s.io", "-n", APPS, "--field-selector", "regarding.name=" + orders,
                "-o", "jsonpath={range .items[*]}{.reason} {.note}{\"\\n\"}{end}");
        assertTrue(events.contains("RemediationAborted") && events.contains("deleted"), events);
    }

    @Test
    void migrationUndoRunsAsARealJobWhileTheAppIsStoppedThenTheAppIsRolledBack() throws Exception {
        String orders = unique("orders");
        deploy(APPS, orders, "registry.local/orders:1.0", "registry.local/orders:2.0");
        shipUndo(orders, "registry.local/orders:2.0", false);
        String name = act("MigrationErrors", orders);
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        var undo = admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems();
        assertEquals(1, undo.size());
        assertTrue(undo.get(0).getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Complete") && c.getStatus().equals("True")),
                "the real Job controller completed it");
        assertEquals("registry.local/orders:1.0", image(APPS, orders));
        awaitRolledOut(APPS, orders);
        assertEquals(2, admin.apps().deployments().inNamespace(APPS).withName(orders).get().getStatus().getAvailableReplicas());
    }

    @Test
    void aFailedMigrationUndoHoldsTheTargetAndNeverLeavesTheAppAtZero() throws Exception {
        String orders = unique("billing");
        deploy(APPS, orders, "registry.local/billing:1.0", "registry.local/billing:2.0");
        shipUndo(orders, "registry.local/billing:2.0", true);
        String name = act("MigrationErrors", orders);
        assertEquals("FAILED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertTrue(String.valueOf(record(name)).contains("MIGRATION_UNDO_FAILED"), () -> String.valueOf(record(name)));
        var undo = admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems();
        assertTrue(undo.get(0).getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Failed") && c.getStatus().equals("True")));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var d = admin.apps().deployments().inNamespace(APPS).withName(orders).get();
            return d.getSpec().getReplicas() == 2 && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas());
        });
        assertEquals("registry.local/billing:2.0", image(APPS, orders), "the schema is unknown: no rollback of the app onto it");
    }

    @Test
    void configurationRollbackRestoresTheConfigMapAndRestartsOntoIt() throws Exception {
        String app = unique("checkout");
        admin.configMaps().inNamespace(APPS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata().withName(app + "-config")
                .addToLabels("autonova.io/config-history", "true").endMetadata().addToData("MODE", "good").build()).create();
        admin.secrets().inNamespace(APPS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName(app + "-db")
                .addToLabels("autonova.io/config-history", "true").endMetadata().addToStringData("URL", "postgres://db/one").build()).create();
        deploy(APPS, app, c -> c.setEnvFrom(List.of(
                new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewConfigMapRef().withName(app + "-config").endConfigMapRef().build(),
                new io.fabric8.kubernetes.api.model.EnvFromSourceBuilder().withNewSecretRef().withName(app + "-db").endSecretRef().build())),
                "registry.local/checkout:1.0");
        await().atMost(Duration.ofSeconds(20)).until(() -> snapshots(app + "-config") == 1);
        admin.configMaps().inNamespace(APPS).withName(app + "-config").edit(c -> {
            c.getData().put("MODE", "broken");
            return c;
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> snapshots(app + "-config") == 2);
        String rsBefore = String.valueOf(admin.apps().deployments().inNamespace(APPS).withName(app).get().getMetadata().getGeneration());
        String name = act("ConfigErrors", app);
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("good", admin.configMaps().inNamespace(APPS).withName(app + "-config").get().getData().get("MODE"));
        assertTrue(!rsBefore.equals(String.valueOf(admin.apps().deployments().inNamespace(APPS).withName(app).get().getMetadata().getGeneration())),
                "restarted onto the restored configuration (a new template generation)");
        awaitRolledOut(APPS, app);
        assertTrue(admin.secrets().inNamespace(APPS).withLabel("autonova.io/snapshot-of", app + "-db").list().getItems().size() == 1,
                "the Secret's history is kept in its own kind, in the namespace opted in");
    }

    static int snapshots(String of) {
        return admin.configMaps().inNamespace(APPS).withLabel("autonova.io/snapshot-of", of).list().getItems().size();
    }

    @Test
    void alertsAimedAtProtectedOrUnlistedNamespacesAreRefusedAndWriteNothing() throws Exception {
        int before = admin.genericKubernetesResources(REMEDIATIONS).inNamespace(STATE).list().getItems().size();
        for (var c : List.of(List.of("kube-system", "NAMESPACE_PROTECTED"), List.of(STATE, "NAMESPACE_PROTECTED"), List.of("other", "NAMESPACE_NOT_ALLOWED"))) {
            JsonNode results = post(service, Alerts.firingNow(Map.of("alertname", "HighErrorRate", "namespace", c.get(0), "service", "coredns"), "0.9"));
            assertEquals(c.get(1), results.get(0).get("reason").asText(), results.toString());
        }
        assertEquals(before, admin.genericKubernetesResources(REMEDIATIONS).inNamespace(STATE).list().getItems().size());
    }

    /** The shipped RBAC, asked of the real authorizer: what the service needs in its namespaces, and nothing it must not have. */
    @Test
    void theServiceAccountMayDoWhatTheCodeNeedsAndNothingElse() throws Exception {
        for (String allowed : List.of("patch deployments -n apps", "list replicasets -n apps", "create jobs -n apps", "delete jobs -n apps", "get pods --subresource=log -n apps",
                "create events.events.k8s.io -n apps", "update remediations.autonova.io -n autonova-system", "update leases -n autonova-system",
                "create events.events.k8s.io -n autonova-system", "get secrets/autonova-remediator-seal -n autonova-system", "get secrets -n apps", // apps opted in to Secret history (install())
                "create tokenreviews.authentication.k8s.io", "create subjectaccessreviews.authorization.k8s.io")) { // operators' own tokens
            assertEquals("yes", canI(allowed), allowed);
        }
        for (String refused : List.of("get secrets -n other", "list secrets -A", "get secrets -n autonova-system", "get secrets -n kube-system", "patch deployments -n other",
                "patch deployments -n kube-system", "create jobs -n kube-system", "delete jobs -n kube-system", "create jobs -n other", "create pods -n apps",
                "delete remediations.autonova.io -n apps", "create clusterrolebindings", "impersonate serviceaccounts -n kube-system")) {
            assertEquals("no", canI(refused), refused);
        }
        JsonNode ready = JSON.readTree(service.get("/q/health/ready").body());
        assertEquals("UP", ready.get("status").asText(), ready.toString());
    }

    static String canI(String what) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("auth", "can-i"));
        args.addAll(List.of(what.split(" ")));
        args.addAll(List.of("--as", SA));
        String out = cluster.kubectlResult(null, args.toArray(String[]::new)).out().trim();
        return out.substring(out.lastIndexOf('\n') + 1); // after kubectl's warnings
    }

    /** A verb the code needs, taken away: the replica becomes unready and says which verb, on which resource, where. */
    @Test
    void aMissingVerbMakesTheServiceUnreadyAndNamesIt() throws Exception {
        String role = cluster.kubectl("get", "clusterrole", "autonova-remediator-rollback", "-o", "json");
        try {
            cluster.kubectl("patch", "clusterrole", "autonova-remediator-rollback", "--type=json",
                    "-p", "[{\"op\":\"replace\",\"path\":\"/rules/0/verbs\",\"value\":[\"get\"]}]");
            await().atMost(Duration.ofSeconds(20)).until(() -> service.get("/q/health/ready").statusCode() == 503);
            String ready = service.get("/q/health/ready").body();
            assertTrue(ready.contains("patch deployments.apps in apps (rollback)"), ready);
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.readString(LOGS.resolve("real-1.log"))
                    .contains("RBAC: the service account may not patch deployments.apps in apps (rollback)"));
        } finally {
            cluster.kubectlWith(role.replaceAll("\"resourceVersion\": \"[0-9]+\",", ""), "replace", "-f", "-");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> service.get("/q/health/ready").statusCode() == 200);
    }

    /**
     * Without the auth-delegator binding only operators' own tokens stop working: the replica says so by name and stays
     * ready (alerts, runs and the admin token need none of it); bound again, it is no longer reported.
     */
    @Test
    void aMissingAuthDelegatorBindingIsReportedWithoutMakingTheServiceUnready() throws Exception {
        var bindings = admin.rbac().clusterRoleBindings();
        var binding = bindings.withName("autonova-remediator-auth-delegator").get();
        assertNotNull(binding, "the base binds the service to system:auth-delegator");
        try {
            bindings.withName("autonova-remediator-auth-delegator").delete();
            await().atMost(Duration.ofSeconds(20)).until(() -> service.get("/q/health/ready").body().contains("optional: create tokenreviews"));
            var ready = service.get("/q/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("create subjectaccessreviews.authorization.k8s.io (all namespaces)"), ready.body());
            assertTrue(Files.readString(LOGS.resolve("real-1.log")).contains("RBAC: the service account may not create tokenreviews.authentication.k8s.io "
                    + "(all namespaces) (operators' own Kubernetes tokens on the operator API): operators' own Kubernetes tokens on the operator API will not work"));
            HttpResponse<String> answer = call("GET", "/api/v1/remediations", person("viewer"), null); // a new token: not a cached review
            assertEquals(503, answer.statusCode(), answer.body());
            assertEquals(200, call("GET", "/api/v1/remediations", ServiceProcess.ADMIN_TOKEN, null).statusCode());
        } finally {
            binding.getMetadata().setResourceVersion(null);
            binding.getMetadata().setUid(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> bindings.withName("autonova-remediator-auth-delegator").get() == null);
            bindings.resource(binding).create();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !service.get("/q/health/ready").body().contains("optional: create tokenreviews"));
    }

    /** Two replicas: the same alert delivered to both acts once; the run's owner SIGKILLed mid-run is taken over. */
    @Test
    void twoReplicasActOnceAndAKilledOwnerIsTakenOver() throws Exception {
        String api = unique("pay");
        deploy(APPS, api, "registry.local/pay:1.0", "registry.local/pay:2.0");
        serve(api);
        try (ServiceProcess second = startService("real-2", 18712, Map.of())) {
            Alerts.Spec alert = Alerts.firingNow(Map.of("alertname", "LatencyDegraded", "namespace", APPS, "deployment", api), null);
            var a = java.util.concurrent.CompletableFuture.supplyAsync(() -> send(service, alert));
            var b = java.util.concurrent.CompletableFuture.supplyAsync(() -> send(second, alert));
            List<String> names = java.util.stream.Stream.of(a.get(), b.get()).map(r -> r.get(0).get("remediation").asText()).distinct().toList();
            assertEquals(1, names.size(), "one record for one alert: " + names);
            String name = names.get(0);
            // Kill whichever replica owns the run once it is in its watch (the copy carries the traffic).
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> String.valueOf(record(name)).contains("name=watch"));
            String owner = owner(name);
            long killedAt = System.nanoTime();
            (owner.equals("real-2") ? second : service).kill();
            try {
                assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
                long took = (System.nanoTime() - killedAt) / 1_000_000;
                assertTrue(!owner.equals(owner(name)), "finished by the other replica");
                System.out.printf("real cluster: run %s owned by %s, SIGKILLed in its watch, finished by %s %d ms later%n", name, owner, owner(name), took);
                assertEquals(1, admin.genericKubernetesResources(REMEDIATIONS).inNamespace(STATE).withLabel("autonova.io/target-deployment", api)
                        .list().getItems().size());
                assertEquals("registry.local/pay:1.0", image(APPS, api));
            } finally {
                if (owner.equals("real-1")) {
                    service = startService("real-1", 18711, Map.of());
                }
            }
        }
    }

    /**
     * The owner freezes (SIGSTOP) while its undo runs; the other replica takes the Lease once it has seen it unrenewed for
     * a whole lease, and is told to abort: it stops the undo and brings the app back. The frozen one then wakes (SIGCONT)
     * believing it still owns the run: it must not act (no Job again, no scale to zero, no write to the ended record).
     */
    @Test
    void aFrozenOwnerThatWakesAfterLosingItsLeaseDoesNotAct() throws Exception {
        String orders = unique("vault");
        deploy(APPS, orders, "registry.local/vault:1.0", "registry.local/vault:2.0");
        shipUndo(orders, "registry.local/vault:2.0", false, Map.of("autonova.dev/no-such-node", "true"));
        try (ServiceProcess second = startService("real-2", 18712, Map.of())) {
            String name = act("MigrationErrors", orders);
            await().atMost(Duration.ofSeconds(60)).until(() -> !admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name)
                    .list().getItems().isEmpty() && String.valueOf(record(name)).contains("name=wait-migration-undo"));
            String owner = owner(name);
            ServiceProcess frozen = owner.equals("real-2") ? second : service;
            ServiceProcess other = frozen == second ? service : second;
            frozen.pause();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> !owner.equals(leaseHolder(orders)));
                HttpResponse<String> abort = ServiceProcess.HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + other.port() + "/api/v1/remediations/" + name + "/abort"))
                        .header("Authorization", "Bearer " + ServiceProcess.ADMIN_TOKEN).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertTrue(abort.statusCode() < 300, abort.statusCode() + " " + abort.body());
                assertEquals("ABORTED", awaitFinished(name), () -> String.valueOf(record(name)));
                awaitRolledOut(APPS, orders);
            } finally {
                frozen.resume();
            }
            String version = record(name).getMetadata().getResourceVersion();
            Thread.sleep(10_000); // the woken replica's workers, renewer and scan all run meanwhile
            assertTrue(admin.batch().v1().jobs().inNamespace(APPS).withLabel("autonova.io/remediation", name).list().getItems().isEmpty(),
                    "no undo Job started again");
            assertEquals(2, admin.apps().deployments().inNamespace(APPS).withName(orders).get().getSpec().getReplicas(), "not scaled to zero again");
            assertEquals(version, record(name).getMetadata().getResourceVersion(), "the ended record was not written again");
            assertTrue(!owner.equals(owner(name)), "ended by the replica that took the Lease over");
        }
    }

    /** The holder named in the target's Lease (spec.holderIdentity), or null. */
    static String leaseHolder(String deployment) {
        return admin.leases().inNamespace(STATE).withName(io.autonova.remediator.state.KubernetesStateStore.leaseName(APPS + "/" + deployment)).get()
                .getSpec().getHolderIdentity();
    }

    static JsonNode send(ServiceProcess replica, Alerts.Spec alert) {
        try {
            return post(replica, alert);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static String owner(String name) {
        return String.valueOf(((Map<String, Object>) record(name).getAdditionalProperties().get("status")).get("owner"));
    }

    /** A pause through the operator API is a RemediationPause the real CRD schema accepts, and it is honoured. */
    @Test
    void aPauseIsStoredAsARemediationPauseAndHonoured() throws Exception {
        String api = unique("search");
        deploy(APPS, api, "registry.local/search:1.0", "registry.local/search:2.0");
        var created = ServiceProcess.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + service.port() + "/api/v1/pauses"))
                .header("Authorization", "Bearer " + ServiceProcess.ADMIN_TOKEN).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"scope\":\"service\",\"namespace\":\"apps\",\"service\":\"" + api
                        + "\",\"reason\":\"release freeze\",\"createdBy\":\"sre@example.com\",\"duration\":\"10m\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        String pauses = cluster.kubectl("get", "remediationpauses", "-n", STATE, "-o", "jsonpath={range .items[*]}{.spec.service} {.spec.createdBy}{\"\\n\"}{end}");
        // The break-glass token is named as such; the body's createdBy is kept as whom it acted for.
        assertTrue(pauses.contains(api + " admin-token (break-glass) for sre@example.com"), pauses);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode r = post(service, Alerts.firingNow(Map.of("alertname", "HighErrorRate", "namespace", APPS, "service", api), "0.5"));
            return "PAUSED".equals(r.get(0).get("reason").asText());
        });
        assertEquals("registry.local/search:2.0", image(APPS, api));
    }

    /** An operator API request with a bearer token of one's own. */
    static HttpResponse<String> call(String method, String path, String bearer, String body) throws Exception {
        var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json");
        b.method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        return ServiceProcess.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A person: a ServiceAccount of the people namespace (a real Kubernetes user the TokenReview vouches for). */
    static String person(String name) throws Exception {
        if (admin.namespaces().withName("people").get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("people").endMetadata().build()).create();
        }
        cluster.kubectlWith(cluster.kubectl("create", "serviceaccount", name, "-n", "people", "--dry-run=client", "-o", "yaml"), "apply", "-f", "-");
        return cluster.token("people", name);
    }

    static void bind(String binding, String namespace, String clusterRole, String person) throws Exception {
        cluster.kubectlWith(cluster.kubectl("create", "rolebinding", binding, "-n", namespace, "--clusterrole=" + clusterRole,
                "--serviceaccount=people:" + person, "--dry-run=client", "-o", "yaml"), "apply", "-f", "-");
    }

    /**
     * Operators with their own Kubernetes tokens: real TokenReviews and SubjectAccessReviews against the shipped example
     * roles. A viewer reads but may not approve (403 naming the verb), an approver approves and is recorded by name, the
     * webhook token drives nothing, and a revoked RoleBinding takes effect within the review cache's time.
     */
    @Test
    void approvalsAreAuthorizedByKubernetesRbacAndRecordWhoApproved() throws Exception {
        String viewer = person("alice-viewer");
        String approver = person("bob-approver");
        bind("alice-views", STATE, "autonova-remediator-viewer", "alice-viewer");
        bind("bob-views", STATE, "autonova-remediator-viewer", "bob-approver");
        bind("bob-approves", APPS, "autonova-remediator-approver", "bob-approver");
        String api = unique("checkout");
        deploy(APPS, api, "registry.local/checkout:1.0", "registry.local/checkout:2.0");
        JsonNode results = post(service, Alerts.firingNow(Map.of("alertname", "NeedsApproval", "namespace", APPS, "service", api), null));
        String name = results.get(0).get("remediation").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> "AWAITING_APPROVAL".equals(phase(name))
                && JSON.readTree(call("GET", "/api/v1/remediations/" + name, viewer, null).body()).path("status").hasNonNull("preview"));
        JsonNode waiting = JSON.readTree(call("GET", "/api/v1/remediations/" + name, viewer, null).body());
        assertTrue(waiting.path("status").path("preview").path("steps").toString().contains("would JSON-patch Deployment " + APPS + "/" + api), waiting.toString());
        assertEquals("registry.local/checkout:2.0", image(APPS, api), "nothing changes before approval");

        HttpResponse<String> refused = call("POST", "/api/v1/remediations/" + name + "/approve", viewer, "{\"reason\":\"lgtm\"}");
        assertEquals(403, refused.statusCode(), refused.body());
        assertEquals("application/problem+json", refused.headers().firstValue("Content-Type").orElse("").split(";")[0]);
        assertTrue(refused.body().contains("'approve' on remediations.autonova.io in namespace " + APPS)
                && refused.body().contains("system:serviceaccount:people:alice-viewer"), refused.body());
        HttpResponse<String> webhookToken = call("POST", "/api/v1/remediations/" + name + "/approve", ServiceProcess.WEBHOOK_TOKEN, "{}");
        assertEquals(401, webhookToken.statusCode(), webhookToken.body());
        assertEquals(401, call("GET", "/api/v1/remediations", "not-a-token", null).statusCode());

        HttpResponse<String> approved = call("POST", "/api/v1/remediations/" + name + "/approve", approver, "{\"reason\":\"checked the canary\"}");
        assertEquals(200, approved.statusCode(), approved.body());
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/checkout:1.0", image(APPS, api));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) ((Map<String, Object>) record(name).getAdditionalProperties().get("status")).get("approval");
        assertEquals("system:serviceaccount:people:bob-approver", answer.get("by"));
        assertEquals("checked the canary", answer.get("reason"));
        String events = cluster.kubectl("get", "events.events.k8s.io", "-n", APPS, "--field-selector", "regarding.name=" + api,
                "-o", "jsonpath={range .items[*]}{.reason} {.note}{\"\\n\"}{end}");
        assertTrue(events.contains("RemediationApproved approved by system:serviceaccount:people:bob-approver via api"), events);

        // Revoked: the viewer's reads stop within the cache time (2s here) plus a review.
        assertEquals(200, call("GET", "/api/v1/remediations", viewer, null).statusCode());
        cluster.kubectl("delete", "rolebinding", "alice-views", "-n", STATE);
        long revoked = System.nanoTime();
        await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200))
                .until(() -> call("GET", "/api/v1/remediations", viewer, null).statusCode() == 403);
        long tookMs = (System.nanoTime() - revoked) / 1_000_000;
        System.out.println("[real-cluster] a revoked RoleBinding took effect on the operator API after " + tookMs + " ms (review cache 2s)");
        assertTrue(tookMs <= 4_000, "revocation took effect after " + tookMs + " ms");
    }

    /** The kubectl plugin (scripts/kubectl-remediation) run as a person: their kubeconfig, the control plane's kubectl first. */
    static RealCluster.Result plugin(String token, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("scripts/kubectl-remediation"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(cluster.serviceEnv(token));
        pb.environment().put("PATH", cluster.kubectlBinary().getParent() + ":" + System.getenv("PATH"));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(90, java.util.concurrent.TimeUnit.SECONDS), "plugin " + String.join(" ", args) + " finished");
        return new RealCluster.Result(p.exitValue(), out);
    }

    /**
     * kubectl only, no service URL: a person approves with the plugin, and the API server (RBAC and the shipped
     * ValidatingAdmissionPolicy) vouches for who they are. A viewer is refused by RBAC, a forged approver name by the
     * policy, an approver without approve in the target's namespace by the policy; the approver's answer is taken once.
     */
    @Test
    void kubectlApprovesThroughTheApiServerOnlyAndCannotBeForged() throws Exception {
        String frank = person("frank-approver");
        String gina = person("gina-viewer");
        String hank = person("hank-other");
        bind("frank-kubectl", STATE, "autonova-remediator-kubectl", "frank-approver");
        bind("frank-approves", APPS, "autonova-remediator-approver", "frank-approver");
        bind("gina-views", STATE, "autonova-remediator-viewer", "gina-viewer");
        bind("hank-kubectl", STATE, "autonova-remediator-kubectl", "hank-other"); // may annotate, may not approve in apps
        String api = unique("ledger");
        deploy(APPS, api, "registry.local/ledger:1.0", "registry.local/ledger:2.0");
        String name = post(service, Alerts.firingNow(Map.of("alertname", "NeedsApproval", "namespace", APPS, "service", api), null))
                .get(0).get("remediation").asText();
        await().atMost(Duration.ofSeconds(20)).until(() -> "AWAITING_APPROVAL".equals(phase(name)) && String.valueOf(record(name)).contains("preview={"));

        RealCluster.Result list = plugin(gina, "list");
        assertEquals(0, list.code(), list.out());
        assertTrue(list.out().contains(name) && list.out().contains("AWAITING_APPROVAL"), list.out());
        RealCluster.Result described = plugin(gina, "describe", name);
        assertTrue(described.out().contains("approval required by: [rule approve-first]") && described.out().contains("would JSON-patch Deployment"),
                described.out());
        RealCluster.Result viewer = plugin(gina, "approve", name);
        assertTrue(viewer.code() != 0 && viewer.out().contains("forbidden"), viewer.out());
        RealCluster.Result other = plugin(hank, "approve", name, "--reason", "me too");
        assertTrue(other.code() != 0 && other.out().contains("may not approve: it needs approve on remediations.autonova.io in namespace " + APPS), other.out());
        // Writing someone else's name by hand is refused by the policy.
        RealCluster.Result forged = cluster.kubectlResult(null, "--kubeconfig", cluster.serviceEnv(hank).get("KUBECONFIG"), "-n", STATE, "annotate",
                "remediations.autonova.io", name, "autonova.io/answer=approve", "autonova.io/answer-by=system:serviceaccount:people:frank-approver");
        assertTrue(forged.code() != 0 && forged.out().contains("answer-by must be your own user name"), forged.out());
        assertEquals("AWAITING_APPROVAL", phase(name));
        assertEquals("registry.local/ledger:2.0", image(APPS, api));

        RealCluster.Result approved = plugin(frank, "approve", name, "--reason", "checked with kubectl");
        assertEquals(0, approved.code(), approved.out());
        assertTrue(approved.out().contains("approved by system:serviceaccount:people:frank-approver"), approved.out());
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        assertEquals("registry.local/ledger:1.0", image(APPS, api));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) ((Map<String, Object>) record(name).getAdditionalProperties().get("status")).get("approval");
        assertEquals("kubectl", answer.get("via"));
        assertEquals("checked with kubectl", answer.get("reason"));
        assertTrue(!String.valueOf(record(name).getMetadata().getAnnotations()).contains("autonova.io/answer="), "the answer was taken off the record");

        // Pause and resume with kubectl: a RemediationPause in the person's name, honoured by the service.
        RealCluster.Result paused = plugin(frank, "pause", "--namespace", APPS, "--service", api, "--reason", "watching it", "--for", "10m");
        assertEquals(0, paused.code(), paused.out());
        String pauseId = paused.out().split(":")[0].trim();
        await().atMost(Duration.ofSeconds(10)).until(() -> "PAUSED".equals(post(service,
                Alerts.firingNow(Map.of("alertname", "HighErrorRate", "namespace", APPS, "service", api), "0.5")).get(0).get("reason").asText()));
        assertEquals(0, plugin(frank, "resume", pauseId).code());
    }

    /**
     * Two replicas, two approvers pressing at the same instant, one on each: the answer is written once (the
     * resourceVersion precondition of the real API server), the other approver is told who answered, and the run acts once.
     */
    @Test
    void twoApproversOnTwoReplicasApproveExactlyOnce() throws Exception {
        String dave = person("dave-approver");
        String erin = person("erin-approver");
        for (String p : List.of("dave-approver", "erin-approver")) {
            bind(p + "-approves", APPS, "autonova-remediator-approver", p);
        }
        String api = unique("basket");
        deploy(APPS, api, "registry.local/basket:1.0", "registry.local/basket:2.0");
        try (ServiceProcess second = startService("real-2", 18712, Map.of())) {
            String name = post(service, Alerts.firingNow(Map.of("alertname", "NeedsApproval", "namespace", APPS, "service", api), null))
                    .get(0).get("remediation").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> "AWAITING_APPROVAL".equals(phase(name)));
            var barrier = new java.util.concurrent.CyclicBarrier(2);
            java.util.function.BiFunction<ServiceProcess, String, HttpResponse<String>> approve = (replica, token) -> {
                try {
                    barrier.await();
                    var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + replica.port() + "/api/v1/remediations/" + name + "/approve"))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"reason\":\"race\"}")).build();
                    return ServiceProcess.HTTP.send(req, HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            var a = java.util.concurrent.CompletableFuture.supplyAsync(() -> approve.apply(service, dave));
            var b = java.util.concurrent.CompletableFuture.supplyAsync(() -> approve.apply(second, erin));
            List<HttpResponse<String>> answers = List.of(a.get(), b.get());
            List<Integer> codes = answers.stream().map(HttpResponse::statusCode).sorted().toList();
            assertEquals(List.of(200, 409), codes, answers.stream().map(HttpResponse::body).toList().toString());
            String loser = answers.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow().body();
            assertTrue(loser.contains("already approved by system:serviceaccount:people:"), loser);
            assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
            assertEquals("registry.local/basket:1.0", image(APPS, api));
            assertEquals(List.of(2L, 3L), revisions(APPS, api), "rolled back once");
        }
    }

    /**
     * The console in a real browser (console-test/approval.test.mjs), logged in with an operator's own Kubernetes
     * token: the run awaiting approval is listed with its preview and approved from the page, by that person.
     */
    @Test
    void theConsoleApprovesAsTheOperatorsOwnKubernetesUser() throws Exception {
        String carol = person("carol-approver");
        bind("carol-views", STATE, "autonova-remediator-viewer", "carol-approver");
        bind("carol-approves", APPS, "autonova-remediator-approver", "carol-approver");
        bind("carol-operates", APPS, "autonova-remediator-operator", "carol-approver"); // starts a run by hand
        String api = unique("orders");
        deploy(APPS, api, "registry.local/orders:1.0", "registry.local/orders:2.0");
        String name = post(service, Alerts.firingNow(Map.of("alertname", "NeedsApproval", "namespace", APPS, "service", api), null))
                .get(0).get("remediation").asText();
        String other = unique("refunds");
        deploy(APPS, other, "registry.local/refunds:1.0", "registry.local/refunds:2.0");
        String denied = post(service, Alerts.firingNow(Map.of("alertname", "NeedsApproval", "namespace", APPS, "service", other), null))
                .get(0).get("remediation").asText();
        String manual = unique("invoices");
        deploy(APPS, manual, "registry.local/invoices:1.0", "registry.local/invoices:2.0");
        await().atMost(Duration.ofSeconds(20)).until(() -> "AWAITING_APPROVAL".equals(phase(name)) && "AWAITING_APPROVAL".equals(phase(denied)));
        Path tests = Path.of("console-test");
        if (!Files.isDirectory(tests.resolve("node_modules/playwright-core"))) {
            assertEquals(0, new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--silent").directory(tests.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT).start().waitFor());
        }
        ProcessBuilder node = new ProcessBuilder("node", "approval.test.mjs").directory(tests.toFile()).redirectErrorStream(true)
                .redirectOutput(LOGS.resolve("console-approval.log").toFile());
        node.environment().putAll(Map.of("BASE_URL", "http://127.0.0.1:" + service.port(), "TOKEN", carol, "RECORD", name,
                "WHO", "system:serviceaccount:people:carol-approver", "DENY_RECORD", denied, "MANUAL_TARGET", APPS + "/" + manual));
        Process p = node.start();
        boolean ended = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
        String out = Files.readString(LOGS.resolve("console-approval.log"));
        assertTrue(ended && p.exitValue() == 0, out);
        assertEquals("SUCCEEDED", awaitFinished(name), () -> String.valueOf(record(name)));
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) ((Map<String, Object>) record(name).getAdditionalProperties().get("status")).get("approval");
        assertEquals("system:serviceaccount:people:carol-approver", answer.get("by"));
        assertEquals("console", answer.get("via"));
        assertEquals("registry.local/orders:1.0", image(APPS, api));
        assertEquals("DENIED", phase(denied));
        assertEquals("registry.local/refunds:2.0", image(APPS, other));
        assertEquals("registry.local/invoices:2.0", image(APPS, manual), "a dry-run started by hand changes nothing");
    }

    /** Every overlay is accepted by the real API server (schema, RBAC objects, PDB, NetworkPolicy), not only rendered. */
    @Test
    void everyOverlayPassesServerSideValidation() throws Exception {
        for (String overlay : List.of("k8s/base", "k8s/overlays/dev", "k8s/overlays/production", "k8s/overlays/cluster-wide")) {
            RealCluster.Result r = cluster.kubectlResult(cluster.render(overlay), "apply", "--dry-run=server", "--server-side", "--force-conflicts", "-f", "-");
            assertEquals(0, r.code(), overlay + ":\n" + r.out());
        }
    }
}
