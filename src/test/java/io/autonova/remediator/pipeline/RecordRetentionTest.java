package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordRetentionTest {

    static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    static RemediationRecord rec(String name, String target, String rule, int episode, Phase phase, Duration endedAgo, String reason) {
        RemediationRecord r = new RemediationRecord();
        r.name = name;
        r.spec.rule = rule;
        r.spec.episode = episode;
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = target;
        r.status.phase = phase;
        r.createdAt = NOW.minus(endedAgo).minusSeconds(60);
        r.status.finishedAt = phase.finished() ? NOW.minus(endedAgo) : null;
        if (reason != null) {
            r.status.decision = new RemediationRecord.DecisionView();
            r.status.decision.reason = reason;
        }
        return r;
    }

    @Test
    void deletesOldAndSurplusFinishedRecordsButNeverOpenRunningOrTheNewestOfAnEpisodeLine() {
        List<RemediationRecord> records = new ArrayList<>();
        // Newest first, as the store lists them.
        records.add(rec("api-running", "api", "r", 9, Phase.RUNNING, Duration.ofDays(40), null));
        records.add(rec("api-open-refusal", "api", "q", 3, Phase.REFUSED, Duration.ofDays(40), Reason.COOLDOWN.name()));
        records.add(rec("api-r-8", "api", "r", 8, Phase.SUCCEEDED, Duration.ofDays(1), null));
        records.add(rec("api-r-7", "api", "r", 7, Phase.FAILED, Duration.ofDays(2), null));
        records.add(rec("api-r-6", "api", "r", 6, Phase.SUCCEEDED, Duration.ofDays(3), null));
        records.add(rec("api-r-5", "api", "r", 5, Phase.SUCCEEDED, Duration.ofDays(31), null));
        records.add(rec("web-r-1", "web", "r", 1, Phase.SUCCEEDED, Duration.ofDays(90), null));
        records.add(rec("web-s-2", "web", "s", 2, Phase.REFUSED, Duration.ofDays(45), Reason.INVALID_TARGET.name()));
        records.add(rec("web-s-1", "web", "s", 1, Phase.CLEARED, Duration.ofDays(50), null));
        List<String> doomed = RecordRetention.select(records, NOW, Duration.ofDays(30), 2);
        // api: the running and open ones stay; of the finished r-line, 8 is its newest, 7 fits the 2 kept, 6 is surplus, 5 is old.
        // web: r-1 and s-2 are the newest of their lines (kept whatever their age); s-1 is old.
        assertEquals(List.of("api-r-6", "api-r-5", "web-s-1"), doomed);
    }

    @Test
    void aRunStartedByHandAndRefusedForATransientReasonIsOverAndGoesWithAge() {
        List<RemediationRecord> records = new ArrayList<>();
        RemediationRecord newest = rec("manual-b", "api", io.autonova.remediator.rules.Rule.MANUAL, 1, Phase.REFUSED, Duration.ofDays(35), Reason.PAUSED.name());
        RemediationRecord older = rec("manual-a", "api", io.autonova.remediator.rules.Rule.MANUAL, 1, Phase.REFUSED, Duration.ofDays(40), Reason.PAUSED.name());
        RemediationRecord alertEpisode = rec("api-q-3", "api", "q", 3, Phase.REFUSED, Duration.ofDays(40), Reason.PAUSED.name());
        for (RemediationRecord r : List.of(newest, older)) {
            r.spec.manual = new RemediationRecord.Manual();
            r.spec.manual.by = "alice";
        }
        records.add(newest);
        records.add(older);
        records.add(alertEpisode);
        assertFalse(older.open(), "no alert folds into a run started by hand: refused, it is over");
        assertTrue(alertEpisode.open(), "an alert episode refused while paused still takes its alerts");
        // The newest of the manual line stays (as for any line); the older one is old; the open alert episode stays.
        assertEquals(List.of("manual-a"), RecordRetention.select(records, NOW, Duration.ofDays(30), 2));
    }
}
