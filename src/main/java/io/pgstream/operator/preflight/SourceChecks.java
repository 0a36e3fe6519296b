package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.RolesSnapshotMode;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.status.Messages;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks of the source database, each as SQL run by the pipeline's own source login. Fix texts
 * follow pgstream's RDS guide and its troubleshooting table.
 */
final class SourceChecks extends Checks {
  static final Side SIDE = Side.SOURCE;
  /** How many offending relations a message lists before it says "and N more". */
  static final int LISTED = 5;

  SourceChecks(Connection c, ServerFacts f, PgstreamPipelineSpec spec, Checklist list) {
    super(c, f, spec, list);
  }

  /**
   * @param slot the pipeline's replication slot
   * @param claim whose the slot is by the pipelines' records: the pipeline's own may be active (its
   *     consumer), and its plugin and WAL sender are already settled
   */
  void run(String slot, SlotClaim claim, boolean initRights) throws SQLException {
    list.check(SIDE, "writer endpoint", writerEndpoint());
    if (spec.mode.replicates()) {
      list.check(SIDE, "logical replication enabled", logicalReplication());
      list.check(SIDE, "wal2json allowed as an output plugin", wal2jsonAllowed());
      replicationSlot(slot, claim);
      list.check(SIDE, "replication privilege", replicationPrivilege());
      list.check(SIDE, "updates and deletes of the selected tables can be applied", ReplicaIdentity.check(c, spec));
      if (initRights) {
        initRights();
      }
      walKeepSize();
    }
    if (spec.mode.snapshots()) {
      schemaUsage();
      list.check(SIDE, "read access to the snapshot's tables", tableReadAccess());
      list.check(SIDE, "roles snapshot readable", rolesSnapshot());
      list.check(SIDE, "connections free for the snapshot", ConnectionHeadroom.check(c, f, spec));
    }
    ColumnFidelityChecks.check(c, spec).forEach(list::fail);
    transformationRules();
  }

  private void transformationRules() throws SQLException {
    if (spec.transformationRules().isEmpty()) {
      return;
    }
    List<Finding> findings = TransformationRuleChecks.check(c, spec);
    if (findings.isEmpty()) {
      list.pass(SIDE, "transformation rules name selected tables and existing columns");
    }
    findings.forEach(list::fail);
  }

  /** What pgstream init needs, checked on a connection of the login that runs it. */
  void initRights() throws SQLException {
    list.check(SIDE, "event trigger rights for pgstream init (as " + f.user() + ")", eventTriggers());
    list.check(SIDE, "may create schema pgstream (as " + f.user() + ")", createSchema());
  }

  private Finding writerEndpoint() {
    if (!f.inRecovery()) {
      return null;
    }
    return Finding.error(
        SIDE,
        "ReaderEndpoint",
        "The source is a read replica (pg_is_in_recovery() is true): pgstream init cannot create event triggers"
            + " there and snapshot workers fail with snapshot \"…\" does not exist.",
        "Point spec.source.host at the writer endpoint (Aurora: the cluster endpoint, not cluster-ro).");
  }

  /**
   * PostgreSQL minors from November 2026 (backpatched to 14) load only the output plugins listed in
   * output_plugin_libraries, 'pgoutput, test_decoding' by default; pgstream's slot uses wal2json.
   * The setting is read as this login sees it (role and database settings apply).
   */
  private Finding wal2jsonAllowed() throws SQLException {
    Optional<String> setting =
        Jdbc.one(c, "SELECT setting FROM pg_settings WHERE name = 'output_plugin_libraries'", rs -> rs.getString(1));
    if (setting.isEmpty()) {
      return null;
    }
    // A list setting: elements are separated by commas and may be double-quoted.
    List<String> allowed =
        List.of(setting.get().split(",")).stream().map(String::strip).map(e -> e.replaceAll("^\"|\"$", "")).filter(e -> !e.isEmpty()).toList();
    if (allowed.contains("wal2json")) {
      return null;
    }
    List<String> wanted = new ArrayList<>(allowed);
    wanted.add("wal2json");
    String value = String.join(", ", wanted.stream().map(e -> "'" + e.replace("'", "''") + "'").toList());
    return Finding.error(
        SIDE,
        "Wal2jsonNotAllowed",
        ("output_plugin_libraries is %s for %s: PostgreSQL will not load wal2json, the output plugin of pgstream's"
                + " slot (pgstream init fails with: library \"wal2json\" may not be used as an output plugin).")
            .formatted(setting.get(), f.user()),
        ("As a superuser: ALTER SYSTEM SET output_plugin_libraries = %s; SELECT pg_reload_conf(); or, for the"
                + " pipeline's logins only, ALTER ROLE <login> SET output_plugin_libraries = %s;. On RDS/Aurora set"
                + " output_plugin_libraries in the DB (cluster) parameter group.")
            .formatted(value, value));
  }

