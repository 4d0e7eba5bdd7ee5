package io.autonova.remediator.ingest.alertmanager;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.autonova.remediator.domain.Alert;
import org.jboss.logging.Logger;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opt-in capture of what webhooks delivered, for {@code scripts/rules backtest}: one JSON line per delivery, a
 * webhook body (version 4, the alerts as the service parsed them) plus {@code receivedAt}. Written by one
 * background thread from a bounded queue: a slow disk drops lines (counted and logged), never delays a webhook.
 */
public final class WebhookCapture implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WebhookCapture.class);

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(10_000);
    private final AtomicLong dropped = new AtomicLong();
    private final ObjectMapper mapper;
    private final Thread writer;
    private volatile boolean closed;

    public WebhookCapture(Path file, ObjectMapper mapper) {
        this.mapper = mapper;
        writer = new Thread(() -> write(file), "webhook-capture");
        writer.setDaemon(true);
        writer.start();
        LOG.infof("capturing webhook deliveries to %s (for scripts/rules backtest)", file);
    }

    public void capture(List<Alert> alerts, Instant receivedAt) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("receivedAt", receivedAt.toString());
        line.put("version", "4");
        line.put("alerts", alerts.stream().map(a -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", a.firing() ? "firing" : "resolved");
            m.put("fingerprint", a.fingerprint());
            m.put("labels", a.labels());
            m.put("annotations", a.annotations());
            m.put("startsAt", a.startsAt() == null ? "0001-01-01T00:00:00Z" : a.startsAt().toString());
            m.put("endsAt", a.endsAt() == null ? "0001-01-01T00:00:00Z" : a.endsAt().toString());
            return m;
        }).toList());
        try {
            if (!queue.offer(mapper.writeValueAsString(line)) && dropped.incrementAndGet() % 1000 == 1) {
                LOG.warnf("webhook capture falls behind: %d deliveries not captured so far", dropped.get());
            }
        } catch (IOException e) {
            dropped.incrementAndGet();
        }
    }

    private void write(Path file) {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (!closed || !queue.isEmpty()) {
                String line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    out.flush();
                    continue;
                }
                out.write(line);
                out.write('\n');
            }
            out.flush();
        } catch (IOException e) {
            LOG.errorf("webhook capture to %s stopped: %s", file, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
