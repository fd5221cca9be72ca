package dev.quarry.auth;

import dev.quarry.data.ApiKey;
import dev.quarry.data.Team;
import jakarta.enterprise.context.RequestScoped;

/** Who is calling and for which project; filled by {@link AuthFilter} before the resource runs. */
@RequestScoped
public class RequestAuth {
    private ApiKey key;
    private Team team;

    void set(ApiKey key, Team team) {
        this.key = key;
        this.team = team;
    }

    public ApiKey key() {
        return key;
    }

    /** The project named in the URL; null on endpoints without one. */
    public Team team() {
        if (team == null) {
            throw new IllegalStateException("no project on this endpoint");
        }
        return team;
    }

    /** The project in the URL once the key was let in for it; null before that, after a refusal, or without one. */
    public Team teamIfAuthorized() {
        return team;
    }

    public long teamId() {
        return team().id();
    }
}
