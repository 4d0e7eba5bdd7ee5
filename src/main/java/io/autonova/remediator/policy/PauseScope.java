package io.autonova.remediator.policy;

/** How much of the automation a pause stops. */
public enum PauseScope {
    GLOBAL, NAMESPACE, SERVICE
}
