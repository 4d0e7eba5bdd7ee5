package io.autonova.remediator.notify;

import com.fasterxml.jackson.databind.JsonNode;
import io.autonova.remediator.domain.Json;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Delivers the notices queued on records (Grafana annotation regions, chat messages) apart from the runs:
 * a slow or failing peer never holds a rollback up. Each delivery is claimed on the record first (a
 * resourceVersion precondition), so two replicas do not both send it; a claim older than a minute is taken
 * over. Grafana is idempotent (the run's annotation is found again by its tag); chat is at least once.
 */
public class NoticeDelivery {

    private static final Logger LOG = Logger.getLogger(NoticeDelivery.class);
    static final int MAX_ATTEMPTS = 8;
    static final Duration CLAIM = Duration.ofMinutes(1);

    public record Grafana(URI url, Path tokenFile, String dashboardUid, List<String> extraTags) {
    }

    public record Chat(Path webhookUrlFile, String consoleUrl) {
    }

    private record Result(boolean ok, boolean retry, Duration after, String detail, String message) {
        static Result sent(String detail) {
            return new Result(true, false, null, detail, null);
        }
    }

    private final StateStore store;
    private final HttpPeer http;
    private final Grafana grafana;
    private final Chat chat;
    private final String identity;
    private final Clock clock;
    /** Records that may have notices to deliver: every record changed since, not every record each round. */
    private final java.util.Set<String> candidates = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public NoticeDelivery(StateStore store, HttpPeer http, Grafana grafana, Chat chat, String identity, Clock clock) {
        this.store = store;
        this.http = http;
        this.grafana = grafana;
        this.chat = chat;
        this.identity = identity;
        this.clock = clock;
        store.onRecordChange(candidates::add);
        store.records().forEach(r -> candidates.add(r.name)); // notices left pending by a replica before this one started
    }

    /** The channels configured, for the engine to queue notices on. */
    public List<String> channels() {
        return grafana == null ? chat == null ? List.of() : List.of("chat") : chat == null ? List.of("grafana") : List.of("grafana", "chat");
    }

    /** Delivers every notice that is due; returns how many were attempted. */
    public int deliverDue() {
        int attempted = 0;
        Instant now = clock.instant();
        for (String name : List.copyOf(candidates)) {
            // Taken out before it is read: a change from here on brings it back.
            candidates.remove(name);
            RemediationRecord r = store.record(name).orElse(null);
            if (r == null || r.status.notices.stream().noneMatch(n -> "pending".equals(n.phase))) {
                continue;
            }
            candidates.add(name); // still something to deliver, now or after its backoff
            for (String channel : List.of("grafana", "chat")) {
                int i = firstPending(r, channel);
                if (i >= 0 && due(r.status.notices.get(i), now)) {
                    attempted++;
                    deliver(r.name, i, now);
                }
            }
        }
        return attempted;
    }

    /** Chat: in order. Grafana: the end first when both are pending, as one whole region covers the start. */
    private static int firstPending(RemediationRecord r, String channel) {
        int first = -1;
        for (int i = 0; i < r.status.notices.size(); i++) {
            RemediationRecord.Notice n = r.status.notices.get(i);
            if (n.channel.equals(channel) && "pending".equals(n.phase)) {
                if (channel.equals("grafana") && n.event.equals("finished")) {
                    return i;
                }
                first = first < 0 ? i : first;
            }
        }
        return first;
    }

    private boolean due(RemediationRecord.Notice n, Instant now) {
        boolean claimed = n.claimedBy != null && n.claimedAt != null && now.isBefore(n.claimedAt.plus(CLAIM));
        return !claimed && (n.notBefore == null || !now.isBefore(n.notBefore));
    }

    private void deliver(String name, int index, Instant now) {
        // Claim first: only the replica whose write wins sends.
        if (!write(name, r -> {
            RemediationRecord.Notice n = r.status.notices.get(index);
            if (!"pending".equals(n.phase) || !due(n, now)) {
                throw new Lost();
            }
            n.claimedBy = identity;
            n.claimedAt = now;
            n.attempts++;
        })) {
            return;
        }
        RemediationRecord r = store.record(name).orElse(null);
        if (r == null) {
            return;
        }
        RemediationRecord.Notice n = r.status.notices.get(index);
        Result result;
        try {
            result = n.channel.equals("grafana") ? grafana(r, n) : chat(r, n);
        } catch (IOException | RuntimeException e) {
            result = new Result(false, true, null, null, "unreachable: " + e.getMessage());
        }
        Result res = result;
        Instant at = clock.instant();
        write(name, w -> {
            RemediationRecord.Notice x = w.status.notices.get(index);
            x.claimedBy = null;
            x.claimedAt = null;
            x.message = res.message;
            if (res.ok) {
                x.phase = "sent";
                x.sentAt = at;
                x.detail = res.detail;
                if (x.channel.equals("grafana") && x.event.equals("finished")) {
                    // The region was written whole: a start that never got out is covered by it.
                    w.status.notices.stream().filter(o -> o.channel.equals("grafana") && o.event.equals("started") && "pending".equals(o.phase))
                            .forEach(o -> {
                                o.phase = "sent";
                                o.detail = res.detail;
                                o.message = "sent with the end of the region";
                            });
                }
            } else if (res.retry && x.attempts < MAX_ATTEMPTS) {
                x.notBefore = at.plus(res.after != null ? res.after : backoff(x.attempts));
            } else {
                x.phase = "failed";
                LOG.warnf("remediation %s: %s notice '%s' given up after %d attempt(s): %s", name, x.channel, x.event, x.attempts, res.message);
            }
        });
    }

    static Duration backoff(int attempts) {
        return Duration.ofSeconds(Math.min(600, 5L << Math.min(attempts, 7)));
    }

    private static final class Lost extends RuntimeException {
        Lost() {
            super(null, null, false, false);
        }
    }

    private boolean write(String name, Consumer<RemediationRecord> change) {
        for (int attempt = 0; attempt < 3; attempt++) {
            Optional<RemediationRecord> read = attempt == 0 ? store.record(name) : store.fetch(name);
            if (read.isEmpty()) {
                return false;
            }
            RemediationRecord copy = read.get().copy();
            try {
                change.accept(copy);
            } catch (Lost e) {
                return false;
            }
            if (store.update(copy)) {
                return true;
            }
        }
        return false;
    }

    /** What an HTTP answer means for a notice: sent, try again (429 after Retry-After, 5xx), or give up (other 4xx). */
    private static Result judge(HttpPeer.Reply reply, String detail) {
        if (reply.ok()) {
            return Result.sent(detail);
        }
        String msg = "HTTP " + reply.status() + ": " + NoticeText.cap(reply.body() == null ? "" : reply.body(), 300);
        if (reply.status() == 429) {
            return new Result(false, true, reply.retryAfter().orElse(Duration.ofSeconds(30)), null, "rate limited, " + msg);
        }
        return new Result(false, reply.status() >= 500 || reply.status() == 408, null, null, msg);
    }

    private Result grafana(RemediationRecord r, RemediationRecord.Notice n) throws IOException {
        URI base = grafana.url();
        List<String> tags = NoticeText.tags(r, grafana.extraTags());
        Long id = null;
        for (RemediationRecord.Notice o : r.status.notices) {
            if (o.channel.equals("grafana") && "sent".equals(o.phase) && o.detail != null) {
                id = Long.valueOf(o.detail);
            }
        }
        if (id == null) {
            HttpPeer.Reply found = http.send("GET", io.autonova.remediator.domain.Urls.under(base, "/api/annotations?type=annotation&limit=1&tags="
                    + URLEncoder.encode(NoticeText.runTag(r), StandardCharsets.UTF_8)), null, grafana.tokenFile());
            if (!found.ok()) {
                return judge(found, null);
            }
            JsonNode list = Json.MAPPER.readTree(found.body());
            if (list.isArray() && !list.isEmpty()) {
                id = list.get(0).path("id").asLong();
            }
        }
        Instant start = r.status.startedAt != null ? r.status.startedAt : r.createdAt;
        Map<String, Object> body = new LinkedHashMap<>();
        if (n.event.equals("finished") && id != null) {
            body.put("timeEnd", (r.status.finishedAt != null ? r.status.finishedAt : clock.instant()).toEpochMilli());
            body.put("text", NoticeText.annotationText(r));
            body.put("tags", tags);
            return judge(http.send("PATCH", io.autonova.remediator.domain.Urls.under(base, "/api/annotations/" + id), Json.MAPPER.writeValueAsString(body), grafana.tokenFile()),
                    String.valueOf(id));
        }
        if (id != null) {
            return Result.sent(String.valueOf(id)); // the start was sent before a crash: found by its tag
        }
        if (grafana.dashboardUid() != null) {
            body.put("dashboardUID", grafana.dashboardUid());
        }
        body.put("time", start.toEpochMilli());
        if (n.event.equals("finished")) {
            body.put("timeEnd", (r.status.finishedAt != null ? r.status.finishedAt : clock.instant()).toEpochMilli());
        }
        body.put("tags", tags);
        body.put("text", NoticeText.annotationText(r));
        HttpPeer.Reply created = http.send("POST", io.autonova.remediator.domain.Urls.under(base, "/api/annotations"), Json.MAPPER.writeValueAsString(body), grafana.tokenFile());
        if (!created.ok()) {
            return judge(created, null);
        }
        return Result.sent(String.valueOf(Json.MAPPER.readTree(created.body()).path("id").asLong()));
    }

    private Result chat(RemediationRecord r, RemediationRecord.Notice n) throws IOException {
        URI hook;
        try {
            hook = new URI(Files.readString(chat.webhookUrlFile()).trim());
            if (!"https".equals(hook.getScheme()) && !"http".equals(hook.getScheme()) || hook.getHost() == null) {
                throw new java.net.URISyntaxException("(not shown)", "not an http(s) URL with a host");
            }
        } catch (java.net.URISyntaxException e) {
            // The URL is a credential (whoever has it can post): neither the record nor the log may show it.
            return new Result(false, false, null, null, "the chat webhook URL in " + chat.webhookUrlFile() + " is not a valid http(s) URL "
                    + "(its content is not shown: it is a secret)");
        }
        String event = n.event.equals("started") ? "started" : "finished";
        return judge(http.send("POST", hook, Json.MAPPER.writeValueAsString(NoticeText.chat(r, event, chat.consoleUrl())), null), "HTTP 200");
    }
}
