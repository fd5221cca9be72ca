package dev.quarry.deploy;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** The app as the query function runs it on AWS: QUARRY_FUNCTION_GROUP=query. */
public class FunctionGroupProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarry.function-group", "query");
    }
}
