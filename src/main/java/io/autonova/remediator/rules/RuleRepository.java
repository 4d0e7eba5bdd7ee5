package io.autonova.remediator.rules;

import io.autonova.remediator.config.RemediatorConfig;
import io.autonova.remediator.config.RemediatorMetrics;
import io.micrometer.core.instrument.Gauge;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Loads the rule directory and reloads it when its content changes. A bad load keeps the last good
 * rule set and reports why (log, metric, {@code /api/v1/rules}). Polls content, not file events, because
 * a mounted ConfigMap changes through a symlink swap that file watchers miss.
 */
@ApplicationScoped
public class RuleRepository {

    private static final Logger LOG = Logger.getLogger(RuleRepository.class);

    /** What the last load attempt found. */
    public record LoadStatus(Instant at, boolean ok, List<RuleLoadError> errors) {
    }

    private final RemediatorConfig config;
    private final RemediatorMetrics metrics;
    private final Clock clock;
    private volatile RuleSet current;
    private volatile LoadStatus lastLoad;
    private volatile String lastDigest = "";
    /** False until the directory was read once (or a rule set given): see {@link #current()}. */
    private volatile boolean loaded;
    private ScheduledExecutorService reloader;

    public RuleRepository(RemediatorConfig config, RemediatorMetrics metrics, Clock clock) {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.current = RuleSet.empty(clock.instant());
        this.lastLoad = new LoadStatus(clock.instant(), true, List.of());
    }

    void start(@Observes StartupEvent event) {
        reload();
        Gauge.builder("remediator_rules_loaded", this, r -> r.current.rules().size()).description("Rules in the active rule set")
                .register(metrics.registry());
        Gauge.builder("remediator_rules_last_load_ok", this, r -> r.lastLoad.ok() ? 1 : 0)
                .description("1 when the last rule load succeeded, 0 when it failed and an older rule set is active").register(metrics.registry());
        long every = Math.max(200, config.rules().reloadInterval().toMillis());
        reloader = io.autonova.remediator.config.DaemonThreads.scheduler("rule-reloader");
        reloader.scheduleWithFixedDelay(this::reloadIfChanged, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    /** Uses a rule set assembled elsewhere (offline tools: rule tests and backtests), instead of the directory. */
    public synchronized void use(RuleSet set) {
        loaded = true;
        current = set;
        lastLoad = new LoadStatus(clock.instant(), true, List.of());
    }

    /**
     * The active rule set. The first caller reads the directory if nothing did yet: the Kafka consumer can be given its
     * partitions, and rebuild its windows from the topic, before the start-up event loads the rules; rebuilt with no
     * rules, every window would start empty and under-count (a restarted replica missing a crossing).
     */
    public RuleSet current() {
        if (!loaded) {
            loadOnce();
        }
        return current;
    }

    private synchronized void loadOnce() {
        if (!loaded) {
            reload();
        }
    }

    public LoadStatus lastLoad() {
        return lastLoad;
    }

    void reloadIfChanged() {
        try {
            List<Path> files = ruleFiles(config.rules().dir());
            if (!digest(files).equals(lastDigest)) {
                reload();
            }
        } catch (RuntimeException | IOException e) {
            LOG.errorf("rule reload check failed: %s", e.getMessage());
        }
    }

    /** Loads the directory now; returns the resulting status. */
    public synchronized LoadStatus reload() {
        loaded = true;
        Path dir = config.rules().dir();
        Instant now = clock.instant();
        List<RuleFileParser.Result> parsed = new ArrayList<>();
        String digest;
        try {
            List<Path> files = ruleFiles(dir);
            digest = digest(files);
            for (Path f : files) {
                parsed.add(RuleFileParser.parse(dir.relativize(f).toString(), Files.readString(f, StandardCharsets.UTF_8)));
            }
        } catch (IOException | RuntimeException e) {
            return failed(now, List.of(new RuleLoadError(dir.toString(), 0, "cannot read rule directory: " + e.getMessage())));
        }
        RuleSetAssembler.Outcome outcome = RuleSetAssembler.assemble(parsed, now);
        lastDigest = digest;
        if (!outcome.ok()) {
            return failed(now, outcome.errors());
        }
        current = outcome.ruleSet();
        lastLoad = new LoadStatus(now, true, List.of());
        metrics.rulesReload(true);
        LOG.infof("loaded %d rules from %d files in %s: %s", current.rules().size(), current.files().size(), dir,
                current.rules().stream().map(Rule::name).toList());
        return lastLoad;
    }

    private LoadStatus failed(Instant now, List<RuleLoadError> errors) {
        lastLoad = new LoadStatus(now, false, errors);
        metrics.rulesReload(false);
        LOG.errorf("rule load failed, keeping the last good rule set (%d rules). Errors:%n  %s", current.rules().size(),
                String.join("\n  ", errors.stream().map(RuleLoadError::toString).toList()));
        return lastLoad;
    }

    private static List<Path> ruleFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("not a directory: " + dir.toAbsolutePath());
        }
        try (Stream<Path> s = Files.walk(dir, 1)) {
            // Skip Kubernetes' "..data" style entries: the files appear once at the top.
            return s.filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String digest(List<Path> files) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                md.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
