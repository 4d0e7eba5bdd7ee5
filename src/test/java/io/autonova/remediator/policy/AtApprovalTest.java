package io.autonova.remediator.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What the policy says when a person approves a run that waited, and what an unapproved end gives back. */
class AtApprovalTest {

    static final Instant NOW = Instant.parse("2026-12-04T06:00:00Z");
    static final Pause PROD_FROZEN = new Pause("p1", PauseScope.NAMESPACE, "prod", null, "freeze", "bob", NOW.minusSeconds(60), NOW.plusSeconds(3600));
    static final Pause EXPIRED = new Pause("p2", PauseScope.GLOBAL, null, null, "old", "bob", NOW.minusSeconds(7200), NOW.minusSeconds(60));
    static final Pause OTHER_SERVICE = new Pause("p3", PauseScope.SERVICE, "prod", "cart", "cart only", "bob", NOW.minusSeconds(60), NOW.plusSeconds(60));
    static final TargetState HELD = TargetState.EMPTY.withHold("a migration undo failed");

    record Row(String name, boolean firing, List<Pause> pauses, TargetState target, Reason expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("nothing changed: approved", true, List.of(), TargetState.EMPTY, null),
                new Row("an expired pause does not count", true, List.of(EXPIRED), TargetState.EMPTY, null),
                new Row("a pause of another service does not count", true, List.of(OTHER_SERVICE), TargetState.EMPTY, null),
                new Row("a namespace pause that arrived meanwhile", true, List.of(PROD_FROZEN), TargetState.EMPTY, Reason.PAUSED),
                new Row("a hold that arrived meanwhile", true, List.of(), HELD, Reason.AWAITING_HUMAN),
                new Row("the alert resolved first, whatever else", false, List.of(PROD_FROZEN), HELD, Reason.ALERT_RESOLVED),
                new Row("a pause before a hold", true, List.of(PROD_FROZEN), HELD, Reason.PAUSED));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void askedAgainAtApproval(Row row) {
        Optional<Decision> d = PolicyEngine.atApproval(row.firing(), "prod", "api", row.pauses(), row.target(), NOW);
        assertEquals(Optional.ofNullable(row.expected()), d.map(Decision::reason));
    }

    @Test
    void anUnapprovedRunNoLongerCountsAsAnAction() {
        Duration keep = Duration.ofHours(1);
        Duration within = Duration.ofHours(24);
        TargetState before = TargetState.EMPTY.withAction(new TargetState.Action("r1", "rule", NOW.minusSeconds(600), false), keep, within);
        TargetState waiting = before.withAction(new TargetState.Action("r2", "rule", NOW, false), keep, within);
        assertEquals(2, waiting.consecutive());
        TargetState denied = waiting.withoutAction("r2");
        assertEquals(before, denied, "as if r2 had never been admitted");
        assertEquals(TargetState.EMPTY.withAction(new TargetState.Action("r1", "rule", NOW.minusSeconds(600), false), keep, within).withoutAction("r1")
                .consecutive(), 0);
        assertEquals(waiting, waiting.withoutAction("unknown"));
    }
}