  private Finding logicalReplication() {
    if (f.rds() && !"on".equalsIgnoreCase(f.rdsLogicalReplication()) && !"1".equals(f.rdsLogicalReplication())) {
      return Finding.error(
          SIDE,
          "RdsLogicalReplicationOff",
          "rds.logical_replication is %s, so wal_level is %s."
              .formatted(f.rdsLogicalReplication() == null ? "not set" : f.rdsLogicalReplication(), f.walLevel()),
          "It cannot be set with SQL (cannot set parameter \"rds.logical_replication\"): in the RDS console use a"
              + " custom DB parameter group (Aurora: DB cluster parameter group), set rds.logical_replication=1,"
              + " attach it to the instance (cluster) and reboot the writer.");
    }
    if (!"logical".equals(f.walLevel())) {
      return Finding.error(
          SIDE,
          "WalLevelNotLogical",
          "wal_level is " + f.walLevel() + "; logical decoding needs logical.",
          f.rds()
              ? "Set rds.logical_replication=1 in the instance's custom parameter group and reboot."
              : "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL.");
    }
    return null;
  }

  private void replicationSlot(String slot, SlotClaim claim) throws SQLException {
    record Slot(String plugin, String database, boolean active, Integer pid, String walStatus) {}
    Optional<Slot> existing =
        Jdbc.one(
            c,
            "SELECT plugin, database, active, active_pid, wal_status FROM pg_replication_slots WHERE slot_name = ?",
            rs -> new Slot(rs.getString(1), rs.getString(2), rs.getBoolean(3), (Integer) rs.getObject(4), rs.getString(5)),
            slot);
    if (existing.isEmpty()) {
      int free = headroom("max_replication_slots", "pg_replication_slots");
      list.check(
          SIDE,
          "free replication slot",
          free > 0
              ? null
              : Finding.error(
                  SIDE,
                  "NoFreeReplicationSlot",
                  "All max_replication_slots are in use, so pgstream init cannot create slot " + slot + ".",
                  "Drop a slot you know is unused (SELECT pg_drop_replication_slot('<name>');) or raise"
                      + " max_replication_slots in the parameter group and reboot."));
    }
    Slot s = existing.orElse(null);
    Finding problem = null;
    // Most specific first: whose slot it is, who holds it, what it decodes with, whether it can resume.
    if (s != null && !f.database().equals(s.database())) {
      problem =
          Finding.error(
              SIDE,
              "SlotOtherDatabase",
              "Replication slot %s belongs to database %s, not %s.".formatted(slot, s.database(), f.database()),
              "Choose another spec.replicationSlot.");
    } else if (claim.otherPipeline() != null) {
      // Also when the slot is gone: creating it again would hand the other pipeline a slot it did not create.
      problem =
          Finding.error(
              SIDE,
              "SlotOfAnotherPipeline",
              ("Replication slot %s was created by %s (recorded in its status)%s; two consumers of one slot each lose"
                      + " the other's changes, so this pipeline does not use it.")
                  .formatted(slot, claim.otherPipeline(), s != null && s.active() ? " and is in use by PID " + s.pid() : ""),
              "Choose another spec.replicationSlot, or remove it for this pipeline's own default name.");
    } else if (s != null && s.active() && !claim.own()) {
      problem =
          Finding.error(
              SIDE,
              "SlotInUse",
              "Replication slot %s is in use by %s, and this pipeline did not create it; a slot takes one consumer."
                  .formatted(slot, SlotHolder.read(c, s.pid())),
              "Choose another spec.replicationSlot, or stop that consumer where it runs once you know it is not needed.");
    } else if (s != null && !claim.own() && !"wal2json".equals(s.plugin())) {
      problem =
          Finding.error(
              SIDE,
              "SlotWrongPlugin",
              "Replication slot %s exists with plugin %s; pgstream needs wal2json.".formatted(slot, s.plugin()),
              "Choose another spec.replicationSlot; the existing slot belongs to something else.");
    } else if (s != null && !claim.own()) {
      problem =
          Finding.error(
              SIDE,
              "SlotNotOwned",
              ("Replication slot %s exists, but no PgstreamPipeline recorded creating it (this one neither): streaming"
                      + " from it would start wherever its last consumer stopped, and that consumer would lose changes.")
                  .formatted(slot),
              ("Choose another spec.replicationSlot. If you know the slot is unused (for example kept by a deleted"
                      + " pipeline with deletionPolicy Retain), drop it (SELECT pg_drop_replication_slot('%s');) and this"
                      + " pipeline creates its own.")
                  .formatted(slot.replace("'", "''")));
    } else if (s != null && "lost".equals(s.walStatus())) {
      problem =
          Finding.error(
              SIDE,
              "SlotWalLost",
              "Replication slot " + slot + " lost the WAL it needs (wal_status lost); changes are missing.",
              "The slot cannot resume. Drop it yourself when you decide to (SELECT pg_drop_replication_slot('"
                  + slot
                  + "');) and take a new snapshot: the operator never drops a slot on its own.");
    }
    if (s != null || problem != null) {
      list.check(SIDE, "replication slot " + slot + " usable", problem);
    }
    if (!claim.own()) {
      int senders = headroom("max_wal_senders", "pg_stat_replication");
      list.check(
          SIDE,
          "free WAL sender",
          senders > 0
              ? null
              : Finding.error(
                  SIDE,
                  "NoFreeWalSender",
                  "All max_wal_senders are busy; pgstream's replication connection would be refused.",
                  "Raise max_wal_senders in the parameter group (reboot) or stop another replication consumer."));
    }
  }

