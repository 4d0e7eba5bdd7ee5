package io.autonova.remediator.rules;

import io.autonova.remediator.ingest.kafka.Signal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The windows of one Kafka partition: one {@link WindowState} per (signal rule, target). Records are
 * keyed by target, so all of a target's signals, and therefore its windows, live in one partition.
 */
public final class SignalWindows {

    /** An emission with the rule it belongs to and the target it is about. */
    public record Match(Rule rule, Signal signal, WindowState.Emission emission) {
    }

    private final Map<String, WindowState> states = new HashMap<>();
    private long accepted;

    /**
     * Adds a signal to every matching rule's window.
     *
     * @param emit false while rebuilding from already-processed records: state is rebuilt, nothing is emitted
     */
    public List<Match> accept(Signal signal, List<Rule> signalRules, boolean emit) {
        List<Match> matches = null;
        Map<String, String> labels = null;
        for (Rule rule : signalRules) {
            if (rule.window().kind().signal != signal.kind()) {
                continue;
            }
            if (labels == null) {
                labels = signal.labels();
            }
            if (!rule.matches(labels)) {
                continue;
            }
            String key = rule.name() + '|' + signal.namespace() + '/' + signal.deployment();
            WindowState state = states.get(key);
            if (state == null) {
                state = new WindowState(rule.window());
                states.put(key, state);
            }
            WindowState.Emission e = state.accept(signal);
            if (e != null && emit) {
                if (matches == null) {
                    matches = new ArrayList<>(1);
                }
                matches.add(new Match(rule, signal, e));
            }
        }
        if (++accepted % 100_000 == 0) {
            states.values().removeIf(WindowState::idle);
        }
        return matches == null ? List.of() : matches;
    }

    public WindowState state(String rule, String targetKey) {
        return states.get(rule + '|' + targetKey);
    }

    public int size() {
        return states.size();
    }
}
