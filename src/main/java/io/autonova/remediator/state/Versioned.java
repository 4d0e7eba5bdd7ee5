package io.autonova.remediator.state;

/** A value as read from the store, with the version a conditional write must match (null: does not exist yet). */
public record Versioned<T>(T value, String version) {
}
