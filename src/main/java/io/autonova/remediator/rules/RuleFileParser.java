package io.autonova.remediator.rules;

import io.autonova.remediator.domain.Durations;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses and validates one rule file completely: every problem is collected with its line, and the
 * file yields rules only when it has none. Pure: text in, rules or errors out.
 */
public final class RuleFileParser {

    private static final Pattern RULE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Set<String> TOP_LEVEL = Set.of("global", "defaults", "rules");
    private static final Set<String> RULE_FIELDS = Set.of("name", "description", "matchers", "threshold", "for", "target",
            "scenario", "parameters", "limits", "signal", "verify", "approval", "changedWithin", "gitops");
    private static final Set<String> VERIFY_FIELDS = Set.of("query", "op", "bound", "window", "interval");
    private static final Set<String> GITOPS_FIELDS = Set.of("mode", "mergeTimeout");
    private static final Set<String> SIGNAL_FIELDS = Set.of("kind", "window", "lateness", "minRequests", "op", "bound");
    static final java.time.Duration DEFAULT_LATENESS = java.time.Duration.ofSeconds(30);
    private static final Set<String> LIMIT_FIELDS = Set.of("cooldown", "targetRateLimit", "ruleRateLimit", "maxConsecutive");
    private static final Set<String> DEFAULT_FIELDS = Set.of("cooldown", "targetRateLimit", "ruleRateLimit", "maxConsecutive", "approval", "changedWithin");
    private static final Set<String> GLOBAL_FIELDS = Set.of("rateLimit", "maxInFlight", "approvals");
    private static final Set<String> APPROVAL_FIELDS = Set.of("mode", "timeout", "approvers");
    private static final Set<String> APPROVAL_POLICY_FIELDS = Set.of("match", "timeout", "approvers");
    private static final Set<String> MATCH_LABELS = Set.of("namespace", "deployment", "rule", "scenario");
    private static final Set<String> RATE_FIELDS = Set.of("count", "window");
    private static final Set<String> CONSECUTIVE_FIELDS = Set.of("count", "within");
    private static final Set<String> THRESHOLD_FIELDS = Set.of("value", "op", "bound", "onInfinity");
    private static final Set<String> TARGET_FIELDS = Set.of("namespace", "deployment", "argoApplication");

    /** What one file yields: its rules, its global limits if it sets them, and its errors. */
    public record Result(String file, List<Rule> rules, Optional<GlobalLimits> globalLimits, int globalLine, List<RuleLoadError> errors) {
    }

    private final String file;
    private final List<RuleLoadError> errors = new ArrayList<>();

    private RuleFileParser(String file) {
        this.file = file;
    }

    public static Result parse(String file, String text) {
        return new RuleFileParser(file).parse(text);
    }

