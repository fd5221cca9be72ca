package dev.quarry.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The migrated schema, read from PostgreSQL's catalog, stays ready to distribute on Citus by {@code team_id}: every
 * tenant table (one with a {@code team_id} column) has a primary key, its keys and btree indexes lead with
 * {@code team_id}, and a foreign key between tenant tables carries {@code team_id} on both sides, so no reference
 * can cross teams (Citus requires the distribution column in unique constraints and in co-located foreign keys).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class SchemaDistributionTest {
    /**
     * Non-btree indexes that do not lead with team_id, each a conscious choice. On Citus an index lives in each
     * shard, and a team's query is routed to one shard, so these still only read that team's shard.
     */
    private static final Map<String, String> ALLOWED = Map.of(
            "plugin_log_entries_message_trgm", "trigram GIN index for substring search; team filter comes from the btree");

    @Inject
    Pool pool;

    private List<Row> rows(String sql) {
        List<Row> rows = new ArrayList<>();
        pool.query(sql).execute().await().indefinitely().forEach(rows::add);
        return rows;
    }

    private Set<String> tenantTables() {
        Set<String> tables = new TreeSet<>();
        for (Row row : rows("""
                select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                join pg_attribute a on a.attrelid = c.oid and a.attname = 'team_id' and not a.attisdropped
                where n.nspname = 'public' and c.relkind in ('r', 'p')""")) {
            tables.add(row.getString(0));
        }
        return tables;
    }

    @Test
    void tenantTablesExistAndEachHasAPrimaryKeyLeadingWithTeamId() {
        Set<String> tenant = tenantTables();
        assertTrue(tenant.containsAll(Set.of("events", "persons", "person_distinct_ids", "cohorts", "plugin_log_entries",
                "query_log")), tenant.toString());
        List<String> problems = new ArrayList<>();
        for (String table : tenant) {
            List<Row> pk = rows("""
                    select (select a.attname from pg_attribute a where a.attrelid = i.indrelid and a.attnum = i.indkey[0])
                    from pg_index i where i.indisprimary and i.indrelid = 'public.%s'::regclass""".formatted(table));
            if (pk.isEmpty()) {
                problems.add(table + ": no primary key");
            } else if (!"team_id".equals(pk.get(0).getString(0))) {
                problems.add(table + ": primary key leads with " + pk.get(0).getString(0));
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyIndexOfATenantTableLeadsWithTeamId() {
        List<String> problems = new ArrayList<>();
        for (Row row : rows("""
                select t.relname, ic.relname, am.amname, i.indisunique,
                       (select a.attname from pg_attribute a where a.attrelid = i.indrelid and a.attnum = i.indkey[0])
                from pg_index i
                join pg_class t on t.oid = i.indrelid
                join pg_class ic on ic.oid = i.indexrelid
                join pg_am am on am.oid = ic.relam
                join pg_namespace n on n.oid = t.relnamespace
                where n.nspname = 'public'
                  and exists (select 1 from pg_attribute a where a.attrelid = t.oid and a.attname = 'team_id')""")) {
            String table = row.getString(0);
            String index = row.getString(1);
            String leading = row.getString(4);
            boolean allowed = !row.getBoolean(3) && !"btree".equals(row.getString(2)) && ALLOWED.containsKey(index);
            if (!"team_id".equals(leading) && !allowed) {
                problems.add(table + "." + index + " (" + row.getString(2) + ") leads with " + leading);
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void noForeignKeyBetweenTenantTablesOmitsTeamId() {
        Set<String> tenant = tenantTables();
        List<String> problems = new ArrayList<>();
        for (Row row : rows("""
                select c.conname, src.relname, dst.relname,
                       (select array_agg(a.attname::text order by a.attname) from pg_attribute a
                         where a.attrelid = c.conrelid and a.attnum = any(c.conkey)),
                       (select array_agg(a.attname::text order by a.attname) from pg_attribute a
                         where a.attrelid = c.confrelid and a.attnum = any(c.confkey)),
                       c.conkey, c.confkey,
                       (select a.attnum from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'team_id'),
                       (select a.attnum from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'team_id')
                from pg_constraint c
                join pg_class src on src.oid = c.conrelid
                join pg_class dst on dst.oid = c.confrelid
                where c.contype = 'f'""")) {
            String source = row.getString(1);
            String target = row.getString(2);
            if (!tenant.contains(source) || !tenant.contains(target)) {
                continue; // a reference to a shared table (teams, users): a Citus reference table
            }
            Short[] conkey = row.getArrayOfShorts(5);
            Short[] confkey = row.getArrayOfShorts(6);
            short sourceTeam = row.getShort(7);
            short targetTeam = row.getShort(8);
            int at = -1;
            for (int i = 0; i < conkey.length; i++) {
                if (conkey[i] == sourceTeam) {
                    at = i;
                }
            }
            if (at < 0 || confkey[at] != targetTeam) {
                problems.add(row.getString(0) + " " + source + " -> " + target + " does not pair team_id with team_id");
            }
        }
        assertEquals(List.of(), problems);
    }
}
