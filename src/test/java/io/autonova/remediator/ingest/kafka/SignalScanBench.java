package io.autonova.remediator.ingest.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One Kafka signal value read three ways: the hand-written in-place scanner, Jackson's streaming parser (the same
 * checks, token by token), and Jackson's tree (what the full parser does). Run: bench/signal-scan.sh
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SignalScanBench {

    private final ObjectMapper mapper = new ObjectMapper();
    private final OwnSignalScanner own = new OwnSignalScanner();
    private final StreamingSignalScanner streaming = new StreamingSignalScanner(mapper.getFactory());
    private byte[][] values;
    private int next;

    @Setup
    public void setUp() {
        values = new byte[1024][];
        for (int i = 0; i < values.length; i++) {
            String json = i % 4 == 0
                    ? "{\"type\":\"pod-restart\",\"namespace\":\"shop-" + i % 7 + "\",\"deployment\":\"svc-" + i + "\",\"pod\":\"svc-" + i
                            + "-7d9f8c6b5d-x2x9q\",\"time\":\"2026-12-04T03:0" + i % 10 + ":30.250Z\",\"restarts\":" + (1 + i % 3) + "}"
                    : "{\"type\":\"request-sample\",\"namespace\":\"shop-" + i % 7 + "\",\"deployment\":\"svc-" + i
                            + "\",\"time\":\"2026-12-04T03:0" + i % 10 + ":30.250Z\",\"requests\":" + (100 + i) + ",\"errors\":" + i % 13 + "}";
            values[i] = json.getBytes(StandardCharsets.UTF_8);
        }
    }

    private byte[] value() {
        return values[next++ & (values.length - 1)];
    }

    @Benchmark
    public long handWritten() {
        if (!own.scan(value(), 1_000_000_000L)) {
            throw new IllegalStateException("declined");
        }
        return own.requests + own.restarts + own.time.getEpochSecond() + own.namespace.length() + own.deployment.length();
    }

    @Benchmark
    public long jacksonStreaming() {
        if (!streaming.scan(value(), 1_000_000_000L)) {
            throw new IllegalStateException("declined");
        }
        return streaming.requests + streaming.restarts + streaming.time.getEpochSecond() + streaming.namespace.length() + streaming.deployment.length();
    }

    @Benchmark
    public Object jacksonTree() throws Exception {
        return mapper.readTree(value());
    }
}
