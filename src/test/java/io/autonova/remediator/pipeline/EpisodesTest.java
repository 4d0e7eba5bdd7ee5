package io.autonova.remediator.pipeline;

import io.autonova.remediator.policy.Decision;
import io.autonova.remediator.policy.Outcome;
import io.autonova.remediator.policy.Reason;
import io.autonova.remediator.state.Phase;
import io.autonova.remediator.state.RemediationRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The episode state machine, one row per transition of the README's episode section: the latest episode, the
 * alert instance and what the policy would say in; the step, whether it writes or waits, and which record the
 * policy was asked about out.
 */
class EpisodesTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final String RULE = "high-error-rate";
    static final String TARGET = "prod/api";
    static final String A = "aaaa@100";
    static final String B = "bbbb@200";
    static final Decision ACT = new Decision(Outcome.EXECUTE, Reason.ALL_CHECKS_PASSED, "ok");
    static final Decision DRY = new Decision(Outcome.DRY_RUN, Reason.DRY_RUN, "dry");
    static final Decision COOLDOWN = new Decision(Outcome.REFUSE, Reason.COOLDOWN, "cooldown");
    static final Decision PAUSED = new Decision(Outcome.REFUSE, Reason.PAUSED, "paused");
    static final Decision DUPLICATE = new Decision(Outcome.REFUSE, Reason.DUPLICATE_ALERT, "not transient");

    static String name(int n) {
        return Episodes.recordName(RULE, TARGET, n);
    }

    /** Episode {@code n} of the rule on the target, in {@code phase}, decided for {@code reason} (null: no decision). */
    static RemediationRecord episode(int n, Phase phase, Reason reason, Consumer<RemediationRecord.Alerts> alerts) {
        RemediationRecord r = new RemediationRecord();
        r.name = name(n);
        r.resourceVersion = "7";
        r.createdAt = NOW.minusSeconds(5);
        r.spec.rule = RULE;
        r.spec.episode = n;
        r.spec.target.namespace = "prod";
        r.spec.target.deployment = "api";
        r.status.phase = phase;
        if (reason != null) {
            r.status.decision = new RemediationRecord.DecisionView();
            r.status.decision.reason = reason.name();
        }
        alerts.accept(r.status.alerts);
        return r;
    }

    static Consumer<RemediationRecord.Alerts> firing(String... ids) {
        return a -> {
            a.ids.addAll(List.of(ids));
            a.firing.addAll(List.of(ids));
        };
    }

    static Consumer<RemediationRecord.Alerts> known(String... ids) {
        return a -> a.ids.addAll(List.of(ids));
    }

    record Row(String name, RemediationRecord latest, String instance, boolean firing, Decision policy,
               Class<? extends Episodes.Step> step, Decision decided, List<String> asked, boolean writes, boolean waits) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Row row(String name, RemediationRecord latest, String instance, boolean firing, Decision policy,
                   Class<? extends Episodes.Step> step, Decision decided, List<String> asked) {
        boolean writes = step == Episodes.Open.class || step == Episodes.Redecide.class || step == Episodes.Clear.class;
        return new Row(name, latest, instance, firing, policy, step, decided, asked, writes, writes || step == Episodes.AwaitWinner.class);
    }

    static RemediationRecord stale(RemediationRecord r) {
        r.createdAt = NOW.minus(Episodes.STALE_CLAIM).minusSeconds(1);
        return r;
    }

    static RemediationRecord overflowing(RemediationRecord r) {
        r.status.alerts.overflow = true;
        return r;
    }

    static RemediationRecord lateAlready(RemediationRecord r, String id) {
        r.status.alerts.late.add(id);
        return r;
    }

    static Stream<Row> rows() {
        List<String> none = List.of();
        return Stream.of(
                // opening
                row("the first alert opens episode 1 with the policy's decision", null, A, true, ACT, Episodes.Open.class, ACT, List.of(name(1))),
                row("a first alert the policy refuses still opens the episode (one create, with the refusal)", null, A, true, COOLDOWN,
                        Episodes.Open.class, COOLDOWN, List.of(name(1))),
                row("dry-run opens like an action", null, A, true, DRY, Episodes.Open.class, DRY, List.of(name(1))),
                // resolves
                row("a resolve with no episode changes nothing", null, A, false, ACT, Episodes.Resolved.class, null, none),
                row("a resolve of an instance a running episode lists as firing is noted", episode(1, Phase.RUNNING, Reason.ALL_CHECKS_PASSED,
                        firing(A, B)), A, false, ACT, Episodes.Resolved.class, null, none),
                row("a resolve of the last firing instance clears a transient refusal", episode(1, Phase.REFUSED, Reason.COOLDOWN,
                        firing(A)), A, false, ACT, Episodes.Clear.class, null, none),
                row("a resolve of a transient refusal that lists no firing instance clears it", episode(1, Phase.REFUSED, Reason.COOLDOWN,
                        known(A)), A, false, ACT, Episodes.Clear.class, null, none),
                row("a resolve while another instance still fires does not clear", episode(1, Phase.REFUSED, Reason.COOLDOWN,
                        firing(A, B)), A, false, ACT, Episodes.Resolved.class, null, none),
                row("a resolve does not clear when the firing list overflowed (others may still fire)", overflowing(episode(1,
                        Phase.REFUSED, Reason.COOLDOWN, firing(A))), A, false, ACT, Episodes.Resolved.class, null, none),
                row("a resolve of an ended episode's instance is noted, never cleared", episode(1, Phase.SUCCEEDED, Reason.ALL_CHECKS_PASSED,
                        firing(A)), A, false, ACT, Episodes.Resolved.class, null, none),
                // re-sends and folds
                row("a re-send of an instance being run is a duplicate, the policy is not asked", episode(1, Phase.RUNNING,
                        Reason.ALL_CHECKS_PASSED, firing(A)), A, true, ACT, Episodes.Resend.class, null, none),
                row("a re-send of an ended episode's instance is a duplicate", episode(1, Phase.SUCCEEDED, Reason.ALL_CHECKS_PASSED,
                        firing(A)), A, true, ACT, Episodes.Resend.class, null, none),
                row("a re-send of an instance refused for good is a duplicate", episode(1, Phase.REFUSED, Reason.DUPLICATE_ALERT,
                        firing(A)), A, true, ACT, Episodes.Resend.class, null, none),
                row("a new instance while a run is pending folds into it", episode(1, Phase.PENDING, Reason.ALL_CHECKS_PASSED,
                        firing(A)), B, true, ACT, Episodes.Fold.class, null, none),
                row("a new instance while a run is running folds into it", episode(1, Phase.RUNNING, Reason.ALL_CHECKS_PASSED,
                        firing(A)), B, true, ACT, Episodes.Fold.class, null, none),
                row("a re-send while the decision is being written folds", episode(1, Phase.EVALUATING, Reason.ALL_CHECKS_PASSED,
                        firing(A)), A, true, ACT, Episodes.Fold.class, null, none),
                // another replica's claim
                row("a fresh claim without a decision: wait for the winner, do not decide", episode(1, Phase.EVALUATING, null,
                        firing(A)), B, true, ACT, Episodes.AwaitWinner.class, null, none),
                row("a claim older than 30 s without a decision is decided again", stale(episode(1, Phase.EVALUATING, null,
                        firing(A))), B, true, ACT, Episodes.Redecide.class, ACT, List.of(name(1))),
                row("a stale claim is written even when the policy refuses", stale(episode(1, Phase.EVALUATING, null,
                        firing(A))), A, true, COOLDOWN, Episodes.Redecide.class, COOLDOWN, List.of(name(1))),
                // transient refusals decided again
                row("a re-send of a transiently refused instance reaching the same refusal is counted", episode(1, Phase.REFUSED,
                        Reason.COOLDOWN, firing(A)), A, true, COOLDOWN, Episodes.RepeatRefusal.class, COOLDOWN, List.of(name(1))),
                row("a new instance reaching the same refusal is counted", episode(1, Phase.REFUSED, Reason.COOLDOWN, firing(A)), B, true,
                        COOLDOWN, Episodes.RepeatRefusal.class, COOLDOWN, List.of(name(1))),
                row("a refusal for another reason is written", episode(1, Phase.REFUSED, Reason.COOLDOWN, firing(A)), A, true, PAUSED,
                        Episodes.Redecide.class, PAUSED, List.of(name(1))),
                row("a transient refusal the policy now lets act is written (in the same episode)", episode(1, Phase.REFUSED,
                        Reason.COOLDOWN, firing(A)), A, true, ACT, Episodes.Redecide.class, ACT, List.of(name(1))),
                // after the end
                row("a new instance after the end, refused for a transient reason, folds late (asked as episode 2)", episode(1,
                        Phase.SUCCEEDED, Reason.ALL_CHECKS_PASSED, firing(A)), B, true, COOLDOWN, Episodes.FoldLate.class, COOLDOWN,
                        List.of(name(2))),
                row("the same late instance again is a repeat", lateAlready(episode(1, Phase.SUCCEEDED, Reason.ALL_CHECKS_PASSED,
                        firing(A)), B), B, true, COOLDOWN, Episodes.FoldLate.class, COOLDOWN, List.of(name(2))),
                row("a new instance after the end that the policy lets act opens episode n+1", episode(3, Phase.FAILED,
                        Reason.ALL_CHECKS_PASSED, firing(A)), B, true, ACT, Episodes.Open.class, ACT, List.of(name(4))),
                row("after a clear, the next firing (a new start) opens the next episode", episode(1, Phase.CLEARED, Reason.COOLDOWN, known(A)), B, true,
                        ACT, Episodes.Open.class, ACT, List.of(name(2))),
                row("after an aborted run, a dry-run decision opens the next episode", episode(2, Phase.ABORTED, Reason.ALL_CHECKS_PASSED,
                        firing(A)), B, true, DRY, Episodes.Open.class, DRY, List.of(name(3))),
                row("after a refusal for good, a new instance is decided as the next episode", episode(1, Phase.REFUSED, Reason.DUPLICATE_ALERT,
                        firing(A)), B, true, PAUSED, Episodes.FoldLate.class, PAUSED, List.of(name(2))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void step(Row row) {
        List<String> asked = new ArrayList<>();
        Episodes.Step step = Episodes.next(row.latest(), RULE, TARGET, row.instance(), row.firing(), NOW, name -> {
            asked.add(name);
            return row.policy();
        });
        assertEquals(row.step(), step.getClass(), "step");
        assertEquals(row.asked(), asked, "records the policy was asked about");
        assertEquals(row.writes(), step.writes(), "writes");
        assertEquals(row.waits(), step.waits(), "waits");
        Decision decided = step instanceof Episodes.Open o ? o.decision() : step instanceof Episodes.Redecide r ? r.decision()
                : step instanceof Episodes.RepeatRefusal r ? r.decision() : step instanceof Episodes.FoldLate l ? l.decision() : null;
        assertSame(row.decided(), decided, "decision carried");
        if (step instanceof Episodes.Open o) {
            assertEquals(row.asked().get(0), o.name());
            assertEquals(Integer.parseInt(o.name().substring(o.name().lastIndexOf('-') + 1)), o.number());
        }
        if (step instanceof Episodes.FoldLate l) {
            assertEquals(row.latest().status.alerts.late.contains(row.instance()), l.repeated(), "repeated");
        }
        if (step instanceof Episodes.Resolved r) {
            assertSame(row.latest(), r.episode());
            assertEquals(row.latest() != null && row.latest().status.alerts.firing.contains(row.instance()), r.wasFiring(), "wasFiring");
        }
    }
}
