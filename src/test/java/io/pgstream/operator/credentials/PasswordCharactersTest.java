package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordCharactersTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Abcdefxyz0123456789",
        "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "a${PGSTREAM_SOURCE_USER}b$HOME",
        "a\\n\\t\\\\b",
        "a\tb\nc",
        "pässwörd-é",
        "straße",
        "密码中文",
        "pw🔑🚀"
      })
  void acceptsWhatPgstreamDelivers(String password) {
    assertThat(PasswordCharacters.check(new Login("u", password), "source")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"pass word", " s3cret", "s3cret "})
  void refusesASpace(String password) {
    assertThat(PasswordCharacters.check(new Login("u", password), "target"))
        .hasValueSatisfying(
            p -> {
              assertThat(p.reason()).isEqualTo("UnsupportedPasswordCharacters");
              assertThat(p.message()).startsWith("the target password contains a space, which pgstream 1.3.1 cannot pass").endsWith("change the password");
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "pass\u00A0word:a non-ASCII space",
        "pass\u3000word:a non-ASCII space",
        "pass\u00ADword:an invisible character",
        "pw\u2764\uFE0F:an invisible character",
        "a\u200Db:an invisible character",
        "pe\u0301w:characters that Unicode normalisation (NFKC) rewrites",
        "\uFB01le:characters that Unicode normalisation (NFKC) rewrites",
        "\uFF30w:characters that Unicode normalisation (NFKC) rewrites"
      })
  void refusesWhatSaslprepChangesNamingTheKindOfCharacter(String passwordAndKind) {
    String password = passwordAndKind.substring(0, passwordAndKind.indexOf(':'));
    String kind = passwordAndKind.substring(passwordAndKind.indexOf(':') + 1);
    assertThat(PasswordCharacters.check(new Login("u", password), "source admin"))
        .hasValueSatisfying(
            p -> {
              assertThat(p.message()).startsWith("the source admin password contains " + kind).contains("SASLprep");
              assertThat(p.message()).doesNotContain(password);
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u00A0", "\u00AD", "\uFE0F", "\u0301", "\uFB01"})
  void neverShowsTheCharacterItself(String character) {
    assertThat(PasswordCharacters.check(new Login("u", "pw" + character), "source").orElseThrow().message()).doesNotContain(character);
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aMissingLoginOrPasswordHasNoProblem(boolean login) {
    assertThat(PasswordCharacters.check(login ? new Login("u", null) : null, "source admin")).isEmpty();
  }
}
