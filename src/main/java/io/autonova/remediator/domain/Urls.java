package io.autonova.remediator.domain;

import java.net.URI;

/** URLs of HTTP peers configured with a base that may carry a sub-path (Grafana or Prometheus behind a proxy). */
public final class Urls {

    private Urls() {
    }

    /**
     * {@code pathAndQuery} (starting with '/') under the base's path: {@code https://ops.example/grafana} and
     * {@code /api/annotations} give {@code https://ops.example/grafana/api/annotations}, where {@link URI#resolve} would
     * drop {@code /grafana}.
     */
    public static URI under(URI base, String pathAndQuery) {
        String b = base.toString();
        int end = b.length();
        while (end > 0 && b.charAt(end - 1) == '/') {
            end--;
        }
        return URI.create(b.substring(0, end) + pathAndQuery);
    }
}
