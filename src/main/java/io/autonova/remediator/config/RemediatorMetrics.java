package io.autonova.remediator.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** The service's metrics. Tags come from fixed sets only: status, outcome, reason, scenario, step, result. */
@ApplicationScoped
public class RemediatorMetrics {

    private final MeterRegistry registry;
    // Meters are looked up on every alert and every Kafka record: keep them instead of re-registering.
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

    public RemediatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        // Registered now, not at the first record written: building its percentile histograms takes the registry's lock,
        // and a fresh replica's first storm queued every thread that touched a meter behind it (300 ms and more).
        this.firstWrite = Timer.builder("remediator_alert_to_first_write").description("From an alert received to its episode's record written")
                .publishPercentiles(0.5, 0.99).serviceLevelObjectives(FIRST_WRITE_BUCKETS).register(registry);
    }

    /** A gauge read at scrape time (state counts, readiness). */
    public void gauge(String name, String description, java.util.function.Supplier<Number> value) {
        io.micrometer.core.instrument.Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    private Counter counter(String name, String description, String... tags) {
        String key = name + '|' + String.join("|", tags);
        Counter c = counters.get(key);
        if (c == null) {
            c = counters.computeIfAbsent(key, k -> Counter.builder(name).description(description).tags(tags).register(registry));
        }
        return c;
    }

    public void alertReceived(String source, boolean firing) {
        counter("remediator_alerts_received", "Alerts received, by source and status",
                "source", source, "status", firing ? "firing" : "resolved").increment();
    }

    /** A policy decision, by its outcome and reason tags. */
    public void decision(String outcome, String reason) {
        counter("remediator_decisions", "Policy decisions, by outcome and reason", "outcome", outcome, "reason", reason).increment();
    }

    public void remediation(String scenario, String outcome, Duration endToEnd) {
        Counter.builder("remediator_remediations").description("Remediations finished, by scenario and outcome")
                .tag("scenario", scenario).tag("outcome", outcome).register(registry).increment();
        Timer.builder("remediator_remediation_duration").description("From alert received to remediation finished")
                .tag("scenario", scenario).tag("outcome", outcome).register(registry).record(endToEnd);
    }

    /** An approval answered (approved, denied, expired) and how long the run waited for it. */
    public void approval(String scenario, String result, Duration waited) {
        Counter.builder("remediator_approvals").description("Runs awaiting approval, by how they were answered")
                .tag("scenario", scenario).tag("result", result).register(registry).increment();
        Timer.builder("remediator_approval_wait").description("From a run asking for approval to its answer (or expiry)")
                .tag("scenario", scenario).tag("result", result).register(registry).record(waited);
    }

    public void step(String scenario, String step, String outcome, Duration duration) {
        Timer.builder("remediator_step_duration").description("Duration of each scenario step")
                .tag("scenario", scenario).tag("step", step).tag("outcome", outcome).register(registry).record(duration);
    }

    private final Timer firstWrite;
    /** Buckets too, so that replicas can be summed and a quantile read for any period (the quantiles decay over 2 min). */
    private static final Duration[] FIRST_WRITE_BUCKETS = java.util.stream.LongStream.of(5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
            .mapToObj(Duration::ofMillis).toArray(Duration[]::new);

    /** From an alert received to the first Kubernetes write it caused (its episode's record), as quantiles too. */
    public void firstWrite(Duration d) {
        firstWrite.record(d);
    }

    public void rulesReload(boolean ok) {
        Counter.builder("remediator_rules_reloads").description("Rule reloads, by result")
                .tag("result", ok ? "success" : "failure").register(registry).increment();
    }

    public void webhookRejected(String reason) {
        counter("remediator_webhook_rejected", "Webhook requests rejected, by reason", "reason", reason).increment();
    }

    public void kafkaRecords(String result, long count) {
        counter("remediator_kafka_records", "Kafka records read, by result (signal, rebuild, ignored, poison)", "result", result).increment(count);
    }

    public void deadLetter(String reason) {
        Counter.builder("remediator_kafka_dead_letters").description("Poison records sent to the dead-letter topic, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
