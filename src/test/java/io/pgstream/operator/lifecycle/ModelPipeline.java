package io.pgstream.operator.lifecycle;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.pgstream.operator.api.BatchSpec;
import io.pgstream.operator.api.ColumnTransformer;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PipelineMode;
import io.pgstream.operator.api.SecretKeyRef;
import io.pgstream.operator.api.SecretValueSource;
import io.pgstream.operator.api.SourcePrepareSpec;
import io.pgstream.operator.api.TableTransformation;
import io.pgstream.operator.api.TransformationsSpec;
import io.pgstream.operator.api.PrepareSpec;
import io.pgstream.operator.support.Pipelines;
import java.util.List;
import java.util.Map;

/**
 * What the user asked of one pipeline (the spec is rebuilt from these fields on every edit) and what
 * the model knows that the operator must respect: which source, slot and target the last completed
 * snapshot covered, and whether the slot was lost or the mode turned streaming since.
 */
final class ModelPipeline {
  /**
   * What a snapshot covers: the source database (by lane index), the slot the pipeline streams from
   * (the last one the spec named; null for the default name), the target.
   */
  record Identity(int source, String slot, int target) {}

  final int index;
  final String namespace;
  final String name;
  final DeletionPolicy policy;
  /** The mode the pipeline was created with: the operator refuses any other, so the only one it runs under. */
  final PipelineMode createdMode;
  PipelineMode mode;
  int source;
  boolean alias;
  String slot;
  /**
   * The slot the pipeline streams from: clearing spec.replicationSlot keeps the slot the status
   * records (ReplicationSlots.slotFor), so only a new name changes it.
   */
  private String streamedSlot;
  int target;
  boolean moreTables;
  int workers = 1;
  int batch = BatchSpec.DEFAULT_SIZE;
  boolean masked;
  int template;
  int prepare;
  int nonce;
  int ack;
  int retry;
  int abort;
  boolean deleted;

  /** The identity the last completed snapshot (or acknowledgement) covers; null before any. */
  Identity covered;
  /** Why the covered identity no longer holds although it equals the spec's (slot lost, mode turned streaming). */
  String broken;
  /** The model step at which {@link #broken} was set: only a snapshot started after it repairs it. */
  int brokenAt;

  ModelPipeline(int index, String namespace, String name, DeletionPolicy policy, PipelineMode mode) {
    this.index = index;
    this.namespace = namespace;
    this.name = name;
    this.policy = policy;
    this.createdMode = mode;
    this.mode = mode;
  }

  Identity identity() {
    return new Identity(source, streamedSlot, target);
  }

  /**
   * Whether clearing spec.replicationSlot keeps the model's slot: only once the named slot is the one
   * the last snapshot covers. Before that the operator falls back to the first Current slot record,
   * which depends on whether the named slot's init ran (a blocked rename never runs it), and the model
   * does not know that.
   */
  boolean slotClearable() {
    return slot != null && covered != null && broken == null && covered.equals(identity());
  }

  /** spec.replicationSlot edited ({@code null}: cleared, see {@link #slotClearable}). */
  void slot(String name) {
    slot = name;
    if (name != null) {
      streamedSlot = name;
    }
  }

  /** The gap the operator must not stream over, or null. */
  String gap() {
    if (covered == null || !mode.replicates()) {
      return null;
    }
    if (broken != null) {
      return broken;
    }
    return covered.equals(identity()) ? null : "snapshot covered " + covered + ", spec is now " + identity();
  }

  /** A snapshot whose pod started at {@code startedAt} with identity {@code copied} succeeded. */
  void snapshotSucceeded(Identity copied, int startedAt) {
    covered = copied;
    if (broken != null && startedAt > brokenAt) {
      broken = null;
    }
  }

  void acknowledged() {
    if (covered != null) {
      covered = identity();
      broken = null;
    }
  }

  void broke(String why, int step) {
    if (covered != null) {
      broken = why;
      brokenAt = step;
    }
  }

  PgstreamPipeline resource(ModelLane lane) {
    PgstreamPipeline p =
        Pipelines.onServers(name, lane.sourceServer(source), lane.sourceDb(source), lane.targetServer(), lane.targetDb(index, target));
    p.getMetadata().setNamespace(namespace);
    p.getMetadata().setAnnotations(null);
    PgstreamPipelineSpec spec = p.getSpec();
    spec.mode = mode;
    spec.deletionPolicy = policy;
    if (alias) {
      spec.source.host = "localhost";
    }
    spec.replicationSlot = slot;
    spec.tables = moreTables ? List.of("public.orders", "public.items") : List.of("public.orders");
    spec.snapshot.workers = workers;
    spec.snapshot.nonce = nonce == 0 ? null : "n" + nonce;
    spec.target.batch = new BatchSpec();
    spec.target.batch.size = batch;
    if (masked) {
      spec.transformations = new TransformationsSpec();
      spec.transformations.tables =
          List.of(new TableTransformation("public", "orders", Map.of("total", new ColumnTransformer("greenmask_integer", null))));
    }
    if (template % 2 == 1) {
      spec.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity(256 * (template + 1) + "Mi")).build();
    }
    if (template >= 2) {
      spec.image = "ghcr.io/xataio/pgstream:1.3.1";
    }
    if (prepare > 0) {
      spec.prepare = new PrepareSpec();
      spec.prepare.source = new SourcePrepareSpec();
      spec.prepare.source.adminUsername = new SecretValueSource(new SecretKeyRef(name + "-source", "username"));
      spec.prepare.source.adminPassword = new SecretValueSource(new SecretKeyRef(name + "-source", "password"));
      spec.prepare.source.createRole = false;
      spec.prepare.source.grantRead = prepare % 2 == 0;
    }
    spec.acknowledgeGap = ack == 0 ? null : "ack" + ack;
    return p;
  }

  String describe() {
    return namespace + "/" + name;
  }
}
