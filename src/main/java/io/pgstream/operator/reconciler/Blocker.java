package io.pgstream.operator.reconciler;

/** Why a pipeline cannot go on: a condition reason and the message that says what to do. */
record Blocker(String reason, String message) {}
