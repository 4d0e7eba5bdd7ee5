package io.autonova.remediator.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.autonova.remediator.domain.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published JSON Schema (for editors) and the loader agree on valid and invalid rule files. */
class RuleSchemaTest {

    static final Schema SCHEMA = load();

    static Schema load() {
        try {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(Files.readString(Path.of("rules/schema/rules.schema.json")));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Error> schemaErrors(String yaml) {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
        JsonNode node = Json.MAPPER.valueToTree(doc);
        return SCHEMA.validate(node);
    }

    static String rule(String body) {
        return "rules:\n  - name: r\n    matchers: ['alertname=\"X\"']\n    target: {namespace: prod, deployment: api}\n    " + body;
    }

    @Test
    void theShippedRuleFilesAreValidAndPointEditorsAtTheSchema() throws Exception {
        for (String f : List.of("rules/rollback.yaml", "rules/runbook.yaml", "rules/signals.yaml")) {
            String text = Files.readString(Path.of(f));
            assertEquals(List.of(), schemaErrors(text), f);
            assertTrue(text.startsWith("# yaml-language-server: $schema=./schema/rules.schema.json"), f + " names the schema on its first line");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "plain rule                          | scenario: immediate-rollback",
            "threshold and for                   | scenario: immediate-rollback\\n    threshold: {value: annotation:value, op: '>', bound: 0.1}\\n    for: 1m",
            "verify block                        | scenario: selective-rollback\\n    verify: {query: up, op: '>', bound: 0, window: 5m}",
            "gradual parameters                  | scenario: gradual-rollback\\n    parameters: {service: web, drain: 30s}",
            "migration with its declaration      | scenario: database-migration-rollback\\n    parameters: {reversible: 'false', backwardCompatible: 'true'}",
            "config parameters                   | scenario: configuration-rollback\\n    parameters: {changedWithin: 1h}",
            "limits                              | scenario: immediate-rollback\\n    limits: {cooldown: 1h30m, targetRateLimit: {count: 2, window: 1h}}",
            "hours and minutes                   | scenario: immediate-rollback\\n    for: 1h30m",
    })
    void bothAccept(String what, String body) {
        String yaml = rule(body.replace("\\n", "\n") + "\n");
        assertEquals(List.of(), RuleFileParser.parse("s.yaml", yaml).errors(), what + ": the loader");
        assertEquals(List.of(), schemaErrors(yaml), what + ": the schema");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "unknown rule field                  | scenario: immediate-rollback\\n    colour: blue",
            "unknown scenario                    | scenario: reboot-everything",
            "bad comparison                      | scenario: immediate-rollback\\n    threshold: {value: annotation:value, op: '=>', bound: 0.1}",
            "threshold without a source          | scenario: immediate-rollback\\n    threshold: {value: value, op: '>', bound: 0.1}",
            "units out of order                  | scenario: immediate-rollback\\n    for: 30m1h",
            "a decimal duration                  | scenario: immediate-rollback\\n    for: 1.5h",
            "another scenario's parameter        | scenario: gradual-rollback\\n    parameters: {reversible: 'true'}",
            "migration without its declaration   | scenario: database-migration-rollback\\n    parameters: {backwardCompatible: 'true'}",
            "undo image without its command      | scenario: database-migration-rollback\\n    parameters: {reversible: 'true', undoImage: current}",
            "verify without a query              | scenario: immediate-rollback\\n    verify: {op: '<', bound: 1}",
            "zero rate count                     | scenario: immediate-rollback\\n    limits: {targetRateLimit: {count: 0, window: 1h}}",
    })
    void bothRefuse(String what, String body) {
        String yaml = rule(body.replace("\\n", "\n") + "\n");
        assertTrue(!RuleFileParser.parse("s.yaml", yaml).errors().isEmpty(), what + ": the loader refuses it");
        assertTrue(!schemaErrors(yaml).isEmpty(), what + ": the schema refuses it");
    }
}
