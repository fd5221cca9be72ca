package dev.quarry.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A CloudFormation/SAM template read as plain maps and lists, its short-form intrinsic tags ({@code !Ref},
 * {@code !Sub}, {@code !GetAtt}, {@code !If}, …) turned into their long form ({@code {"Ref": …}},
 * {@code {"Fn::Sub": …}}), as CloudFormation itself reads them.
 */
final class CloudFormation {
    private CloudFormation() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> read(Path file) {
        try {
            return (Map<String, Object>) new Yaml(new IntrinsicTags()).load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class IntrinsicTags extends SafeConstructor {
        IntrinsicTags() {
            super(new LoaderOptions());
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String tag = node.getTag().getValue().substring(1);
                    String key = tag.equals("Ref") || tag.equals("Condition") ? tag : "Fn::" + tag;
                    Object value;
                    if (node instanceof ScalarNode scalar) {
                        String text = constructScalar(scalar);
                        value = tag.equals("GetAtt") ? Arrays.asList(text.split("\\.", 2)) : text;
                    } else if (node instanceof SequenceNode sequence) {
                        value = new ArrayList<>(constructSequence(sequence));
                    } else {
                        value = new LinkedHashMap<>(constructMapping((MappingNode) node));
                    }
                    return Map.of(key, value);
                }
            });
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }

    /** Follows a path of keys, null when absent. */
    static Object at(Object node, String... keys) {
        Object current = node;
        for (String key : keys) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    /** Calls the visitor for every map in the tree (intrinsic functions included). */
    static void walk(Object node, java.util.function.Consumer<Map<String, Object>> visitor) {
        if (node instanceof Map<?, ?> m) {
            visitor.accept(map(m));
            m.values().forEach(v -> walk(v, visitor));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> walk(v, visitor));
        }
    }
}
