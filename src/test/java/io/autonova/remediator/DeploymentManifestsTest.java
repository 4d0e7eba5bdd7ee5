package io.autonova.remediator;

import io.fabric8.kubernetes.api.model.HasMetadata;

import io.autonova.remediator.state.KubernetesStateStore;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The deployment files agree with the code: CRD names, RBAC for every call the service makes, config names. */
class DeploymentManifestsTest {

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("k8s/base"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (Object o : new Yaml().loadAll(Files.readString(f))) {
                    if (o != null) {
                        docs.add((Map<String, Object>) o);
                    }
                }
            }
        }
        return docs;
    }

    static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        return docs.stream().filter(d -> kind.equals(d.get("kind")) && name.equals(((Map<?, ?>) d.get("metadata")).get("name")))
                .findFirst().orElseThrow(() -> new AssertionError(kind + " " + name + " missing from k8s/base/"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void crdMatchesTheStore() throws IOException {
        Map<String, Object> crd = find(documents(), "CustomResourceDefinition", "remediations.autonova.io");
        Map<String, Object> spec = (Map<String, Object>) crd.get("spec");
        assertEquals(KubernetesStateStore.GROUP, spec.get("group"));
        assertEquals(KubernetesStateStore.REMEDIATION.getPlural(), ((Map<?, ?>) spec.get("names")).get("plural"));
        assertEquals(KubernetesStateStore.VERSION, ((Map<?, ?>) ((List<?>) spec.get("versions")).get(0)).get("name"));
        Map<String, Object> pauses = (Map<String, Object>) find(documents(), "CustomResourceDefinition", "remediationpauses.autonova.io").get("spec");
        assertEquals(KubernetesStateStore.PAUSE.getPlural(), ((Map<?, ?>) pauses.get("names")).get("plural"));
    }

    @Test
    void rbacGrantsEveryCallTheServiceMakesAndNoMore() throws IOException {
        List<Map<String, Object>> docs = documents();
        // (role, apiGroup, resource, verb) for each call in KubernetesStateStore, FabricClusterActions and the history watcher.
        String[][] calls = {
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "get"},
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "list"},
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "watch"},
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "create"},
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "update"},
                {"Role/autonova-remediator-state", "autonova.io", "remediations", "delete"},
                {"Role/autonova-remediator-state", "autonova.io", "remediationpauses", "list"},
                {"Role/autonova-remediator-state", "autonova.io", "remediationpauses", "watch"},
                {"Role/autonova-remediator-state", "autonova.io", "remediationpauses", "create"},
                {"Role/autonova-remediator-state", "autonova.io", "remediationpauses", "delete"},
                {"Role/autonova-remediator-state", "coordination.k8s.io", "leases", "get"},
                {"Role/autonova-remediator-state", "coordination.k8s.io", "leases", "list"},
                {"Role/autonova-remediator-state", "coordination.k8s.io", "leases", "watch"},
                {"Role/autonova-remediator-state", "coordination.k8s.io", "leases", "create"},
                {"Role/autonova-remediator-state", "coordination.k8s.io", "leases", "update"},
                {"Role/autonova-remediator-state", "", "configmaps", "get"},
                {"Role/autonova-remediator-state", "", "configmaps", "update"},
                {"Role/autonova-remediator-state", "", "configmaps", "list"},
                {"Role/autonova-remediator-state", "", "configmaps", "watch"},
                {"Role/autonova-remediator-state", "", "configmaps", "create"},
                {"Role/autonova-remediator-state", "events.k8s.io", "events", "create"},
                {"Role/autonova-remediator-state", "events.k8s.io", "events", "patch"},
                {"ClusterRole/autonova-remediator-rollback", "events.k8s.io", "events", "create"},
                {"ClusterRole/autonova-remediator-rollback", "events.k8s.io", "events", "patch"},
                {"ClusterRole/autonova-remediator-rollback", "apps", "deployments", "get"},
                {"ClusterRole/autonova-remediator-rollback", "apps", "deployments", "patch"},
                {"ClusterRole/autonova-remediator-rollback", "apps", "replicasets", "list"},
                {"ClusterRole/autonova-remediator-runbook", "apps", "deployments", "create"},
                {"ClusterRole/autonova-remediator-runbook", "apps", "deployments", "delete"},
                {"ClusterRole/autonova-remediator-runbook", "", "pods", "list"},
                {"ClusterRole/autonova-remediator-runbook", "", "services", "get"},
                {"ClusterRole/autonova-remediator-runbook", "", "services", "patch"},
                {"ClusterRole/autonova-remediator-runbook", "discovery.k8s.io", "endpointslices", "list"},
                {"ClusterRole/autonova-remediator-runbook", "autoscaling", "horizontalpodautoscalers", "list"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "get"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "list"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "watch"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "create"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "patch"},
                {"ClusterRole/autonova-remediator-runbook", "", "configmaps", "delete"},
                {"ClusterRole/autonova-remediator-migration", "batch", "jobs", "get"},
                {"ClusterRole/autonova-remediator-migration", "batch", "jobs", "list"},
                {"ClusterRole/autonova-remediator-migration", "batch", "jobs", "create"},
                {"ClusterRole/autonova-remediator-migration", "", "pods", "list"},
                {"ClusterRole/autonova-remediator-migration", "", "pods/log", "get"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "get"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "list"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "watch"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "create"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "patch"},
                {"ClusterRole/autonova-remediator-config-secrets", "", "secrets", "delete"},
                {"ClusterRole/autonova-remediator-runbook", "external-secrets.io", "externalsecrets", "get"},
                {"ClusterRole/autonova-remediator-runbook", "external-secrets.io", "externalsecrets", "patch"},
                {"Role/autonova-remediator-argocd", "argoproj.io", "applications", "get"},
                {"Role/autonova-remediator-argocd", "argoproj.io", "applications", "patch"}};
        int granted = 0;
        for (String[] call : calls) {
            String[] role = call[0].split("/");
            assertTrue(grants(find(docs, role[0], role[1]), call[1], call[2], call[3]), String.join(" ", call));
        }
        for (String role : List.of("Role/autonova-remediator-state", "ClusterRole/autonova-remediator-rollback", "ClusterRole/autonova-remediator-runbook",
                "ClusterRole/autonova-remediator-migration", "ClusterRole/autonova-remediator-config-secrets", "Role/autonova-remediator-argocd")) {
            String[] r = role.split("/");
            granted += countVerbs(find(docs, r[0], r[1]));
        }
        assertEquals(calls.length, granted, "a verb is granted that the service never uses");
        assertTrue(docs.stream().noneMatch(d -> String.valueOf(d).contains("\"*\"") || String.valueOf(d).contains("verbs=[*]")), "no wildcards");
        // Nothing is granted cluster-wide by default: workload rights come from RoleBindings in listed namespaces.
        assertTrue(docs.stream().noneMatch(d -> "ClusterRoleBinding".equals(d.get("kind"))), "the base binds nothing cluster-wide");
    }

    @Test
    @SuppressWarnings("unchecked")
    void deploymentConfiguresTheServiceByItsRealSettingNames() throws IOException {
        String deployment = String.valueOf(find(documents(), "Deployment", "autonova-remediator"));
        for (String env : List.of("REMEDIATOR_STATE_STORE", "REMEDIATOR_STATE_NAMESPACE", "REMEDIATOR_RULES_DIR",
                "REMEDIATOR_WEBHOOK_TOKEN_FILE", "REMEDIATOR_ADMIN_TOKEN_FILE", "REMEDIATOR_REPLICA_ID", "/q/health/ready", "/q/health/live")) {
            assertTrue(deployment.contains(env), env);
        }
        String kustomization = Files.readString(Path.of("k8s/base/kustomization.yaml"));
        assertTrue(kustomization.contains("../../rules/rollback.yaml"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void thePrometheusRuleCarriesExactlyThePlainRuleFilesGroups() throws IOException {
        var yaml = new org.yaml.snakeyaml.Yaml(new org.yaml.snakeyaml.constructor.SafeConstructor(new org.yaml.snakeyaml.LoaderOptions()));
        Map<String, Object> plain = yaml.load(Files.readString(Path.of("monitoring/prometheus/autonova.rules.yaml")));
        Map<String, Object> cr = yaml.load(Files.readString(Path.of("k8s/monitoring/prometheusrule.yaml")));
        assertEquals(plain.get("groups"), ((Map<String, Object>) cr.get("spec")).get("groups"),
                "regenerate k8s/monitoring/prometheusrule.yaml from monitoring/prometheus/autonova.rules.yaml");
        String rules = Files.readString(Path.of("rules/rollback.yaml")) + Files.readString(Path.of("rules/runbook.yaml"));
        for (String alert : List.of("HighErrorRate", "PodRestartsHigh", "LatencyDegraded")) {
            assertTrue(rules.contains("alertname=\"" + alert + "\""), alert + " feeds a shipped rule");
            assertTrue(String.valueOf(plain).contains("alert=" + alert), alert + " is defined for Prometheus");
        }
    }

    /** Renders a kustomization with the real kubectl (kustomize built in), as an operator would apply it. */
    static List<HasMetadata> render(String dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kubectl", "kustomize", "--load-restrictor", "LoadRestrictionsNone", dir).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), dir + " does not render: " + out);
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (!doc.isBlank()) {
                objects.add(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(doc));
            }
        }
        return objects;
    }

    /** Fields the Kubernetes model does not know end up in additionalProperties: a typo in a manifest is found here. */
    static void unknownFields(Object o, String path, List<String> found) throws ReflectiveOperationException {
        if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || o instanceof Enum<?>) {
            return;
        }
        if (o instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                unknownFields(l.get(i), path + "[" + i + "]", found);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                unknownFields(e.getValue(), path + "." + e.getKey(), found);
            }
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (java.lang.reflect.Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || g.getDeclaringClass() == Object.class || !(g.getName().startsWith("get") || g.getName().startsWith("is"))) {
                continue;
            }
            Object v = g.invoke(o);
            if (g.getName().equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    found.add(path + ": unknown field(s) " + extra.keySet());
                }
            } else if (!(o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource) && !(o instanceof io.fabric8.kubernetes.api.model.ObjectMeta
                    && g.getName().equals("getManagedFields"))) {
                unknownFields(v, path + "." + g.getName().replaceFirst("^(get|is)", ""), found);
            }
        }
    }

    @Test
    void everyOverlayRendersIntoKubernetesObjectsWithoutUnknownFields() throws Exception {
        for (String dir : List.of("k8s/base", "k8s/overlays/dev", "k8s/overlays/production", "k8s/overlays/cluster-wide")) {
            List<HasMetadata> objects = render(dir);
            List<String> problems = new ArrayList<>();
            for (HasMetadata o : objects) {
                if (o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource) {
                    problems.add(o.getKind() + " " + o.getMetadata().getName() + ": not a kind the Kubernetes model knows");
                } else {
                    unknownFields(o, o.getKind() + "/" + o.getMetadata().getName(), problems);
                }
            }
            assertEquals(List.of(), problems, dir);
        }
        var dev = (io.fabric8.kubernetes.api.model.apps.Deployment) render("k8s/overlays/dev").stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
        assertEquals(1, dev.getSpec().getReplicas());
        assertTrue(dev.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .anyMatch(e -> e.getName().equals("REMEDIATOR_DRY_RUN") && e.getValue().equals("true")), "dev is dry-run");
        List<HasMetadata> prod = render("k8s/overlays/production");
        var d = (io.fabric8.kubernetes.api.model.apps.Deployment) prod.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
        assertTrue(d.getSpec().getReplicas() >= 2);
        var pod = d.getSpec().getTemplate().getSpec();
        var c = pod.getContainers().get(0);
        assertTrue(pod.getSecurityContext().getRunAsNonRoot() && "RuntimeDefault".equals(pod.getSecurityContext().getSeccompProfile().getType()));
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem() && !c.getSecurityContext().getAllowPrivilegeEscalation()
                && c.getSecurityContext().getCapabilities().getDrop().contains("ALL"));
        assertTrue(c.getResources().getRequests().containsKey("cpu") && c.getResources().getLimits().containsKey("memory"));
        assertTrue(c.getReadinessProbe() != null && c.getLivenessProbe() != null && c.getStartupProbe() != null);
        assertTrue(pod.getTopologySpreadConstraints().stream().anyMatch(t -> t.getTopologyKey().equals("kubernetes.io/hostname")));
        assertTrue(prod.stream().anyMatch(o -> o.getKind().equals("PodDisruptionBudget")));
        var np = (io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy) prod.stream().filter(o -> o.getKind().equals("NetworkPolicy")).findFirst().orElseThrow();
        assertEquals(List.of("Ingress", "Egress"), np.getSpec().getPolicyTypes());
        assertTrue(np.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal() == 8080);

        // The default (base and production) is namespaced: no cluster-wide binding of the roles that act on workloads,
        // the rollback and runbook roles bound in each allowed namespace, Secrets bound nowhere.
        for (List<HasMetadata> scoped : List.of(render("k8s/base"), prod)) {
            assertTrue(scoped.stream().noneMatch(o -> o.getKind().equals("ClusterRoleBinding")), "no ClusterRoleBinding");
            assertTrue(scoped.stream().noneMatch(o -> o.getKind().equals("RoleBinding")
                    && ((io.fabric8.kubernetes.api.model.rbac.RoleBinding) o).getRoleRef().getName().equals("autonova-remediator-config-secrets")),
                    "Secrets are bound nowhere by default");
            var sd = (io.fabric8.kubernetes.api.model.apps.Deployment) scoped.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
            String allowed = sd.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                    .filter(e -> e.getName().equals("REMEDIATOR_ALLOWED_NAMESPACES")).findFirst().orElseThrow().getValue();
            for (String ns : allowed.split(",")) {
                for (String role : List.of("autonova-remediator-rollback", "autonova-remediator-runbook")) {
                    assertTrue(scoped.stream().anyMatch(o -> o.getKind().equals("RoleBinding") && ns.equals(o.getMetadata().getNamespace())
                            && role.equals(((io.fabric8.kubernetes.api.model.rbac.RoleBinding) o).getRoleRef().getName())), role + " bound in " + ns);
                }
            }
        }
        // Cluster-wide only as the explicit overlay, which drops the allow list with the per-namespace bindings.
        List<HasMetadata> wide = render("k8s/overlays/cluster-wide");
        assertEquals(3, wide.stream().filter(o -> o.getKind().equals("ClusterRoleBinding")).count());
        assertTrue(wide.stream().noneMatch(o -> o.getKind().equals("RoleBinding") && "apps".equals(o.getMetadata().getNamespace())));
        var wd = (io.fabric8.kubernetes.api.model.apps.Deployment) wide.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
        assertTrue(wd.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream().noneMatch(e -> e.getName().equals("REMEDIATOR_ALLOWED_NAMESPACES")));
    }

    @SuppressWarnings("unchecked")
    private static boolean grants(Map<String, Object> role, String group, String resource, String verb) {
        for (Map<String, Object> rule : (List<Map<String, Object>>) role.get("rules")) {
            if (((List<String>) rule.get("apiGroups")).contains(group) && ((List<String>) rule.get("resources")).contains(resource)
                    && ((List<String>) rule.get("verbs")).contains(verb)) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private static int countVerbs(Map<String, Object> role) {
        int n = 0;
        for (Map<String, Object> rule : (List<Map<String, Object>>) role.get("rules")) {
            n += ((List<String>) rule.get("resources")).size() * ((List<String>) rule.get("verbs")).size();
        }
        return n;
    }
}
