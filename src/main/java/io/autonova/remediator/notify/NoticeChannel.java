package io.autonova.remediator.notify;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.peers.HttpPeer;
import io.autonova.remediator.state.RemediationRecord;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One place the notices of a run go (a Grafana annotation region, a chat message). {@link NoticeDelivery}
 * claims, retries and records; a channel only says how one notice is sent. A new channel is one class, listed
 * in {@link #configured}, with its settings in {@code RemediatorConfig} (whose {@code noticeChannels()} names it,
 * so the engine queues its notices; {@code NoticeChannelsTest} checks the two agree).
 */
public interface NoticeChannel {

    /** Its name on the record's notices ({@code status.notices[].channel}). */
    String name();

    /** Sends one notice of the run; the answer says whether it went, may be tried again, or is given up. */
    Sent send(RemediationRecord r, RemediationRecord.Notice n) throws IOException;

    /** The pending notice to send next: in order by default. */
    default int nextPending(RemediationRecord r) {
        for (int i = 0; i < r.status.notices.size(); i++) {
            RemediationRecord.Notice n = r.status.notices.get(i);
            if (n.channel.equals(name()) && "pending".equals(n.phase)) {
                return i;
            }
        }
        return -1;
    }

    /** What a notice that was just sent makes of the run's other notices on this channel (nothing by default). */
    default void afterSent(RemediationRecord r, RemediationRecord.Notice sent) {
    }

    /** The outcome of one attempt: sent (with a detail kept on the notice), or failed, to be retried (after) or not. */
    record Sent(boolean ok, boolean retry, Duration after, String detail, String message) {
        public static Sent sent(String detail) {
            return new Sent(true, false, null, detail, null);
        }

        public static Sent givenUp(String message) {
            return new Sent(false, false, null, null, message);
        }

        /** What an HTTP answer means: sent, try again (429 after Retry-After, 408, 5xx), or give up (other 4xx). */
        public static Sent judge(HttpPeer.Reply reply, String detail) {
            if (reply.ok()) {
                return sent(detail);
            }
            String msg = "HTTP " + reply.status() + ": " + NoticeText.cap(reply.body() == null ? "" : reply.body(), 300);
            if (reply.status() == 429) {
                return new Sent(false, true, reply.retryAfter().orElse(Duration.ofSeconds(30)), null, "rate limited, " + msg);
            }
            return new Sent(false, reply.status() >= 500 || reply.status() == 408, null, null, msg);
        }
    }

    /** The channels the configuration turns on, in the order their notices are queued. */
    static List<NoticeChannel> configured(RemediatorConfig config, HttpPeer http, Clock clock) {
        return Stream.of(GrafanaChannel.from(config, http, clock), ChatChannel.from(config, http)).flatMap(Optional::stream).toList();
    }
}
