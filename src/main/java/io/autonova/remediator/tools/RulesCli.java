package io.autonova.remediator.tools;

import io.autonova.remediator.rules.RuleFileParser;
import io.autonova.remediator.rules.RuleLint;
import io.autonova.remediator.rules.RuleLoadError;
import io.autonova.remediator.rules.RuleSetAssembler;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code scripts/rules}: the service's own rule validation, offline. Exit codes: 0 clean, 1 findings (errors,
 * warnings, failed tests), 2 usage errors.
 */
public final class RulesCli {

    static final int OK = 0;
    static final int FINDINGS = 1;
    static final int USAGE = 2;
    static final String USAGE_TEXT = """
            usage: rules check PATH...        validate rule files (a directory: its *.yaml and *.yml), as the service loads them
                   rules test TEST_FILE...    run rule unit tests (see rules/tests/)
                   rules backtest --rules PATH [--json] [--runs-take 2m] (--webhooks FILE | --signals FILE | --kafka SERVERS --topic T --from TIME --to TIME)
                                              replay recorded alerts through the rules and show what they would have done
            exit: 0 clean, 1 findings, 2 usage errors""";

    private RulesCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE_TEXT);
            return USAGE;
        }
        String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
        return switch (args[0]) {
            case "check" -> check(rest, out, err);
            case "test" -> RuleTests.run(rest, out, err);
            case "backtest" -> Backtest.run(rest, out, err);
            case "-h", "--help", "help" -> {
                out.println(USAGE_TEXT);
                yield OK;
            }
            default -> {
                err.println("unknown command '" + args[0] + "'\n" + USAGE_TEXT);
                yield USAGE;
            }
        };
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

    static int check(String[] paths, PrintStream out, PrintStream err) {
        if (paths.length == 0) {
            err.println("check: name at least one rule file or directory\n" + USAGE_TEXT);
            return USAGE;
        }
        List<Path> files = new ArrayList<>();
        for (String a : paths) {
            Path p = Path.of(a);
            if (!Files.exists(p)) {
                err.println("check: " + a + ": no such file or directory");
                return USAGE;
            }
            try {
                files.addAll(ruleFiles(p));
            } catch (IOException e) {
                err.println("check: " + a + ": " + e.getMessage());
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
