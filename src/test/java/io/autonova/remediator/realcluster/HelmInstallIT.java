package io.autonova.remediator.realcluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.fixtures.RealCluster;
import io.autonova.remediator.fixtures.ServiceProcess;
import io.autonova.remediator.it.Alerts;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart on the real control plane: `helm install` as an operator runs it, the service running as the chart's
 * ServiceAccount becomes Ready under the chart's RBAC (its permission check is part of readiness) and rolls back one
 * Deployment for one alert; `helm upgrade` with changed rules reaches the service; `helm uninstall` leaves no
 * cluster-scoped object but the CRDs. The pods themselves are KWOK's (no images run here): the service runs beside the
 * cluster with the token a pod of the chart would mount, and reads the rules ConfigMap as its volume would show it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmInstallIT {

    static final String CHART = "charts/autonova-remediator";
    static final String RELEASE = "helmtest";
    static final String NS = "autonova-helm";
    static final String APPS = "helm-apps";
    static final String SA = RELEASE + "-autonova-remediator";
    static final Path LOGS = Path.of("target/helm-install-it");
    static final ObjectMapper JSON = new ObjectMapper();

    static RealCluster cluster;
    static KubernetesClient admin;
    static ServiceProcess service;
    static Path rulesDir;

    static String helm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("scripts/helm", "--kubeconfig", cluster.kubeconfig().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", args) + ":\n" + out);
        return out;
    }

    static Path rules(String name, String text) throws Exception {
        Path f = Files.createDirectories(LOGS).resolve(name);
        Files.writeString(f, text);
        return f;
    }

    static final String ONE_RULE = """
            rules:
              - name: helm-error-rate
                matchers: ['alertname="HighErrorRate"']
                threshold: {value: annotation:value, op: ">", bound: 0.10}
                target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.service }}"}
                scenario: immediate-rollback
            """;

    /** What the rules volume of a pod shows: the ConfigMap's keys as files (the kubelet's job; no kubelet here). */
    static void syncRulesVolume() throws Exception {
        var cm = admin.configMaps().inNamespace(NS).withName(SA + "-rules").get();
        try (var old = Files.list(rulesDir)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        for (Map.Entry<String, String> e : cm.getData().entrySet()) {
            Files.writeString(rulesDir.resolve(e.getKey()), e.getValue());
        }
    }

    @BeforeAll
    static void install() throws Exception {
        cluster = RealCluster.shared();
        admin = cluster.admin();
        if (admin.namespaces().withName(APPS).get() == null) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(APPS).endMetadata().build()).create();
        }
        Files.createDirectories(LOGS);
        String out = helm("install", RELEASE, CHART, "-n", NS, "--create-namespace", "--wait", "--timeout", "2m",
                "--set", "namespaces.allowed={" + APPS + "}", "--set", "namespaces.migration={" + APPS + "}",
                "--set-file", "rules.files.rules\\.yaml=" + rules("one.yaml", ONE_RULE));
        assertTrue(out.contains("STATUS: deployed"), out);
        assertTrue(out.contains("It may act in: " + APPS), "the notes say where it may act: " + out);
        // The tokens Secret the chart mounts: created by the operator, never by the chart.
        cluster.kubectl("-n", NS, "create", "secret", "generic", "autonova-remediator-tokens",
                "--from-literal=webhook-token=" + ServiceProcess.WEBHOOK_TOKEN, "--from-literal=admin-token=" + ServiceProcess.ADMIN_TOKEN);
        rulesDir = Files.createDirectories(LOGS.resolve("rules"));
        syncRulesVolume();
        // As the chart's Deployment sets them (HelmChartTest holds the chart to these names).
        Map<String, String> env = RealClusterIT.serviceEnv(cluster, cluster.token(NS, SA), NS, APPS);
        env.put("REMEDIATOR_RULES_RELOAD_INTERVAL", "500ms");
        service = ServiceProcess.start("helm-1", 18721, rulesDir.toString(), List.of(), env, LOGS).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.stop();
        }
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    @Order(1)
    void theChartsDeploymentIsUpAndTheServiceIsReadyUnderTheChartsRbac() throws Exception {
        Deployment d = admin.apps().deployments().inNamespace(NS).withName(SA).get();
        assertEquals(2, d.getStatus().getReadyReplicas(), "helm --wait saw it Ready (KWOK's pods)");
        // Readiness includes the permission check: the chart's RBAC gives every call the configuration needs.
        HttpResponse<String> ready = ServiceProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/q/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode(), ready.body());
        // And nothing beyond its namespaces: no right to patch a Deployment elsewhere.
        String can = cluster.kubectlResult(null, "auth", "can-i", "patch", "deployments", "-n", "default", "--as", "system:serviceaccount:" + NS + ":" + SA).out();
        assertTrue(can.trim().startsWith("no"), can);
    }

    @Test
    @Order(2)
    void oneAlertIsRolledBackEndToEnd() throws Exception {
        String api = "api-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        RealClusterIT.deploy(admin, APPS, api, c -> {
        }, "registry.local/api:1.0", "registry.local/api:2.0");
        HttpResponse<String> r = ServiceProcess.HTTP.send(service.webhook(Alerts.body(Alerts.firingNow(Map.of("alertname", "HighErrorRate", "namespace", APPS,
                "service", api), "0.4"))), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode result = JSON.readTree(r.body()).get("results").get(0);
        assertEquals("ALL_CHECKS_PASSED", result.get("reason").asText(), r.body());
        String name = result.get("remediation").asText();
        await().atMost(Duration.ofSeconds(90)).until(() -> "SUCCEEDED".equals(RealClusterIT.phase(admin, NS, name)));
        assertEquals("registry.local/api:1.0", admin.apps().deployments().inNamespace(APPS).withName(api).get().getSpec().getTemplate().getSpec()
                .getContainers().get(0).getImage());
    }

    @Test
    @Order(3)
    void anUpgradeWithChangedRulesReachesTheService() throws Exception {
        String before = admin.apps().deployments().inNamespace(NS).withName(SA).get().getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/rules");
        helm("upgrade", RELEASE, CHART, "-n", NS, "--reuse-values",
                "--set-file", "rules.files.rules\\.yaml=" + rules("two.yaml", ONE_RULE + """
                          - name: helm-restarts
                            matchers: ['alertname="PodRestartsHigh"']
                            target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                            scenario: selective-rollback
                        """));
        String after = admin.apps().deployments().inNamespace(NS).withName(SA).get().getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/rules");
        assertTrue(!before.equals(after), "changed rules roll the pods");
        syncRulesVolume();
        await().atMost(Duration.ofSeconds(20)).until(() -> rulesLoaded().contains("helm-restarts"));
    }

    @Test
    @Order(4)
    void anUninstallLeavesNoClusterScopedObjectButTheCrds() throws Exception {
        service.stop();
        service = null;
        helm("uninstall", RELEASE, "-n", NS, "--wait");
        String left = cluster.kubectl("get", "clusterroles,clusterrolebindings", "-l", "app.kubernetes.io/instance=" + RELEASE, "-o", "name");
        assertEquals("", left.trim(), left);
        assertTrue(admin.rbac().clusterRoles().list().getItems().stream().noneMatch(c -> c.getMetadata().getName().startsWith(SA)));
        assertTrue(admin.rbac().roleBindings().inNamespace(APPS).list().getItems().stream().noneMatch(b -> b.getMetadata().getName().startsWith(SA)));
        assertTrue(cluster.kubectl("get", "crd", "remediations.autonova.io", "-o", "name").contains("remediations.autonova.io"), "Helm keeps CRDs");
    }

    static String rulesLoaded() throws Exception {
        return ServiceProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/api/v1/rules"))
                .header("Authorization", "Bearer " + ServiceProcess.ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
