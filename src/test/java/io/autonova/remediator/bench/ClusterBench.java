package io.autonova.remediator.bench;

import io.autonova.remediator.fixtures.ClusterFixtures;
import io.autonova.remediator.fixtures.IndexedCrudDispatcher;
import io.autonova.remediator.fixtures.DeploymentController;
import io.autonova.remediator.fixtures.ServiceProcess;
import io.autonova.remediator.state.KubernetesStateStore;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The service as SREs run it: two replicas (the packaged fast-jar, two JVM processes) over one fabric8 CRUD
 * mock API server, with the Deployment controller played. Modes:
 * <ul>
 * <li>{@code storm N services seconds}: N distinct alerts over {@code services} Deployments in webhooks of 10,
 * sent within {@code seconds}, a tenth of them to both replicas (as an Alertmanager HA pair does): webhook
 * latency p50/p99, non-2xx, API calls per alert, objects written, rollbacks.</li>
 * <li>{@code serve}: the mock server and two replicas, left running for wrk (bench/cluster.sh resend).</li>
 * <li>{@code takeover kill|term}: a rollback verifying a slow rollout; its replica is killed (SIGKILL) or
 * stopped (SIGTERM); the time until the other replica has finished the run.</li>
 * </ul>
 */
public final class ClusterBench {

    static final int[] PORTS = {18601, 18602};
    static final HttpClient HTTP = ServiceProcess.HTTP;
    /** The indexed mock's dispatcher (null with MOCK=stock): how long the API server itself took per request. */
    static IndexedCrudDispatcher MOCK;
    private static final String RECORDS_PATH = "/apis/" + KubernetesStateStore.GROUP + "/" + KubernetesStateStore.VERSION + "/namespaces/autonova-system/remediations";
    private static final String LEASES_PATH = "/apis/coordination.k8s.io/v1/namespaces/autonova-system/leases";

