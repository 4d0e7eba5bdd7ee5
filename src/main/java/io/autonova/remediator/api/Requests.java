package io.autonova.remediator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reading operator request bodies with errors that say which field is wrong. */
final class Requests {

    private Requests() {
    }

    static JsonNode object(ObjectMapper mapper, String body) {
        if (body == null || body.isBlank()) {
            throw new ProblemException(400, "Invalid request", "a JSON object body is required");
        }
        try {
            JsonNode node = mapper.readTree(body);
            if (node == null || !node.isObject()) {
                throw new ProblemException(400, "Invalid request", "body must be a JSON object");
            }
            return node;
        } catch (java.io.IOException e) {
            throw new ProblemException(400, "Invalid request", "body is not valid JSON");
        }
    }

    static String requiredText(JsonNode node, String field) {
        String v = optionalText(node, field);
        if (v == null) {
            throw new ProblemException(400, "Invalid request", "'" + field + "' is required");
        }
        return v;
    }

    static boolean optionalBoolean(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new ProblemException(400, "Invalid request", "'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }

    static String optionalText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new ProblemException(400, "Invalid request", "'" + field + "' must be a non-empty string");
        }
        return v.asText();
    }
}
