package dev.quarry.query;

import static org.hamcrest.Matchers.equalTo;

import dev.quarry.testing.HogQLRequests;
import dev.quarry.testing.PostgresResource;
import dev.quarry.testing.TestProjects;
import dev.quarry.testing.TestProjects.Project;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code toFloat} (PostHog prints it as ClickHouse's {@code toFloat64OrNull}) reads text as ClickHouse reads a
 * Float64: {@code inf}, {@code infinity}, {@code nan} in any case and with a sign are the IEEE values, a decimal past
 * the double range is infinity and one below half the smallest subnormal a signed zero (IEEE rounding to nearest);
 * anything that is not a number stays NULL. Quarry answered NULL for all of the first kinds (a newcomer's finding).
 */
@QuarkusTest
@QuarkusTestResource(PostgresResource.class)
class FloatTextTest {
    private static Project team;

    @BeforeEach
    void project() {
        if (team == null) {
            team = TestProjects.create("float text");
        }
    }

    private static Response hogql(String q) {
        return HogQLRequests.post(team, q);
    }

    @Test
    void infinityNanAndOutOfRangeTextAreIeeeValues() {
        hogql("select toString(toFloat('inf')), toString(toFloat('-inf')), toString(toFloat('Infinity')), "
                + "toString(toFloat('-INF')), toString(toFloat('nan')), toString(toFloat('NaN')), "
                + "toString(toFloat('1e400')), toString(toFloat('-1e400')), toString(toFloat('1e-400')), "
                + "toString(toFloat('-1e-400')), toString(toFloat('1.5')), toString(toFloat('-0'))")
                .then().log().ifValidationFails().statusCode(200).body("results[0]", equalTo(Arrays.asList("inf", "-inf", "inf", "-inf", "nan",
                        "nan", "inf", "-inf", "0", "-0", "1.5", "-0")));
    }

    @Test
    void theLargestAndSubnormalDoublesAndGarbage() {
        hogql("select toFloat('1.7976931348623157e308') = 1.7976931348623157e308, "
                + "isInfinite(toFloat('1.7976931348623159e308')), toFloat('1e-310') > 0, toFloat('abc'), "
                + "toFloat('in'), toFloat('nanx'), toFloat(''), toFloat(' -INF '), toFloat(' 12')")
                // ClickHouse's float reader takes no space around the number and must read the whole text (V101_1)
                .then().statusCode(200).body("results[0]", equalTo(Arrays.asList(1, 1, 1, null, null, null, null, null,
                        null)));
    }
}
