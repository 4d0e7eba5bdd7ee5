package io.autonova.remediator.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.domain.Urls;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.state.RemediationRecord;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Grafana annotation region per run (HTTP API {@code /api/annotations}), tagged so it is found again: the
 * start creates it, the end closes it. Idempotent: a start sent before a crash is found by its tag.
 */
public final class GrafanaChannel implements NoticeChannel {

    public static final String NAME = "grafana";

    private final URI url;
    private final Path tokenFile;
    private final String dashboardUid;
    private final List<String> extraTags;
    private final HttpPeer http;
    private final Clock clock;

    public GrafanaChannel(URI url, Path tokenFile, String dashboardUid, List<String> extraTags, HttpPeer http, Clock clock) {
        this.url = url;
        this.tokenFile = tokenFile;
        this.dashboardUid = dashboardUid;
        this.extraTags = extraTags;
        this.http = http;
        this.clock = clock;
    }

    static Optional<NoticeChannel> from(RemediatorConfig config, HttpPeer http, Clock clock) {
        var g = config.grafana();
        return g.url().map(u -> new GrafanaChannel(u, g.tokenFile().orElse(null), g.dashboardUid().orElse(null),
                g.extraTags().orElse(List.of()), http, clock));
    }

    @Override
    public String name() {
        return NAME;
    }

    /** The end first when both are pending: one whole region covers the start. */
    @Override
    public int nextPending(RemediationRecord r) {
        for (int i = 0; i < r.status.notices.size(); i++) {
            RemediationRecord.Notice n = r.status.notices.get(i);
            if (n.channel.equals(NAME) && "pending".equals(n.phase) && n.event.equals("finished")) {
                return i;
            }
        }
        return NoticeChannel.super.nextPending(r);
    }

    /** The region was written whole: a start that never got out is covered by it. */
    @Override
    public void afterSent(RemediationRecord r, RemediationRecord.Notice sent) {
        if (!sent.event.equals("finished")) {
            return;
        }
        r.status.notices.stream().filter(o -> o.channel.equals(NAME) && o.event.equals("started") && "pending".equals(o.phase))
                .forEach(o -> {
                    o.phase = "sent";
                    o.detail = sent.detail;
                    o.message = "sent with the end of the region";
                });
    }

    @Override
    public Sent send(RemediationRecord r, RemediationRecord.Notice n) throws IOException {
        List<String> tags = NoticeText.tags(r, extraTags);
        Long id = null;
        for (RemediationRecord.Notice o : r.status.notices) {
            if (o.channel.equals(NAME) && "sent".equals(o.phase) && o.detail != null) {
                id = Long.valueOf(o.detail);
            }
        }
        if (id == null) {
            HttpPeer.Reply found = http.send("GET", Urls.under(url, "/api/annotations?type=annotation&limit=1&tags="
                    + URLEncoder.encode(NoticeText.runTag(r), StandardCharsets.UTF_8)), null, tokenFile);
            if (!found.ok()) {
                return Sent.judge(found, null);
            }
            JsonNode list = Json.MAPPER.readTree(found.body());
            if (list.isArray() && !list.isEmpty()) {
                id = list.get(0).path("id").asLong();
            }
        }
        Instant start = r.status.startedAt != null ? r.status.startedAt : r.createdAt;
        Map<String, Object> body = new LinkedHashMap<>();
        if (n.event.equals("finished") && id != null) {
            body.put("timeEnd", end(r));
            body.put("text", NoticeText.annotationText(r));
            body.put("tags", tags);
            return Sent.judge(http.send("PATCH", Urls.under(url, "/api/annotations/" + id), Json.MAPPER.writeValueAsString(body), tokenFile),
                    String.valueOf(id));
        }
        if (id != null) {
            return Sent.sent(String.valueOf(id)); // the start was sent before a crash: found by its tag
        }
        if (dashboardUid != null) {
            body.put("dashboardUID", dashboardUid);
        }
        body.put("time", start.toEpochMilli());
        if (n.event.equals("finished")) {
            body.put("timeEnd", end(r));
        }
        body.put("tags", tags);
        body.put("text", NoticeText.annotationText(r));
        HttpPeer.Reply created = http.send("POST", Urls.under(url, "/api/annotations"), Json.MAPPER.writeValueAsString(body), tokenFile);
        if (!created.ok()) {
            return Sent.judge(created, null);
        }
        return Sent.sent(String.valueOf(Json.MAPPER.readTree(created.body()).path("id").asLong()));
    }

    private long end(RemediationRecord r) {
        return (r.status.finishedAt != null ? r.status.finishedAt : clock.instant()).toEpochMilli();
    }
}
