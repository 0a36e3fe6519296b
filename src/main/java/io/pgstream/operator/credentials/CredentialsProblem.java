package io.pgstream.operator.credentials;

/**
 * Why credentials could not be read. The message names the Secret and key, never a value.
 *
 * @param reason condition reason: SecretNotFound, SecretKeyNotFound or SecretValueEmpty
 */
public record CredentialsProblem(String reason, String message) {}
