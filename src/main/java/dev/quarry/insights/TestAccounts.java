package dev.quarry.insights;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.data.Team;
import dev.quarry.hogql.Expr;
import dev.quarry.hogql.PropertyFilters;
import dev.quarry.query.schema.PropertyFilter;
import java.io.IOException;

/**
 * The project's "filter out internal and test users" property filters (empty by default), stored as the JSON list
 * the project API accepted ({@code projects.ProjectResource} checks it with {@link PropertyFilter#parseLegacy}).
 */
public final class TestAccounts {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TestAccounts() {
    }

    public static Expr filter(Team team) {
        String filters = team.testAccountFilters();
        if (filters == null || filters.isBlank()) {
            return new Expr.Constant(true);
        }
        try {
            return PropertyFilters.toExpr(PropertyFilter.parseLegacy(MAPPER.readTree(filters), "test_account_filters"));
        } catch (IOException e) {
            throw new IllegalStateException("test_account_filters of team " + team.id() + " is not JSON", e);
        }
    }
}
