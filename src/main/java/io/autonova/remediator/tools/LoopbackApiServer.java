package io.autonova.remediator.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.autonova.remediator.domain.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A throwaway API server on 127.0.0.1 for the start-up warm-up: create, read, replace and delete of single objects by
 * path, with resourceVersion preconditions (409 on a stale write or an existing name, 404 on a missing one). It lets the
 * warm-up drive the state store's own requests (the Kubernetes client, its JSON, the HTTP client) with nothing reaching
 * the cluster. No lists, no watches: the warm-up's store has no informers.
 */
final class LoopbackApiServer implements AutoCloseable {

    private static final ObjectMapper MAPPER = Json.MAPPER;

    private final Map<String, ObjectNode> objects = new ConcurrentHashMap<>();
    private final AtomicLong version = new AtomicLong(1);
    private final HttpServer server;

    private LoopbackApiServer(HttpServer server) {
        this.server = server;
    }

    /** Listens on an ephemeral loopback port of {@code vertx}. */
    static LoopbackApiServer start(Vertx vertx) throws Exception {
        LoopbackApiServer[] self = new LoopbackApiServer[1];
        HttpServer server = vertx.createHttpServer().requestHandler(req -> self[0].handle(req));
        self[0] = new LoopbackApiServer(server);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return self[0];
    }

    String url() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    int objects() {
        return objects.size();
    }

    private void handle(HttpServerRequest req) {
        req.body().onComplete(body -> {
            try {
                answer(req, body.succeeded() ? body.result() : Buffer.buffer());
            } catch (Exception e) {
                status(req, 400, "BadRequest", String.valueOf(e.getMessage()));
            }
        });
    }

    private void answer(HttpServerRequest req, Buffer body) throws Exception {
        String path = req.path();
        switch (req.method().name()) {
            case "POST" -> {
                ObjectNode o = (ObjectNode) MAPPER.readTree(body.getBytes());
                ObjectNode meta = o.with("metadata");
                String key = path + "/" + meta.path("name").asText();
                meta.put("uid", UUID.randomUUID().toString()).put("creationTimestamp", Instant.now().toString().replaceAll("\\.\\d+", ""));
                meta.put("resourceVersion", String.valueOf(version.incrementAndGet()));
                if (objects.putIfAbsent(key, o) != null) {
                    status(req, 409, "AlreadyExists", key + " already exists");
                    return;
                }
                send(req, 201, o);
            }
            case "PUT" -> {
                ObjectNode o = (ObjectNode) MAPPER.readTree(body.getBytes());
                ObjectNode now = objects.get(path);
                if (now == null) {
                    status(req, 404, "NotFound", path + " not found");
                    return;
                }
                String expected = o.path("metadata").path("resourceVersion").asText("");
                if (!expected.isEmpty() && !expected.equals(now.path("metadata").path("resourceVersion").asText())) {
                    status(req, 409, "Conflict", "the object has been modified");
                    return;
                }
                o.with("metadata").put("resourceVersion", String.valueOf(version.incrementAndGet()))
                        .put("uid", now.path("metadata").path("uid").asText());
                if (!objects.replace(path, now, o)) {
                    status(req, 409, "Conflict", "the object has been modified");
                    return;
                }
                send(req, 200, o);
            }
            case "GET" -> {
                ObjectNode o = objects.get(path);
                if (o == null) {
                    status(req, 404, "NotFound", path + " not found");
                    return;
                }
                send(req, 200, o);
            }
            case "DELETE" -> {
                ObjectNode o = objects.remove(path);
                if (o == null) {
                    status(req, 404, "NotFound", path + " not found");
                    return;
                }
                send(req, 200, o);
            }
            default -> status(req, 405, "MethodNotAllowed", req.method().name());
        }
    }

    private static void send(HttpServerRequest req, int code, ObjectNode o) throws Exception {
        req.response().setStatusCode(code).putHeader("Content-Type", "application/json").end(Buffer.buffer(MAPPER.writeValueAsBytes(o)));
    }

    private static void status(HttpServerRequest req, int code, String reason, String message) {
        ObjectNode s = MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure").put("reason", reason)
                .put("message", message).put("code", code);
        try {
            send(req, code, s);
        } catch (Exception e) {
            req.response().setStatusCode(code).end();
        }
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
