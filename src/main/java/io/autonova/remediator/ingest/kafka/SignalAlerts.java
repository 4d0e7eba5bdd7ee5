package io.autonova.remediator.ingest.kafka;

import io.autonova.remediator.domain.Alert;
import io.autonova.remediator.domain.Hashes;
import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.pipeline.RemediationPipeline;
import io.autonova.remediator.rules.Rule;
import io.autonova.remediator.rules.SignalWindows;
import io.autonova.remediator.rules.WindowState;
import io.autonova.remediator.state.RemediationRecord;
import io.autonova.remediator.state.StateStore;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A window over Kafka signals that started, kept or stopped crossing its threshold, as an alert: decided by the
 * pipeline exactly like one from Alertmanager. Its identity (fingerprint from rule and target, start from when
 * the window started crossing) is derived from the data, so a redelivered or rebuilt record folds into the
 * same episode.
 */
public final class SignalAlerts {

    private final RemediationPipeline pipeline;
    private final Supplier<StateStore> store;
    private final Clock clock;

    public SignalAlerts(RemediationPipeline pipeline, Supplier<StateStore> store, Clock clock) {
        this.pipeline = pipeline;
        this.store = store;
        this.clock = clock;
    }

    public AlertResult accept(SignalWindows.Match match) {
        Rule rule = match.rule();
        Map<String, String> labels = new LinkedHashMap<>(match.signal().labels());
        labels.put("alertname", rule.name());
        String fingerprint = Hashes.sha256Hex(rule.name() + "|" + match.signal().targetKey());
        Instant now = clock.instant();
        Instant since = continuedSince(rule, match.signal().targetKey(), fingerprint, match.emission(), now);
        Alert alert = new Alert("kafka", fingerprint, match.emission().firing(), labels,
                Map.of("value", Double.toString(match.emission().value())), since, null, null, now);
        return pipeline.accept(alert, rule);
    }

    /**
     * When a window started crossing, as the episode knows it. After a restart the windows are rebuilt from
     * their span only, so a condition that has lasted longer seems to start later than it did: while the
     * latest episode still has an earlier start of the same fingerprint firing, and saw it within the span,
     * it is the same instance (no second record, no second action). A condition that resolved, or went
     * unseen for longer than the span, starts afresh.
     */
    private Instant continuedSince(Rule rule, String targetKey, String fingerprint, WindowState.Emission emission, Instant now) {
        Instant since = emission.firingSince();
        if (since == null) {
            return null;
        }
        Optional<RemediationRecord> latest = store.get().latestEpisode(rule.name(), targetKey);
        if (latest.isEmpty()) {
            return since;
        }
        RemediationRecord.Alerts a = latest.get().status.alerts;
        Instant seen = a.lastSeen;
        Instant resent = latest.get().status.lastDuplicateAt;
        if (resent != null && (seen == null || resent.isAfter(seen))) {
            seen = resent;
        }
        // A resolve always ends the instance that fires; a firing one continues it only if seen within the span.
        if (emission.firing() && (seen == null || seen.isBefore(now.minus(rule.window().span())))) {
            return since;
        }
        String prefix = fingerprint + "@";
        Instant earliest = since;
        for (String id : a.firing) {
            if (id.startsWith(prefix)) {
                Instant started = Instant.ofEpochSecond(Long.parseLong(id.substring(prefix.length())));
                if (started.isBefore(earliest)) {
                    earliest = started;
                }
            }
        }
        return earliest;
    }
}
