package dev.quarry.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The events insert with its properties objects sent as UTF-8 bytes ({@link EventPropertiesUtf8},
 * {@link EventIngestor#insertEvents}) stores exactly what the statement with their texts stored: the old statement is
 * kept here as the oracle. A corpus of SDK batches (the posthog-node, posthog-python and posthog-js fixtures of
 * {@code capture-fixtures/}, a Java-server-SDK-shaped body, and a posthog-node-shaped body of edge cases: numbers at
 * JavaScript's and float's edges, unicode with surrogate pairs and lone surrogates, escapes, nested and empty
 * containers, {@code $groups}, {@code $set}, nanosecond timestamps before and after 2000) is read by capture's parser
 * and grouped as capture groups it; its rows go into project A through the new statement and into project B through the
 * old statement, in one transaction (so {@code now()} is the same), then a re-sent copy of every batch goes through
 * both statements' upsert form. Every column of the stored rows ({@code mat_*}, {@code timestamp_day},
 * {@code session_key} and the other generated ones included, as their text) and every row the triggers wrote into
 * the rollup deltas must be the same; the transaction is rolled back.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class EventPropertiesUtf8Test {
    /** The statement with the properties as texts (main d3e29b5), kept as the oracle. */
    private static final String OLD_INSERT = "INSERT INTO events (team_id, uuid, event, distinct_id, properties, timestamp, "
            + "person_id, group_0, group_1, group_2, group_3, group_4) "
            + "SELECT $1, u, e, d, p::jsonb, t, pid, g0, g1, g2, g3, g4 FROM unnest($2::uuid[], $3::text[], "
            + "$4::text[], $5::text[], $6::timestamptz[], $7::uuid[], $8::text[], $9::text[], $10::text[], "
            + "$11::text[], $12::text[]) AS x(u, e, d, p, t, pid, g0, g1, g2, g3, g4)";
    private static final String OLD_REPLACE = " ON CONFLICT (team_id, uuid, event, distinct_id, timestamp_day) "
            + "DO UPDATE SET timestamp = EXCLUDED.timestamp, properties = EXCLUDED.properties, "
            + "person_id = EXCLUDED.person_id, group_0 = EXCLUDED.group_0, group_1 = EXCLUDED.group_1, "
            + "group_2 = EXCLUDED.group_2, group_3 = EXCLUDED.group_3, group_4 = EXCLUDED.group_4, created_at = now()";

    @Inject
    Pool pool;
    @Inject
    ObjectMapper mapper;

    @Test
    void thePropertiesBytesStoreWhatTheTextsStored() throws Exception {
        long a = TestProjects.create("event properties bytes A").id();
        long b = TestProjects.create("event properties bytes B").id();
        CapturePayloadParser parser = new CapturePayloadParser(mapper);
        Instant now = Instant.parse("2026-03-02T12:00:00Z");
        List<List<CapturedEvent>> batches = new ArrayList<>();
        batches.add(parser.parse(fixture("posthog-node.json.gz"), "gzip", null, now).events());
        batches.add(parser.parse(fixture("posthog-python-historical.json.gz"), "gzip", null, now).events());
        batches.add(parser.parse(fixture("posthog-js-gzip-js.bin"), null, "gzip-js", now).events());
        batches.add(parser.parse(fixture("posthog-js-base64.form"), null, "base64", now).events());
        batches.add(parser.parse(gzip(javaServerBody()), "gzip", null, now).events());
        batches.add(parser.parse(edgeCases().getBytes(StandardCharsets.UTF_8), null, null, now).events());
        int events = batches.stream().mapToInt(List::size).sum();
        assertTrue(events > 80, "the corpus: " + events + " events");

        SqlConnection conn = pool.getConnection().await().atMost(Duration.ofSeconds(30));
        try {
            run(conn, "BEGIN");
            Map<String, UUID> persons = new HashMap<>();
            for (boolean resent : new boolean[] {false, true}) {
                for (List<CapturedEvent> sent : batches) {
                    List<CapturedEvent> batch = resent ? resentCopies(sent) : sent;
                    List<UUID> ids = new ArrayList<>();
                    for (int i = 0; i < batch.size(); i++) {
                        // one event of each batch without a person: not written, by either statement
                        ids.add(i == 1 ? null : persons.computeIfAbsent(batch.get(i).distinctId(), d -> UUID.randomUUID()));
                    }
                    GroupResolution.Outcome groups = new GroupResolution(Map.of("company", 0, "project", 1), now)
                            .process(batch, batch.stream().map(e -> true).toList());
                    int viaBytes = EventIngestor.insertEvents(conn, a, batch, ids, groups, resent)
                            .await().atMost(Duration.ofSeconds(60));
                    int viaArrays = oldInsert(conn, b, batch, ids, groups, resent);
                    assertEquals(viaArrays, viaBytes, "rows written");
                }
            }
            List<String> stored = rows(conn, "events", a, "uuid, event, distinct_id, timestamp_day");
            assertTrue(stored.size() > 60, "rows stored: " + stored.size());
            assertEquals(rows(conn, "events", b, "uuid, event, distinct_id, timestamp_day"), stored);
            // the re-sent copies (1 µs later) replaced the first ones: …00.123457789 stored as …00.123457 (cut down),
            // 1999-06-01T12:00:00.0000025 as …00.000003 (before 2000: cut up, as the client's encoding cuts)
            String edges = stored.stream().filter(row -> row.contains("edge")).toList().toString();
            assertTrue(edges.contains("\"2026-03-02 10:00:00.123457+00\""), edges);
            assertTrue(edges.contains("\"1999-06-01 12:00:00.000003+00\""), edges);
            // the rollups the triggers wrote: the deltas, what an upsert's recompute folded, and the views over both
            List<String> rollups = new ArrayList<>();
            for (Row row : conn.query("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    + "current_schema() AND (table_name ~ '^events_.*_(delta|folded)$' OR table_name IN "
                    + "('events_person_days', 'events_person_months', 'events_property_days')) ORDER BY 1")
                    .execute().await().atMost(Duration.ofSeconds(10))) {
                rollups.add(row.getString(0));
            }
            assertTrue(rollups.contains("events_person_days"), rollups.toString());
            int compared = 0;
            for (String table : rollups) {
                List<String> viaBytes = rows(conn, table, a, "1");
                assertEquals(rows(conn, table, b, "1"), viaBytes, table);
                compared += viaBytes.size();
            }
            assertTrue(rows(conn, "events_person_days", a, "1").size() > 20, "person-days compared");
            assertTrue(compared > 100, "rollup rows compared: " + compared);
        } finally {
            run(conn, "ROLLBACK");
            conn.close().await().atMost(Duration.ofSeconds(10));
        }
    }

    /**
     * A lone surrogate sent escaped in a value is accepted by capture's parser (in a key Jackson refuses it) and is
     * written as the pg client's text encoding (Netty's {@code writeUtf8}) wrote it: checked against Netty itself.
     */
    @Test
    void loneSurrogatesAsTheClientWroteThem() {
        for (String s : new String[] {"x\uD800y", "\uDC00", "end\uD800", "\uD800\uD83D\uDE00", "a\uD83D\uDE00b", "plain"}) {
            io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer();
            io.netty.buffer.ByteBufUtil.writeUtf8(buf, s);
            assertEquals(buf.toString(StandardCharsets.UTF_8), EventPropertiesUtf8.asNettyWrites(s), s);
            buf.release();
        }
    }

    private int oldInsert(SqlConnection conn, long team, List<CapturedEvent> events, List<UUID> persons,
                          GroupResolution.Outcome groups, boolean upsert) {
        // the rows the old code kept: a person, not dropped, the last copy of each de-duplication key
        Map<String, Integer> last = new LinkedHashMap<>();
        for (int i = 0; i < events.size(); i++) {
            if (persons.get(i) != null && !groups.dropped().get(i)) {
                CapturedEvent e = events.get(i);
                String key = e.uuid() + "\u0001" + e.event() + "\u0001" + e.distinctId() + "\u0001"
                        + e.timestamp().atOffset(ZoneOffset.UTC).toLocalDate();
                last.remove(key);
                last.put(key, i);
            }
        }
        List<Integer> rows = new ArrayList<>(last.values());
        List<Object> columns = new ArrayList<>(List.of(team,
                column(rows, i -> events.get(i).uuid(), UUID[]::new),
                column(rows, i -> events.get(i).event(), String[]::new),
                column(rows, i -> events.get(i).distinctId(), String[]::new),
                column(rows, i -> JsNumbers.json(events.get(i).properties()), String[]::new),
                column(rows, i -> events.get(i).timestamp().atOffset(ZoneOffset.UTC), OffsetDateTime[]::new),
                column(rows, persons::get, UUID[]::new)));
        for (int g = 0; g < GroupResolution.MAX_GROUP_TYPES; g++) {
            int index = g;
            columns.add(column(rows, i -> groups.eventGroups().get(i) == null ? ""
                    : groups.eventGroups().get(i)[index], String[]::new));
        }
        return conn.preparedQuery(upsert ? OLD_INSERT + OLD_REPLACE : OLD_INSERT).execute(Tuple.tuple(columns))
                .await().atMost(Duration.ofSeconds(60)).rowCount();
    }

    private static <T, V> V[] column(List<T> rows, Function<T, V> value, java.util.function.IntFunction<V[]> array) {
        List<V> values = new ArrayList<>();
        rows.forEach(row -> values.add(value.apply(row)));
        return values.toArray(array.apply(0));
    }

    /** Every column but team_id (and a delta's own sequence number), as text, in a stable order. */
    private static List<String> rows(SqlConnection conn, String table, long team, String order) {
        String columns = conn.preparedQuery("SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
                        + "FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 "
                        + "AND column_name NOT IN ('team_id', 'seq')")
                .execute(Tuple.of(table)).await().atMost(Duration.ofSeconds(10)).iterator().next().getString(0);
        List<String> rows = new ArrayList<>();
        for (Row row : conn.preparedQuery("SELECT ROW(" + columns + ")::text FROM " + table
                        + " WHERE team_id = $1 ORDER BY " + order + ", 1")
                .execute(Tuple.of(team)).await().atMost(Duration.ofSeconds(30))) {
            rows.add(row.getString(0));
        }
        return rows;
    }

    /** The batch sent again as an SDK retries it: same uuids, the skew-corrected time moved, a property changed. */
    private static List<CapturedEvent> resentCopies(List<CapturedEvent> sent) {
        List<CapturedEvent> copies = new ArrayList<>();
        for (CapturedEvent e : sent) {
            var properties = e.properties().deepCopy();
            properties.put("$retry", 1);
            copies.add(new CapturedEvent(e.uuid(), e.event(), e.distinctId(), properties,
                    e.timestamp().plusNanos(1_000), e.set(), e.setOnce(), e.unset()));
        }
        return copies;
    }

    private static void run(SqlConnection conn, String sql) {
        conn.query(sql).execute().await().atMost(Duration.ofSeconds(10));
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = EventPropertiesUtf8Test.class.getResourceAsStream("/capture-fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }

    private static byte[] gzip(String body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(body.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    /** The Java server SDK's batch shape (hand-made: api_key, batch of typed events, ISO timestamps with offset). */
    private static String javaServerBody() {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"capture\",\"event\":\"java order\",\"distinct_id\":\"java-user-")
                    .append(i % 4).append("\",\"uuid\":\"").append(new UUID(0x1234L, i)).append("\",\"timestamp\":\"2026-03-0")
                    .append(1 + i % 3).append("T09:0").append(i % 10).append(":00.").append(String.format("%03d", i * 7))
                    .append("+01:00\",\"properties\":{\"$lib\":\"posthog-server\",\"$lib_version\":\"1.0.0\",\"plan\":\"pro\","
                            + "\"amount\":").append(i * 10.25).append(",\"items\":[1,2.5,\"x\"],\"$groups\":{\"company\":\"acme-")
                    .append(i % 2).append("\"}}}");
        }
        return "{\"api_key\":\"phc_java\",\"batch\":[" + batch + "]}";
    }

    /** posthog-node-shaped: {@code {"api_key", "batch": [...]}}, timestamps kept as sent (no sent_at). */
    private static String edgeCases() {
        String[] numbers = {"1.0", "-0", "-0.0", "1e308", "1E5", "12345678901234567890", "9007199254740993",
            "-9007199254740993", "0.1", "1e-7", "5e-324", "2e23", "1e21", "999999999999999999999",
            "123456789012345678901234567890", "-1.5e-10", "3.141592653589793238", "0.000001", "100", "2147483648",
            "-2147483649", "1.7976931348623157e308", "4.9e-324", "0.30000000000000004", "1e-6", "123e-2"};
        String[] texts = {"café ✓", "😀", "\\ud83d\\ude00", "\\ud83d\\ude00\\ud83c\\udf89",
            "\\u2028\\u2029", "tab\\tnew\\nline\\u0001", "quote\\\" back\\\\slash /", "日本語", "", " "};
        String[] timestamps = {"2026-03-02T10:00:00.123456789Z", "1999-12-31T23:59:59.9999995Z",
            "1970-01-01T00:00:00.000000001Z", "2026-03-01T23:59:59.999999999+02:00", "2001-01-01T00:00:00.0000015Z",
            "1999-06-01T12:00:00.0000015Z"};
        StringBuilder out = new StringBuilder("{\"api_key\":\"phc_node\",\"batch\":[");
        for (int i = 0; i < 26; i++) {
            StringBuilder props = new StringBuilder("{\"$lib\":\"posthog-node\",\"n\":").append(numbers[i % numbers.length])
                    .append(",\"s\":\"").append(texts[i % texts.length]).append("\",\"k").append(texts[(i + 3) % texts.length])
                    .append("\":1,\"nested\":{\"a\":[").append(numbers[(i + 5) % numbers.length]).append(",{\"b\":[[],{}]},null,true],")
                    .append("\"empty\":{},\"list\":[]}");
            if (i % 3 == 0) {
                props.append(",\"$groups\":{\"company\":\"acme ").append(texts[i % texts.length]).append("\",\"project\":").append(i).append("}");
            }
            if (i % 4 == 0) {
                props.append(",\"$set\":{\"email\":\"u").append(i).append("@example.com\",\"n\":").append(numbers[(i + 7) % numbers.length])
                        .append("},\"$set_once\":{\"first\":\"").append(texts[(i + 1) % texts.length]).append("\"}");
            }
            if (i % 5 == 0) {
                props.append(",\"$current_url\":\"https://example.com/p?q=").append(i).append("\",\"$browser\":\"Chrome\"");
            }
            props.append("}");
            String uuid = new UUID(0xED6EL, i % 22).toString(); // 4 events share a uuid with an earlier one
            out.append(i == 0 ? "" : ",").append("{\"event\":\"edge ").append(texts[(i + 2) % texts.length])
                    .append("\",\"distinct_id\":\"edge-").append(texts[i % texts.length]).append(i % 7).append("\",\"uuid\":\"")
                    .append(uuid).append("\",\"timestamp\":\"").append(timestamps[i % timestamps.length])
                    .append("\",\"properties\":").append(props).append("}");
        }
        // a copy of the first event's key later in the same batch: the later copy is the one written
        out.append(",{\"event\":\"edge ").append(texts[2]).append("\",\"distinct_id\":\"edge-").append(texts[0])
                .append("0\",\"uuid\":\"").append(new UUID(0xED6EL, 0)).append("\",\"timestamp\":\"")
                .append("2026-03-02T11:00:00.5Z\",\"properties\":{\"dup\":true,\"n\":2.50}}");
        return out.append("]}").toString();
    }
}
