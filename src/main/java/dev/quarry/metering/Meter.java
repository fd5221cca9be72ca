package dev.quarry.metering;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Writes one metered call: the call's row and its project's hourly rollup, in one statement (one round trip,
 * one transaction: both or neither). The statement sets its own transaction's {@code synchronous_commit}
 * ({@code quarry.metering.synchronous-commit}, default off): with off, the row is in PostgreSQL when the
 * response goes out, so a frozen or killed Lambda cannot lose it, and the call does not wait for the WAL flush
 * (≈ 2.5 ms on the bench machine); only a crash of the database server itself within
 * {@code wal_writer_delay} × 3 could lose the newest rows (in the customer's favour). Set it to on to wait.
 */
@ApplicationScoped
public class Meter {
    /** The team_id of calls that name no project: no team has it. */
    static final long NO_TEAM = 0L;

    static final String RECORD_SQL = "WITH call AS (INSERT INTO api_calls (team_id, key_id, endpoint_group, method, "
            + "status, duration_ms, rows_returned, rows_read, db_ms, billable, units) "
            + "SELECT $1::bigint, $2::text, $3::text, $4::text, $5::int, $6::int, $7::bigint, $8::bigint, $9::int, "
            + "$10::boolean, $11::int FROM (SELECT set_config('synchronous_commit', $12, true)) AS commit_mode "
            + "RETURNING team_id, endpoint_group, at, billable, units) "
            + "INSERT INTO api_usage AS u (team_id, endpoint_group, hour, calls, billable_calls, units) "
            + "SELECT team_id, endpoint_group, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 1, "
            + "CASE WHEN billable THEN 1 ELSE 0 END, units FROM call WHERE team_id <> 0 "
            + "ON CONFLICT (team_id, endpoint_group, hour) DO UPDATE SET calls = u.calls + 1, "
            + "billable_calls = u.billable_calls + EXCLUDED.billable_calls, units = u.units + EXCLUDED.units";

    /** One call as metered. */
    public record Call(Long teamId, String keyId, EndpointGroup group, String method, int status, long durationMs,
                       Long rowsReturned, Long rowsRead, Long dbMs, boolean billable, long units) {
        @Override
        public String toString() {
            return "team_id=" + teamId + " key_id=" + keyId + " group=" + group.id() + " method=" + method
                    + " status=" + status + " duration_ms=" + durationMs + " rows_returned=" + rowsReturned
                    + " rows_read=" + rowsRead + " db_ms=" + dbMs + " billable=" + billable + " units=" + units;
        }
    }

    /**
     * A write that may wait for the end of the HTTP call (e.g. a query log row): it goes out with the call's meter
     * row, pipelined on one connection, in the same round trip. Each write commits on its own.
     */
    public record Write(String sql, Tuple params) {
        @Override
        public String toString() {
            return sql + " " + params.deepToString();
        }
    }

    private final Pool pool;
    private final String synchronousCommit;

    public Meter(Pool pool, @ConfigProperty(name = "quarry.metering.synchronous-commit", defaultValue = "off")
                 String synchronousCommit) {
        this.pool = pool;
        this.synchronousCommit = synchronousCommit;
    }

    public Uni<Void> record(Call call) {
        return pool.preparedQuery(RECORD_SQL).execute(params(call)).replaceWithVoid();
    }

    /**
     * The call's meter row and the writes it carries, pipelined on one connection (one round trip when the
     * statements are already parsed on it). Fails if the meter row fails; a failed write is reported to
     * {@code failedWrite} and does not stop the others.
     */
    public Uni<Void> record(Call call, java.util.List<Write> writes,
                            java.util.function.BiConsumer<Write, Throwable> failedWrite) {
        if (writes.isEmpty()) {
            return record(call);
        }
        return pool.withConnection(conn -> {
            java.util.List<Uni<Void>> sent = new java.util.ArrayList<>();
            Uni<Throwable> meter = conn.preparedQuery(RECORD_SQL).execute(params(call))
                    .onItemOrFailure().transform((rows, failure) -> failure);
            for (Write write : writes) {
                sent.add(conn.preparedQuery(write.sql()).execute(write.params()).replaceWithVoid()
                        .onFailure().recoverWithItem(failure -> {
                            failedWrite.accept(write, failure);
                            return null;
                        }));
            }
            return Uni.combine().all().unis(meter, Uni.join().all(sent).andFailFast()).asTuple()
                    .flatMap(done -> done.getItem1() == null ? Uni.createFrom().voidItem()
                            : Uni.createFrom().failure(done.getItem1()));
        });
    }

    /** Writes that outlived their call's meter row (or had none): pipelined on one connection. */
    public Uni<Void> write(java.util.List<Write> writes, java.util.function.BiConsumer<Write, Throwable> failedWrite) {
        if (writes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.withConnection(conn -> {
            java.util.List<Uni<Void>> sent = new java.util.ArrayList<>();
            for (Write write : writes) {
                sent.add(conn.preparedQuery(write.sql()).execute(write.params()).replaceWithVoid()
                        .onFailure().recoverWithItem(failure -> {
                            failedWrite.accept(write, failure);
                            return null;
                        }));
            }
            return Uni.join().all(sent).andFailFast().replaceWithVoid();
        });
    }

    private Tuple params(Call call) {
        return Tuple.from(Arrays.asList(call.teamId() == null ? NO_TEAM : call.teamId(), call.keyId(),
                call.group().id(), call.method(), call.status(), (int) Math.min(Integer.MAX_VALUE, call.durationMs()),
                call.rowsReturned(), call.rowsRead(),
                call.dbMs() == null ? null : (int) Math.min(Integer.MAX_VALUE, call.dbMs()),
                call.billable(), (int) call.units(), synchronousCommit));
    }
}
