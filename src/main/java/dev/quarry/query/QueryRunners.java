package dev.quarry.query;

import dev.quarry.web.ValidationException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.util.HashMap;
import java.util.Map;

/** Every runner bean, by the kind it answers. */
@ApplicationScoped
public class QueryRunners {
    private final Map<String, QueryRunner> byKind = new HashMap<>();

    public QueryRunners(Instance<QueryRunner> runners) {
        runners.forEach(runner -> byKind.put(runner.kind(), runner));
    }

    public QueryRunner get(String kind) {
        QueryRunner runner = byKind.get(kind);
        if (runner == null) {
            throw new ValidationException("Unsupported query kind: " + kind, null);
        }
        return runner;
    }
}
