package io.autonova.remediator;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Packages follow the flow: none imports (or names) a package above it. */
class LayeringTest {

    /** Lowest first. */
    static final List<String> LAYERS = List.of("domain", "config", "rules", "policy", "state", "cluster", "peers", "runtime", "engine", "scenarios", "notify",
            "pipeline", "api", "ingest", "tools");
    static final Pattern USE = Pattern.compile("io\\.autonova\\.remediator\\.([a-z]+)\\.[A-Za-z]");

    @Test
    void noPackageUsesOneAboveIt() throws IOException {
        Path root = Path.of("src/main/java/io/autonova/remediator");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = root.relativize(f).getName(0).toString();
                int level = LAYERS.indexOf(pkg);
                if (level < 0) {
                    violations.add(f + ": package " + pkg + " has no place in LAYERS");
                    continue;
                }
                Matcher m = USE.matcher(Files.readString(f));
                while (m.find()) {
                    int used = LAYERS.indexOf(m.group(1));
                    if (used > level) {
                        violations.add(root.relativize(f) + " uses " + m.group(1));
                    }
                }
            }
        }
        assertEquals(List.of(), violations);
    }
}
