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
 * Alert labels and annotations may be sensitive: the file is created readable by the service's user only (0600),
 * rotated to {@code <file>.1} at a byte cap, and a failed write (disk full, file removed) is retried, never fatal.
 */
public final class WebhookCapture implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(WebhookCapture.class);

    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(10_000);
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final ObjectMapper mapper;
    private final Thread writer;
    private volatile boolean closed;

    private final long maxBytes;
    /** The line a failed write was given (the writer thread's only). */
    private String unwritten;

    public WebhookCapture(Path file, long maxBytes, ObjectMapper mapper) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
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

    /** Failed opens and writes so far, each followed by a retry. */
    public long failures() {
        return failures.get();
    }

    private void write(Path file) {
        long backoff = 500;
        while (!closed || !queue.isEmpty()) {
            try {
                appendUntilClosed(file);
                return;
            } catch (IOException e) {
                failures.incrementAndGet();
                LOG.errorf("webhook capture to %s failed (%s); trying again in %d ms, deliveries queue meanwhile (%d dropped so far)",
                        file, e.getMessage(), backoff, dropped.get());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(30_000, backoff * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void appendUntilClosed(Path file) throws IOException, InterruptedException {
        BufferedWriter out = open(file);
        long size = Files.size(file);
        try {
            while (!closed || !queue.isEmpty() || unwritten != null) {
                String line = unwritten != null ? unwritten : queue.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    out.flush();
                    continue;
                }
                long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
                if (size > 0 && size + bytes > maxBytes) {
                    out.close();
                    Files.move(file, file.resolveSibling(file.getFileName() + ".1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    out = open(file);
                    size = 0;
                }
                unwritten = line; // kept if the write fails: written after the retry
                out.write(line);
                out.write('\n');
                unwritten = null;
                size += bytes;
            }
            out.flush();
        } finally {
            out.close();
        }
    }

    /** Opens for appending; a new file is created 0600 where the file system has POSIX permissions. */
    private static BufferedWriter open(Path file) throws IOException {
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // created meanwhile
            }
        }
        return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
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
