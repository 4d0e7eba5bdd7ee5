package io.autonova.remediator.pipeline;

/** What happened to one alert for one rule; the webhook answers with a list of these. */
public record AlertResult(String fingerprint, String rule, String outcome, String reason, String message, String remediation) {
}
