package io.autonova.remediator.peers;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** A JSON-over-HTTP peer (Grafana, a chat webhook): one request, its status, body and Retry-After. */
public final class HttpPeer {

    public record Reply(int status, String body, Optional<Duration> retryAfter) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HttpClient http;
    private final Duration timeout;

    public HttpPeer(Duration timeout) {
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.timeout = timeout;
    }

    /** Sends {@code body} (JSON, or none for GET); {@code tokenFile} is read at every call so a rotated token is picked up. */
    public Reply send(String method, URI uri, String body, Path tokenFile) throws IOException {
        return send(method, uri, body, tokenFile, Map.of("Accept", "application/json"));
    }

    /** As {@link #send(String, URI, String, Path)}, with the peer's own headers (its Accept and API version). */
    public Reply send(String method, URI uri, String body, Path tokenFile, Map<String, String> headers) throws IOException {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(req::header);
        if (body != null) {
            req.header("Content-Type", "application/json");
        }
        if (tokenFile != null) {
            req.header("Authorization", "Bearer " + Files.readString(tokenFile).trim());
        }
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").flatMap(HttpPeer::seconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Optional<Duration> seconds(String v) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
        } catch (NumberFormatException e) {
            return Optional.empty(); // an HTTP date: fall back to our own backoff
        }
    }
}
