package io.autonova.remediator.domain;

import io.quarkus.qute.Engine;
import io.quarkus.qute.Expression;
import io.quarkus.qute.ReflectionValueResolver;
import io.quarkus.qute.ResultMapper;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Qute templates from {@code src/main/resources/templates}, on a standalone engine (no CDI: the offline tools and
 * unit tests render them too). Every String a template writes out goes through the template's escaper; a value the
 * code already made safe is passed as {@link io.quarkus.qute.RawString}. Strict: a name the data lacks is an error.
 */
public final class Templates {

    private Templates() {
    }

    public static Template load(String name, UnaryOperator<String> escape) {
        Engine engine = Engine.builder().addDefaults().addValueResolver(new ReflectionValueResolver())
                .addResultMapper(new ResultMapper() {
                    @Override
                    public boolean appliesTo(TemplateNode.Origin origin, Object result) {
                        return result instanceof String;
                    }

                    @Override
                    public String map(Object result, Expression expression) {
                        return escape.apply((String) result);
                    }
                })
                .removeStandaloneLines(true).strictRendering(true).build();
        try (InputStream in = Templates.class.getResourceAsStream("/templates/" + name)) {
            return engine.parse(new String(Objects.requireNonNull(in, "templates/" + name).readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