  /** How many more of a capacity setting's units are free, counting the rows of a view that uses them. */
  private int headroom(String setting, String view) throws SQLException {
    return Jdbc.one(c, "SELECT current_setting('" + setting + "')::int - (SELECT count(*) FROM " + view + ")", rs -> rs.getInt(1))
        .orElse(0);
  }

  private Finding replicationPrivilege() {
    if (f.superuser() || f.replication() || Boolean.TRUE.equals(f.rdsReplication())) {
      return null;
    }
    return Finding.error(
        SIDE,
        "MissingReplicationPrivilege",
        "Role " + f.user() + " may not use replication slots (no REPLICATION attribute"
            + (f.rds() ? ", not a member of rds_replication" : "") + ").",
        f.rds()
            ? "GRANT rds_replication TO " + f.quotedUser() + "; (as the master user)"
            : "ALTER ROLE " + f.quotedUser() + " REPLICATION; (as a superuser)");
  }

  /** pgstream init creates two event triggers; only a superuser (on RDS: the master user) may. */
  private Finding eventTriggers() throws SQLException {
    int installed =
        Jdbc.one(
                c,
                "SELECT count(*) FROM pg_event_trigger WHERE evtname IN ('pgstream_emit_ddl_drop', 'pgstream_emit_ddl_command_end')",
                rs -> rs.getInt(1))
            .orElse(0);
    if (installed == 2) {
      return null;
    }
    String function = f.versionNum() >= 110000 ? "FUNCTION" : "PROCEDURE";
    Optional<SQLException> refused =
        Jdbc.probe(
            c,
            "CREATE FUNCTION pg_temp.pgstream_operator_probe() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN END$$",
            "CREATE EVENT TRIGGER pgstream_operator_probe ON ddl_command_end EXECUTE "
                + function
                + " pg_temp.pgstream_operator_probe()");
    if (refused.isEmpty()) {
      return null;
    }
    return Finding.error(
        SIDE,
        "CannotCreateEventTrigger",
        "Role " + f.user() + " cannot create event triggers (must be superuser to create event triggers: "
            + refused.get().getMessage() + ").",
        f.rds()
            ? "Run pgstream init as the master (postgres) user, or GRANT rds_superuser TO " + f.quotedUser()
                + "; (on RDS 16 a non-master rds_superuser member was reported insufficient)."
            : "Run pgstream init as a superuser: ALTER ROLE " + f.quotedUser() + " SUPERUSER;");
  }

  private Finding createSchema() throws SQLException {
    boolean exists = Jdbc.isTrue(c, "SELECT to_regnamespace('pgstream') IS NOT NULL");
    boolean mayCreate =
        Jdbc.isTrue(c, "SELECT has_database_privilege(current_database(), 'CREATE')");
    if (exists || mayCreate) {
      return null;
    }
    return Finding.error(
        SIDE,
        "CannotCreateSchema",
        "Role " + f.user() + " may not create schema pgstream in database " + f.database() + ".",
        "GRANT CREATE ON DATABASE " + Jdbc.ident(f.database()) + " TO " + f.quotedUser() + ";");
  }

