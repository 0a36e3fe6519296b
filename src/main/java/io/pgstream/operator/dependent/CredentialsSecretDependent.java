package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;

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
}
