package io.pgstream.operator.credentials;

import java.text.Normalizer;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * Passwords that pgstream 1.3.1 cannot deliver to PostgreSQL whatever the operator does, refused before
 * any Job runs. Every other printable ASCII character, and non-ASCII that PostgreSQL keeps as it is,
 * arrives intact percent-encoded (PasswordClassesE2E runs each kind through init, snapshot and run).
 *
 * <ul>
 *   <li>A space: pgstream's connection pools (snapshot reader, target writer, health check) re-encode
 *       the URL's password with Go's {@code url.QueryEscape}, which writes a space as {@code +}, and the
 *       URL parser reads that back as a plus sign.
 *   <li>Characters that SASLprep changes: a scram-sha-256 server derives its verifier from the password
 *       after SASLprep (non-ASCII spaces become spaces, invisible characters are dropped, NFKC), and
 *       libpq does the same; pgstream's init connects with lib/pq, which sends the password unchanged,
 *       and pgx only applies NFC. (When SASLprep rejects a password, e.g. for a code point unassigned in
 *       Unicode 3.2, the server uses it unchanged and it would work; such mixes are refused too.)
 * </ul>
 */
public final class PasswordCharacters {
  public static final String REASON = "UnsupportedPasswordCharacters";

  private static final String SPACE_WHY =
      "its connection pools re-encode the password so that a space arrives as '+', and authentication fails";
  private static final String SASLPREP_WHY =
      "PostgreSQL checks the password in its SASLprep-normalised form, which pgstream's database clients (lib/pq,"
          + " pgx) do not produce, and authentication fails";

  private record CharacterClass(String description, String why, IntPredicate matches) {}

  private static final CharacterClass[] CLASSES = {
    new CharacterClass("a space", SPACE_WHY, c -> c == ' '),
    new CharacterClass("a non-ASCII space (such as a no-break space)", SASLPREP_WHY, PasswordCharacters::nonAsciiSpace),
    new CharacterClass(
        "an invisible character (such as a soft hyphen, a zero-width joiner or an emoji variation selector)",
        SASLPREP_WHY,
        PasswordCharacters::mappedToNothing),
  };

  private PasswordCharacters() {}

  /**
   * The problem with {@code login}'s password, if any; the message names the kind of character, never
   * the password or where in it the character is.
   *
   * @param role "source", "target" or "source admin", as in the other credentials problems
   */
  public static Optional<CredentialsProblem> check(Login login, String role) {
    if (login == null || login.password() == null) {
      return Optional.empty();
    }
    String password = login.password();
    for (CharacterClass c : CLASSES) {
      if (password.codePoints().anyMatch(c.matches())) {
        return Optional.of(problem(role, c.description(), c.why()));
      }
    }
    if (!Normalizer.isNormalized(password, Normalizer.Form.NFKC)) {
      return Optional.of(
          problem(
              role,
              "characters that Unicode normalisation (NFKC) rewrites (such as ligatures, fullwidth letters or accents"
                  + " written as combining marks)",
              SASLPREP_WHY));
    }
    return Optional.empty();
  }

  private static CredentialsProblem problem(String role, String description, String why) {
    return new CredentialsProblem(
        REASON, "the %s password contains %s, which pgstream 1.3.1 cannot pass to PostgreSQL: %s; change the password".formatted(role, description, why));
  }

  /** RFC 3454 table C.1.2, which SASLprep maps to a space. */
  private static boolean nonAsciiSpace(int c) {
    return c == 0x00A0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200B) || c == 0x202F || c == 0x205F || c == 0x3000;
  }

  /** RFC 3454 table B.1, which SASLprep removes. */
  private static boolean mappedToNothing(int c) {
    return c == 0x00AD
        || c == 0x034F
        || c == 0x1806
        || (c >= 0x180B && c <= 0x180D)
        || (c >= 0x200B && c <= 0x200D)
        || c == 0x2060
        || (c >= 0xFE00 && c <= 0xFE0F)
        || c == 0xFEFF;
  }
}
