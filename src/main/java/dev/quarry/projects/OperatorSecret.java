package dev.quarry.projects;

import dev.quarry.web.NotFoundException;
import dev.quarry.web.PermissionDeniedException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The operator's secret (QUARRY_OPERATOR_SECRET): operator and internal endpoints do not exist without it. */
@ApplicationScoped
public class OperatorSecret {
    private final String secret;

    public OperatorSecret(@ConfigProperty(name = "quarry.operator-secret") Optional<String> secret) {
        this.secret = secret.orElse("");
    }

    public void check(String presented) {
        if (secret.isEmpty()) {
            throw new NotFoundException();
        }
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                secret.getBytes(StandardCharsets.UTF_8))) {
            throw new PermissionDeniedException("Operator secret missing or wrong.");
        }
    }
}
