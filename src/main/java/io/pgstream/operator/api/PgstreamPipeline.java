package io.pgstream.operator.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A pgstream change-data-capture pipeline from one PostgreSQL database to another. */
@Group(PgstreamPipeline.GROUP)
@Version(PgstreamPipeline.VERSION)
@Plural("pgstreampipelines")
@ShortNames({"pgsp", "pgstream"})
// The CRD generator orders printer columns by JSON path: Age, Ready, Phase, Lag.
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Lag", jsonPath = ".status.slot.lag", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
public class PgstreamPipeline extends CustomResource<PgstreamPipelineSpec, PgstreamPipelineStatus>
    implements Namespaced {
  public static final String GROUP = "pgstream.io";
  public static final String VERSION = "v1alpha1";

  /** namespace/name: how the operator keys its per-pipeline state and names a pipeline in output. */
  public String namespacedName() {
    return getMetadata().getNamespace() + "/" + getMetadata().getName();
  }

  @Override
  @JsonDeserialize(using = TolerantSpecDeserializer.class)
  public void setSpec(PgstreamPipelineSpec spec) {
    super.setSpec(spec);
  }
}
