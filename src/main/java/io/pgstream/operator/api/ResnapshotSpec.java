package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** spec.snapshot.resnapshot: copy chosen tables the target already holds again, once per value. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResnapshotSpec {
  @Required
  @Size(min = 1, max = 63)
  @JsonPropertyDescription(
      "A new value re-snapshots the tables once (status.resnapshotHandled records the value acted on).")
  public String value;

  @Required
  @Size(min = 1, max = 100)
  @JsonPropertyDescription(
      "The tables, as schema.table without wildcards; each must be one the pipeline selects and the target holds."
          + " Their target copies are emptied (TRUNCATE as the target login, no CASCADE) and copied again.")
  public List<@Pattern("^[A-Za-z0-9_$-]+\\.[A-Za-z0-9_$-]+$") String> tables;
}
