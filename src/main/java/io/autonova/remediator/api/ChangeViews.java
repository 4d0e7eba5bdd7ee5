package io.autonova.remediator.api;

import io.autonova.remediator.domain.Change;
import io.autonova.remediator.domain.ChangeTimeline;
import io.autonova.remediator.policy.ChangeGate;

import java.util.LinkedHashMap;
import java.util.Map;

/** The change timeline and the gate's verdict as the operator API shows them. */
final class ChangeViews {

    private ChangeViews() {
    }

    static Map<String, Object> timeline(ChangeTimeline t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", t.target());
        m.put("found", t.found());
        m.put("changes", t.changes().stream().map(ChangeViews::change).toList());
        m.put("reads", t.reads());
        m.put("releasedTogetherWith", t.releaseGroup());
        m.put("migrationUndoShipped", t.migrationUndo());
        m.put("unknown", t.gaps());
        return m;
    }

    static Map<String, Object> change(Change c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", c.kind().tag());
        m.put("at", c.at());
        m.put("exactTime", c.exact());
        m.put("object", c.object());
        m.put("from", c.from());
        m.put("to", c.to());
        m.put("details", c.details());
        m.put("by", c.by());
        return m;
    }

    static Map<String, Object> verdict(ChangeGate.Verdict v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("passes", v.passes());
        m.put("reason", v.refusal() == null ? null : v.refusal().name());
        m.put("summary", v.detail());
        m.put("scenario", v.scenario());
        m.put("row", v.row());
        m.put("undoes", v.change() == null ? null : change(v.change()));
        m.put("context", v.context());
        return m;
    }
}
