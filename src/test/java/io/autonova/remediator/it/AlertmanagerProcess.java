package io.autonova.remediator.it;

import io.autonova.remediator.fixtures.LocalPeers;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

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
            LocalPeers.ensureInstalled(BINARY);
            int appPort = LocalPeers.freePort();
            int amPort = LocalPeers.freePort();
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
            LocalPeers.awaitReady(process, URI.create(url + "/-/ready"), dir.resolve("alertmanager.log"), Duration.ofSeconds(20), "Alertmanager");
            return Map.of("quarkus.http.test-port", String.valueOf(appPort));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("could not start Alertmanager: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        LocalPeers.stop(process);
    }
}
