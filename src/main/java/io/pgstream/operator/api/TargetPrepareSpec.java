package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the operator may set up on the target with an admin login. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TargetPrepareSpec extends AdminLoginSpec {
  @JsonPropertyDescription("ALTER ROLE ... CREATEDB when snapshot.schema.createTargetDb is set; true when omitted.")
  public Boolean grantCreateDb;

  @JsonPropertyDescription(
      "Make the target login own the target database and its schemas (ALTER DATABASE/SCHEMA ... OWNER TO). Changes"
          + " ownership of objects others may rely on: only for a database dedicated to the pipeline; false when omitted.")
  public Boolean transferOwnership;
}
