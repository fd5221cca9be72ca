package dev.quarry.query;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.RawHttp;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Integers past 64 bits as the HTTP answer's bytes carry them, read with a plain client (no JSON library between the
 * wire and the assertion): ClickHouse's JSON gives a UInt128 / Int128 / UInt256 value's exact digits, and PostHog passes
 * the Python int through as a JSON number, so {@code _toUInt128(-1)} is {@code 340282366920938463463374607431768211455}
 * — never {@code 3.402823669209385E38} (a double, which loses the low digits) nor a string. The same holds inside an
 * array and a tuple (a tuple's big integer was a JSON string), for a cached answer read back, and for an async
 * query's results.
 *
 * <p>Worked out: 2^128 - 1 = 340282366920938463463374607431768211455; 2^64 - 1 = 18446744073709551615;
 * -2^100 = -1267650600228229401496703205376 (an Int128 literal); 2^256 - 1 =
 * 115792089237316195423570985008687907853269984665640564039457584007913129639935 (a UInt256 literal).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class WideIntegersOnTheWireTest {
    private static final String U128 = "340282366920938463463374607431768211455";
    private static final String U64 = "18446744073709551615";
    private static final String I128 = "-1267650600228229401496703205376";
    private static final String U256 = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    private static Project team;

    @BeforeEach
    void project() {
        if (team == null) {
            team = TestProjects.create("Wide integers on the wire");
        }
    }

    /** A HogQLQuery as posthog-js's query client posts it: the JSON body, one line. */
    private static HttpResponse<String> post(String q, String refresh, String clientQueryId) throws Exception {
        String body = "{\"query\":{\"kind\":\"HogQLQuery\",\"query\":\"" + q + "\"},\"refresh\":\"" + refresh + "\""
                + (clientQueryId == null ? "" : ",\"client_query_id\":\"" + clientQueryId + "\"") + "}";
        return RawHttp.send("POST", "/api/environments/" + team.id() + "/query/", team.key(), "application/json", body);
    }

    private static final String QUERY = "select _toUInt128(-1), _toUInt64(-1), " + I128 + ", " + U256
            + ", [_toUInt128(-1), 1], (1, _toUInt128(-1)), (" + I128 + ", 2)";

    /** The results row, as bytes say it. */
    private static void assertExact(String body) {
        assertTrue(body.contains("[[" + U128 + "," + U64 + "," + I128 + "," + U256 + ",[" + U128 + ",1],[1," + U128
                + "],[" + I128 + ",2]]]"), body);
        assertFalse(body.contains("E38") || body.contains("E+38") || body.contains("\"" + U128 + "\""), body);
    }

    @Test
    void aBlockingAnswerAndItsCachedCopyCarryTheExactDigits() throws Exception {
        HttpResponse<String> fresh = post(QUERY, "force_blocking", null);
        assertEquals(200, fresh.statusCode(), fresh.body());
        assertExact(fresh.body());
        assertTrue(fresh.body().contains("\"UInt128\""), fresh.body());
        // read back from the cache (PostHog's "blocking" answers a fresh cached copy)
        HttpResponse<String> cached = post(QUERY, "blocking", null);
        assertEquals(200, cached.statusCode(), cached.body());
        assertTrue(cached.body().contains("\"is_cached\":true"), cached.body());
        assertExact(cached.body());
    }

    @Test
    void anAsyncAnswerCarriesTheExactDigits() throws Exception {
        String id = "wide-" + UUID.randomUUID();
        HttpResponse<String> started = post(QUERY, "force_async", id);
        assertEquals(202, started.statusCode(), started.body());
        HttpResponse<String> status = null;
        for (int i = 0; i < 200; i++) {
            status = RawHttp.send("GET", "/api/environments/" + team.id() + "/query/" + id + "/", team.key(), null, null);
            if (status.statusCode() != 202) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals(200, status.statusCode(), status.body());
        assertTrue(status.body().contains("\"complete\":true"), status.body());
        assertExact(status.body());
    }
}
