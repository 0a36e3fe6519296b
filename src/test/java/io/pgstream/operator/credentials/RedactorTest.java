package io.pgstream.operator.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RedactorTest {
  @Test
  void masksPasswordsInUrls() {
    String log = "failed to connect to postgres://pgstream:hunter2@db:5432/app?sslmode=require: timeout";
    assertThat(Redactor.redact(log, List.of()))
        .isEqualTo("failed to connect to postgres://pgstream:****@db:5432/app?sslmode=require: timeout");
  }

  @Test
  void masksKnownSecretValuesAnywhere() {
    ResolvedCredentials creds = new ResolvedCredentials("u", "P@ss word", "v", "other-secret");
    String text = "password P@ss word and P%40ss%20word and P%40ss+word and p%40ss+word and other-secret";
    assertThat(Redactor.redact(text, creds.secretValues()))
        .isEqualTo("password **** and **** and **** and p%40ss+word and ****");
  }

  @Test
  void masksTheJsonEscapedFormInPgstreamsLog() {
    String log =
        "{\"level\":\"error\",\"error\":\"dial: password=pa\\\"ss\\\\w\\u00f6rd\\u0026x rejected\",\"message\":\"init failed\"}";
    assertThat(Redactor.redact(log, List.of("pa\"ss\\wörd&x")))
        .isEqualTo("{\"level\":\"error\",\"error\":\"dial: password=**** rejected\",\"message\":\"init failed\"}");
  }

  @Test
  void masksABase64TokenThatHoldsASecretWhole() {
    String basic = Base64.getEncoder().encodeToString("pgstream:s3cr3t-pw".getBytes(StandardCharsets.UTF_8));
    String secretData = Base64.getUrlEncoder().encodeToString("s3cr3t-pw".getBytes(StandardCharsets.UTF_8));
    assertThat(Redactor.redact("Authorization: Basic " + basic + " data=" + secretData + ".", List.of("s3cr3t-pw")))
        .isEqualTo("Authorization: Basic **** data=****.");
  }

  @Test
  void aShortSecretIsMaskedOnlyAsAWholeToken() {
    String text = "password=ab&sslmode=require: table tab has about 2 rows; \"ab\" ab, x%3Dab%26";
    assertThat(Redactor.redact(text, List.of("ab")))
        .isEqualTo("password=****&sslmode=require: table tab has about 2 rows; \"****\" ****, x%3D****%26");
  }

  @Test
  void aMaskIsNotMaskedAgain() {
    assertThat(Redactor.redact("pw=* and ** and x", List.of("*", "**"))).isEqualTo("pw=**** and **** and x");
  }

  @Test
  void aPasswordThatMakesMatchingExplodeWithholdsTheMessageInsteadOfHanging() {
    String password = "\\".repeat(40) + "Q";
    String text = "error: " + "\\".repeat(400) + "x";
    String out = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Redactor.redact(text, List.of(password)));
    assertThat(out).isEqualTo(Redactor.WITHHELD);
  }

  @Test
  void credentialsNeverPrintThemselves() {
    assertThat(new ResolvedCredentials("u", "topsecret", "v", "topsecret2").toString()).doesNotContain("topsecret");
  }

  /**
   * Every length 1..64 of every password class in every form a message can carry it: none survives. A
   * password shorter than four characters must not survive as a whole token (it may remain inside words).
   */
  @ParameterizedTest(name = "{0} length {1}")
  @MethodSource("passwords")
  void noFormOfAPasswordSurvives(String kind, int length, String password) {
    for (Leak leak : leaks(password)) {
      assertThat(leak.message()).contains(leak.form());
      String out = Redactor.redact(leak.message(), List.of(password));
      if (length >= SecretPattern.WHOLE_TOKEN_BELOW || leak.base64()) {
        assertThat(out).as("%s in %s", leak.form(), leak.message()).doesNotContain(leak.form()).contains(Redactor.MASK);
      } else {
        assertThat(wholeTokens(out.replace(Redactor.MASK, "\0"), leak.form())).as("%s in %s -> %s", leak.form(), leak.message(), out).isZero();
      }
    }
  }

  static final Map<String, String> CLASSES =
      Map.of(
          "alphanumeric", alnum(),
          "ascii-punctuation", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
          "printable-ascii", alnum() + "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
          "latin", alnum() + "äöüéèßçñÅØ",
          "cjk", "密码中文字符测试",
          "emoji", alnum() + "🔑🚀😀🎉",
          "tab-and-newline", alnum() + "\t\n");

  static Stream<Arguments> passwords() {
    Random random = new Random(11);
    return CLASSES.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .flatMap(
            c -> {
              int[] alphabet = c.getValue().codePoints().toArray();
              return IntStream.rangeClosed(1, 64)
                  .mapToObj(
                      n -> {
                        StringBuilder pw = new StringBuilder();
                        IntStream.range(0, n).forEach(i -> pw.appendCodePoint(alphabet[random.nextInt(alphabet.length)]));
                        return Arguments.of(c.getKey(), n, pw.toString());
                      });
            });
  }

  /** A message carrying a password as {@code form}; a base64 token is masked whole, whatever the length. */
  record Leak(String message, String form, boolean base64) {}

  /** Messages that carry {@code pw}, each with the form of it that it carries. */
  static List<Leak> leaks(String pw) {
    List<Leak> leaks = new ArrayList<>();
    String query = URLEncoder.encode(pw, StandardCharsets.UTF_8);
    String percent20 = query.replace("+", "%20");
    String lower = lowerHex(percent20);
    String userinfo = goUserinfo(pw);
    String goJson = goJsonString(pw);
    leaks.add(new Leak("password authentication failed: password=" + pw + " sslmode=require", pw, false));
    leaks.add(new Leak("dial postgres://db:5432/app?password=" + query + "&sslmode=require failed", query, false));
    leaks.add(new Leak("conninfo password=" + percent20 + ";", percent20, false));
    leaks.add(new Leak("conninfo password=" + lower + ";", lower, false));
    leaks.add(new Leak("connect postgres://pgstream:" + userinfo + "@db:5432/app failed", userinfo, false));
    leaks.add(new Leak("{\"level\":\"error\",\"error\":\"password=" + goJson + " rejected\",\"message\":\"run\"}", goJson, false));
    String goJsonUrl = goJsonString("postgres://db/app?password=" + query);
    leaks.add(new Leak("{\"level\":\"error\",\"error\":\"" + goJsonUrl + "\"}", goJsonString(query), false));
    String jackson = json(new ObjectMapper(), pw);
    leaks.add(new Leak("{\"password\":" + jackson + ",\"user\":\"pgstream\"}", jackson.substring(1, jackson.length() - 1), false));
    String ascii = json(JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build(), pw);
    leaks.add(new Leak("{\"password\":" + ascii + "}", ascii.substring(1, ascii.length() - 1), false));
    String basic = Base64.getEncoder().encodeToString(("pgstream:" + pw).getBytes(StandardCharsets.UTF_8));
    leaks.add(new Leak("Authorization: Basic " + basic, basic, true));
    String secretData = Base64.getEncoder().encodeToString(percent20.getBytes(StandardCharsets.UTF_8));
    leaks.add(new Leak("data: {PGSTREAM_SOURCE_PASSWORD: " + secretData + "}", secretData, true));
    String url64 = Base64.getUrlEncoder().withoutPadding().encodeToString(pw.getBytes(StandardCharsets.UTF_8));
    leaks.add(new Leak("token " + url64 + " expired", url64, true));
    return leaks;
  }

  /** Occurrences of {@code form} not preceded or followed by a letter or digit. */
  private static long wholeTokens(String text, String form) {
    Matcher m = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(form) + "(?![\\p{L}\\p{N}])").matcher(text);
    return m.results().count();
  }

  private static String alnum() {
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  }

  private static String json(ObjectMapper mapper, String value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String lowerHex(String percentEncoded) {
    return Pattern.compile("%[0-9A-F]{2}").matcher(percentEncoded).replaceAll(r -> r.group().toLowerCase());
  }

  /** Go's url.UserPassword escaping: RFC 3986 sub-delimiters stay, '@', '/', '?', ':' and the rest are escaped. */
  private static String goUserinfo(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if (c < 0x80 && (Character.isLetterOrDigit(c) || "-_.~$&+,;=".indexOf(c) >= 0)) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** The inside of Go encoding/json's string: HTML-safe escapes, lower-case hex, non-ASCII kept. */
  private static String goJsonString(String value) {
    StringBuilder out = new StringBuilder();
    value.codePoints()
        .forEach(
            cp -> {
              switch (cp) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                  if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029) {
                    out.append(String.format("\\u%04x", cp));
                  } else {
                    out.appendCodePoint(cp);
                  }
                }
              }
            });
    return out.toString();
  }

}
