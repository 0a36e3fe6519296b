package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import java.sql.Connection;

/** One side's checks: a connection as the login that will do the work, what it is, and where results go. */
abstract class Checks {
  protected final Connection c;
  protected final ServerFacts f;
  protected final PgstreamPipelineSpec spec;
  protected final Checklist list;

  Checks(Connection c, ServerFacts f, PgstreamPipelineSpec spec, Checklist list) {
    this.c = c;
    this.f = f;
    this.spec = spec;
    this.list = list;
  }
}
