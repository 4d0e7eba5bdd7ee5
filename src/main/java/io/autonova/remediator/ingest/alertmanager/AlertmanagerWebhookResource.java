package io.autonova.remediator.ingest.alertmanager;

import io.autonova.remediator.ingest.kafka.AlertBackbone;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.api.Problem;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.config.RemediatorMetrics;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.InputStream;
import java.time.Clock;
import java.util.List;

/**
 * Alertmanager's webhook receiver. Maps the body to alerts and hands them to the pipeline; answers 200
 * once every decision that changed is durably written (not when a rollback finishes), and 5xx only when that failed, so
 * Alertmanager's retry stays meaningful.
 */
@Path("/api/v1/webhooks/alertmanager")
@jakarta.inject.Singleton
@io.quarkus.runtime.Startup // built before readiness: built by the first delivery, it held a fresh storm's first requests (JFR: 0.5 s)
public class AlertmanagerWebhookResource {

    /** The answer: how many alerts the body held, and each (alert, rule) decision. */
    public record WebhookAnswer(int alerts, List<AlertResult> results) {
    }

    private final RemediationPipeline pipeline;
    private final RemediatorMetrics metrics;
    private final RemediatorConfig config;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final WebhookCapture capture;
    private final AlertBackbone backbone;

    public AlertmanagerWebhookResource(RemediationPipeline pipeline, RemediatorMetrics metrics, RemediatorConfig config, ObjectMapper mapper,
                                       Clock clock, AlertBackbone backbone) {
        this.backbone = backbone;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.config = config;
        this.mapper = mapper;
        this.clock = clock;
        this.capture = config.webhook().captureFile().map(f -> new WebhookCapture(f, config.webhook().captureMaxBytes(), mapper)).orElse(null);
    }

    @jakarta.annotation.PreDestroy
    void close() {
        if (capture != null) {
            capture.close();
        }
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive an Alertmanager webhook (payload version 4)")
    public Response receive(@HeaderParam("Content-Type") String contentType, @HeaderParam("Content-Length") Long length, InputStream body) {
        if (contentType == null || !isJson(contentType)) {
            metrics.webhookRejected("unsupported_media_type");
            return Problem.response(415, "Unsupported media type", "the webhook takes application/json, not " + (contentType == null ? "no content type" : "'"
                    + io.autonova.remediator.domain.KubernetesNames.quoteUntrusted(contentType) + "'"));
        }
        // Bodies past quarkus.http.limits.max-body-size are refused by the HTTP layer before they are read.
        int max = config.webhook().maxBodyBytes();
        if (length != null && length > max) {
            metrics.webhookRejected("too_large");
            return Problem.response(413, "Payload too large", "body exceeds the limit of " + max + " bytes");
        }
        LimitedInputStream limited = new LimitedInputStream(body, max);
        List<Alert> alerts;
        try {
            alerts = AlertmanagerPayload.parse(mapper, limited, clock.instant());
        } catch (AlertmanagerPayload.InvalidPayload e) {
            if (limited.exceeded()) {
                metrics.webhookRejected("too_large");
                return Problem.response(413, "Payload too large", "body exceeds the limit of " + max + " bytes");
            }
            metrics.webhookRejected("invalid");
            return Problem.response(400, "Invalid Alertmanager webhook payload", e.getMessage());
        }
        if (capture != null) {
            capture.capture(alerts, alerts.isEmpty() ? clock.instant() : alerts.get(0).receivedAt());
        }
        if (backbone.enabled()) {
            AlertBackbone.Published published;
            try {
                published = backbone.publish(alerts);
            } catch (AlertBackbone.Unavailable e) {
                return Problem.unavailable("Kafka unavailable", e.getMessage());
            }
            return Response.accepted(new BackboneAnswer(alerts.size(), published.published(), published.decidedHere())).build();
        }
        return Response.ok(new WebhookAnswer(alerts.size(), pipeline.accept(alerts))).build();
    }

    /**
     * The answer with the Kafka backbone: the alerts the broker now holds (decided by the consumer owning their target's
     * partition; the decisions are on the records, as always) and the decisions taken here for alerts no rule matched.
     */
    public record BackboneAnswer(int alerts, int accepted, List<AlertResult> results) {
    }

    private static boolean isJson(String contentType) {
        String base = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        return base.equals("application/json") || base.endsWith("+json");
    }

    /** Stops reading past the limit, so an endless body is refused without being buffered whole. */
    static final class LimitedInputStream extends java.io.FilterInputStream {
        private final long limit;
        private long read;
        private boolean exceeded;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        boolean exceeded() {
            return exceeded;
        }

        @Override
        public int read() throws java.io.IOException {
            int b = super.read();
            if (b >= 0 && ++read > limit) {
                exceeded = true;
                throw new java.io.IOException("body exceeds the limit of " + limit + " bytes");
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws java.io.IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                read += n;
                if (read > limit) {
                    exceeded = true;
                    throw new java.io.IOException("body exceeds the limit of " + limit + " bytes");
                }
            }
            return n;
        }
    }
}
