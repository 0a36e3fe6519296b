package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Optional preparation of the databases with admin logins; nothing is changed without it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PrepareSpec {
  public SourcePrepareSpec source;
  public TargetPrepareSpec target;
}
