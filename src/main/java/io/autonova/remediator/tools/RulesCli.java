package io.autonova.remediator.tools;

import io.autonova.remediator.domain.Durations;
import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleLint;
import io.autonova.remediator.rules.RuleLoadError;
import io.autonova.remediator.rules.RuleSetAssembler;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code scripts/rules}: the service's own rule validation, offline, on picocli. Exit codes: 0 clean, 1 findings
 * (errors, warnings, failed tests), 2 usage errors (picocli's own code for invalid input).
 */
@Command(name = "rules", mixinStandardHelpOptions = true, synopsisSubcommandLabel = "COMMAND",
        description = "Rule files as code, checked, tested and backtested with the service's own code.",
        footer = "%nexit: 0 clean, 1 findings, 2 usage errors")
public final class RulesCli implements Runnable {

    static final int OK = 0;
    static final int FINDINGS = 1;
    static final int USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private RulesCli() {
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: check, test or backtest");
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new RulesCli())
                .addSubcommand(new Check(out, err))
                .addSubcommand(new Test(out, err))
                .addSubcommand(new BacktestCommand(out, err))
                .registerConverter(Duration.class, Durations::parse)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A command's output streams: the caller's, so that tests read what an operator would see. */
    abstract static class Printing {
        final PrintStream out;
        final PrintStream err;

        Printing(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }
    }

    @Command(name = "check", description = "Validate rule files (a directory: its *.yaml and *.yml), as the service loads them.")
    static final class Check extends Printing implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "PATH")
        List<Path> paths;

        Check(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return check(paths, out, err);
        }
    }

    @Command(name = "test", description = "Run rule unit tests (see rules/tests/).")
    static final class Test extends Printing implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "TEST_FILE")
        List<String> files;

        Test(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            return RuleTests.run(files.toArray(String[]::new), out, err);
        }
    }

    @Command(name = "backtest", description = "Replay recorded alerts or signals through the rules and show what they would have done.")
    static final class BacktestCommand extends Printing implements Callable<Integer> {
        @Option(names = "--rules", required = true, paramLabel = "PATH", description = "rule file or directory (repeatable)")
        List<Path> rules;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;
        @Option(names = "--topic", paramLabel = "T")
        String topic;
        @Option(names = "--from", paramLabel = "TIME", description = "RFC 3339, e.g. 2026-11-01T00:00:00Z")
        Instant from;
        @Option(names = "--to", paramLabel = "TIME")
        Instant to;
        @Option(names = "--json", description = "the summary as JSON")
        boolean json;
        @Option(names = "--runs-take", paramLabel = "DURATION", defaultValue = "2m", description = "how long a run holds its target (default: ${DEFAULT-VALUE})")
        Duration runsTake;
        @Spec
        CommandLine.Model.CommandSpec spec;

        static final class Source {
            @Option(names = "--webhooks", paramLabel = "FILE", required = true, description = "captured webhook deliveries (JSON lines)")
            Path webhooks;
            @Option(names = "--signals", paramLabel = "FILE", required = true, description = "Kafka signal values (JSON lines)")
            Path signals;
            @Option(names = "--kafka", paramLabel = "SERVERS", required = true, description = "read the signals from a topic (with --topic, --from, --to)")
            String kafka;
        }

        BacktestCommand(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        public Integer call() {
            if (source.kafka != null && (topic == null || from == null || to == null)) {
                throw new ParameterException(spec.commandLine(), "--kafka needs --topic, --from and --to (RFC 3339 times)");
            }
            return Backtest.run(rules, source.webhooks, source.signals, source.kafka, topic, from, to, json, runsTake, out, err);
        }
    }

    /** The rule files a path names: the file itself, or a directory's *.yaml/*.yml (not its subdirectories, as the service). */
    static List<Path> ruleFiles(Path p) throws IOException {
        if (Files.isRegularFile(p)) {
            return List.of(p);
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).filter(Files::isRegularFile).sorted().toList();
        }
    }

    /** Parses and assembles the files as one rule set, as the service would load them together. */
    static RuleSetAssembler.Outcome load(List<Path> files) throws IOException {
        List<RuleFileParser.Result> parsed = new ArrayList<>();
        for (Path f : files) {
            parsed.add(RuleFileParser.parse(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
        }
        return RuleSetAssembler.assemble(parsed, Instant.now());
    }

    static int check(List<Path> paths, PrintStream out, PrintStream err) {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                err.println("check: " + p + ": no such file or directory");
                return USAGE;
            }
            try {
                files.addAll(ruleFiles(p));
            } catch (IOException e) {
                err.println("check: " + p + ": " + e.getMessage());
                return USAGE;
            }
        }
        RuleSetAssembler.Outcome outcome;
        try {
            outcome = load(files);
        } catch (IOException e) {
            err.println("check: " + e.getMessage());
            return USAGE;
        }
        outcome.errors().forEach(e -> out.println(e.file() + ":" + e.line() + ": error: " + e.message()));
        List<RuleLoadError> warnings = outcome.ok() ? RuleLint.warnings(outcome.ruleSet()) : List.of();
        warnings.forEach(w -> out.println(w.file() + ":" + w.line() + ": warning: " + w.message()));
        int rules = outcome.ok() ? outcome.ruleSet().rules().size() : 0;
        out.printf("%d file(s), %d rule(s): %d error(s), %d warning(s)%n", files.size(), rules, outcome.errors().size(), warnings.size());
        return outcome.errors().isEmpty() && warnings.isEmpty() ? OK : FINDINGS;
    }
}
