package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Set;

/**
 * The pod's credential variables, percent-encoded from the user's Secrets: pgstream substitutes
 * them into connection URLs, and pg_dump/psql receive those URLs without re-encoding. The source
 * admin's login is only in it while the init Job runs as the admin: no other pod uses it.
 */
public class CredentialsSecretDependent extends UpdatableOwnedDependent<Secret> {
  public CredentialsSecretDependent() {
    super(Secret.class, "credentials");
  }

  @Override
  protected String childName(PgstreamPipeline p) {
    return Children.credentialsSecret(p);
  }

  @Override
  protected Secret desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new SecretBuilder()
        .withMetadata(metadata(p, "credentials").build())
        .withType("Opaque")
        .withData(PipelineContext.credentials(ctx).urlEncodedBase64(p.getSpec().initAsAdmin()))
        .build();
  }

  /**
   * JOSDK's matcher lets the actual object keep keys the desired one lacks (a server may add
   * fields), which would keep a dropped admin login in the Secret: its keys must be exactly these.
   */
  @Override
  public Matcher.Result<Secret> match(Secret actual, Secret desired, PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    Matcher.Result<Secret> result = super.match(actual, desired, p, ctx);
    // A Secret emptied by hand, or holding only stringData, has no data at all.
    Set<String> actualKeys = actual.getData() == null ? Set.of() : actual.getData().keySet();
    boolean sameKeys = actualKeys.equals(desired.getData().keySet());
    return result.matched() && !sameKeys ? Matcher.Result.computed(false, desired) : result;
  }
}
