package io.autonova.remediator.domain;

import java.util.List;

/**
 * Who asked for an operator action: a Kubernetes user (from a TokenReview) with their groups, or the break-glass admin
 * token. Records, Events, notices and logs name them.
 */
public record Actor(String name, List<String> groups, boolean breakGlass) {

    public static final Actor ADMIN_TOKEN = new Actor("admin-token (break-glass)", List.of(), true);

    public Actor {
        groups = List.copyOf(groups);
    }

    public static Actor user(String name, List<String> groups) {
        return new Actor(name, groups, false);
    }
}
