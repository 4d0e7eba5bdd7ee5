package io.autonova.remediator.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1, without clustering, whose webhook
 * receiver points at the service under test with a bearer token. Installs the package through the
 * project's script when it is missing.
 */
public class AlertmanagerProcess implements QuarkusTestResourceLifecycleManager {

    static final String BINARY = "/usr/bin/prometheus-alertmanager";
    static volatile String url;

    private Process process;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            ensureInstalled();
            int appPort = freePort();
            int amPort = freePort();
            dir = Files.createTempDirectory("alertmanager-e2e");
            Files.writeString(dir.resolve("alertmanager.yml"), """
                    route:
                      receiver: autonova
                      group_by: [alertname, namespace, service]
                      group_wait: 1s
                      group_interval: 2s
                      repeat_interval: 1h
                    receivers:
                      - name: autonova
                        webhook_configs:
                          - url: http://127.0.0.1:%d/api/v1/webhooks/alertmanager
                            send_resolved: true
                            http_config:
                              authorization: {type: Bearer, credentials: test-webhook-token}
                    """.formatted(appPort));
            url = "http://127.0.0.1:" + amPort;
            process = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + dir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + amPort, "--cluster.listen-address=", "--web.external-url=" + url)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager.log").toFile()).start();
            awaitReady();
            return Map.of("quarkus.http.test-port", String.valueOf(appPort));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start Alertmanager: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process.destroyForcibly();
        }
    }

    private static void ensureInstalled() throws IOException, InterruptedException {
        if (Files.isExecutable(Path.of(BINARY))) {
            return;
        }
        Process install = new ProcessBuilder("bash", "scripts/install-test-deps.sh").inheritIO().start();
        if (install.waitFor() != 0 || !Files.isExecutable(Path.of(BINARY))) {
            throw new IllegalStateException(BINARY + " is missing and scripts/install-test-deps.sh could not install it "
                    + "(it needs root or passwordless sudo and Debian's package mirror)");
        }
    }

    private void awaitReady() throws InterruptedException, IOException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Alertmanager exited: " + Files.readString(dir.resolve("alertmanager.log")));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("Alertmanager not ready after 20s: " + Files.readString(dir.resolve("alertmanager.log")));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
