package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Signal;

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

    /** The windows one target feeds, for the rules whose matchers accept it: matchers run once per target. */
    private static final class Route {
        final List<Rule> rules;
        final WindowState[] states;
        /** The target's latest signal: what a resolve found by {@link #advance} is about. */
        Signal last;

        Route(List<Rule> rules) {
            this.rules = rules;
            this.states = new WindowState[rules.size()];
            for (int i = 0; i < states.length; i++) {
                states[i] = new WindowState(rules.get(i).window());
            }
        }

        boolean idle() {
            for (WindowState s : states) {
                if (!s.idle()) {
                    return false;
                }
            }
            return true;
        }
    }

    private final Map<String, Route>[] routes = newRoutes();
    private final Map<String, WindowState> previous = new HashMap<>();
    private List<Rule> routedFor;
    private long accepted;

    @SuppressWarnings("unchecked")
    private static Map<String, Route>[] newRoutes() {
        Map<String, Route>[] maps = new Map[Signal.Kind.values().length];
        for (int i = 0; i < maps.length; i++) {
            maps[i] = new HashMap<>();
        }
        return maps;
    }

    /**
     * Adds a signal to every matching rule's window.
     *
     * @param emit false while rebuilding from already-processed records: state is rebuilt, nothing is emitted
     */
    public List<Match> accept(Signal signal, List<Rule> signalRules, boolean emit) {
        return accept(signal, signalRules, emit, null);
    }

    /** As above, noting when the signal arrived (processing time), so that {@link #advance} can tell a quiet target. */
    public List<Match> accept(Signal signal, List<Rule> signalRules, boolean emit, java.time.Instant arrivedAt) {
        if (routedFor != signalRules) {
            reroute(signalRules);
        }
        Map<String, Route> byTarget = routes[signal.kind().ordinal()];
        String target = signal.targetKey();
        Route route = byTarget.get(target);
        if (route == null) {
            route = newRoute(signal, signalRules);
            byTarget.put(target, route);
        }
        route.last = signal;
        List<Match> matches = null;
        for (int i = 0; i < route.states.length; i++) {
            WindowState.Emission e = arrivedAt == null ? route.states[i].accept(signal) : route.states[i].accept(signal, arrivedAt);
            if (e != null && emit) {
                if (matches == null) {
                    matches = new ArrayList<>(1);
                }
                matches.add(new Match(route.rules.get(i), signal, e));
            }
        }
        if (++accepted % 100_000 == 0) {
            for (Map<String, Route> m : routes) {
                m.values().removeIf(Route::idle);
            }
        }
        return matches == null ? List.of() : matches;
    }

    private Route newRoute(Signal signal, List<Rule> signalRules) {
        List<Rule> matching = new ArrayList<>();
        Map<String, String> labels = signal.labels();
        for (Rule rule : signalRules) {
            if (rule.window().kind().signal == signal.kind() && rule.matches(labels)) {
                matching.add(rule);
            }
        }
        Route route = new Route(List.copyOf(matching));
        // After a reload, a rule whose window is unchanged keeps its state.
        for (int i = 0; i < route.states.length; i++) {
            WindowState kept = previous.remove(route.rules.get(i).name() + '|' + signal.targetKey());
            if (kept != null && kept.spec().equals(route.rules.get(i).window())) {
                route.states[i] = kept;
            }
        }
        return route;
    }

    private void reroute(List<Rule> signalRules) {
        if (routedFor != null) {
            for (Map<String, Route> m : routes) {
                m.forEach((target, r) -> {
                    for (int i = 0; i < r.states.length; i++) {
                        previous.put(r.rules.get(i).name() + '|' + target, r.states[i]);
                    }
                });
                m.clear();
            }
        }
        routedFor = signalRules;
    }

    /**
     * Slides every window over the time its target has been quiet (see {@link WindowState#advance}) and
     * drops the targets left with nothing: a target that stops sending resolves on time, and the state kept
     * is bounded by the targets active within the longest window.
     */
    public List<Match> advance(java.time.Instant now) {
        List<Match> matches = new ArrayList<>();
        for (Map<String, Route> m : routes) {
            for (var it = m.values().iterator(); it.hasNext(); ) {
                Route route = it.next();
                for (int i = 0; i < route.states.length; i++) {
                    WindowState.Emission e = route.states[i].advance(now);
                    if (e != null) {
                        matches.add(new Match(route.rules.get(i), route.last, e));
                    }
                }
                if (route.idle()) {
                    it.remove();
                }
            }
        }
        return matches;
    }

    public WindowState state(String rule, String targetKey) {
        for (Map<String, Route> m : routes) {
            Route r = m.get(targetKey);
            if (r != null) {
                for (int i = 0; i < r.rules.size(); i++) {
                    if (r.rules.get(i).name().equals(rule)) {
                        return r.states[i];
                    }
                }
            }
        }
        return previous.get(rule + '|' + targetKey);
    }

    public int size() {
        int n = 0;
        for (Map<String, Route> m : routes) {
            n += m.size();
        }
        return n;
    }
}
