package io.autonova.remediator.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads a secret given inline or as a file (a mounted Secret). */
public final class Secrets {

    private Secrets() {
    }

    public static Optional<String> resolve(Optional<String> inline, Optional<Path> file) {
        if (file.isPresent()) {
            try {
                String v = Files.readString(file.get(), StandardCharsets.UTF_8).strip();
                return v.isEmpty() ? Optional.empty() : Optional.of(v);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read token file " + file.get(), e);
            }
        }
        return inline.map(String::strip).filter(s -> !s.isEmpty());
    }
}
