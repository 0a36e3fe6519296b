#!/usr/bin/env bash
# Strict fidelity check of every pgstream config the operator renders, against the pinned pgstream
# (e2e/tools/pgstream/go.mod): pgstream silently ignores unknown or misplaced YAML keys, so a typo in
# the renderer would otherwise fail nothing. Checks the golden files, each example rendered by the
# jar, and that every negative fixture in e2e/fidelity/ fails for its stated reason.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
TOOLS=$PWD/.tools
PIN=e2e/tools/pgstream
mkdir -p "$TOOLS"

PGSTREAM_VERSION=$(cd "$PIN" && go list -m -f '{{.Version}}' github.com/xataio/pgstream)
BIN=$TOOLS/pgstream-fidelity-$PGSTREAM_VERSION
# .tools is shared between checkouts: rebuild when this checkout's sources are newer, and move the
# binary into place so that a concurrent run never executes a half-written one.
if [ ! -x "$BIN" ] || [ -n "$(find "$PIN" -newer "$BIN" \( -name '*.go' -o -name go.mod -o -name go.sum \) | head -n 1)" ]; then
  echo "building pgstream-fidelity for pgstream $PGSTREAM_VERSION" >&2
  (cd "$PIN" && go build -o "$BIN.$$" ./fidelity)
  mv -f "$BIN.$$" "$BIN"
fi

# The transformer names the operator's preflight accepts must be exactly those the pinned pgstream builds.
if ! diff -u src/main/resources/pgstream-transformers.txt <("$BIN" -list-transformers) >&2; then
  echo "fidelity: src/main/resources/pgstream-transformers.txt differs from pgstream $PGSTREAM_VERSION's transformers (+ its list)" >&2
  exit 1
fi

jars=(target/pgstream-operator-*-SNAPSHOT.jar)
if [ ${#jars[@]} -ne 1 ] || [ -n "$(find src/main pom.xml -newer "${jars[0]}" | head -n 1)" ]; then
  echo "building the operator jar" >&2
  mvn -B -ntp -q -DskipTests package
  jars=(target/pgstream-operator-*-SNAPSHOT.jar)
fi

golden=(src/test/resources/golden/*/expected.yaml)
examples=(examples/*.yaml)
negative=(e2e/fidelity/*.yaml)
if [ ${#golden[@]} -eq 0 ] || [ ${#examples[@]} -eq 0 ] || [ ${#negative[@]} -eq 0 ]; then
  echo "fidelity: no inputs (golden files ${#golden[@]}, examples ${#examples[@]}, negative fixtures ${#negative[@]})" >&2
  exit 1
fi

RENDERED=target/fidelity
rm -rf "$RENDERED" && mkdir -p "$RENDERED/examples"
rendered=()
pids=()
# One short-lived JVM per example, in parallel; C1 only, as nothing runs long enough for C2.
for example in "${examples[@]}"; do
  rendered+=("$RENDERED/$example")
  java -XX:TieredStopAtLevel=1 -jar "${jars[0]}" render -f "$example" > "$RENDERED/$example" &
  pids+=($!)
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "fidelity: render -f ${examples[$i]} failed" >&2; exit 1; }
done

# Each document must be checked: count them here independently of the checker, and fail when the
# checker saw fewer or when there are fewer than one per input file.
documents() { cat "$@" | grep -c '^---$' || true; }
# Runs the checker and requires its summary to account for exactly $1 documents.
check() {
  local want=$1 output status=0
  shift
  output=$("$BIN" "$@") || status=$?
  echo "$output"
  if [ $status -ne 0 ] || [ "$(tail -n 1 <<<"$output")" != "$want passed, 0 failed" ]; then
    echo "fidelity: FAILED, expected \"$want passed, 0 failed\"" >&2
    exit 1
  fi
}

positive=("${golden[@]}" "${rendered[@]}")
want=$(documents "${positive[@]}")
if [ "$want" -lt ${#positive[@]} ]; then
  echo "fidelity: $want documents in ${#positive[@]} golden and rendered files, fewer than one per file" >&2
  exit 1
fi
check "$want" "${positive[@]}"
check "$(documents "${negative[@]}")" -expect-fail "${negative[@]}"
echo "fidelity: ${#golden[@]} golden files and ${#examples[@]} rendered examples ($want documents) accepted by pgstream $PGSTREAM_VERSION; ${#negative[@]} negative fixtures rejected"
