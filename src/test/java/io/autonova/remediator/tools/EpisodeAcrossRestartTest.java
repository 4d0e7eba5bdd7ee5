package io.autonova.remediator.tools;

import io.autonova.remediator.pipeline.AlertResult;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleSetAssembler;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crash loop that lasts longer than the windows' span, across a consumer restart that rebuilds them from the
 * span only: one episode, one action. A crash loop that starts again after it resolved is a new one.
 */
class EpisodeAcrossRestartTest {

    static final Instant T0 = Instant.parse("2026-11-28T03:00:00Z");
    static final Duration SPAN = Duration.ofMinutes(15).plusSeconds(30);

    private static OfflinePipeline pipeline() {
        var rules = RuleSetAssembler.assemble(List.of(RuleFileParser.parse("r.yaml", """
                rules:
                  - name: restarts
                    signal: {kind: pod-restarts, window: 15m, lateness: 30s, op: ">", bound: 3}
                    target: {namespace: "{{ $labels.namespace }}", deployment: "{{ $labels.deployment }}"}
                    scenario: immediate-rollback
                    limits: {cooldown: 10m}
                """)), Instant.EPOCH).ruleSet();
        return new OfflinePipeline(rules, T0, false);
    }

    /** One restart a minute from {@code from} (minutes after T0) to {@code to}; a restart of the consumer at {@code restartAt}. */
    private static List<AlertResult> crashLoop(OfflinePipeline p, int from, int to, int restartAt) {
        List<AlertResult> out = new ArrayList<>();
        for (int m = from; m <= to; m++) {
            p.clock.set(T0.plusSeconds(m * 60L));
            if (m == restartAt) {
                p.restartConsumer(SPAN);
            }
            String json = "{\"type\":\"pod-restart\",\"namespace\":\"shop\",\"deployment\":\"cart\",\"time\":\"" + p.clock.instant() + "\"}";
            out.addAll(p.acceptSignal(json.getBytes(StandardCharsets.UTF_8)));
            p.finishRunsStartedBefore(Duration.ofMinutes(1));
        }
        return out;
    }

    private static long acted(List<AlertResult> results) {
        return results.stream().filter(r -> "execute".equals(r.outcome())).count();
    }

    @Test
    void aCrashLoopLongerThanTheRebuildSpanIsOneEpisodeAcrossARestart() {
        OfflinePipeline p = pipeline();
        List<AlertResult> results = crashLoop(p, 0, 45, 20);
        assertEquals(1, acted(results), "one action for one crash loop: " + results);
        assertEquals(1, p.store.records().size(), "one record");
        RemediationRecord r = p.store.records().get(0);
        assertEquals(1, r.status.alerts.instances, "the rebuilt window's later start was taken as the same instance: " + r.status.alerts.ids);
        assertEquals(0, r.status.alerts.lateCount, "nothing was refused as a new instance after the episode ended");
        assertTrue(r.status.suppressedDuplicates > 0, "the repeats after the restart were duplicates of it");
    }

    @Test
    void aCrashLoopThatStartsAgainAfterItResolvedIsANewEpisode() {
        OfflinePipeline p = pipeline();
        List<AlertResult> first = crashLoop(p, 0, 25, 20);
        // Quiet for an hour: the window resolves at the next event, then a new crash loop crosses again.
        List<AlertResult> second = crashLoop(p, 90, 100, -1);
        assertEquals(1, acted(first));
        assertEquals(1, acted(second), "a new incident acts again once the cooldown is over: " + second);
        assertEquals(2, p.store.records().size());
    }
}
