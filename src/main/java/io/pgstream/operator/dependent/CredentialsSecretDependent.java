package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.pgstream.operator.api.PgstreamPipeline;

/**
 * The pod's credential variables, percent-encoded from the user's Secrets: pgstream substitutes
 * them into connection URLs, and pg_dump/psql receive those URLs without re-encoding.
 */
public class CredentialsSecretDependent extends CRUDKubernetesDependentResource<Secret, PgstreamPipeline> {
  public CredentialsSecretDependent() {
    super(Secret.class);
  }

  @Override
  protected Secret desired(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(Children.credentialsSecret(p))
        .withNamespace(p.getMetadata().getNamespace())
        .withLabels(Children.labels(p, "credentials"))
        .endMetadata()
        .withType("Opaque")
        .withData(PipelineContext.credentials(ctx).urlEncodedBase64())
        .build();
  }

  @Override
  public Secret create(Secret desired, PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    NameGuard.ensureFree(desired, p, ctx);
    return super.create(desired, p, ctx);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return new ResourceID(Children.credentialsSecret(p), p.getMetadata().getNamespace());
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<Secret> informerConfigurationBuilder(
      EventSourceContext<PgstreamPipeline> context) {
    return ManagedInformers.onlyManaged(super.informerConfigurationBuilder(context));
  }
}
