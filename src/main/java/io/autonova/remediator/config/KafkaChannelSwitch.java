package io.autonova.remediator.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;

/**
 * One switch for Kafka: unless {@code mp.messaging.incoming.signals.enabled} is set explicitly, the signals channel
 * is enabled exactly when {@code remediator.kafka.bootstrap-servers} is. Without it the connector never starts, so a
 * replica without a broker neither tries to reach one nor reports it.
 */
@Priority(Priorities.APPLICATION + 100)
public class KafkaChannelSwitch implements ConfigSourceInterceptor {

    static final String ENABLED = "mp.messaging.incoming.signals.enabled";
    /** Quarkus' name for it, whose mapping default (true) would otherwise answer. */
    static final String QUARKUS_ENABLED = "quarkus.messaging.incoming.signals.enabled";
    static final String SERVERS = "remediator.kafka.bootstrap-servers";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!ENABLED.equals(name) && !QUARKUS_ENABLED.equals(name)) {
            return value;
        }
        if (value != null && value.getValue() != null && value.getConfigSourceOrdinal() > Integer.MIN_VALUE) {
            return value; // set explicitly (a default values source has the lowest ordinal)
        }
        ConfigValue servers = context.proceed(SERVERS);
        boolean on = servers != null && servers.getValue() != null && !servers.getValue().isBlank();
        return ConfigValue.builder().withName(name).withValue(Boolean.toString(on)).build();
    }
}
