package io.autonova.remediator.peers;

import java.util.List;

/** The Git side of GitOps write-back: the repositories it may write, the Git remote and the request provider. */
public record GitOps(List<String> repositories, GitRemote git, PullRequests requests, java.time.Duration pollInterval) {

    /** Whether the service may push to {@code url}: it starts with a listed prefix (compared without a trailing {@code .git}). */
    public boolean allows(String url) {
        if (url == null) {
            return false;
        }
        String u = strip(url);
        for (String r : repositories) {
            String p = strip(r);
            if (u.equals(p) || u.startsWith(p.endsWith("/") ? p : p + "/")) {
                return true;
            }
        }
        return false;
    }

    private static String strip(String url) {
        return url.trim().replaceAll("\\.git/?$", "").replaceAll("/+$", "");
    }
}
