package io.autonova.remediator;

import io.fabric8.kubernetes.api.model.HasMetadata;

import io.autonova.remediator.cluster.Permissions;
import io.autonova.remediator.rules.Scenario;
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
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("k8s/base")), Files.list(Path.of("k8s/components/argocd")))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml")).sorted().toList()) {
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

    /**
     * The image's entrypoint, run with a {@code java} that prints its arguments: JAVA_OPTS_APPEND (the chart's jvm.options)
     * comes after the image's own flags, so its -Xmx wins; unset, it adds no argument; arguments after the image's are kept.
     */
    @Test
    void theImagesEntrypointPutsJavaOptsAppendAfterItsOwnFlags(@org.junit.jupiter.api.io.TempDir Path bin) throws Exception {
        String line = Files.readAllLines(Path.of("docker/Dockerfile.jvm")).stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        List<String> entrypoint = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line.substring("ENTRYPOINT ".length()),
                new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        assertTrue(java.toFile().setExecutable(true));
        Files.writeString(bin.resolve("-XX:Glob1"), ""); // a flag with a * must not expand to file names
        List<String> with = run(entrypoint, bin, "-Xmx160m -XX:TieredStopAtLevel=1 -XX:Glob*");
        assertTrue(with.contains("-XX:Glob*"), with.toString());
        assertTrue(with.indexOf("-Xmx96m") >= 0 && with.indexOf("-Xmx160m") > with.indexOf("-Xmx96m"), with.toString());
        assertTrue(with.indexOf("-XX:TieredStopAtLevel=1") < with.indexOf("-jar"), with.toString());
        assertEquals(List.of("-jar", "/deployments/quarkus-run.jar", "--extra"), with.subList(with.size() - 3, with.size()));
        List<String> without = run(entrypoint, bin, null);
        assertEquals(with.size() - 3, without.size(), without.toString());
        assertTrue(!without.contains(""), without.toString());
    }

    private static List<String> run(List<String> entrypoint, Path bin, String append) throws Exception {
        List<String> cmd = new ArrayList<>(entrypoint);
        cmd.add("--extra");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(bin.toFile()).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().remove("JAVA_OPTS_APPEND");
        if (append != null) {
            pb.environment().put("JAVA_OPTS_APPEND", append);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return List.of(out.split("\n"));
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

    /** (apiGroup, resource, verb, resource name) a role grants. */
    @SuppressWarnings("unchecked")
    static java.util.Set<String> granted(Map<String, Object> role) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (Map<String, Object> rule : (List<Map<String, Object>>) role.get("rules")) {
            List<String> names = (List<String>) rule.getOrDefault("resourceNames", List.of(""));
            for (String g : (List<String>) rule.get("apiGroups")) {
                for (String r : (List<String>) rule.get("resources")) {
                    for (String v : (List<String>) rule.get("verbs")) {
                        for (String n : names) {
                            out.add((g + " " + r + " " + v + " " + n).trim());
                        }
                    }
                }
            }
        }
        return out;
    }

    static java.util.Set<String> needed(List<Permissions.Permission> perms, String namespace) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        perms.stream().filter(p -> p.namespace().equals(namespace)).forEach(p -> out.add((p.group() + " " + p.resource() + " " + p.verb() + " " + p.name()).trim()));
        return out;
    }

    /**
     * Both directions: every call the service needs (Permissions, which the service checks against the API server at start) is
     * granted by the shipped roles, and nothing else is; each scenario's calls are in the ClusterRole named for it.
     */
    @Test
    void rbacGrantsEveryCallTheServiceMakesAndNoMore() throws IOException {
        List<Map<String, Object>> docs = documents();
        var everything = Permissions.required("autonova-system", "autonova-remediator-policy", List.of("apps"), Scenario.all(), true, List.of("*"), "argocd");
        assertEquals(needed(everything, "autonova-system"), granted(find(docs, "Role", "autonova-remediator-state")), "state namespace");
        assertEquals(needed(everything, "argocd"), granted(find(docs, "Role", "autonova-remediator-argocd")), "Argo CD");
        java.util.Set<String> workload = new java.util.TreeSet<>();
        for (String role : List.of("rollback", "runbook", "migration", "config-secrets")) {
            workload.addAll(granted(find(docs, "ClusterRole", "autonova-remediator-" + role)));
        }
        assertEquals(needed(everything, "apps"), workload, "a target namespace");
        // The split: scenarios 1-2 need only the rollback role; history and scenarios 3 and 5 the runbook role; 4 migration.
        assertTrue(granted(find(docs, "ClusterRole", "autonova-remediator-rollback")).containsAll(
                needed(Permissions.required("s", "p", List.of("apps"), List.of(scenario("immediate-rollback"), scenario("selective-rollback")), false, List.of(), "argocd"), "apps")));
        java.util.Set<String> runbook = new java.util.TreeSet<>(granted(find(docs, "ClusterRole", "autonova-remediator-rollback")));
        runbook.addAll(granted(find(docs, "ClusterRole", "autonova-remediator-runbook")));
        assertTrue(runbook.containsAll(needed(Permissions.required("s", "p", List.of("apps"), List.of(scenario("gradual-rollback"), scenario("configuration-rollback")),
                true, List.of(), "argocd"), "apps")));
        java.util.Set<String> migration = new java.util.TreeSet<>(granted(find(docs, "ClusterRole", "autonova-remediator-rollback")));
        migration.addAll(granted(find(docs, "ClusterRole", "autonova-remediator-migration")));
        assertTrue(migration.containsAll(needed(Permissions.required("s", "p", List.of("apps"), List.of(scenario("database-migration-rollback")), false, List.of(), "argocd"), "apps")));
        assertTrue(docs.stream().noneMatch(d -> String.valueOf(d).contains("\"*\"") || String.valueOf(d).contains("verbs=[*]")), "no wildcards");
        // Nothing is granted cluster-wide by default: workload rights come from RoleBindings in listed namespaces.
        // (The auth-delegator binding for operators' tokens is operator-access.yaml's, checked in the manifests test below.)
        assertTrue(docs.stream().filter(d -> "ClusterRoleBinding".equals(d.get("kind")))
                .allMatch(d -> "system:auth-delegator".equals(((Map<?, ?>) d.get("roleRef")).get("name"))), "the base binds no workload rights cluster-wide");
        assertTrue(granted(find(docs, "ClusterRole", "autonova-remediator-runbook")).stream().noneMatch(g -> g.split(" ")[1].equals("secrets")), "Secrets in their own role");
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
            // The one cluster-wide binding is Kubernetes' auth-delegator: reviewing operators' tokens and rights, no workload rights.
            assertEquals(List.of("system:auth-delegator"), scoped.stream().filter(o -> o.getKind().equals("ClusterRoleBinding"))
                    .map(o -> ((io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding) o).getRoleRef().getName()).toList(), "no workload ClusterRoleBinding");
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
        assertEquals(4, wide.stream().filter(o -> o.getKind().equals("ClusterRoleBinding")).count(), "rollback, runbook, migration, auth-delegator");
        assertTrue(wide.stream().noneMatch(o -> o.getKind().equals("RoleBinding") && "apps".equals(o.getMetadata().getNamespace())));
        var wd = (io.fabric8.kubernetes.api.model.apps.Deployment) wide.stream().filter(o -> o.getKind().equals("Deployment")).findFirst().orElseThrow();
        assertTrue(wd.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream().noneMatch(e -> e.getName().equals("REMEDIATOR_ALLOWED_NAMESPACES")));
    }

    private static Scenario scenario(String name) {
        return Scenario.fromRuleName(name).orElseThrow();
    }
}
