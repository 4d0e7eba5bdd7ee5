package io.autonova.remediator.domain;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;

class UrlsTest {

    @ParameterizedTest
    @CsvSource({
            "https://ops.example/grafana,   https://ops.example/grafana/api/annotations",
            "https://ops.example/grafana/,  https://ops.example/grafana/api/annotations",
            "http://grafana:3000,           http://grafana:3000/api/annotations",
            "http://grafana:3000/,          http://grafana:3000/api/annotations",
    })
    void aSubPathIsKept(String base, String expected) {
        assertEquals(URI.create(expected), Urls.under(URI.create(base), "/api/annotations"));
    }
}
