package io.autonova.remediator.bench;

import io.autonova.remediator.fixtures.RealCluster;
import io.autonova.remediator.fixtures.ServiceProcess;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The alert storm on the real control plane (scripts/cluster): two replicas of the packaged service as their own
 * ServiceAccount, RBAC bound per namespace as shipped, targets with revision history made by the real Deployment
 * controller. API calls are the API server's own count (apiserver_request_total) for the objects the service writes.
 *   storm [alerts=10000] [services=200] [seconds=10]: a storm on fresh replicas, then one on the same replicas, settled by it
 */
public final class RealClusterBench {

    static final Pattern REQUESTS = Pattern.compile("(?m)^apiserver_request_total\\{([^}]*)} (\\S+)$");

    private RealClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        int alerts = Integer.parseInt(args.length > 1 ? args[1] : "10000");
        int services = Integer.parseInt(args.length > 2 ? args[2] : "200");
        int seconds = Integer.parseInt(args.length > 3 ? args[3] : "10");
        RealCluster cluster = RealCluster.shared();
        List<ServiceProcess> replicas = new ArrayList<>();
        try (KubernetesClient admin = cluster.admin()) {
            String version = cluster.kubectl("version", "-o", "json").replaceAll("(?s).*\"serverVersion\".*?\"gitVersion\": \"([^\"]+)\".*", "$1");
            System.out.println("real API server: Kubernetes " + version + " at " + cluster.server() + " (etcd, controller-manager, scheduler, KWOK)");
            String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
            int namespaces = Math.max(1, services / 10);
            List<String> fresh = seed(cluster, admin, "rb" + run + "a", namespaces, services);
            List<String> settled = seed(cluster, admin, "rb" + run + "b", namespaces, services);
            cluster.kubectlWith(cluster.render("k8s/base"), "apply", "--server-side", "--force-conflicts", "-f", "-");
            String token = cluster.token("autonova-system", "autonova-remediator");
            List<String> allowed = new ArrayList<>();
            for (String t : fresh) {
                allowed.add(t.split("/")[0]);
            }
            for (String t : settled) {
                allowed.add(t.split("/")[0]);
            }
            Map<String, String> env = ServiceProcess.benchEnv(cluster.serviceEnv(token));
            env.put("REMEDIATOR_STATE_STORE", "kubernetes");
            env.put("REMEDIATOR_ALLOWED_NAMESPACES", String.join(",", allowed.stream().distinct().toList()));
            for (int i = 0; i < ClusterBench.PORTS.length; i++) {
                replicas.add(ServiceProcess.start("real-replica-" + (i + 1), ClusterBench.PORTS[i], "bench/cluster-rules",
                        ServiceProcess.benchFlags(Path.of("target/cluster-bench/real-replica-" + (i + 1) + ".jfr")), env, Path.of("target/cluster-bench")));
            }
            for (ServiceProcess p : replicas) {
                p.awaitReady(Duration.ofSeconds(120));
            }
            for (var c : List.of(new Object[]{"FRESH replicas (their first storm)", fresh, 0xa100000L}, new Object[]{"SETTLED replicas (their second storm)", settled, 0xa200000L})) {
                @SuppressWarnings("unchecked")
                List<String> targets = (List<String>) c[1];
                Thread.sleep(3000);
                Map<String, Double> before = requests(cluster);
                ClusterBench.Round r = ClusterBench.round(targets, alerts, services, seconds, (Long) c[2]);
                Thread.sleep(31_000); // the folded counts' flush (resend-flush-interval, 30 s) is counted too
                Map<String, Double> calls = delta(before, requests(cluster));
                double total = calls.values().stream().mapToDouble(Double::doubleValue).sum();
                System.out.printf("RESULT real %s: alerts=%d services=%d deliveries=%d sent_in=%.1fs webhook_p50=%.1fms webhook_p99=%.1fms max=%.1fms "
                                + "non2xx=%d api_calls=%.0f api_calls_per_delivered_alert=%.3f; %s%n", c[0], alerts, services, r.sorted().size(), r.sendSeconds(),
                        r.p(0.5), r.p(0.99), ClusterBench.ms(r.sorted(), 1.0), r.non2xx(), total, total / (r.sorted().size() * 10.0), r.slowWhen());
                System.out.println("  API calls by resource and verb: " + calls);
            }
            String records = cluster.kubectl("get", "remediations", "-n", "autonova-system", "--no-headers");
            System.out.printf("records in autonova-system: %d%n", records.lines().count());
        } finally {
            for (ServiceProcess p : replicas) {
                p.close();
            }
        }
        System.exit(0);
    }

    /** Deployments with two revisions (the real controller makes their ReplicaSets), RoleBindings as the base's, per namespace. */
    static List<String> seed(RealCluster cluster, KubernetesClient admin, String prefix, int namespaces, int services) throws Exception {
        List<String> targets = new ArrayList<>();
        StringBuilder yaml = new StringBuilder();
        for (int n = 0; n < namespaces; n++) {
            String ns = prefix + "-" + n;
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            for (String role : List.of("rollback", "runbook")) {
                yaml.append("---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: autonova-remediator-").append(role)
                        .append(", namespace: ").append(ns).append("}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: autonova-remediator-")
                        .append(role).append("}\nsubjects: [{kind: ServiceAccount, name: autonova-remediator, namespace: autonova-system}]\n");
            }
        }
        cluster.kubectlWith(yaml.toString(), "apply", "-f", "-");
        for (int i = 0; i < services; i++) {
            String ns = prefix + "-" + (i % namespaces);
            String name = "svc-" + i;
            Deployment d = new DeploymentBuilder().withNewMetadata().withName(name).withNamespace(ns).endMetadata().withNewSpec().withReplicas(1)
                    .withNewSelector().addToMatchLabels("app", name).endSelector().withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                    .withNewSpec().addNewContainer().withName("app").withImage("registry.local/" + name + ":1").endContainer().endSpec().endTemplate()
                    .endSpec().build();
            admin.apps().deployments().inNamespace(ns).resource(d).create();
            targets.add(ns + "/" + name);
        }
        Thread.sleep(3000);
        for (String t : targets) {
            String[] p = t.split("/");
            admin.apps().deployments().inNamespace(p[0]).withName(p[1]).edit(d -> {
                d.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("registry.local/" + p[1] + ":2");
                return d;
            });
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        for (String t : targets) {
            String[] p = t.split("/");
            while (true) {
                Deployment d = admin.apps().deployments().inNamespace(p[0]).withName(p[1]).get();
                var s = d.getStatus();
                if (s != null && s.getObservedGeneration() != null && s.getObservedGeneration() >= d.getMetadata().getGeneration()
                        && Integer.valueOf(1).equals(s.getUpdatedReplicas()) && Integer.valueOf(1).equals(s.getAvailableReplicas())
                        && Integer.valueOf(1).equals(s.getReplicas())) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(t + " did not roll out");
                }
                Thread.sleep(100);
            }
        }
        System.out.printf("seeded %d Deployments with two revisions in %d namespaces (%s-*)%n", services, namespaces, prefix);
        return targets;
    }

    /** The API server's request counts for what the service reads and writes (not its watches), by resource and verb. */
    static Map<String, Double> requests(RealCluster cluster) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        Matcher m = REQUESTS.matcher(cluster.kubectl("get", "--raw", "/metrics"));
        while (m.find()) {
            String labels = m.group(1);
            String resource = label(labels, "resource");
            String verb = label(labels, "verb");
            // What only the service writes: the controllers update Deployments with PUT and write core Events; the
            // API server's own identity Lease is renewed every 10 s (a few calls of noise in a round).
            boolean ours = List.of("remediations", "remediationpauses", "leases", "configmaps").contains(resource)
                    || resource.equals("events") && label(labels, "group").equals("events.k8s.io")
                    || resource.equals("deployments") && (verb.equals("PATCH") || verb.equals("GET") && label(labels, "scope").equals("resource"));
            if (!ours || verb.equals("WATCH")) {
                continue;
            }
            out.merge(resource + " " + verb, Double.parseDouble(m.group(2)), Double::sum);
        }
        return out;
    }

    static String label(String labels, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(labels);
        return m.find() ? m.group(1) : "";
    }

    static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> d = new TreeMap<>();
        after.forEach((k, v) -> {
            double x = v - before.getOrDefault(k, 0.0);
            if (x > 0) {
                d.put(k, x);
            }
        });
        return d;
    }
}
