package io.pgstream.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** What a user asks of a pipeline. Defaults are applied by the operator, never written back. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.mode == oldSelf.mode",
    message =
        "spec.mode cannot change: a pipeline's slot, snapshot and streaming follow from its mode. Create a new pipeline"
            + " with the new mode (and delete this one)")
@ValidationRule(
    value = "self.mode == 'replication' || (has(self.tables) && size(self.tables) > 0)",
    message = "tables must name at least one table (or schema.*) when mode includes a snapshot")
@ValidationRule(
    value =
        "!has(self.snapshot) || !has(self.snapshot.schema) || !has(self.snapshot.schema.cleanTargetDb)"
            + " || !self.snapshot.schema.cleanTargetDb || !has(self.snapshot.mode) || self.snapshot.mode != 'data'",
    message = "snapshot.schema.cleanTargetDb needs a schema snapshot (mode full or schema)")
@ValidationRule(
    value =
        "!has(self.snapshot) || !has(self.snapshot.schemaOnlyTables) || size(self.snapshot.schemaOnlyTables) == 0"
            + " || !has(self.snapshot.mode) || self.snapshot.mode != 'data'",
    message = "snapshot.schemaOnlyTables needs a schema snapshot (mode full or schema): a data snapshot copies no schema")
@ValidationRule(
    value =
        "!has(self.source.sslMode) || !(self.source.sslMode in ['disable', 'allow', 'prefer'])"
            + " || !(has(self.prepare) && has(self.prepare.source))",
    message =
        "source.sslMode disable, allow and prefer are refused with a source admin login (prepare.source): use"
            + " verify-full with source.caBundle, or require; an admin from AWS needs verify-full")
@ValidationRule(
    value = "!(" + PgstreamPipelineSpec.ADMIN_FROM_AWS + ") || !has(self.source.sslMode) || self.source.sslMode == 'verify-full'",
    message =
        "source.sslMode must be verify-full (or omitted) when the admin of prepare.source comes from AWS"
            + " (source.rds.masterUserSecret or iamAuthentication)")
@ValidationRule(
    value = "!(" + PgstreamPipelineSpec.ADMIN_FROM_AWS + ") || !has(self.source.caBundle)",
    message =
        "source.caBundle is refused when the admin of prepare.source comes from AWS: admin logins from AWS trust"
            + " only the operator's default CA bundle (chart value tls.defaultCaBundle)")
@ValidationRule(
    value =
        "!has(self.target.sslMode) || !(self.target.sslMode in ['disable', 'allow', 'prefer'])"
            + " || !(has(self.prepare) && has(self.prepare.target))",
    message =
        "target.sslMode disable, allow and prefer are refused with a target admin login (prepare.target): use"
            + " verify-full with target.caBundle, or require")
public class PgstreamPipelineSpec {
  /** CEL for {@link #adminFromAws()}. */
  static final String ADMIN_FROM_AWS =
      "has(self.prepare) && has(self.prepare.source) && has(self.source.rds)"
          + " && ((has(self.source.rds.masterUserSecret) && self.source.rds.masterUserSecret)"
          + " || (has(self.source.rds.iamAuthentication) && self.source.rds.iamAuthentication))";

  @Required
  @JsonPropertyDescription("snapshot, replication or snapshot_and_replication.")
  public PipelineMode mode;

  /** Why the stored spec could not be read into this model; set by {@link TolerantSpecDeserializer}. */
  @JsonIgnore public String unreadable;

  @Required public SourceSpec source;

  @Required public TargetSpec target;

  @Size(max = 500)
  @JsonPropertyDescription(
      "Tables to copy and stream, as schema.table; wildcards schema.* and *.* allowed; no schema means public.")
  public List<@Pattern("^[A-Za-z0-9_*$-]+(\\.[A-Za-z0-9_*$-]+)?$") String> tables;

  @Size(max = 500)
  @JsonPropertyDescription("Tables left out of the snapshot and the stream, as schema.table.")
  public List<@Pattern("^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)?$") String> excludedTables;

  public SnapshotSpec snapshot;

  @JsonPropertyDescription(
      "Column transformers (anonymisation) applied to every row the snapshot copies and streaming writes, e.g. for"
          + " a staging copy with e-mails and names masked. The preflight checks every rule's table and column on the"
          + " source before anything runs.")
  public TransformationsSpec transformations;

  @JsonPropertyDescription(
      "Let the operator create the pipeline's logins and grant what they need, with admin logins from Secrets."
          + " Off when omitted: then the operator only checks and reports.")
  public PrepareSpec prepare;

  @Size(max = 63)
  @Pattern("^[a-z0-9_]+$")
  @JsonPropertyDescription(
      "Logical replication slot on the source; pgstream_<namespace>_<name> (sanitised) when omitted.")
  public String replicationSlot;

  @Size(max = 512)
  @Pattern(ImageReference.REGEX)
  @JsonPropertyDescription(
      "pgstream image; its entrypoint must be pgstream. Schema snapshots need pg_dump and psql in it. A digest"
          + " (registry/path[:tag]@sha256:...) pins it.")
  public String image;

