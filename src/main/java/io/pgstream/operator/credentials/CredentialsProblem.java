package io.pgstream.operator.credentials;

/**
 * Why credentials could not be read or used. The message names the Secret and key, or the kind of
 * character, never a value.
 *
 * @param reason condition reason: SecretNotFound, SecretNotReferenceable, SecretKeyNotFound,
 *     SecretValueEmpty or UnsupportedPasswordCharacters
 */
public record CredentialsProblem(String reason, String message) {}
