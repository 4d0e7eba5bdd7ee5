package io.autonova.remediator.scenarios;

/** A step a scenario would take, for a dry-run that cannot read the cluster. */
public record PlannedStep(String name, String action) {
}
