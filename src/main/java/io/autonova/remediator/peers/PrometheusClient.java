package io.autonova.remediator.peers;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Instant queries against Prometheus' HTTP API ({@code GET /api/v1/query}); the answer is parsed by the caller. */
public interface PrometheusClient {

    /** The HTTP status and body of one instant query at the server's current time. */
    record Answer(int status, String body) {
    }

    Answer query(String promql) throws IOException;

    /** Over HTTP, with an optional bearer token read from a file (so a rotated token is picked up). */
    static PrometheusClient http(URI base, Path tokenFile, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        return promql -> {
            HttpRequest.Builder req = HttpRequest.newBuilder(io.autonova.remediator.domain.Urls.under(base, "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                            + "&timeout=" + timeout.toSeconds() + "s"))
                    .timeout(timeout).header("Accept", "application/json").GET();
            if (tokenFile != null) {
                req.header("Authorization", "Bearer " + Files.readString(tokenFile).trim());
            }
            try {
                HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
                return new Answer(r.statusCode(), r.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        };
    }
}
