package io.autonova.remediator;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Packages follow the flow: none uses a package above it. Checked on the compiled classes (ArchUnit), so a
 * wildcard import, a fully qualified name or a sub-package cannot slip past.
 */
class LayeringTest {

    static final String ROOT = "io.autonova.remediator";
    /** Lowest first. */
    static final List<String> LAYERS = List.of("domain", "config", "rules", "policy", "state", "cluster", "peers", "runtime", "engine", "scenarios",
            "notify", "pipeline", "api", "ingest", "tools");

    static JavaClasses classes;

    @BeforeAll
    static void importMain() {
        // The service's own compiled classes only: scanning the whole class path for the package takes seconds.
        classes = new ClassFileImporter().importPath(Path.of("target/classes"));
    }

    static Stream<String> layers() {
        return LAYERS.stream().limit(LAYERS.size() - 1);
    }

    @ParameterizedTest(name = "{0} uses no package above it")
    @MethodSource("layers")
    void noPackageUsesOneAboveIt(String layer) {
        String[] above = LAYERS.subList(LAYERS.indexOf(layer) + 1, LAYERS.size()).stream().map(l -> ROOT + "." + l + "..").toArray(String[]::new);
        noClasses().that().resideInAPackage(ROOT + "." + layer + "..").should().dependOnClassesThat().resideInAnyPackage(above)
                .check(classes);
    }

    @Test
    void everyClassHasALayer() {
        assertTrue(classes.size() > 200, "the service's classes were read: " + classes.size());
        List<String> homeless = classes.stream().map(JavaClass::getPackageName)
                .filter(p -> LAYERS.stream().noneMatch(l -> p.equals(ROOT + "." + l) || p.startsWith(ROOT + "." + l + ".")))
                .distinct().sorted().toList();
        assertEquals(List.of(), homeless);
    }
}
