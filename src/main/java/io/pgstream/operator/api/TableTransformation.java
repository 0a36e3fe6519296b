package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.Map;

/** The transformers of one table's columns (pgstream {@code table_transformers[]}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TableTransformation {
  @Size(max = 63)
  @Pattern("^[A-Za-z0-9_$-]+$")
  @JsonPropertyDescription("Schema of the table; public when omitted.")
  public String schema;

  @Required
  @Size(min = 1, max = 63)
  @Pattern("^[A-Za-z0-9_$-]+$")
  @JsonPropertyDescription("The table; it must be one the pipeline selects.")
  public String table;

  @JsonPropertyDescription("strict or relaxed for this table; only with transformations.validationMode table_level.")
  public TableValidationMode validationMode;

  @Required
  @Size(min = 1, max = 1600)
  @JsonPropertyDescription("Column name to its transformer.")
  public Map<String, ColumnTransformer> columns;

  public TableTransformation() {}

  public TableTransformation(String schema, String table, Map<String, ColumnTransformer> columns) {
    this.schema = schema;
    this.table = table;
    this.columns = columns;
  }

  public String effectiveSchema() {
    return schema == null ? "public" : schema;
  }

  public String qualifiedName() {
    return effectiveSchema() + "." + table;
  }
}
