package io.pgstream.operator.api;

/** Whether the operator may reboot the RDS writer to apply rds.logical_replication. */
public enum RebootPolicy {
  /** Never reboot; say which instance needs a reboot (the default). */
  Never,
  /** Reboot the writer (without failover) as soon as the parameter waits for it: an outage of minutes. */
  Immediate
}