  @JsonPropertyDescription(
      "CPU and memory for the pgstream containers; when omitted, requests 100m CPU and 256Mi memory and a 1Gi memory"
          + " limit.")
  public ResourceRequirements resources;

  @PreserveUnknownFields
  @JsonPropertyDescription(
      "Added to every pod the operator runs for this pipeline: labels, annotations, nodeSelector, tolerations,"
          + " affinity, topologySpreadConstraints, priorityClassName, serviceAccountName, imagePullSecrets, env,"
          + " envFrom. Fields the operator owns are refused (condition PodTemplateRejected).")
  public PodTemplate podTemplate;

  @JsonPropertyDescription("How long the init and snapshot Jobs may run before they fail as timed out.")
  public StepTimeouts timeouts;

  @JsonPropertyDescription(
      "Automatic re-runs of a failed init or snapshot with back-off (3 attempts from 30 s, doubling, at most 600 s"
          + " apart, when omitted). Only failures a re-run can neither worsen nor need a fix for are retried; annotation"
          + " pgstream.io/retry re-runs any failed step at once.")
  public StepRetry retry;

  @Min(1048576)
  @JsonPropertyDescription(
      "Degraded when the replication slot keeps more WAL than this many bytes on the source; 10 GiB when omitted.")
  public Long maxRetainedWalBytes;

  @Size(max = 8)
  @JsonPropertyDescription(
      "Data-fidelity findings of the preflight that the pipeline may start despite: TablesWithoutReplicaIdentity"
          + " (updates and deletes of such tables cannot be applied), InexactTypes (columns pgstream "
          + PgstreamVersion.SUPPORTED
          + " does not carry exactly). Without them, such findings block the pipeline.")
  public List<AcknowledgedRisk> acknowledge;

  @JsonPropertyDescription("Compare source and target on request (row counts and checksums per table).")
  public VerificationSpec verification;

  @JsonPropertyDescription(
      "Enforce (default): check source and target over SQL and start nothing until both pass; Skip: do not connect.")
  public PreflightPolicy preflight;

  @JsonPropertyDescription(
      "Retain (default) leaves the replication slot and pgstream schema on the source when the pipeline is deleted; "
          + "Delete runs pgstream destroy first.")
  public DeletionPolicy deletionPolicy;

  @Size(max = 63)
  @JsonPropertyDescription(
      "Accept a gap once: when a change of source, slot or target, or a lost slot, blocks the pipeline because a new"
          + " slot would miss the changes since the old one, a new value here lets it stream on without a new snapshot."
          + " The target then lacks those changes. Setting spec.snapshot.nonce instead takes a new snapshot.")
  public String acknowledgeGap;

  @JsonPropertyDescription(
      "Running (default) or Suspended: suspended, the streaming Deployment is removed and no init, snapshot or backfill"
          + " starts (a running one finishes first); the slot stays and keeps WAL, which status.slot shows. Running again"
          + " recreates the Deployment, which continues from the slot.")
  public PipelineState state;

  public StepTimeouts effectiveTimeouts() {
    return timeouts == null ? new StepTimeouts() : timeouts;
  }

  public StepRetry effectiveRetry() {
    return retry == null ? new StepRetry() : retry;
  }

  public boolean suspended() {
    return state == PipelineState.Suspended;
  }

  /** pgstream init (and destroy) run as the source admin of spec.prepare. */
  public boolean initAsAdmin() {
    return prepare != null && prepare.source != null && Boolean.TRUE.equals(prepare.source.initAsAdmin);
  }

  /**
   * The admin login of spec.prepare.source comes from AWS (the RDS master user secret or an IAM
   * token): the only place the operator uses such a login.
   */
  public boolean adminFromAws() {
    return prepare != null && prepare.source != null && source != null && source.rds != null && source.rds.asksForAwsAdmin();
  }

  public boolean acknowledges(AcknowledgedRisk risk) {
    return acknowledge != null && acknowledge.contains(risk);
  }

  public long effectiveMaxRetainedWalBytes() {
    return maxRetainedWalBytes == null ? 10L * 1024 * 1024 * 1024 : maxRetainedWalBytes;
  }

  /** The transformation rules in effect (see {@link TransformationsSpec#rules()}); none without transformations. */
  public List<TableTransformation> transformationRules() {
    return transformations == null ? List.of() : transformations.rules();
  }

  public boolean preflightEnforced() {
    return preflight != PreflightPolicy.Skip;
  }

  public DeletionPolicy effectiveDeletionPolicy() {
    return deletionPolicy == null ? DeletionPolicy.Retain : deletionPolicy;
  }

  /** spec.snapshot.schemaOnlyTables where they apply (a pipeline that snapshots; the CRD refuses them otherwise), else none. */
  public List<String> effectiveSchemaOnlyTables() {
    return mode != null && mode.snapshots() && snapshot != null && snapshot.schemaOnlyTables != null ? snapshot.schemaOnlyTables : List.of();
  }
}
