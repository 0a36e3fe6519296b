package io.pgstream.operator.api;

/** The database changes are read from. */
public class SourceSpec extends ConnectionSpec {}
