package io.autonova.remediator;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Helm chart and k8s/ must not drift: the chart renders, with the settings each kustomization stands for, the same
 * objects with the same rights, bindings and service settings (labels aside: Helm's own). The rights themselves are
 * read by the chart from k8s/ (one source); this test holds the rest. Helm is the real binary (scripts/helm).
 */
class HelmChartTest {

    static final String CHART = "charts/autonova-remediator";

    record Rendered(int exit, String out) {
    }

    static Rendered helm(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("scripts/helm"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        return new Rendered(exit, exit == 0 ? out : err + out);
    }

    /** The chart rendered as `helm template` would give it to the API server, CRDs included. */
    static Map<String, HasMetadata> chart(String... set) throws Exception {
        List<String> args = new ArrayList<>(List.of("template", "autonova-remediator", CHART, "-n", "autonova-system", "--include-crds"));
        for (String s : set) {
            args.add(s.startsWith("--") ? s : "--set");
            if (!s.startsWith("--")) {
                args.add(s);
            }
        }
        Rendered r = helm(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.out());
        return byIdentity(parse(r.out()));
    }

    static List<HasMetadata> parse(String yaml) {
        List<HasMetadata> objects = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (!doc.replaceAll("(?m)^#.*$", "").isBlank()) {
                HasMetadata o;
                try {
                    o = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(doc);
                } catch (IllegalArgumentException notInTheModel) { // the Prometheus Operator's kinds
                    o = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(doc, io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
                }
                objects.add(o);
            }
        }
        return objects;
    }

    static Map<String, HasMetadata> byIdentity(List<HasMetadata> objects) {
        Map<String, HasMetadata> m = new TreeMap<>();
        for (HasMetadata o : objects) {
            String key = o.getKind() + " " + (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/") + o.getMetadata().getName();
            assertEquals(null, m.put(key, o), "rendered twice: " + key);
        }
        return m;
    }

    static Map<String, HasMetadata> kustomize(String dir) throws Exception {
        Map<String, HasMetadata> m = new TreeMap<>();
        for (Map.Entry<String, HasMetadata> e : byIdentity(DeploymentManifestsTest.render(dir)).entrySet()) {
            if (!e.getKey().startsWith("Namespace ")) { // Helm installs into a namespace it is given
                // Kustomize's generator suffixes a content hash; the chart rolls the pods with a checksum instead.
                m.put(e.getKey().replaceFirst("^(ConfigMap .*-rules)-[a-z0-9]{10}$", "$1"), e.getValue());
            }
        }
        return m;
    }

    static Container container(Map<String, HasMetadata> objects) {
        return ((Deployment) objects.get("Deployment autonova-system/autonova-remediator")).getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    static Map<String, String> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() != null ? e.getValue() : String.valueOf(e.getValueFrom().getFieldRef().getFieldPath())));
    }

    /** The same objects, the same rights and bindings, and the service configured the same. */
    static void same(Map<String, HasMetadata> kustomized, Map<String, HasMetadata> chart) {
        assertEquals(kustomized.keySet(), chart.keySet(), "the same objects");
        for (String key : kustomized.keySet()) {
            HasMetadata k = kustomized.get(key);
            HasMetadata c = chart.get(key);
            if (k instanceof Role kr) {
                assertEquals(kr.getRules(), ((Role) c).getRules(), key);
            } else if (k instanceof ClusterRole kr) {
                assertEquals(kr.getRules(), ((ClusterRole) c).getRules(), key);
            } else if (k instanceof RoleBinding kb) {
                assertEquals(kb.getRoleRef(), ((RoleBinding) c).getRoleRef(), key);
                assertEquals(kb.getSubjects(), ((RoleBinding) c).getSubjects(), key);
            } else if (k instanceof ClusterRoleBinding kb) {
                assertEquals(kb.getRoleRef(), ((ClusterRoleBinding) c).getRoleRef(), key);
                assertEquals(kb.getSubjects(), ((ClusterRoleBinding) c).getSubjects(), key);
            } else if (k instanceof NetworkPolicy kn) {
                assertEquals(kn.getSpec().getIngress(), ((NetworkPolicy) c).getSpec().getIngress(), key);
                assertEquals(kn.getSpec().getEgress(), ((NetworkPolicy) c).getSpec().getEgress(), key);
            } else if (k instanceof PodDisruptionBudget kp) {
                assertEquals(kp.getSpec().getMaxUnavailable(), ((PodDisruptionBudget) c).getSpec().getMaxUnavailable(), key);
            } else if (k instanceof Deployment kd) {
                Deployment cd = (Deployment) c;
                assertEquals(kd.getSpec().getReplicas(), cd.getSpec().getReplicas(), key);
                var kp = kd.getSpec().getTemplate().getSpec();
                var cp = cd.getSpec().getTemplate().getSpec();
                assertEquals(kp.getSecurityContext(), cp.getSecurityContext(), key);
                if (!kp.getTopologySpreadConstraints().isEmpty()) {
                    assertEquals(kp.getTopologySpreadConstraints().stream().map(t -> t.getTopologyKey() + " " + t.getWhenUnsatisfiable() + " " + t.getMaxSkew()).toList(),
                            cp.getTopologySpreadConstraints().stream().map(t -> t.getTopologyKey() + " " + t.getWhenUnsatisfiable() + " " + t.getMaxSkew()).toList(), key);
                }
                Container kc = kp.getContainers().get(0);
                Container cc = cp.getContainers().get(0);
                for (Map.Entry<String, String> e : env(kc).entrySet()) {
                    assertEquals(e.getValue(), env(cc).get(e.getKey()), key + " env " + e.getKey());
                }
                assertEquals(kc.getResources(), cc.getResources(), key);
                assertEquals(kc.getReadinessProbe(), cc.getReadinessProbe(), key);
                assertEquals(kc.getLivenessProbe(), cc.getLivenessProbe(), key);
                assertEquals(kc.getStartupProbe(), cc.getStartupProbe(), key);
                assertEquals(kc.getSecurityContext(), cc.getSecurityContext(), key);
                assertEquals(kc.getVolumeMounts(), cc.getVolumeMounts(), key);
            }
        }
    }

    @Test
    void theDefaultsAreTheBase() throws Exception {
        same(kustomize("k8s/base"), chart("podDisruptionBudget.enabled=false"));
    }

    @Test
    void devSettingsAreTheDevOverlay() throws Exception {
        same(kustomize("k8s/overlays/dev"), chart("podDisruptionBudget.enabled=false", "replicas=1", "dryRun=true",
                "resources.requests.cpu=50m", "resources.requests.memory=160Mi"));
    }

    @Test
    void productionSettingsAreTheProductionOverlay() throws Exception {
        same(kustomize("k8s/overlays/production"), chart("replicas=3", "networkPolicy.enabled=true", "topologySpread.nodes=DoNotSchedule", "resources.requests.cpu=250m",
                "resources.requests.memory=256Mi", "resources.limits.memory=512Mi"));
    }

    @Test
    void clusterWideIsTheClusterWideOverlayAndNeverTheDefault() throws Exception {
        Map<String, HasMetadata> chart = chart("rbac.scope=cluster-wide", "replicas=3", "networkPolicy.enabled=true", "topologySpread.nodes=DoNotSchedule",
                "resources.requests.cpu=250m",
                "resources.requests.memory=256Mi", "resources.limits.memory=512Mi");
        same(kustomize("k8s/overlays/cluster-wide"), chart);
        assertTrue(!env(container(chart)).containsKey("REMEDIATOR_ALLOWED_NAMESPACES"));
        // The one ClusterRoleBinding by default is Kubernetes' auth-delegator (operators' tokens reviewed): no workload rights.
        Map<String, HasMetadata> defaults = chart("podDisruptionBudget.enabled=false");
        assertEquals(List.of("ClusterRoleBinding autonova-remediator-auth-delegator"),
                defaults.keySet().stream().filter(k -> k.startsWith("ClusterRoleBinding ")).toList(), "no workload ClusterRoleBinding unless asked for");
        assertEquals("system:auth-delegator", ((ClusterRoleBinding) defaults.get("ClusterRoleBinding autonova-remediator-auth-delegator")).getRoleRef().getName());
        assertTrue(chart("rbac.kubernetesUsers=false").keySet().stream().noneMatch(k -> k.startsWith("ClusterRoleBinding ")));
    }

    /** jvm.options reach the image's entrypoint as JAVA_OPTS_APPEND (DeploymentManifestsTest runs that entrypoint). */
    @Test
    void jvmOptionsAreAppendedOnlyWhenGiven() throws Exception {
        assertTrue(!env(container(chart())).containsKey("JAVA_OPTS_APPEND"));
        assertEquals("-Xmx160m", env(container(chart("jvm.options=-Xmx160m"))).get("JAVA_OPTS_APPEND"));
    }

    @Test
    void argoCdIsTheComponent() throws Exception {
        Map<String, HasMetadata> chart = chart("argocd.enabled=true");
        Map<String, HasMetadata> component = byIdentity(parse(java.nio.file.Files.readString(java.nio.file.Path.of("k8s/components/argocd/rbac.yaml"))));
        for (String key : component.keySet()) {
            assertTrue(chart.containsKey(key), key + " in " + chart.keySet());
        }
        same(component, chart.entrySet().stream().filter(e -> component.containsKey(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertEquals("argocd", env(container(chart)).get("REMEDIATOR_ARGOCD_NAMESPACE"));
    }

    /** Every documented combination renders objects the Kubernetes model knows in full (a typo is an unknown field). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "defaults|",
            "dry-run, listed namespaces, Secrets|dryRun=true,namespaces.allowed={shop,pay},namespaces.migration={shop},namespaces.configSecrets={pay}",
            "peers from Secrets|prometheus.url=http://prometheus:9090,prometheus.tokenSecret.name=prom,grafana.url=https://grafana.example,grafana.tokenSecret.name=graf,chat.webhookSecret.name=chat,chat.consoleUrl=https://remediator.example",
            "Kafka|kafka.bootstrapServers=kafka:9092,kafka.webhookBackbone=true",
            "your rules, your ConfigMap|rules.existingConfigMap=my-rules",
            "monitoring with the operator's CRDs|monitoring.dashboard=true,--api-versions=monitoring.coreos.com/v1/ServiceMonitor,--api-versions=monitoring.coreos.com/v1/PrometheusRule",
    })
    void everyDocumentedCombinationRendersValidObjects(String name, String sets) throws Exception {
        List<String> args = new ArrayList<>();
        if (sets != null) {
            for (String s : sets.split(",(?=[a-zA-Z.]+=|--)")) {
                args.add(s);
            }
        }
        Map<String, HasMetadata> objects = chart(args.toArray(String[]::new));
        List<String> unknown = new ArrayList<>();
        for (HasMetadata o : objects.values()) {
            if (!(o instanceof io.fabric8.kubernetes.api.model.GenericKubernetesResource)) { // not in the model: nothing to hold it to
                DeploymentManifestsTest.unknownFields(o, o.getKind() + " " + o.getMetadata().getName(), unknown);
            }
        }
        assertEquals(List.of(), unknown, name);
        if (name.startsWith("monitoring")) {
            assertTrue(objects.containsKey("ServiceMonitor autonova-system/autonova-remediator"), objects.keySet().toString());
            assertTrue(objects.containsKey("PrometheusRule autonova-system/autonova-remediator"), objects.keySet().toString());
            assertTrue(objects.containsKey("ConfigMap autonova-system/autonova-remediator-dashboard"), objects.keySet().toString());
        }
        if (name.startsWith("your rules")) {
            assertTrue(!objects.containsKey("ConfigMap autonova-system/autonova-remediator-rules"), "the chart does not render a ConfigMap you manage");
        }
    }

    @Test
    void withoutTheOperatorsCrdsThereIsNoServiceMonitor() throws Exception {
        assertTrue(chart().keySet().stream().noneMatch(k -> k.startsWith("ServiceMonitor") || k.startsWith("PrometheusRule")));
    }

    @Test
    void theShippedRulesAreTheRulesFolder() throws Exception {
        var cm = (io.fabric8.kubernetes.api.model.ConfigMap) chart().get("ConfigMap autonova-system/autonova-remediator-rules");
        assertEquals(new TreeSet<>(List.of("rollback.yaml", "runbook.yaml")), new TreeSet<>(cm.getData().keySet()));
        assertEquals(java.nio.file.Files.readString(java.nio.file.Path.of("rules/rollback.yaml")), cm.getData().get("rollback.yaml"));
    }

    @Test
    void changedRulesRollThePods() throws Exception {
        String before = ((Deployment) chart().get("Deployment autonova-system/autonova-remediator")).getSpec().getTemplate().getMetadata()
                .getAnnotations().get("checksum/rules");
        String after = ((Deployment) chart("rules.files.mine\\.yaml=rules: []").get("Deployment autonova-system/autonova-remediator")).getSpec()
                .getTemplate().getMetadata().getAnnotations().get("checksum/rules");
        assertNotEquals(before, after);
    }

    /** What the service would refuse, the schema refuses, before anything reaches a cluster. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unknown key|--set|surprise=1|surprise",
            "a misspelt setting|--set|namespace.allowed={apps}|namespace",
            "a duration the service cannot read|--set|execution.verifyTimeout=5 minutes|verifyTimeout",
            "no namespace with namespaced RBAC|--set-json|namespaces.allowed=[]|allowed",
            "kube-system as a target namespace|--set|namespaces.allowed={kube-system}|/namespaces/allowed/0",
            "an invalid namespace name|--set|namespaces.allowed={Apps_1}|Apps_1",
            "no tokens Secret|--set|tokens.existingSecret=|existingSecret",
            "a chat URL in plain values|--set|chat.webhookUrl=https://hooks.example|webhookUrl",
    })
    void theSchemaRefusesWhatTheServiceWould(String name, String flag, String value, String named) throws Exception {
        Rendered r = helm("template", "x", CHART, flag, value);
        assertNotEquals(0, r.exit(), name + ": " + r.out());
        assertTrue(r.out().contains("values don't meet the specifications of the schema"), r.out());
        assertTrue(r.out().contains(named), name + ": the message names it: " + r.out());
    }

    @Test
    void helmLintPasses() throws Exception {
        Rendered r = helm("lint", "--strict", CHART);
        assertEquals(0, r.exit(), r.out());
    }
}
