package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/** The service's metrics. Tags come from fixed sets only: status, outcome, reason, scenario, step, result. */
@ApplicationScoped
public class RemediatorMetrics {

    private final MeterRegistry registry;

    public RemediatorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void alertReceived(String source, boolean firing) {
        Counter.builder("remediator_alerts_received").description("Alerts received, by source and status")
                .tag("source", source).tag("status", firing ? "firing" : "resolved").register(registry).increment();
    }

    public void decision(Decision d) {
        Counter.builder("remediator_decisions").description("Policy decisions, by outcome and reason")
                .tag("outcome", d.outcome().tag()).tag("reason", d.reason().tag()).register(registry).increment();
    }

    public void remediation(String scenario, String outcome, Duration endToEnd) {
        Counter.builder("remediator_remediations").description("Remediations finished, by scenario and outcome")
                .tag("scenario", scenario).tag("outcome", outcome).register(registry).increment();
        Timer.builder("remediator_remediation_duration").description("From alert received to remediation finished")
                .tag("scenario", scenario).tag("outcome", outcome).register(registry).record(endToEnd);
    }

    public void step(String scenario, String step, String outcome, Duration duration) {
        Timer.builder("remediator_step_duration").description("Duration of each scenario step")
                .tag("scenario", scenario).tag("step", step).tag("outcome", outcome).register(registry).record(duration);
    }

    public void rulesReload(boolean ok) {
        Counter.builder("remediator_rules_reloads").description("Rule reloads, by result")
                .tag("result", ok ? "success" : "failure").register(registry).increment();
    }

    public void webhookRejected(String reason) {
        Counter.builder("remediator_webhook_rejected").description("Webhook requests rejected, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    public void kafkaRecord(String result) {
        Counter.builder("remediator_kafka_records").description("Kafka records read, by result (signal, rebuild, ignored, poison)")
                .tag("result", result).register(registry).increment();
    }

    public void deadLetter(String reason) {
        Counter.builder("remediator_kafka_dead_letters").description("Poison records sent to the dead-letter topic, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
