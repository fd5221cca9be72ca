package dev.quarry.query;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A runner whose kind has no record yet and reads its query node as JSON (issue 17's remaining debt: each such
 * kind moves to {@code QueryRunner<ItsRecord>}).
 */
public interface JsonQueryRunner extends QueryRunner<ObjectNode> {
    @Override
    default Class<ObjectNode> queryType() {
        return ObjectNode.class;
    }
}
