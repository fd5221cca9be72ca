package dev.quarry.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quarry.testing.Capture;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.RawHttp;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Form bodies under {@code /api/}, as {@code curl -d} and {@code curl -F} send them: PostHog keeps Django REST
 * framework's default {@code FormParser} and {@code MultiPartParser}, so {@code curl -d distinct_id=x} resets a
 * distinct id there, and so it does here (it was a 415 before). Each field's last value is what the view reads.
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FormBodiesTest {
    /** What curl sends with {@code -d}. */
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String BOUNDARY = "------------------------8d1f0e3a5b7c9d21";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Project team;

    @Inject
    Pool pool;

    @BeforeEach
    void data() {
        if (team != null) {
            return;
        }
        team = TestProjects.create("Form bodies");
        Capture.to(team).event("$pageview", "form-ann", "2026-03-01T00:00:00Z")
                .event("$pageview", "form-gone", "2026-03-01T00:00:00Z")
                .event("$pageview", "form-gone-2", "2026-03-01T00:00:00Z").send();
    }

    @Test
    void resetPersonDistinctIdTakesCurlsFormBody() throws Exception {
        UUID before = personOf("form-gone");
        deletePerson(before);
        assertTrue(holds("form-gone"));
        HttpResponse<String> r = post("/persons/reset_person_distinct_id/", FORM, "distinct_id=form-gone");
        assertEquals(202, r.statusCode(), r.body());
        assertTrue(!holds("form-gone"));
        Capture.to(team).event("$pageview", "form-gone", "2026-03-02T00:00:00Z").send();
        assertNotEquals(before, personOf("form-gone"));

        // curl -F: multipart/form-data with curl's boundary
        UUID second = personOf("form-gone-2");
        deletePerson(second);
        assertTrue(holds("form-gone-2"));
        HttpResponse<String> multipart = post("/persons/reset_person_distinct_id/",
                "multipart/form-data; boundary=" + BOUNDARY, multipart("distinct_id", "form-gone-2"));
        assertEquals(202, multipart.statusCode(), multipart.body());
        assertTrue(!holds("form-gone-2"));
    }

    /**
     * {@code curl -d '{"distinct_id":"x"}'} without {@code -H}: a form of one field named by the whole text, so the
     * view finds no {@code distinct_id} and answers its 400, as PostHog's does; an empty value is the same 400.
     */
    @Test
    void jsonSentAsAFormIsTheViewsOwn400() throws Exception {
        for (String body : new String[] {"{\"distinct_id\":\"form-ann\"}", "distinct_id=", "other=1"}) {
            HttpResponse<String> r = post("/persons/reset_person_distinct_id/", FORM, body);
            assertEquals(400, r.statusCode(), body + ": " + r.body());
            JsonNode error = JSON.readTree(r.body());
            assertEquals("validation_error", error.path("type").asText(), r.body());
            assertEquals("distinct_id is required", error.path("detail").asText(), r.body());
        }
        assertTrue(personOf("form-ann") != null);
        // POST query with a form: the query runner's own 400 for a query that is not an object, never a 500 or a 415
        HttpResponse<String> query = post("/query/", FORM, "query=select+1");
        assertEquals(400, query.statusCode(), query.body());
        assertEquals("parse_error", JSON.readTree(query.body()).path("code").asText(), query.body());
        assertEquals("query", JSON.readTree(query.body()).path("attr").asText(), query.body());
    }

    /** {@code curl -d name=… -d saved=true} on insights: the flag is text in a form, read as DRF's BooleanField reads it. */
    @Test
    void insightFlagsFromAForm() throws Exception {
        HttpResponse<String> r = post("/insights/", FORM, "name=From+a+form&saved=true&favorited=0");
        assertEquals(201, r.statusCode(), r.body());
        JsonNode insight = JSON.readTree(r.body());
        assertEquals("From a form", insight.path("name").asText(), r.body());
        assertTrue(insight.path("saved").asBoolean(), r.body());
        assertTrue(!insight.path("favorited").asBoolean(true), r.body());
    }

    /**
     * Field values as Django reads them: {@code +} a space, escapes in the charset, the last of a repeated name, a
     * charset named in the Content-Type.
     */
    @Test
    void updatePropertyReadsFieldsAsDjangoDoes() throws Exception {
        String person = personOf("form-ann").toString();
        String path = "/persons/" + person + "/update_property/";
        HttpResponse<String> plan = post(path, FORM, "key=plan&value=first&value=pro+plan");
        assertEquals(202, plan.statusCode(), plan.body());
        // unlike Django, which keeps a stray '%': Vert.x's form decoder refuses it first, a clear 400
        HttpResponse<String> stray = post(path, FORM, "key=discount%zz&value=100%");
        assertEquals(400, stray.statusCode(), stray.body());
        assertEquals("Malformed form body: invalid percent-encoding.", JSON.readTree(stray.body()).path("detail").asText());
        assertEquals(202, post(path, FORM, "key=city&value=K%C3%B6ln").statusCode());
        HttpResponse<String> latin1 = RawHttp.sendBytes("POST", "/api/environments/" + team.id() + path, team.key(),
                FORM + "; charset=iso-8859-1", "key=street&value=Stra%DFe&x=\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(202, latin1.statusCode(), latin1.body());
        assertEquals(202, post(path, "multipart/form-data; boundary=" + BOUNDARY,
                multipart("key", "seats", "value", "12")).statusCode());
        JsonNode properties = JSON.readTree(RawHttp.send("GET", "/api/environments/" + team.id() + "/persons/" + person
                + "/", team.key(), null, null).body()).path("properties");
        assertEquals("pro plan", properties.path("plan").asText(), properties.toString());
        assertTrue(properties.path("discount%zz").isMissingNode(), properties.toString());
        assertEquals("Köln", properties.path("city").asText(), properties.toString());
        assertEquals("Straße", properties.path("street").asText(), properties.toString());
        assertEquals("12", properties.path("seats").asText(), properties.toString());
        HttpResponse<String> noValue = post(path, "multipart/form-data; boundary=" + BOUNDARY, multipart("key", "team"));
        assertEquals(400, noValue.statusCode(), noValue.body());
        assertEquals("value", JSON.readTree(noValue.body()).path("attr").asText(), noValue.body());
    }

    /**
     * Errors a form body can get, each PostHog-shaped: a multipart body that does not parse (DRF's parse error), too
     * many fields (Django's limit of 1,000), U+0000 in a field (the serializers' null-character 400 naming it).
     */
    @Test
    void malformedFormsAre400s() throws Exception {
        HttpResponse<String> broken = post("/persons/reset_person_distinct_id/", "multipart/form-data",
                "distinct_id=x");
        assertEquals(400, broken.statusCode(), broken.body());
        JsonNode error = JSON.readTree(broken.body());
        assertEquals("parse_error", error.path("code").asText(), broken.body());
        assertTrue(error.path("detail").asText().startsWith("Multipart form parse error - "), broken.body());

        StringBuilder many = new StringBuilder("distinct_id=form-ann");
        for (int i = 0; i < 1000; i++) {
            many.append("&f").append(i).append('=');
        }
        // the decoder's own words (class names, null pointers) never reach the answer
        for (String broken2 : new String[] {"--B\r\nContent-Disposition: form-data\r\n\r\nx\r\n--B--\r\n",
                "--B\r\nContent-Disposition: form-data; name=\"d\"; \r\nContent-Type: text/plain; charset=bogus\r\n\r\nx\r\n--B--\r\n"}) {
            HttpResponse<String> r = post("/persons/reset_person_distinct_id/", "multipart/form-data; boundary=B", broken2);
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(!r.body().contains("null") || r.body().endsWith("\"attr\":null}"), r.body());
            assertTrue(!r.body().contains("netty") && !r.body().contains("Cannot invoke"), r.body());
        }
        HttpResponse<String> emptyBoundary = post("/persons/reset_person_distinct_id/", "multipart/form-data; boundary=\"\"",
                "distinct_id=x");
        assertEquals("Multipart form parse error - Invalid boundary in multipart: None",
                JSON.readTree(emptyBoundary.body()).path("detail").asText(), emptyBoundary.body());
        // a charset Java does not know, with an escape to decode: said as such (it was "invalid percent-encoding")
        HttpResponse<String> latin = post("/persons/reset_person_distinct_id/", FORM + "; charset=latin-1",
                "distinct_id=caf%e9");
        assertEquals(400, latin.statusCode(), latin.body());
        assertTrue(JSON.readTree(latin.body()).path("detail").asText().startsWith("Unsupported charset in form body: latin-1"),
                latin.body());

        HttpResponse<String> tooMany = post("/persons/reset_person_distinct_id/", FORM, many.toString());
        assertEquals(400, tooMany.statusCode(), tooMany.body());
        assertTrue(tooMany.body().contains("DATA_UPLOAD_MAX_NUMBER_FIELDS"), tooMany.body());

        // a capture form body (posthog-js's data=…) of as many fields: the same 400, not a 500
        HttpResponse<String> capture = RawHttp.send("POST", "/batch/", null, FORM, many.toString());
        assertEquals(400, capture.statusCode(), capture.body());

        // curl -F distinct_id=@a.txt: a file part is refused by name, and nothing is written
        String file = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"distinct_id\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nform-ann\r\n--" + BOUNDARY + "--\r\n";
        HttpResponse<String> upload = post("/persons/reset_person_distinct_id/", "multipart/form-data; boundary=" + BOUNDARY,
                file);
        assertEquals(400, upload.statusCode(), upload.body());
        assertEquals("unsupported_file_upload", JSON.readTree(upload.body()).path("code").asText(), upload.body());
        assertEquals("distinct_id", JSON.readTree(upload.body()).path("attr").asText(), upload.body());
        // PostHog's static cohort from a CSV upload: refused by name, no empty cohort created
        String csv = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nFrom CSV\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"is_static\"\r\n\r\ntrue\r\n--" + BOUNDARY
                + "\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"people.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                + "distinct_id\r\nform-ann\r\n\r\n--" + BOUNDARY + "--\r\n";
        HttpResponse<String> cohort = post("/cohorts/", "multipart/form-data; boundary=" + BOUNDARY, csv);
        assertEquals(400, cohort.statusCode(), cohort.body());
        assertEquals("csv", JSON.readTree(cohort.body()).path("attr").asText(), cohort.body());
        long cohorts = pool.preparedQuery("SELECT count(*) FROM cohorts WHERE team_id = $1 AND name = 'From CSV'")
                .execute(Tuple.of(team.id())).await().indefinitely().iterator().next().getLong(0);
        assertEquals(0, cohorts);

        HttpResponse<String> nul = post("/persons/reset_person_distinct_id/", FORM, "distinct_id=a%00b");
        assertEquals(400, nul.statusCode(), nul.body());
        assertEquals("null_characters_not_allowed", JSON.readTree(nul.body()).path("code").asText(), nul.body());
        assertEquals("distinct_id", JSON.readTree(nul.body()).path("attr").asText(), nul.body());
        assertTrue(personOf("form-ann") != null);
    }

    /**
     * PostHog looks for {@code personal_api_key} in {@code request.data} when no Authorization header is sent: a
     * form field counts as a JSON field does; a key that is wrong is the 401 naming where it was found; a key in the
     * header with a broken multipart body is checked first (401), as DRF reads the body only after.
     */
    @Test
    void personalApiKeyInAFormField() throws Exception {
        String path = "/api/environments/" + team.id() + "/persons/reset_person_distinct_id/";
        HttpResponse<String> r = RawHttp.send("POST", path, null, FORM,
                "personal_api_key=" + team.key() + "&distinct_id=never-seen");
        assertEquals(202, r.statusCode(), r.body());
        HttpResponse<String> wrong = RawHttp.send("POST", path, null, FORM, "personal_api_key=phx_wrong&distinct_id=x");
        assertEquals(401, wrong.statusCode(), wrong.body());
        assertTrue(wrong.body().contains("request body"), wrong.body());
        HttpResponse<String> badKeyBrokenBody = RawHttp.send("POST", path, "phx_wrong",
                "multipart/form-data; boundary=" + BOUNDARY, "--" + BOUNDARY + "\r\nbroken");
        assertEquals(401, badKeyBrokenBody.statusCode(), badKeyBrokenBody.body());
        // a method the route does not take, key in the form: let in, then DRF's 405
        HttpResponse<String> put = RawHttp.send("PUT", path, null, FORM, "personal_api_key=" + team.key());
        assertEquals(405, put.statusCode(), put.body());
    }

    /**
     * A multipart body that ends before its closing boundary, sent to capture (whose resources take the body as bytes,
     * so RESTEasy's own multipart parser reads it first): DRF's 400 parse error on every capture path, no key needed.
     */
    @Test
    void captureAnswersACutOffMultipartBodyWithTheParseError() throws Exception {
        for (String path : List.of("/batch/", "/e/", "/i/v0/e/", "/capture/", "/track/", "/flags/?v=2", "/decide/")) {
            for (String body : List.of("--x\r\n", "x")) {
                HttpResponse<String> r = RawHttp.send("POST", path, null, "multipart/form-data; boundary=x", body);
                assertEquals(400, r.statusCode(), path + ": " + r.body());
                assertEquals("parse_error", JSON.readTree(r.body()).path("code").asText(), path + ": " + r.body());
                assertTrue(JSON.readTree(r.body()).path("detail").asText().startsWith("Multipart form parse error - "),
                        r.body());
            }
        }
    }

    private HttpResponse<String> post(String path, String contentType, String body) throws Exception {
        return RawHttp.send("POST", "/api/environments/" + team.id() + path, team.key(), contentType, body);
    }

    /** Text fields (name, value, name, value, …) as curl's {@code -F name=value} sends them. */
    private static String multipart(String... fields) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < fields.length; i += 2) {
            body.append("--").append(BOUNDARY).append("\r\nContent-Disposition: form-data; name=\"").append(fields[i])
                    .append("\"\r\n\r\n").append(fields[i + 1]).append("\r\n");
        }
        return body.append("--").append(BOUNDARY).append("--\r\n").toString();
    }

    /** Whether the project still holds the distinct id (a deleted person's ids stay until they are reset). */
    private boolean holds(String distinctId) {
        return pool.preparedQuery("SELECT 1 FROM person_distinct_ids WHERE team_id = $1 AND distinct_id = $2")
                .execute(Tuple.of(team.id(), distinctId)).await().indefinitely().size() > 0;
    }

    private UUID personOf(String distinctId) {
        var rows = pool.preparedQuery("SELECT d.person_id FROM person_distinct_ids d JOIN persons p "
                        + "ON p.team_id = d.team_id AND p.uuid = d.person_id WHERE d.team_id = $1 AND d.distinct_id = $2")
                .execute(Tuple.of(team.id(), distinctId)).await().indefinitely();
        return rows.size() == 0 ? null : rows.iterator().next().getUUID(0);
    }

    private void deletePerson(UUID person) throws Exception {
        HttpResponse<String> r = RawHttp.send("DELETE", "/api/environments/" + team.id() + "/persons/" + person + "/",
                team.key(), null, null);
        assertEquals(202, r.statusCode(), r.body());
    }
}
