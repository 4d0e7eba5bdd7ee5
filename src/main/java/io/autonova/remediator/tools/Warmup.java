package io.autonova.remediator.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.ingest.alertmanager.AlertmanagerPayload;
import io.autonova.remediator.rules.LabelMatcher;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.RuleRepository;
import io.autonova.remediator.rules.RuleSet;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Before a replica reports ready it decides synthetic alerts through its own decision path (the webhook parser, rule
 * matching, episodes, the policy and its admission, the answer's JSON) so that the first storm after a start meets
 * compiled code rather than the interpreter. With the Kubernetes store (or {@code remediator.warmup.store=kubernetes}),
 * the records, Leases and ConfigMap it writes go through that store's code and the Kubernetes client to a throwaway API
 * server on 127.0.0.1 ({@link LoopbackApiServer}): record creates are what a fresh replica's first storm waits on most;
 * with the in-memory store, a throwaway in-memory store (warming the other store's code misleads the JIT). Nothing of it
 * reaches the cluster, the records, the metrics users read, the decision log or the limits: it runs the offline tools'
 * own pipeline ({@link OfflinePipeline}) with its own registry. Bounded by {@code remediator.warmup.budget} (1s; 0: off).
 */
@Readiness
@ApplicationScoped
public class Warmup implements HealthCheck {

    private static final Logger LOG = Logger.getLogger(Warmup.class);
    /** Alerts per synthetic delivery: a storm's deliveries carry about ten. */
    static final int PER_DELIVERY = 10;

    private final RuleRepository rules;
    private final Duration budget;
    private final ObjectMapper mapper;
    private final io.autonova.remediator.runtime.ServiceRuntime runtime;
    private final int parallelism;
    private final RemediatorConfig.WarmupStore store;
    private volatile boolean done;
    private volatile String summary = "not started";

    public Warmup(RuleRepository rules, RemediatorConfig config, ObjectMapper mapper, io.autonova.remediator.runtime.ServiceRuntime runtime) {
        this.rules = rules;
        this.budget = config.warmup().budget();
        this.mapper = mapper;
        this.runtime = runtime;
        this.parallelism = config.webhook().parallelism();
        this.store = config.warmup().store();
    }

    void start(@Observes @Priority(20) StartupEvent event) {
        if (budget.isZero()) {
            done = true;
            summary = "off (remediator.warmup.budget=0)";
            return;
        }
        Thread t = new Thread(this::run, "warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    void run() {
        long t0 = System.nanoTime();
        try {
            // The store code the service runs, or the Kubernetes one where asked (an image's AOT training has no cluster).
            boolean kubernetes = store == RemediatorConfig.WarmupStore.KUBERNETES
                    || store == RemediatorConfig.WarmupStore.AUTO && runtime.store() instanceof io.autonova.remediator.state.KubernetesStateStore;
            RuleSet set = rules.current();
            // The real Deployments' releases first (the change gate's costliest part, built before the first alert needs it),
            // in half the budget at most: the synthetic deliveries reach the rest of the decision path.
            int primed = runtime.changes().prime(t0 + budget.toNanos() / 2);
            if (primed == 0 && (runtime.changes().available() || store == RemediatorConfig.WarmupStore.KUBERNETES)) {
                // No Deployment watched yet, or no cluster at all in an image's AOT training: the same code on a made-up
                // release history. A replica without a cluster never builds one (its gate is not asked): nothing to warm.
                releases(t0 + budget.toNanos() / 4);
            }
            Duration left = budget.minusNanos(System.nanoTime() - t0);
            Result r = left.isNegative() ? new Result(0, 0, 0) : kubernetes ? warm(set, left, mapper, runtime.client()
                    .map(io.fabric8.kubernetes.client.KubernetesClient::getKubernetesSerialization)
                    .orElseGet(io.fabric8.kubernetes.client.utils.KubernetesSerialization::new), parallelism)
                    : warm(set, left, mapper, pipeline(set, io.autonova.remediator.state.InMemoryStateStore::new, parallelism));
            summary = "the releases of " + primed + " Deployments built; " + r.deliveries() + " synthetic deliveries (" + r.decisions() + " decisions) over " + r.rules() + " rules on "
                    + (kubernetes ? "a throwaway API server on 127.0.0.1" : "a throwaway in-memory store") + " in "
                    + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms";
            LOG.infof("warm-up: %s; nothing of it left the process", summary);
        } catch (Exception e) {
            summary = "stopped: " + e; // never keeps a replica unready
            LOG.warnf("warm-up stopped early: %s", e.toString());
        } finally {
            done = true;
        }
    }

    /** Builds the change timeline of a made-up Deployment with three releases until {@code deadline}. */
    static int releases(long deadline) {
        int n = 0;
        Instant now = Instant.now();
        while (System.nanoTime() < deadline) {
            String uid = "warm-up-" + n;
            List<io.fabric8.kubernetes.api.model.apps.ReplicaSet> sets = new ArrayList<>();
            for (int rev = 1; rev <= 3; rev++) {
                sets.add(new io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder().withNewMetadata().withName("web-" + rev).withNamespace("warm-up")
                        .withUid(uid + "-" + rev).withResourceVersion(String.valueOf(rev)).withCreationTimestamp(now.minus(Duration.ofDays(3 - rev)).toString())
                        .addToLabels(io.autonova.remediator.cluster.ReleaseHistory.POD_TEMPLATE_HASH, "h" + rev)
                        .addToAnnotations("deployment.kubernetes.io/revision", String.valueOf(rev))
                        .addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment").withName("web").withUid(uid).withController(true)
                        .endOwnerReference().endMetadata().withNewSpec().withTemplate(template(rev)).endSpec().build());
            }
            io.fabric8.kubernetes.api.model.apps.Deployment d = new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder().withNewMetadata()
                    .withName("web").withNamespace("warm-up").withUid(uid).withResourceVersion("9").addToAnnotations("deployment.kubernetes.io/revision", "3")
                    .endMetadata().withNewSpec().withTemplate(template(3)).endSpec().build();
            io.autonova.remediator.cluster.ReleaseHistory.build(new io.autonova.remediator.cluster.ReleaseHistory.Inputs(d, sets, Map.of(), true,
                    List.of(), List.of(), List.of(), List.of()), new io.autonova.remediator.cluster.ReleaseCache().releases(d, sets), now);
            n++;
        }
        return n;
    }

    private static io.fabric8.kubernetes.api.model.PodTemplateSpec template(int rev) {
        return new io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder().withNewMetadata().addToLabels("app", "web").endMetadata().withNewSpec()
                .addNewContainer().withName("web").withImage("registry.example/web:1." + rev).addNewEnv().withName("MODE").withValue("v" + rev).endEnv()
                .addNewEnvFrom().withNewConfigMapRef().withName("web-config").endConfigMapRef().endEnvFrom()
                .withNewResources().addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi")).endResources()
                .withNewReadinessProbe().withNewHttpGet().withPath("/ready").withNewPort(8080).endHttpGet().endReadinessProbe().endContainer()
                .endSpec().build();
    }

    /** What a warm-up did. */
    record Result(int rules, int deliveries, int decisions) {
    }

    /**
     * Decides synthetic deliveries for the rules whose matchers a label set can satisfy until {@code budget} is spent, on
     * the service's Kubernetes store code with a client of {@code serialization} to a {@link LoopbackApiServer}, the writes
     * of a delivery decided {@code parallelism} at a time. Server and client run on a Vert.x of their own, closed on return:
     * the service's one counts its HTTP traffic in the metrics users read.
     */
    static Result warm(RuleSet set, Duration budget, ObjectMapper mapper, io.fabric8.kubernetes.client.utils.KubernetesSerialization serialization,
                       int parallelism) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        try (LoopbackApiServer api = LoopbackApiServer.start(vertx);
             io.fabric8.kubernetes.client.KubernetesClient client = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                     .withConfig(new io.fabric8.kubernetes.client.ConfigBuilder(io.fabric8.kubernetes.client.Config.empty()).withMasterUrl(api.url())
                             .withRequestRetryBackoffLimit(0).build())
                     .withHttpClientFactory(new io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory(vertx))
                     .withKubernetesSerialization(serialization).build()) {
            OfflinePipeline p = pipeline(set, c -> io.autonova.remediator.state.KubernetesStateStore.unwatched(client, "autonova-warm-up",
                    "autonova-warm-up", c), parallelism);
            Result r = warm(set, budget, mapper, p);
            if (r.deliveries() > 0 && api.objects() == 0) {
                throw new IllegalStateException("the warm-up wrote nothing to its API server");
            }
            return r;
        } finally {
            vertx.close();
        }
    }

    /** The warm-up's own pipeline on the store {@code stores} makes: not dry-run, every namespace, no change timelines, no decision log. */
    static OfflinePipeline pipeline(RuleSet set, java.util.function.Function<java.time.Clock, io.autonova.remediator.state.StateStore> stores,
                                    int parallelism) {
        return new OfflinePipeline(set, new io.autonova.remediator.domain.MovableClock(Instant.now()), stores, false, null,
                io.autonova.remediator.runtime.ChangeWatch.none(), parallelism).quiet();
    }

    /** Decides synthetic deliveries on {@code p} until {@code budget} is spent. */
    static Result warm(RuleSet set, Duration budget, ObjectMapper mapper, OfflinePipeline p) {
        List<Map<String, String>> labelSets = new ArrayList<>();
        for (Rule r : set.rules()) {
            Map<String, String> labels = labelsFor(r);
            if (labels != null) {
                labelSets.add(labels);
            }
        }
        if (labelSets.isEmpty()) {
            return new Result(0, 0, 0);
        }
        Instant start = p.clock.instant();
        long deadline = System.nanoTime() + budget.toNanos();
        int deliveries = 0;
        int decisions = 0;
        long last = 0;
        // A cold delivery takes a few hundred milliseconds: none is begun that would likely end past the budget.
        for (int round = 0; System.nanoTime() + last < deadline; round++) {
            long d0 = System.nanoTime();
            p.clock.set(start.plus(Duration.ofSeconds(round)));
            // New targets and re-sends of earlier alerts, as in a storm: opens, folds, duplicates, refusals by the limits.
            StringBuilder body = new StringBuilder("{\"version\":\"4\",\"status\":\"firing\",\"receiver\":\"warm-up\",\"alerts\":[");
            for (int i = 0; i < PER_DELIVERY; i++) {
                Map<String, String> labels = new LinkedHashMap<>(labelSets.get((round + i) % labelSets.size()));
                String service = "svc-" + ((round * PER_DELIVERY + i) % 200);
                labels.putIfAbsent("namespace", "warm-up");
                labels.putIfAbsent("service", service);
                labels.putIfAbsent("deployment", service);
                labels.put("pod", service + "-" + (round % 7));
                body.append(i == 0 ? "" : ",").append("{\"status\":\"").append(round % 13 == 12 ? "resolved" : "firing").append("\",\"labels\":")
                        .append(json(mapper, labels)).append(",\"annotations\":{\"value\":\"0.5\",\"summary\":\"warm-up\"},\"startsAt\":\"")
                        .append(start.minusSeconds(60)).append("\",\"endsAt\":\"0001-01-01T00:00:00Z\",\"fingerprint\":\"")
                        .append(String.format("%016x", (long) labels.hashCode() & 0xffffffffL)).append("\"}");
            }
            body.append("]}");
            List<Alert> alerts = AlertmanagerPayload.parse(mapper, body.toString().getBytes(StandardCharsets.UTF_8), p.clock.instant());
            List<io.autonova.remediator.pipeline.AlertResult> results = p.accept(alerts);
            // The webhook's answer, as its resource builds it: the first Response built looks its runtime up under a lock
            // that a fresh replica's first deliveries queued on (JFR: about 1 s of threads blocked).
            json(mapper, jakarta.ws.rs.core.Response.ok(new io.autonova.remediator.ingest.alertmanager.AlertmanagerWebhookResource.WebhookAnswer(
                    alerts.size(), results)).build().getEntity());
            decisions += results.size();
            deliveries++;
            last = System.nanoTime() - d0;
            if (round % 50 == 49) {
                p.finishRunsStartedBefore(Duration.ofSeconds(20));
                p.store.records().stream().limit(20).forEach(rec -> json(mapper, rec)); // records as the store writes them
            }
        }
        return new Result(labelSets.size(), deliveries, decisions);
    }

    /** Labels every matcher of the rule accepts, from its equality matchers; null when that is not enough. */
    static Map<String, String> labelsFor(Rule r) {
        if (r.signalRule()) {
            return null;
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (LabelMatcher m : r.matchers()) {
            if (m.type() == LabelMatcher.Type.EQUAL) {
                labels.put(m.name(), m.value());
            }
        }
        for (LabelMatcher m : r.matchers()) {
            if (m.type() == LabelMatcher.Type.REGEX && !labels.containsKey(m.name())) {
                // The first alternative of a plain alternation ("critical|page") is a value it accepts.
                String first = m.value().split("\\|")[0];
                labels.put(m.name(), first);
            }
        }
        return r.matches(labels) ? labels : null;
    }

    private static String json(ObjectMapper mapper, Object o) {
        try {
            return (mapper == null ? Json.MAPPER : mapper).writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean done() {
        return done;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.builder().name("warm-up").status(done).withData("summary", summary).build();
    }
}