    private Result parse(String text) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(20);
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(1024 * 1024);
        Node root;
        try {
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            errors.add(new RuleLoadError(file, line, "invalid YAML: " + e.getProblem()));
            return result(List.of(), Optional.empty(), 0);
        } catch (YAMLException e) {
            errors.add(new RuleLoadError(file, 1, "invalid YAML: " + e.getMessage()));
            return result(List.of(), Optional.empty(), 0);
        }
        if (root == null) {
            return result(List.of(), Optional.empty(), 0);
        }
        Map<String, Node> top = mapping(root, TOP_LEVEL, "rule file");
        if (top == null) {
            return result(List.of(), Optional.empty(), 0);
        }
        Optional<GlobalLimits> global = Optional.empty();
        int globalLine = 0;
        if (top.containsKey("global")) {
            global = Optional.ofNullable(globalLimits(top.get("global")));
            globalLine = line(top.get("global"));
        }
        TargetLimits defaults = TargetLimits.DEFAULTS;
        Approval defaultApproval = Approval.AUTO;
        Duration defaultWithin = ChangeRule.DEFAULT_WITHIN;
        if (top.containsKey("defaults")) {
            Map<String, Node> d = mapping(top.get("defaults"), DEFAULT_FIELDS, "defaults");
            if (d != null) {
                defaults = limits(d, TargetLimits.DEFAULTS);
                defaultApproval = d.containsKey("approval") ? approval(d.get("approval"), "defaults") : Approval.AUTO;
                defaultWithin = d.containsKey("changedWithin") ? changedWithin(d.get("changedWithin"), "defaults") : defaultWithin;
            }
        }
        List<Rule> rules = new ArrayList<>();
        Node rulesNode = top.get("rules");
        if (rulesNode == null) {
            if (global.isEmpty()) {
                error(root, "file has no 'rules'");
            }
        } else if (rulesNode instanceof SequenceNode seq) {
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (Node item : seq.getValue()) {
                Rule rule = rule(item, defaults, defaultApproval == null ? Approval.AUTO : defaultApproval,
                        defaultWithin == null ? ChangeRule.DEFAULT_WITHIN : defaultWithin);
                if (rule != null) {
                    Integer first = seen.putIfAbsent(rule.name(), rule.line());
                    if (first != null) {
                        error(item, "duplicate rule name '" + rule.name() + "' (first defined at line " + first + ")");
                    } else {
                        rules.add(rule);
                    }
                }
            }
        } else {
            error(rulesNode, "'rules' must be a list");
        }
        return result(errors.isEmpty() ? rules : List.of(), global, globalLine);
    }

    private Result result(List<Rule> rules, Optional<GlobalLimits> global, int globalLine) {
        return new Result(file, List.copyOf(rules), errors.isEmpty() ? global : Optional.empty(), globalLine, List.copyOf(errors));
    }

    private Rule rule(Node node, TargetLimits defaults, Approval defaultApproval, Duration defaultWithin) {
        int before = errors.size();
        Map<String, Node> f = mapping(node, RULE_FIELDS, "rule");
        if (f == null) {
            return null;
        }
        String name = requiredScalar(f, "name", node);
        if (name != null && !RULE_NAME.matcher(name).matches()) {
            error(f.get("name"), "rule name '" + name + "' must be lower case alphanumerics and '-'");
        }
        String where = name == null ? "rule" : "rule '" + name + "'";
        String description = optionalScalar(f, "description");

        SignalWindowSpec window = f.containsKey("signal") ? signal(f.get("signal"), where) : null;
        if (f.containsKey("signal") && (f.containsKey("threshold") || f.containsKey("for"))) {
            error(f.get("signal"), where + ": a signal rule carries its threshold in 'signal'; 'threshold' and 'for' are for alert rules");
        }
        List<LabelMatcher> matchers = new ArrayList<>();
        Node mNode = f.get("matchers");
        if (mNode == null) {
            if (!f.containsKey("signal")) {
                error(node, where + ": 'matchers' is required (at least one)");
            }
        } else if (mNode instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
            for (Node m : seq.getValue()) {
                String text = scalar(m, "matcher");
                if (text != null) {
                    try {
                        matchers.addAll(MatcherParser.parse(text));
                    } catch (IllegalArgumentException e) {
                        error(m, where + ": " + e.getMessage());
                    }
                }
            }
        } else {
            error(mNode, where + ": 'matchers' must be a non-empty list of matcher strings");
        }

        Threshold threshold = f.containsKey("threshold") ? threshold(f.get("threshold"), where) : window == null ? null : window.asThreshold();
        Duration minFiring = Duration.ZERO;
        if (f.containsKey("for")) {
            minFiring = duration(f.get("for"), where + ": 'for'");
        }

        TargetTemplate target = null;
        Node tNode = f.get("target");
        if (tNode == null) {
            error(node, where + ": 'target' is required");
        } else {
            target = target(tNode, where);
        }

        Scenario scenario = null;
        String scenarioName = requiredScalar(f, "scenario", node);
        boolean auto = ChangeRule.AUTO.equals(scenarioName);
        if (scenarioName != null && !auto) {
            Optional<Scenario> s = Scenario.fromRuleName(scenarioName);
            if (s.isEmpty()) {
                error(f.get("scenario"), where + ": unknown scenario '" + scenarioName + "' (known: " + String.join(", ", Scenario.names())
                        + ", or auto)");
            } else {
                scenario = s.get();
            }
        }

        Map<String, String> parameters = new LinkedHashMap<>();
        int beforeParameters = errors.size();
        if (f.containsKey("parameters")) {
            // auto: the scenario is picked per alert, so only the parameters every scenario takes can be checked now.
            var accepted = scenario == null ? Scenario.COMMON : scenario.parameters();
            Map<String, Node> p = mapping(f.get("parameters"), accepted.keySet(), where + " parameters");
            if (p != null) {
                p.forEach((k, v) -> {
                    String value = scalar(v, "parameter '" + k + "'");
                    if (value != null) {
                        accepted.get(k).apply(value).ifPresentOrElse(
                                problem -> error(v, where + ": parameter '" + k + "' " + problem),
                                () -> parameters.put(k, value));
                    }
                });
            }
        }
        if (scenario != null && errors.size() == beforeParameters) {
            Node at = f.containsKey("parameters") ? f.get("parameters") : f.get("scenario");
            scenario.crossCheck(parameters).forEach(problem -> error(at, where + ": " + problem));
        }
        if (f.containsKey("verify")) {
            verify(f.get("verify"), where, parameters);
        }
        if (f.containsKey("gitops")) {
            gitops(f.get("gitops"), where, scenario, auto, parameters);
        }

        TargetLimits limits = defaults;
        if (f.containsKey("limits")) {
            Map<String, Node> l = mapping(f.get("limits"), LIMIT_FIELDS, "limits");
            limits = l == null ? defaults : limits(l, defaults);
        }
        Approval approval = f.containsKey("approval") ? approval(f.get("approval"), where) : defaultApproval;
        Duration within = f.containsKey("changedWithin") ? changedWithin(f.get("changedWithin"), where) : defaultWithin;
        if (errors.size() > before) {
            return null;
        }
        return new Rule(name, description, List.copyOf(matchers), threshold, minFiring, target, scenario, Map.copyOf(parameters),
                limits, file, line(node), window, approval, new ChangeRule(within, auto));
    }

    private Threshold threshold(Node node, String where) {
        Map<String, Node> f = mapping(node, THRESHOLD_FIELDS, where + " threshold");
        if (f == null) {
            return null;
        }
        Threshold.Source source = Threshold.Source.ANNOTATION;
        String key = "value";
        if (f.containsKey("value")) {
            String v = scalar(f.get("value"), "threshold value");
            if (v != null) {
                int colon = v.indexOf(':');
                String kind = colon < 0 ? "" : v.substring(0, colon);
                key = colon < 0 ? "" : v.substring(colon + 1);
                if (kind.equals("label")) {
                    source = Threshold.Source.LABEL;
                } else if (!kind.equals("annotation")) {
                    error(f.get("value"), where + ": threshold value must be 'annotation:<name>' or 'label:<name>', not '" + v + "'");
                }
                if (!key.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                    error(f.get("value"), where + ": threshold value names an invalid label or annotation '" + key + "'");
                }
            }
        }
        Threshold.Comparison comparison = comparison(f, node, where);
        Double bound = bound(f, node, where, "threshold");
        boolean actOnInf = false;
        if (f.containsKey("onInfinity")) {
            String v = scalar(f.get("onInfinity"), "threshold onInfinity");
            if ("act".equals(v)) {
                actOnInf = true;
                if (comparison != null && comparison != Threshold.Comparison.GT && comparison != Threshold.Comparison.GE) {
                    error(f.get("onInfinity"), where + ": onInfinity: act only makes sense with > or >=");
                }
            } else if (!"inconclusive".equals(v)) {
                error(f.get("onInfinity"), where + ": threshold onInfinity must be 'act' or 'inconclusive', not '" + v + "'");
            }
        }
        return comparison == null || bound == null ? null : new Threshold(source, key, comparison, bound, actOnInf);
    }

    /** The signal that must clear after the rollback: a PromQL query, a bound, a window and an interval. */
    /** {@code gitops: {mode, mergeTimeout}}: kept in the parameters under {@code gitops.*}; none is the same as leaving it out. */
    private void gitops(Node node, String where, Scenario scenario, boolean auto, Map<String, String> into) {
        Map<String, Node> f = mapping(node, GITOPS_FIELDS, where + " gitops");
        if (f == null) {
            return;
        }
        String mode = f.containsKey("mode") ? scalar(f.get("mode"), "gitops mode") : null;
        if (mode == null) {
            error(node, where + ": gitops needs a mode (pull-request, push or none)");
            return;
        }
        if (!Set.of("pull-request", "push", "none").contains(mode)) {
            error(f.get("mode"), where + ": gitops mode must be pull-request, push or none, not '" + mode + "'");
            return;
        }
        if (!auto && scenario != null && !scenario.writesBackToGit() && !"none".equals(mode)) {
            error(f.get("mode"), where + ": gitops write-back follows a rollback of the whole Argo CD application (immediate-rollback, or auto "
                    + "when it picks it); " + scenario.ruleName() + " rolls back part of it, so Git is left to a human");
            return;
        }
        if ("none".equals(mode)) {
            return;
        }
        into.put(Scenario.GITOPS_MODE, mode);
        if (f.containsKey("mergeTimeout")) {
            Duration d = duration(f.get("mergeTimeout"), where + ": gitops mergeTimeout");
            if (d != null && (d.compareTo(Duration.ofMinutes(5)) < 0 || d.compareTo(Duration.ofDays(14)) > 0)) {
                error(f.get("mergeTimeout"), where + ": gitops mergeTimeout must be between 5m and 14d");
            } else if (d != null) {
                into.put(Scenario.GITOPS_MERGE_TIMEOUT, Durations.format(d));
            }
        }
    }

    private void verify(Node node, String where, Map<String, String> into) {
        Map<String, Node> f = mapping(node, VERIFY_FIELDS, where + " verify");
        if (f == null) {
            return;
        }
        String query = requiredScalar(f, "query", node);
        Threshold.Comparison comparison = comparison(f, node, where + " verify");
        Double bound = bound(f, node, where, "verify");
        Duration window = f.containsKey("window") ? duration(f.get("window"), where + ": verify window") : Duration.ofMinutes(5);
        Duration interval = f.containsKey("interval") ? duration(f.get("interval"), where + ": verify interval") : Duration.ofSeconds(30);
        if (window != null && interval != null && interval.compareTo(window) > 0) {
            error(f.get("interval"), where + ": verify interval must not be longer than its window");
        }
        if (query == null || comparison == null || bound == null || window == null || interval == null) {
            return;
        }
        if (query.isBlank()) {
            error(f.get("query"), where + ": verify query must not be empty");
            return;
        }
        into.put(Scenario.VERIFY_QUERY, query);
        into.put(Scenario.VERIFY_OP, comparison.symbol);
        into.put(Scenario.VERIFY_BOUND, String.valueOf(bound));
        into.put(Scenario.VERIFY_WINDOW, Durations.format(window));
        into.put(Scenario.VERIFY_INTERVAL, Durations.format(interval));
    }

    private SignalWindowSpec signal(Node node, String where) {
        Map<String, Node> f = mapping(node, SIGNAL_FIELDS, where + " signal");
        if (f == null) {
            return null;
        }
        SignalWindowSpec.Kind kind = null;
        String k = requiredScalar(f, "kind", node);
        if (k != null) {
            try {
                kind = SignalWindowSpec.Kind.of(k);
            } catch (IllegalArgumentException e) {
                error(f.get("kind"), where + ": " + e.getMessage());
            }
        }
        Duration window = f.containsKey("window") ? duration(f.get("window"), where + ": signal window") : null;
        if (!f.containsKey("window")) {
            error(node, where + ": signal 'window' is required");
        }
        Duration lateness = f.containsKey("lateness") ? duration(f.get("lateness"), where + ": signal lateness") : DEFAULT_LATENESS;
        long minRequests = 0;
        if (f.containsKey("minRequests")) {
            if (kind == SignalWindowSpec.Kind.POD_RESTARTS) {
                error(f.get("minRequests"), where + ": minRequests applies to error-rate only");
            }
            Integer n = positiveInt(f.get("minRequests"), where + ": minRequests");
            minRequests = n == null ? 0 : n;
        } else if (kind == SignalWindowSpec.Kind.ERROR_RATE) {
            error(node, where + ": an error-rate window needs 'minRequests', below which it is inconclusive");
        }
        Threshold.Comparison comparison = comparison(f, node, where);
        Double bound = bound(f, node, where, "signal");
        if (kind == null || window == null || lateness == null || comparison == null || bound == null) {
            return null;
        }
        return new SignalWindowSpec(kind, window, lateness, minRequests, comparison, bound);
    }

    /** The required 'op' of a threshold or signal block. */
    private Threshold.Comparison comparison(Map<String, Node> f, Node node, String where) {
        String op = requiredScalar(f, "op", node);
        if (op == null) {
            return null;
        }
        try {
            return Threshold.Comparison.of(op);
        } catch (IllegalArgumentException e) {
            error(f.get("op"), where + ": " + e.getMessage());
            return null;
        }
    }

    /** The required finite 'bound' of a threshold or signal block. */
    private Double bound(Map<String, Node> f, Node node, String where, String block) {
        String b = requiredScalar(f, "bound", node);
        if (b == null) {
            return null;
        }
        SignalValue parsed = SignalValue.parse(b);
        if (!parsed.usable() || Double.isInfinite(parsed.value())) {
            error(f.get("bound"), where + ": " + block + " bound must be a finite number, not '" + b + "'");
            return null;
        }
        return parsed.value();
    }

    private TargetTemplate target(Node node, String where) {
        Map<String, Node> f = mapping(node, TARGET_FIELDS, where + " target");
        if (f == null) {
            return null;
        }
        NameTemplate ns = template(f, "namespace", node, where);
        NameTemplate deployment = template(f, "deployment", node, where);
        NameTemplate app = f.containsKey("argoApplication") ? template(f, "argoApplication", node, where) : null;
        return ns == null || deployment == null ? null : new TargetTemplate(ns, deployment, app);
    }

    private NameTemplate template(Map<String, Node> f, String key, Node parent, String where) {
        String text = requiredScalar(f, key, parent);
        if (text == null) {
            return null;
        }
        try {
            return NameTemplate.parse(text);
        } catch (IllegalArgumentException e) {
            error(f.get(key), where + ": target " + key + ": " + e.getMessage());
            return null;
        }
    }

    private TargetLimits limits(Map<String, Node> f, TargetLimits base) {
        Duration cooldown = f.containsKey("cooldown") ? duration(f.get("cooldown"), "cooldown") : base.cooldown();
        RateLimit perTarget = f.containsKey("targetRateLimit") ? rateLimit(f.get("targetRateLimit"), "targetRateLimit") : base.perTarget();
        RateLimit perRule = f.containsKey("ruleRateLimit") ? rateLimit(f.get("ruleRateLimit"), "ruleRateLimit") : base.perRule();
        int maxConsecutive = base.maxConsecutive();
        Duration within = base.consecutiveWithin();
        if (f.containsKey("maxConsecutive")) {
            Map<String, Node> c = mapping(f.get("maxConsecutive"), CONSECUTIVE_FIELDS, "maxConsecutive");
            if (c != null) {
                Integer count = c.containsKey("count") ? positiveInt(c.get("count"), "maxConsecutive count") : Integer.valueOf(maxConsecutive);
                maxConsecutive = count == null ? maxConsecutive : count;
                within = c.containsKey("within") ? duration(c.get("within"), "maxConsecutive within") : within;
            }
        }
        return new TargetLimits(cooldown, perTarget, perRule, maxConsecutive, within);
    }

    private GlobalLimits globalLimits(Node node) {
        Map<String, Node> f = mapping(node, GLOBAL_FIELDS, "global");
        if (f == null) {
            return null;
        }
        RateLimit rate = f.containsKey("rateLimit") ? rateLimit(f.get("rateLimit"), "global rateLimit") : GlobalLimits.DEFAULTS.rateLimit();
        Integer inFlight = f.containsKey("maxInFlight") ? positiveInt(f.get("maxInFlight"), "maxInFlight") : Integer.valueOf(GlobalLimits.DEFAULTS.maxInFlight());
        List<Approval.Policy> approvals = new ArrayList<>();
        if (f.containsKey("approvals")) {
            if (f.get("approvals") instanceof SequenceNode seq) {
                for (int i = 0; i < seq.getValue().size(); i++) {
                    Approval.Policy p = approvalPolicy(seq.getValue().get(i), "global approvals[" + i + "]");
                    if (p != null) {
                        approvals.add(p);
                    }
                }
            } else {
                error(f.get("approvals"), "global approvals must be a list");
            }
        }
        return rate == null || inFlight == null ? null : new GlobalLimits(rate, inFlight, approvals);
    }

    /** {@code auto}, {@code required}, or {@code {mode, timeout, approvers}}. */
    private Approval approval(Node node, String where) {
        if (node instanceof ScalarNode s) {
            return switch (s.getValue()) {
                case "auto" -> Approval.AUTO;
                case "required" -> new Approval(true, Approval.DEFAULT_TIMEOUT, List.of());
                default -> {
                    error(node, where + ": approval must be 'auto', 'required' or a mapping, not '" + s.getValue() + "'");
                    yield null;
                }
            };
        }
        Map<String, Node> f = mapping(node, APPROVAL_FIELDS, where + " approval");
        if (f == null) {
            return null;
        }
        String mode = f.containsKey("mode") ? scalar(f.get("mode"), "approval mode") : "required";
        if (mode != null && !mode.equals("auto") && !mode.equals("required")) {
            error(f.get("mode"), where + ": approval mode must be 'auto' or 'required', not '" + mode + "'");
        }
        if ("auto".equals(mode) && (f.containsKey("timeout") || f.containsKey("approvers"))) {
            error(node, where + ": approval mode auto takes no 'timeout' or 'approvers'");
        }
        Duration timeout = approvalTimeout(f, where);
        List<String> approvers = approvers(f, where);
        return timeout == null || approvers == null ? null : new Approval(!"auto".equals(mode), timeout, approvers);
    }

    private Approval.Policy approvalPolicy(Node node, String where) {
        Map<String, Node> f = mapping(node, APPROVAL_POLICY_FIELDS, where);
        if (f == null) {
            return null;
        }
        List<LabelMatcher> match = new ArrayList<>();
        if (f.get("match") instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
            for (Node m : seq.getValue()) {
                String text = scalar(m, "matcher");
                try {
                    for (LabelMatcher lm : text == null ? List.<LabelMatcher>of() : MatcherParser.parse(text)) {
                        if (!MATCH_LABELS.contains(lm.name())) {
                            error(m, where + ": matches on '" + lm.name() + "'; approval policies match only "
                                    + String.join(", ", MATCH_LABELS.stream().sorted().toList()));
                        }
                        match.add(lm);
                    }
                } catch (IllegalArgumentException e) {
                    error(m, where + ": " + e.getMessage());
                }
            }
        } else {
            error(f.getOrDefault("match", node), where + ": 'match' must be a non-empty list of matchers (namespace, deployment, rule, scenario)");
        }
        Duration timeout = approvalTimeout(f, where);
        List<String> approvers = approvers(f, where);
        return timeout == null || approvers == null ? null
                : new Approval.Policy(where + " (" + String.join(", ", match.stream().map(LabelMatcher::toString).toList()) + ")", List.copyOf(match),
                        new Approval(true, timeout, approvers), file, line(node));
    }

    private Duration approvalTimeout(Map<String, Node> f, String where) {
        if (!f.containsKey("timeout")) {
            return Approval.DEFAULT_TIMEOUT;
        }
        Duration d = duration(f.get("timeout"), where + ": approval timeout");
        if (d != null && d.compareTo(Approval.MAX_TIMEOUT) > 0) {
            error(f.get("timeout"), where + ": approval timeout must be at most 24h (a run holds its target while it waits)");
            return null;
        }
        return d;
    }

    private List<String> approvers(Map<String, Node> f, String where) {
        if (!f.containsKey("approvers")) {
            return List.of();
        }
        if (!(f.get("approvers") instanceof SequenceNode seq) || seq.getValue().isEmpty()) {
            error(f.get("approvers"), where + ": 'approvers' must be a non-empty list of 'user:<name>' or 'group:<name>'");
            return null;
        }
        List<String> out = new ArrayList<>();
        int before = errors.size();
        for (Node n : seq.getValue()) {
            String v = scalar(n, "approver");
            if (v != null) {
                Approval.approverProblem(v).ifPresentOrElse(p -> error(n, where + ": " + p), () -> out.add(v));
            }
        }
        return errors.size() > before ? null : out;
    }

    private RateLimit rateLimit(Node node, String what) {
        Map<String, Node> f = mapping(node, RATE_FIELDS, what);
        if (f == null) {
            return null;
        }
        if (!f.containsKey("count") || !f.containsKey("window")) {
            error(node, what + " needs both 'count' and 'window'");
            return null;
        }
        Integer count = positiveInt(f.get("count"), what + " count");
        Duration window = duration(f.get("window"), what + " window");
        return count == null || window == null ? null : new RateLimit(count, window);
    }

    private Integer positiveInt(Node node, String what) {
        String v = scalar(node, what);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        error(node, what + " must be a positive integer, not '" + v + "'");
        return null;
    }

    /** How recent the change a rollback undoes must be: at least a minute, at most {@link ChangeRule#MAX_WITHIN}. */
    private Duration changedWithin(Node node, String where) {
        Duration d = duration(node, where + ": changedWithin");
        if (d != null && (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(ChangeRule.MAX_WITHIN) > 0)) {
            error(node, where + ": changedWithin must be between 1m and 7d (a longer window rolls back releases that were healthy for days)");
            return null;
        }
        return d;
    }

    private Duration duration(Node node, String what) {
        String v = scalar(node, what);
        if (v == null) {
            return null;
        }
        try {
            Duration d = Durations.parse(v);
            if (d.isZero()) {
                error(node, what + " must be greater than zero");
                return null;
            }
            return d;
        } catch (IllegalArgumentException e) {
            error(node, what + ": " + e.getMessage());
            return null;
        }
    }

    private Map<String, Node> mapping(Node node, Set<String> allowed, String what) {
        if (!(node instanceof MappingNode map)) {
            error(node, what + " must be a mapping");
            return null;
        }
        Map<String, Node> fields = new LinkedHashMap<>();
        for (NodeTuple t : map.getValue()) {
            String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
            if (key == null) {
                error(t.getKeyNode(), what + ": keys must be plain strings");
            } else if (fields.containsKey(key)) {
                error(t.getKeyNode(), what + ": duplicate key '" + key + "'");
            } else if (!allowed.contains(key)) {
                error(t.getKeyNode(), what + ": unknown field '" + key + "' (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            } else {
                fields.put(key, t.getValueNode());
            }
        }
        return fields;
    }

    private String requiredScalar(Map<String, Node> f, String key, Node parent) {
        Node n = f.get(key);
        if (n == null) {
            error(parent, "'" + key + "' is required");
            return null;
        }
        return scalar(n, key);
    }

    private String optionalScalar(Map<String, Node> f, String key) {
        Node n = f.get(key);
        return n == null ? null : scalar(n, key);
    }

    private String scalar(Node node, String what) {
        if (node instanceof ScalarNode s) {
            return s.getValue();
        }
        error(node, what + " must be a single value");
        return null;
    }

    private void error(Node node, String message) {
        errors.add(new RuleLoadError(file, line(node), message));
    }

    private static int line(Node node) {
        return node == null || node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
    }
}
