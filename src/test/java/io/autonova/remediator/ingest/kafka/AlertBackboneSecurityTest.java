package io.autonova.remediator.ingest.kafka;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The backbone's producer writes to the brokers the consumer reads: it gets the consumer's TLS and SASL settings, nothing else. */
class AlertBackboneSecurityTest {

    @Test
    void theConsumersSecuritySettingsAreTheProducersToo() {
        var config = new SmallRyeConfigBuilder().withSources(new PropertiesConfigSource(Map.of(
                "mp.messaging.incoming.signals.security.protocol", "SASL_SSL",
                "mp.messaging.incoming.signals.sasl.mechanism", "SCRAM-SHA-512",
                "mp.messaging.incoming.signals.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "kafka.ssl.truststore.location", "/etc/kafka/truststore.p12",
                "mp.messaging.incoming.signals.max.poll.records", "500",
                "mp.messaging.incoming.other.security.protocol", "PLAINTEXT"), "test", 100)).build();
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "ssl.truststore.location", "/etc/kafka/truststore.p12"), AlertBackbone.securitySettings(config));
    }
}