    private ClusterBench() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "storm";
        // MOCK=stock: fabric8's dispatcher as shipped, whose every write scans all stored objects on one thread.
        boolean stock = "stock".equals(System.getenv("MOCK"));
        System.out.println("mock API server: " + (stock ? "stock fabric8 CRUD dispatcher (a scan of every object per write)"
                : "fabric8 CRUD dispatcher with a name index (IndexedCrudDispatcher)"));
        MOCK = stock ? null : new IndexedCrudDispatcher(ServiceProcess.CRDS);
        KubernetesMockServer server = ServiceProcess.mockApiServer(stock ? new KubernetesCrudDispatcher(ServiceProcess.CRDS) : MOCK);
        KubernetesClient client = server.createClient();
        List<Process> replicas = new ArrayList<>();
        DeploymentController controller = new DeploymentController(client, 500);
        try {
            switch (mode) {
                case "storm" -> storm(server, client, replicas, Integer.parseInt(arg(args, 1, "10000")), Integer.parseInt(arg(args, 2, "200")),
                        Integer.parseInt(arg(args, 3, "10")));
                case "serve" -> serve(server, client, replicas, Integer.parseInt(arg(args, 1, "10")));
                case "takeover" -> takeover(server, client, replicas, controller, arg(args, 1, "kill"));
                default -> throw new IllegalArgumentException("mode: storm | serve | takeover");
            }
        } finally {
            replicas.forEach(Process::destroyForcibly);
            controller.close();
            server.destroy();
        }
        System.exit(0);
    }

    private static String arg(String[] args, int i, String dflt) {
        return args.length > i ? args[i] : dflt;
    }

    static List<String> seed(KubernetesClient client, int services, Map<String, String> labels) {
        return seed(client, services, labels, "bench-");
    }

    static List<String> seed(KubernetesClient client, int services, Map<String, String> labels, String prefix) {
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            String ns = prefix + (i / 10);
            if (i % 10 == 0) {
                client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
            }
            String name = "svc-" + i;
            ClusterFixtures.install(client, ns, name, 3, labels, Map.of());
            targets.add(ns + "/" + name);
        }
        return targets;
    }

    /** Stops the replicas with SIGTERM so that flight recordings (and a JDK 25 AOT cache being trained) are written. */
    static void stopGently(List<Process> replicas) throws InterruptedException {
        for (Process p : replicas) {
            p.destroy();
        }
        for (Process p : replicas) {
            p.waitFor(120, TimeUnit.SECONDS); // an AOT cache is assembled at exit, by a second JVM
        }
    }

    static void startReplicas(KubernetesMockServer server, List<Process> replicas, String rules, Map<String, String> extra) throws Exception {
        Map<String, String> env = ServiceProcess.benchEnv(extra);
        List<ServiceProcess> started = new ArrayList<>();
        for (int i = 0; i < PORTS.length; i++) {
            List<String> flags = ServiceProcess.benchFlags(Path.of("target/cluster-bench/replica-" + (i + 1) + ".jfr"));
            ServiceProcess p = ServiceProcess.start("replica-" + (i + 1), PORTS[i], server, rules, flags, env, Path.of("target/cluster-bench"));
            started.add(p);
            replicas.add(p.process());
        }
        for (ServiceProcess p : started) {
            p.awaitReady(Duration.ofSeconds(60));
        }
        for (int port : PORTS) { // what each replica's start-up warm-up did (its readiness check says)
            String ready = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"summary\"\\s*:\\s*\"([^\"]*)\"").matcher(ready);
            System.out.printf("replica :%d warm-up: %s%n", port, m.find() ? m.group(1) : "(not in its readiness)");
        }
    }

    /** When the storm's alerts started: after the fixtures' releases (15 minutes ago), so the change gate lets them act. */
    static final String STARTS_AT = Instant.now().minus(Duration.ofMinutes(5)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();

    static String webhook(List<String[]> alerts) {
        StringBuilder b = new StringBuilder("{\"receiver\":\"autonova\",\"status\":\"firing\",\"alerts\":[");
        for (int i = 0; i < alerts.size(); i++) {
            String[] a = alerts.get(i); // namespace, service, fingerprint
            b.append(i == 0 ? "" : ",").append("{\"status\":\"firing\",\"labels\":{\"alertname\":\"HighErrorRate\",\"severity\":\"critical\",")
                    .append("\"namespace\":\"").append(a[0]).append("\",\"service\":\"").append(a[1]).append("\",\"pod\":\"").append(a[2])
                    .append("\"},\"annotations\":{\"value\":\"0.31\"},\"startsAt\":\"").append(STARTS_AT).append("\",\"endsAt\":\"0001-01-01T00:00:00Z\",")
                    .append("\"generatorURL\":\"http://prometheus/graph\",\"fingerprint\":\"").append(a[2]).append("\"}");
        }
        return b.append("],\"groupLabels\":{\"alertname\":\"HighErrorRate\"},\"commonLabels\":{},\"commonAnnotations\":{},")
                .append("\"externalURL\":\"http://alertmanager\",\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"HighErrorRate\\\"}\",\"truncatedAlerts\":0}")
                .toString();
    }

    /** A warm-up delivery: the alerts' value is below the rule's threshold, so they are decided and recorded, never admitted. */
    private static void warmUp(int port, List<String[]> alerts) throws Exception {
        HTTP.send(post(port, webhook(alerts).replace("\"value\":\"0.31\"", "\"value\":\"0.01\"")), HttpResponse.BodyHandlers.discarding());
    }

    static HttpRequest post(int port, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/webhooks/alertmanager")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer bench-webhook").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static void storm(KubernetesMockServer server, KubernetesClient client, List<Process> replicas, int alerts, int services, int seconds)
            throws Exception {
        List<String> targets = seed(client, services, Map.of());
        Map<String, String> env = new HashMap<>();
        if ("1".equals(System.getenv("TRACE"))) {
            env.putAll(Map.of("QUARKUS_LOG_CATEGORY__IO_AUTONOVA_REMEDIATOR_PIPELINE__LEVEL", "DEBUG",
                    "QUARKUS_LOG_CATEGORY__IO_AUTONOVA_REMEDIATOR_PIPELINE__MIN_LEVEL", "DEBUG"));
        }
        // BACKBONE=1: the webhook goes through a KRaft broker in this JVM (answered 202 once the broker has the alerts).
        io.autonova.remediator.kafka.EmbeddedKafkaBroker broker = null;
        if ("1".equals(System.getenv("BACKBONE"))) {
            broker = io.autonova.remediator.kafka.EmbeddedKafkaBroker.start();
            broker.createTopics(4, "autonova.signals");
            broker.createTopics(1, "autonova.signals.dlq");
            env.put("REMEDIATOR_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
            env.put("REMEDIATOR_KAFKA_WEBHOOK_BACKBONE", "true");
            System.out.println("webhook backbone: Kafka at " + broker.bootstrapServers());
        }
        try {
            stormWith(server, client, replicas, targets, alerts, services, seconds, env);
        } finally {
            if (broker != null) {
                replicas.forEach(Process::destroyForcibly);
                broker.close();
            }
        }
    }

    private static void stormWith(KubernetesMockServer server, KubernetesClient client, List<Process> replicas, List<String> targets, int alerts,
                                  int services, int seconds, Map<String, String> env) throws Exception {
        startReplicas(server, replicas, "bench/cluster-rules", env);
        // FRESH=1: the replicas meet the storm as started and ready, with no traffic before it (no warm-up deliveries, no
        // warm-up opens, no rehearsals), as after a rollout in a quiet week.
        boolean fresh = "1".equals(System.getenv("FRESH"));
        // Warm both replicas' JIT and connections through the whole decision path on other targets: alerts below the
        // threshold are decided, recorded and folded like the storm's, but never admitted (the storm keeps its limits).
        List<String> warm = seed(client, 20, Map.of(), "warm-");
        for (int i = 0; i < (fresh ? 0 : 300); i++) {
            List<String[]> batch = new ArrayList<>();
            for (int j = 0; j < 10; j++) {
                String[] t = warm.get((i * 10 + j) % warm.size()).split("/");
                batch.add(new String[]{t[0], t[1], String.format("%016x", 0xf000000L + i * 10 + j)});
            }
            warmUp(PORTS[i % 2], batch);
        }
        // ...and the path a storm's first deliveries take, opening an episode (one record create per target): 2,000 new
        // targets, one delivery at a time. A replica that has run for a while has compiled it; without this, each storm's
        // burst of creates is also when the JIT compiles them (WARM_OPENS=0 leaves it out).
        int opens = fresh ? 0 : Integer.parseInt(System.getenv().getOrDefault("WARM_OPENS", "2000"));
        for (int i = 0; i < opens / 10; i++) {
            List<String[]> batch = new ArrayList<>();
            for (int j = 0; j < 10; j++) {
                int n = i * 10 + j;
                batch.add(new String[]{"warm-open-" + n / 100, "svc-" + n, String.format("%016x", 0xd000000L + n)});
            }
            warmUp(PORTS[i % 2], batch);
        }
        // What one API call costs on this mock server, for reading the figures below.
        long p0 = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            client.configMaps().inNamespace("bench-probe").resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder().withNewMetadata()
                    .withName("probe-" + i).endMetadata().build()).create();
        }
        System.out.printf("mock API server: %.1f ms per create (100 sequential creates, before the storm)%n", (System.nanoTime() - p0) / 1e6 / 100);
        // Baseline: what the API server alone gives 16 concurrent writers creating custom resources like the records.
        List<Long> base = Collections.synchronizedList(new ArrayList<>());
        var writers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<?>> probes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int n = i;
            probes.add(CompletableFuture.runAsync(() -> {
                var res = new io.fabric8.kubernetes.api.model.GenericKubernetesResource();
                res.setApiVersion("autonova.io/v1alpha1");
                res.setKind("Remediation");
                res.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("probe-" + n).withNamespace("bench-probe").build());
                res.setAdditionalProperties(Map.of("spec", Map.of("rule", "probe"), "status", Map.of("phase", "REFUSED")));
                long s0 = System.nanoTime();
                client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("bench-probe").resource(res).create();
                base.add(System.nanoTime() - s0);
            }, writers));
        }
        CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new)).join();
        writers.shutdown();
        List<Long> baseSorted = new ArrayList<>(base);
        Collections.sort(baseSorted);
        System.out.printf("BASELINE api server alone: 400 creates by 16 concurrent writers p50=%.1fms p99=%.1fms%n", ms(baseSorted, 0.5), ms(baseSorted, 0.99));
        drain(server);
        System.out.printf("CPU time before the storm: bench JVM %s; replicas %s%n",
                ProcessHandle.current().info().totalCpuDuration().map(Duration::toString).orElse("?"),
                replicas.stream().map(p -> p.toHandle().info().totalCpuDuration().map(Duration::toString).orElse("?")).toList());
        // Storms of the same shape on other services first, as a replica that has run for a while has seen: the limits
        // already refuse (the rate limit is spent), as in a long incident, and the JIT has compiled the storm's paths.
        // It takes about five: in nine runs the second to fifth still had webhook p99s of 60-200 ms (the JIT compiling
        // at each storm's start), the sixth to eighth stayed under 80 ms. Each is reported; REHEARSALS=0 measures the
        // cold replicas only.
        int rehearsals = fresh ? 0 : Integer.parseInt(System.getenv().getOrDefault("REHEARSALS", "8"));
        for (int n = 1; n <= rehearsals; n++) {
            List<String> rehearsal = seed(client, services, Map.of(), "rehearsal" + n + "-");
            Thread.sleep(2000); // the seeding's own work ends before the storm
            Map<String, Long> c0 = threadCpu(replicas);
            Round cold = round(rehearsal, alerts, services, seconds, 0xc000000L + n * 0x100000L);
            System.out.printf("REHEARSAL %d storm: webhook_p50=%.1fms webhook_p99=%.1fms non2xx=%d; %s%n", n, cold.p(0.5), cold.p(0.99), cold.non2xx(),
                    cold.slowWhen());
            printCpu(c0, threadCpu(replicas), cold.sendSeconds());
            Thread.sleep(3000);
            drain(server);
        }
        Map<Double, Long> bucketsBefore = firstWriteBuckets();
        // Counted in the mock's store where it can be: a list serializes every record there, work (and JIT profiles) a
        // storm's API server would not have just had; let what remains end before the storm.
        int recordsBefore = MOCK != null ? MOCK.count(RECORDS_PATH)
                : client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("autonova-system").list().getItems().size();
        int leasesBefore = MOCK != null ? MOCK.count(LEASES_PATH) : client.leases().inNamespace("autonova-system").list().getItems().size();
        Thread.sleep(3000);
        drain(server);
        Map<String, Long> cpuBefore = threadCpu(replicas);
        long stormStart = System.nanoTime();
        // Where the machine's CPU goes in the burst: every target is new in the storm's first 0.2 s.
        CompletableFuture<Map<String, Long>> cpuBurst = CompletableFuture.supplyAsync(() -> {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            return threadCpu(replicas);
        });
        Round measured = round(targets, alerts, services, seconds, 0xa000000L);
        System.out.println("In the storm's first second:");
        printCpu(cpuBefore, cpuBurst.join(), 1.0);
        printMockBusy(stormStart);
        System.out.println("Measured storm: " + measured.slowWhen());
        Map<String, Long> cpuAfter = threadCpu(replicas);
        double sendSeconds = measured.sendSeconds();
        // Let the admitted rollbacks run to their end (the controller is played), then count what reached the API server.
        long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < settle && client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("autonova-system").list()
                .getItems().stream().anyMatch(r -> String.valueOf(r.getAdditionalProperties().get("status")).matches(".*phase=(PENDING|RUNNING|EVALUATING).*"))) {
            Thread.sleep(200);
        }
        Thread.sleep(31_000); // a flush of the folded counts after the storm (resend-flush-interval, 30 s): all of them are counted
        Map<String, Integer> calls = drain(server);
        int total = calls.values().stream().mapToInt(Integer::intValue).sum();
        int patches = calls.getOrDefault("PATCH deployments", 0);
        int records = client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("autonova-system").list().getItems().size();
        int leases = client.leases().inNamespace("autonova-system").list().getItems().size();
        List<Long> sorted = measured.sorted();
        int deliveries = sorted.size();
        int delivered = deliveries * 10;
        System.out.printf("API calls by kind: %s%n", calls);
        if (MOCK != null) { // writes by answer: a run of 409s is replicas writing over each other
            Map<String, Integer> codes = new java.util.TreeMap<>();
            MOCK.servedSince(stormStart).stream().filter(x -> !x.method().equals("GET"))
                    .forEach(x -> codes.merge(callKind(x.method(), x.path()) + " " + x.code(), 1, Integer::sum));
            System.out.printf("Writes by answer since the storm began: %s%n", codes);
        }
        System.out.printf("CPU time since start: bench JVM (mock API server, load, played controller) %s; replicas %s%n",
                ProcessHandle.current().info().totalCpuDuration().map(Duration::toString).orElse("?"),
                replicas.stream().map(p -> p.toHandle().info().totalCpuDuration().map(Duration::toString).orElse("?")).toList());
        printFirstWrite();
        printCpu(cpuBefore, cpuAfter, measured.sendSeconds());
        Map<Double, Long> bucketsAfter = firstWriteBuckets();
        Map<Double, Long> storm = new java.util.TreeMap<>();
        bucketsAfter.forEach((le, n) -> storm.put(le, n - bucketsBefore.getOrDefault(le, 0L)));
        System.out.printf("FIRST-WRITE storm, both replicas (from the metric's buckets): records written=%d p50 <= %s p99 <= %s%n",
                storm.getOrDefault(Double.POSITIVE_INFINITY, 0L), bucketQuantile(storm, 0.5), bucketQuantile(storm, 0.99));
        records -= recordsBefore;
        leases -= leasesBefore;
        System.out.printf("RESULT storm%s alerts=%d services=%d deliveries=%d (10%% to both replicas) sent_in=%.1fs webhook_p50=%.1fms webhook_p99=%.1fms "
                        + "max=%.1fms non2xx=%d api_calls=%d api_calls_per_delivered_alert=%.3f records=%d leases=%d rollbacks=%d %s%s%n",
                env.containsKey("REMEDIATOR_KAFKA_WEBHOOK_BACKBONE") ? " (through Kafka)" : "", alerts, services, deliveries, sendSeconds, ms(sorted, 0.50), ms(sorted, 0.99), ms(sorted, 1.0), measured.non2xx(), total,
                (double) total / delivered, records, leases, patches, measured.firstSecondFigures(), fresh ? " (fresh: no traffic before it)" : "");
        quiet(client, server);
        if (System.getenv("REPLICA_JFR") != null || System.getenv("REPLICA_STOP_GENTLY") != null) {
            stopGently(replicas); // after the quiet run, which needs them
        }
    }

    /**
     * After the storm, the same replicas at quiet load: one alert per delivery on a target never seen, every 20 ms,
     * alternating replicas (each writes its episode's record: the first Kubernetes write). QUIET=0 skips it.
     */
    private static void quiet(KubernetesClient client, KubernetesMockServer server) throws Exception {
        int n = Integer.parseInt(System.getenv().getOrDefault("QUIET", "200"));
        if (n <= 0) {
            return;
        }
        List<String> targets = seed(client, n, Map.of(), "quiet-");
        Thread.sleep(2000); // the replicas' caches see the new Deployments
        drain(server);
        Map<Double, Long> before = firstWriteBuckets();
        List<Long> latencies = new ArrayList<>();
        int non2xx = 0;
        for (int i = 0; i < n; i++) {
            String[] t = targets.get(i).split("/");
            long s0 = System.nanoTime();
            int code = HTTP.send(post(PORTS[i % 2], webhook(List.<String[]>of(new String[]{t[0], t[1], String.format("%016x", 0xe000000L + i)}))),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            latencies.add(System.nanoTime() - s0);
            non2xx += code / 100 == 2 ? 0 : 1;
            Thread.sleep(20);
        }
        Map<Double, Long> after = firstWriteBuckets();
        Map<Double, Long> delta = new java.util.TreeMap<>();
        after.forEach((le, c) -> delta.put(le, c - before.getOrDefault(le, 0L)));
        Collections.sort(latencies);
        System.out.printf("RESULT quiet alerts=%d (one per delivery, every 20 ms, new targets) webhook_p50=%.1fms webhook_p99=%.1fms non2xx=%d "
                        + "first_write_p50<=%s first_write_p99<=%s records_written=%d%n", n, ms(latencies, 0.5), ms(latencies, 0.99), non2xx,
                bucketQuantile(delta, 0.5), bucketQuantile(delta, 0.99), delta.getOrDefault(Double.POSITIVE_INFINITY, 0L));
    }

    /** Latencies sorted, and the deliveries slower than 100 ms as (sent at, took) in nanoseconds from the round's start. */
    record Round(List<Long> sorted, int non2xx, double sendSeconds, List<long[]> slow, List<Long> firstSecond) {
        double p(double q) {
            return ms(sorted, q);
        }

        /** The deliveries sent in the storm's first second on their own: every target is new there. */
        String firstSecondFigures() {
            return String.format("first_second_deliveries=%d first_second_p50=%.1fms first_second_p99=%.1fms", firstSecond.size(), ms(firstSecond, 0.5),
                    ms(firstSecond, 0.99));
        }

        /** When the slow deliveries were sent: in the burst (every target new) or later, and at which seconds. */
        String slowWhen() {
            long burst = slow.stream().filter(s -> s[0] < 500_000_000L).count();
            java.util.SortedMap<Long, Long> later = new java.util.TreeMap<>();
            slow.stream().filter(s -> s[0] >= 500_000_000L).forEach(s -> later.merge(s[0] / 1_000_000_000L, 1L, Long::sum));
            return String.format("deliveries over 100 ms: %d, sent in the first 0.5 s: %d, later by second sent: %s", slow.size(), burst, later);
        }
    }

    /** Sends alerts/10 deliveries of 10 distinct alerts over the targets, paced over the seconds; a tenth go to both replicas. */
    static Round round(List<String> targets, int alerts, int services, int seconds, long fingerprintBase) throws Exception {
        int webhooks = alerts / 10;
        List<String> bodies = new ArrayList<>();
        for (int w = 0; w < webhooks; w++) {
            List<String[]> batch = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int n = w * 10 + i;
                String[] t = targets.get(n % services).split("/");
                batch.add(new String[]{t[0], t[1], String.format("%016x", fingerprintBase + n)});
            }
            bodies.add(webhook(batch));
        }
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<long[]> slow = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> firstSecond = new ConcurrentLinkedQueue<>();
        AtomicInteger non2xx = new AtomicInteger();
        ScheduledExecutorService pacer = Executors.newScheduledThreadPool(2);
        List<CompletableFuture<?>> sent = Collections.synchronizedList(new ArrayList<>());
        long periodNanos = TimeUnit.SECONDS.toNanos(seconds) / webhooks;
        long t0 = System.nanoTime();
        for (int w = 0; w < webhooks; w++) {
            int idx = w;
            pacer.schedule(() -> {
                List<Integer> ports = idx % 10 == 0 ? List.of(PORTS[0], PORTS[1]) : List.of(PORTS[idx % 2]);
                for (int port : ports) {
                    long s = System.nanoTime();
                    sent.add(HTTP.sendAsync(post(port, bodies.get(idx)), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
                        long took = System.nanoTime() - s;
                        latencies.add(took);
                        if (s - t0 < 1_000_000_000L) {
                            firstSecond.add(took);
                        }
                        if (took > 100_000_000L) {
                            slow.add(new long[]{s - t0, took});
                        }
                        if (e != null || r.statusCode() / 100 != 2) {
                            non2xx.incrementAndGet();
                        }
                    }));
                }
            }, w * periodNanos, TimeUnit.NANOSECONDS);
        }
        pacer.shutdown();
        pacer.awaitTermination(seconds + 60L, TimeUnit.SECONDS);
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        return new Round(latencies.stream().sorted().toList(), non2xx.get(), (System.nanoTime() - t0) / 1e9, List.copyOf(slow),
                firstSecond.stream().sorted().toList());
    }

    /** CPU time (clock ticks) of every thread of this JVM and the replicas, by process and thread name with digits folded (Linux /proc). */
    static Map<String, Long> threadCpu(List<Process> replicas) {
        Map<String, Long> cpu = new java.util.TreeMap<>();
        List<Long> pids = new ArrayList<>(List.of(ProcessHandle.current().pid()));
        replicas.forEach(p -> pids.add(p.pid()));
        for (int i = 0; i < pids.size(); i++) {
            String proc = i == 0 ? "bench" : "replica-" + i;
            try (var tasks = Files.list(Path.of("/proc/" + pids.get(i) + "/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        String name = Files.readString(t.resolve("comm")).trim().replaceAll("[0-9]+", "N");
                        String[] stat = Files.readString(t.resolve("stat")).replaceAll("^.*\\) ", "").split(" ");
                        cpu.merge(proc + " " + name, Long.parseLong(stat[11]) + Long.parseLong(stat[12]), Long::sum);
                    } catch (java.io.IOException | RuntimeException gone) {
                        // the thread ended meanwhile
                    }
                }
            } catch (java.io.IOException e) {
                return cpu;
            }
        }
        return cpu;
    }

    /** Where the machine's CPU went during a round: processes and their busiest thread groups, as cores used. */
    static void printCpu(Map<String, Long> before, Map<String, Long> after, double seconds) {
        Map<String, Long> delta = new java.util.TreeMap<>();
        after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
        Map<String, Long> perProcess = new java.util.TreeMap<>();
        delta.forEach((k, v) -> perProcess.merge(k.substring(0, k.indexOf(' ')), v, Long::sum));
        System.out.printf("CPU during the storm (cores used, 100 ticks/s): %s%n", perProcess.entrySet().stream()
                .map(e -> String.format("%s=%.2f", e.getKey(), e.getValue() / 100.0 / seconds)).toList());
        delta.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf("  %-40s %.2f cores%n", e.getKey(), e.getValue() / 100.0 / seconds));
    }

    /** How busy the mock API server itself was: its answering time in the storm's first half second and overall. */
    private static void printMockBusy(long since) {
        if (MOCK == null) {
            return;
        }
        var served = MOCK.servedSince(since);
        var burst = served.stream().filter(s -> s.start() - since < 500_000_000L).toList();
        List<Long> each = served.stream().map(IndexedCrudDispatcher.Served::nanos).sorted().toList();
        Map<String, Integer> kinds = new java.util.TreeMap<>();
        burst.forEach(s -> kinds.merge(callKind(s.method(), s.path()), 1, Integer::sum));
        System.out.printf("MOCK answering time: first 0.5 s of the storm %.0f ms busy (%d requests: %s); whole storm %.0f ms (%d requests), per request p50=%.2fms p99=%.2fms max=%.1fms%n",
                burst.stream().mapToLong(IndexedCrudDispatcher.Served::nanos).sum() / 1e6, burst.size(), kinds,
                served.stream().mapToLong(IndexedCrudDispatcher.Served::nanos).sum() / 1e6, served.size(), ms(each, 0.5), ms(each, 0.99), ms(each, 1.0));
    }

    /** The alert-to-first-write histogram summed over both replicas: upper bound in seconds to cumulative count. */
    private static Map<Double, Long> firstWriteBuckets() throws Exception {
        Map<Double, Long> sum = new java.util.TreeMap<>();
        for (int port : PORTS) {
            String metrics = metricsOf(port);
            var m = java.util.regex.Pattern.compile("(?m)^remediator_alert_to_first_write_seconds_bucket\\{le=\"([^\"]+)\"} ([0-9.eE+]+)$").matcher(metrics);
            while (m.find()) {
                double le = "+Inf".equals(m.group(1)) ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
                sum.merge(le, (long) Double.parseDouble(m.group(2)), Long::sum);
            }
        }
        return sum;
    }

    private static String bucketQuantile(Map<Double, Long> cumulative, double q) {
        long total = cumulative.getOrDefault(Double.POSITIVE_INFINITY, 0L);
        for (var e : cumulative.entrySet()) {
            if (total > 0 && e.getValue() >= Math.ceil(q * total)) {
                return e.getKey().isInfinite() ? "+Inf" : Math.round(e.getKey() * 1000) + "ms";
            }
        }
        return "n/a";
    }

    /** Each replica's own alert-to-first-write quantiles (decaying over 2 minutes) and count. */
    private static void printFirstWrite() throws Exception {
        for (int port : PORTS) {
            metricsOf(port).lines().filter(l -> l.startsWith("remediator_alert_to_first_write_seconds{") || l.startsWith("remediator_alert_to_first_write_seconds_count"))
                    .forEach(l -> System.out.println("replica :" + port + " " + l));
        }
    }

    private static String metricsOf(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static double ms(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }

    /** Requests the API server received since the last drain, by method and resource (watches and lists of the caches included). */
    static Map<String, Integer> drain(KubernetesMockServer server) throws InterruptedException {
        Map<String, Integer> calls = new java.util.TreeMap<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            calls.merge(callKind(r.getMethod(), r.getPath()), 1, Integer::sum);
        }
        return calls;
    }

    /** "POST remediations", "PUT remediations", "GET leases": a request by method and the resource it names. */
    static String callKind(String method, String requestPath) {
        String path = requestPath.replaceAll("\\?.*", "");
        String[] parts = path.split("/");
        String resource = parts.length >= 2 && parts[parts.length - 2].matches("[a-z]+s") && !path.endsWith("/status")
                ? parts[parts.length - 2] : parts[parts.length - 1];
        if (method.equals("POST") || requestPath.contains("watch=true") || method.equals("GET") && path.endsWith("s")) {
            resource = parts[parts.length - 1];
        }
        return method + " " + resource;
    }

    private static void serve(KubernetesMockServer server, KubernetesClient client, List<Process> replicas, int services) throws Exception {
        seed(client, services, Map.of());
        String rules = System.getProperty("rules", "bench/cluster-rules");
        startReplicas(server, replicas, rules, Map.of());
        System.out.println("SERVING api=" + server.getPort() + " replicas=" + PORTS[0] + "," + PORTS[1]);
        Path stop = Path.of("target/cluster-bench/stop");
        Files.deleteIfExists(stop);
        while (!Files.exists(stop)) {
            Thread.sleep(200);
            if (Boolean.getBoolean("writes") && Files.exists(Path.of("target/cluster-bench/dump"))) {
                Files.delete(Path.of("target/cluster-bench/dump"));
                writesByPath(server);
            }
        }
        System.out.println("API calls during the run: " + drain(server));
    }

    /** Writes per path, for finding what writes more than it should (serve mode, -Dwrites=true). */
    static void writesByPath(KubernetesMockServer server) throws InterruptedException {
        Map<String, Integer> byPath = new java.util.TreeMap<>();
        RecordedRequest r;
        while ((r = server.takeRequest(100, TimeUnit.MILLISECONDS)) != null) {
            if (!r.getMethod().equals("GET")) {
                byPath.merge(r.getMethod() + " " + r.getPath(), 1, Integer::sum);
            }
        }
        byPath.forEach((k, v) -> System.out.println(v + " " + k));
        if (MOCK != null) {
            Map<String, Integer> codes = new java.util.TreeMap<>();
            MOCK.served().forEach(x -> codes.merge(x.method() + " " + x.code(), 1, Integer::sum));
            System.out.println("answers by status since start: " + codes); // a run of 409s is a conflict loop
        }
    }

    private static void takeover(KubernetesMockServer server, KubernetesClient client, List<Process> replicas, DeploymentController controller,
                                 String how) throws Exception {
        seed(client, 1, Map.of(DeploymentController.MODE, "slow"));
        startReplicas(server, replicas, "bench/cluster-rules", Map.of("QUARKUS_LOG_CATEGORY__IO_AUTONOVA__LEVEL", "INFO"));
        HttpResponse<String> answer = HTTP.send(post(PORTS[0], webhook(List.<String[]>of(new String[]{"bench-0", "svc-0", "00000000000000aa"}))),
                HttpResponse.BodyHandlers.ofString());
        String record = answer.body().replaceAll(".*\"remediation\":\"([^\"]+)\".*", "$1");
        // Wait until the run verifies (the rollout is held "in progress" by the played controller).
        String lease = KubernetesStateStore.leaseName("bench-0/svc-0");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!status(client, record).contains("name=verify-rollout, phase=waiting")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("never reached verification: " + status(client, record));
            }
            Thread.sleep(50);
        }
        Lease l = client.leases().inNamespace("autonova-system").withName(lease).get();
        String holder = l.getSpec().getHolderIdentity();
        int owner = Integer.parseInt(holder.substring(holder.length() - 1)) - 1;
        Process victim = replicas.get(owner);
        Instant killedAt = Instant.now();
        long k0 = System.nanoTime();
        if (how.equals("kill")) {
            victim.destroyForcibly(); // SIGKILL
        } else {
            victim.destroy(); // SIGTERM: a clean shutdown hands the run over
        }
        victim.waitFor();
        // The rollout completes a moment later, as a real one would while nobody watches.
        Thread.sleep(1000);
        controller.release("bench-0", "svc-0");
        while (!status(client, record).matches(".*phase=(SUCCEEDED|FAILED|ABORTED).*")) {
            if (System.nanoTime() - k0 > TimeUnit.SECONDS.toNanos(120)) {
                throw new IllegalStateException("not finished 120 s after the replica died: " + status(client, record));
            }
            Thread.sleep(50);
        }
        double took = (System.nanoTime() - k0) / 1e9;
        String st = status(client, record);
        String phase = st.replaceAll(".*?phase=(SUCCEEDED|FAILED|ABORTED).*", "$1");
        // The record's end is written before the Lease is given back (a crash in between is tidied up): allow a moment.
        String newHolder = client.leases().inNamespace("autonova-system").withName(lease).get().getSpec().getHolderIdentity();
        for (int i = 0; i < 40 && newHolder != null; i++) {
            Thread.sleep(50);
            newHolder = client.leases().inNamespace("autonova-system").withName(lease).get().getSpec().getHolderIdentity();
        }
        System.out.printf("RESULT takeover how=%s victim=%s died_at=%s finished_after=%.1fs phase=%s owner_now=%s lease_holder_now=%s%n", how, holder,
                killedAt, took, phase, st.replaceAll(".*owner=([^,}]+).*", "$1"), newHolder);
    }

    private static String status(KubernetesClient client, String record) {
        var r = client.genericKubernetesResources(KubernetesStateStore.REMEDIATION).inNamespace("autonova-system").withName(record).get();
        return r == null ? "" : String.valueOf(r.getAdditionalProperties().get("status"));
    }
}