  private void walKeepSize() throws SQLException {
    String keep =
        Jdbc.one(c, "SELECT current_setting('max_slot_wal_keep_size', true)", rs -> rs.getString(1)).orElse(null);
    if ("-1".equals(keep)) {
      list.fail(
          Finding.warning(
              SIDE,
              "SlotWalUnbounded",
              "max_slot_wal_keep_size is unlimited: a stalled pipeline's slot keeps WAL until the disk is full.",
              "Set max_slot_wal_keep_size in the parameter group and alarm on slot lag and FreeStorageSpace."));
    } else {
      list.pass(SIDE, "WAL retention bounded");
    }
  }

  private void schemaUsage() throws SQLException {
    List<String> schemas = new ArrayList<>(TableSelection.concreteSchemas(spec.tables));
    record Schema(String name, boolean exists, Boolean usage) {}
    List<Schema> rows =
        Jdbc.query(
            c,
            """
            SELECT s.name, n.oid IS NOT NULL,
                   CASE WHEN n.oid IS NOT NULL THEN has_schema_privilege(n.oid, 'USAGE') END
              FROM unnest(?::text[]) AS s(name) LEFT JOIN pg_namespace n ON n.nspname = s.name
            """,
            rs -> new Schema(rs.getString(1), rs.getBoolean(2), Jdbc.bool(rs, 3)),
            schemas);
    for (Schema s : rows) {
      if (!s.exists()) {
        list.fail(
            Finding.error(
                SIDE,
                "SchemaMissing",
                "Schema " + s.name() + " named in spec.tables does not exist in " + f.database() + ".",
                "Correct spec.tables, or create the schema."));
      } else if (!Boolean.TRUE.equals(s.usage())) {
        list.fail(
            Finding.error(
                SIDE,
                "SchemaUsageDenied",
                "permission denied for schema " + s.name() + " (role " + f.user() + ").",
                "GRANT USAGE ON SCHEMA " + Jdbc.ident(s.name()) + " TO " + f.quotedUser() + ";"));
      } else {
        list.pass(SIDE, "usage on schema " + s.name());
      }
    }
  }

  private Finding tableReadAccess() throws SQLException {
    record Relation(String name, String schema, boolean readable) {}
    List<Relation> relations =
        Jdbc.query(
            c,
            """
            SELECT c.oid::regclass::text, n.nspname,
                   CASE WHEN NOT has_schema_privilege(n.oid, 'USAGE') THEN false
                        WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT')
                        ELSE has_table_privilege(c.oid, 'SELECT') END
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE
            """
                + TableSelection.SELECTED
                + " ORDER BY 1",
            rs -> new Relation(rs.getString(1), rs.getString(2), rs.getBoolean(3)),
            TableSelection.schemaRegexes(spec.tables),
            TableSelection.tableRegexes(spec.tables));
    if (relations.isEmpty()) {
      list.fail(
          Finding.warning(
              SIDE, "NoTablesMatch", "No table matches spec.tables " + spec.tables + ".", "Correct spec.tables."));
      return null;
    }
    List<Relation> denied = relations.stream().filter(r -> !r.readable()).toList();
    if (denied.isEmpty()) {
      return null;
    }
    String names = Messages.firstOf(denied.stream().map(Relation::name).toList(), LISTED);
    StringBuilder fix = new StringBuilder();
    denied.stream()
        .map(Relation::schema)
        .distinct()
        .forEach(
            s ->
                fix.append("GRANT SELECT ON ALL TABLES IN SCHEMA %1$s TO %2$s; GRANT SELECT ON ALL SEQUENCES IN SCHEMA %1$s TO %2$s; "
                    .formatted(Jdbc.ident(s), f.quotedUser())));
    return Finding.error(
        SIDE,
        "TableReadDenied",
        "permission denied for table " + names + " (role " + f.user() + ").",
        fix.toString().strip());
  }

  private Finding rolesSnapshot() throws SQLException {
    SnapshotSpec s = spec.snapshot;
    boolean copiesPasswords =
        s != null
            && s.effectiveMode().includesSchema()
            && s.schema != null
            && s.schema.rolesSnapshotMode == RolesSnapshotMode.ENABLED;
    if (!copiesPasswords) {
      return null;
    }
    boolean readable =
        !f.rds()
            && Jdbc.isTrue(c, "SELECT has_table_privilege('pg_authid', 'SELECT')");
    if (readable) {
      return null;
    }
    return Finding.error(
        SIDE,
        "RolesSnapshotNeedsPgAuthid",
        "rolesSnapshotMode enabled copies role passwords from pg_authid, which role " + f.user()
            + " cannot read (permission denied for table pg_authid"
            + (f.rds() ? "; RDS and Aurora never allow it" : "") + ").",
        "Set spec.snapshot.schema.rolesSnapshotMode to disabled or no_passwords.");
  }
}
