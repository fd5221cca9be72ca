package dev.quarry.data;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Organizations and users, the owners of projects and keys, through their Panache entities
 * ({@link OrganizationEntity}, {@link UserEntity}). Writes join the caller's transaction when one is open.
 */
@ApplicationScoped
public class Accounts {

    public record Organization(UUID id, String name) {
    }

    public record User(long id, UUID uuid, String distinctId, String email, String firstName, UUID organizationId) {
    }

    public Uni<Organization> createOrganization(String name) {
        OrganizationEntity organization = new OrganizationEntity();
        organization.id = UUID.randomUUID();
        organization.name = name;
        return Sessions.write(() -> organization.<OrganizationEntity>persist().call(Panache::flush))
                .map(OrganizationEntity::toOrganization);
    }

    /** The organization, or null. */
    public Uni<Organization> findOrganization(UUID id) {
        return Sessions.read(() -> OrganizationEntity.<OrganizationEntity>findById(id))
                .map(found -> found == null ? null : found.toOrganization());
    }

    /** A new active user of the organization; its distinct id is its uuid, as PostHog's are. */
    public Uni<User> createUser(UUID organizationId, String email, String firstName) {
        UserEntity user = new UserEntity();
        user.uuid = UUID.randomUUID();
        user.distinctId = user.uuid.toString();
        user.email = email;
        user.firstName = firstName;
        user.organizationId = organizationId;
        return Sessions.write(() -> user.<UserEntity>persist()).map(UserEntity::toUser);
    }

    /** The user with this email (emails are unique), or null. */
    public Uni<User> findUserByEmail(String email) {
        return Sessions.read(() -> UserEntity.<UserEntity>find("email", email).firstResult())
                .map(found -> found == null ? null : found.toUser());
    }

    /** The organization's first user (lowest id): who operator-made keys belong to; null when it has none. */
    public Uni<Long> firstUserOf(UUID organizationId) {
        return Sessions.read(() -> UserEntity.<UserEntity>find("organizationId = ?1 order by id", organizationId)
                .firstResult()).map(found -> found == null ? null : found.id);
    }
}
