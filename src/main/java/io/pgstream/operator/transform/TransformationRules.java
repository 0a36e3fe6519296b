package io.pgstream.operator.transform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.pgstream.operator.api.ColumnTransformer;
import io.pgstream.operator.api.ConfigMapKeyRef;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.credentials.ReferencedConfigMaps;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the transformation rules a pipeline keeps in a ConfigMap ({@code spec.transformations.rulesFrom})
 * into {@link TransformationsSpec#resolvedTables} of the reconcile's own copy. Read on every reconcile,
 * like the CA bundles, so an edited ConfigMap reaches the rendered config (and rolls the streaming pods)
 * at the pipeline's next reconcile. A missing or unreadable ConfigMap is a problem, never "no rules":
 * rendering without them would copy the columns unmasked.
 */
public final class TransformationRules {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final ReferencedConfigMaps configMaps;

  public TransformationRules(ReferencedConfigMaps configMaps) {
    this.configMaps = configMaps;
  }

  /** Why the rules cannot be had, as a condition reason and message. */
  public record Problem(String reason, String message) {}

  /** @return the problem, or empty when the rules are inline, absent, or now resolved */
  public Optional<Problem> resolveInto(PgstreamPipeline pipeline) {
    TransformationsSpec spec = pipeline.getSpec().transformations;
    if (spec == null || spec.rulesFrom == null || spec.rulesFrom.configMapKeyRef == null) {
      return Optional.empty();
    }
    ConfigMapKeyRef ref = spec.rulesFrom.configMapKeyRef;
    String namespace = pipeline.getMetadata().getNamespace();
    String origin = "ConfigMap %s/%s key %s (spec.transformations.rulesFrom)".formatted(namespace, ref.name, ref.key);
    Optional<Map<String, String>> values = configMaps.values(namespace, ref.name);
    if (values.isEmpty() || values.get().get(ref.key) == null) {
      String missing = values.isEmpty() ? "does not exist" : "has no key " + ref.key;
      return Optional.of(
          new Problem(
              "TransformationRulesNotFound",
              ("The transformation rules %s: the %s; nothing runs without them, so no column is copied unmasked."
                      + " Create it with the rules under key %s, or change spec.transformations")
                  .formatted(origin, missing, ref.key)));
    }
    try {
      spec.resolvedTables = parse(values.get().get(ref.key));
      return Optional.empty();
    } catch (InvalidRules e) {
      return Optional.of(new Problem("TransformationRulesInvalid", "The transformation rules " + origin + " " + e.getMessage()));
    }
  }

  /** The rules could not be read; the message says why, never a value of the rules. */
  public static final class InvalidRules extends Exception {
    InvalidRules(String message) {
      super(message);
    }
  }

  /** A YAML list of table rules, each as in spec.transformations.tables. */
  public static List<TableTransformation> parse(String yaml) throws InvalidRules {
    List<TableTransformation> rules;
    try {
      rules = YAML.readValue(yaml, new TypeReference<List<TableTransformation>>() {});
    } catch (JsonProcessingException e) {
      throw new InvalidRules(
          "are not a YAML list of table rules (schema, table, validationMode, columns: {COLUMN: {transformer,"
              + " parameters, dynamicParameters}}): " + e.getOriginalMessage());
    }
    if (rules == null || rules.isEmpty()) {
      throw new InvalidRules("hold no table rule");
    }
    for (TableTransformation rule : rules) {
      if (rule == null || rule.table == null || rule.columns == null || rule.columns.isEmpty()) {
        throw new InvalidRules("hold a table rule without table or columns");
      }
      for (Map.Entry<String, ColumnTransformer> column : rule.columns.entrySet()) {
        if (column.getValue() == null || column.getValue().transformer == null) {
          throw new InvalidRules("name no transformer for column " + rule.qualifiedName() + "." + column.getKey());
        }
      }
    }
    return List.copyOf(rules);
  }
}
