// Command pgstream-fidelity checks rendered pgstream configs against the pinned pgstream release.
// pgstream reads its YAML with viper and a non-strict yaml.v3, so a misspelt or misplaced key is
// silently ignored; this decodes each document strictly into pgstream's own config structs, then
// runs what `pgstream <command> -c FILE` runs before it connects to a database, for each command
// the operator runs with that file.
//
// Input files hold documents in the format of `pgstream-operator render`: each starts after a
// "---" line whose next line is "# snapshot.yaml" or "# replication.yaml". A negative fixture
// (-expect-fail) also carries "# expect-error: TEXT", which its failure reason must contain.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	pgstreamcmd "github.com/xataio/pgstream/cmd"
	"github.com/xataio/pgstream/cmd/config"
	"github.com/xataio/pgstream/pkg/otel"
	"github.com/xataio/pgstream/pkg/transformers"
	"github.com/xataio/pgstream/pkg/transformers/builder"
	"github.com/xataio/pgstream/pkg/wal/processor/transformer"
	"gopkg.in/yaml.v3"
)

// The pgstream commands the operator runs with each file (dependent/Step.java and the streaming
// Deployment), always as `pgstream COMMAND -c FILE`.
var commands = map[string][]string{
	"snapshot.yaml":    {"snapshot"},
	"backfill.yaml":    {"snapshot"},
	"replication.yaml": {"init", "run", "destroy"},
}

// The references pgstream substitutes from the environment (cmd/config/env_expansion.go).
var bracedEnvVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

const dummyEnvValue = "fidelity"

var (
	nameLine   = regexp.MustCompile(`^# (\S+)$`)
	expectLine = regexp.MustCompile(`^# expect-error: (.+)$`)
)

// fileConfig is a whole pgstream YAML file: YAMLConfig lacks the instrumentation section, which
// pgstream reads separately (config.ParseHealthConfig, config.ParseInstrumentationConfig).
type fileConfig struct {
	config.YAMLConfig `yaml:",inline"`
	Instrumentation   config.InstrumentationConfig `yaml:"instrumentation"`
}

type document struct {
	label  string // FILE#NAME
	name   string // snapshot.yaml or replication.yaml
	text   string // padded with blank lines so that error line numbers are the input file's
	expect string
}

func main() {
	expectFail := flag.Bool("expect-fail", false, "every document must fail, with its # expect-error text in the reason")
	list := flag.Bool("list-transformers", false, "print the transformer names the pinned pgstream knows and exit")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: pgstream-fidelity [-expect-fail] FILE...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *list {
		listTransformers()
		return
	}
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Args(), *expectFail))
}

func run(paths []string, expectFail bool) int {
	// config.LoadFile announces the file on stdout; the verdicts keep the real stdout to themselves.
	out := os.Stdout
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return fatal(err)
	}
	os.Stdout = devNull

	dir, err := os.MkdirTemp("", "pgstream-fidelity-")
	if err != nil {
		return fatal(err)
	}
	defer os.RemoveAll(dir)

	root := pgstreamcmd.Prepare()
	passed, failed := 0, 0
	verdict := func(label string, err error) {
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL %s: %s\n", label, oneLine(err))
			return
		}
		passed++
		fmt.Fprintf(out, "ok %s\n", label)
	}
	for _, path := range paths {
		docs, err := split(path)
		if err != nil {
			verdict(path, err)
			continue
		}
		for _, doc := range docs {
			err := check(root, dir, doc)
			if expectFail {
				err = expectFailure(doc, err)
			}
			verdict(doc.label, err)
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func expectFailure(doc document, err error) error {
	switch {
	case doc.expect == "":
		return errors.New(`a negative fixture needs a "# expect-error: TEXT" line after its name`)
	case err == nil:
		return fmt.Errorf("accepted, but must fail with %q", doc.expect)
	case !strings.Contains(oneLine(err), doc.expect):
		return fmt.Errorf("must fail with %q, failed with: %s", doc.expect, oneLine(err))
	}
	return nil
}

// split cuts a file into its documents; a file without any is an error, so that an empty render
// cannot pass.
func split(path string) ([]document, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(buf), "\n")
	var docs []document
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i < len(lines) && lines[i] != "---" {
			continue
		}
		// Only comments between two "---" lines (render's "# pgstreampipeline NAME" header when a
		// file holds several pipelines) is no document.
		if body := lines[start:i]; hasContent(body) {
			doc, err := newDocument(path, start, body)
			if err != nil {
				return nil, err
			}
			docs = append(docs, doc)
		}
		start = i + 1
	}
	if len(docs) == 0 {
		return nil, errors.New("no documents")
	}
	return docs, nil
}

func hasContent(lines []string) bool {
	for _, line := range lines {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return true
		}
	}
	return false
}

func newDocument(path string, start int, body []string) (document, error) {
	m := nameLine.FindStringSubmatch(body[0])
	if m == nil || commands[m[1]] == nil {
		return document{}, fmt.Errorf("line %d: a document must start with # snapshot.yaml, # backfill.yaml or # replication.yaml", start+1)
	}
	doc := document{
		label: path + "#" + m[1],
		name:  m[1],
		text:  strings.Repeat("\n", start) + strings.Join(body, "\n"),
	}
	for _, line := range body[1:] {
		if !strings.HasPrefix(line, "#") {
			break
		}
		if e := expectLine.FindStringSubmatch(line); e != nil {
			doc.expect = e[1]
		}
	}
	return doc, nil
}

func check(root *cobra.Command, dir string, doc document) error {
	for _, ref := range bracedEnvVar.FindAllStringSubmatch(doc.text, -1) {
		os.Setenv(ref[1], dummyEnvValue)
	}
	if err := strictDecode(bracedEnvVar.ReplaceAllString(doc.text, dummyEnvValue)); err != nil {
		return err
	}
	// The operator mounts the file under its own name; pgstream picks the format by extension.
	file := filepath.Join(dir, doc.name)
	if err := os.WriteFile(file, []byte(doc.text), 0o600); err != nil {
		return err
	}
	for _, command := range commands[doc.name] {
		if err := pgstreamCheck(root, command, file); err != nil {
			return fmt.Errorf("pgstream %s: %w", command, err)
		}
	}
	return nil
}

// strictDecode rejects any key pgstream's structs lack and any value of the wrong type.
func strictDecode(text string) error {
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	var cfg fileConfig
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("empty document")
		}
		return err
	}
	return nil
}

// pgstreamCheck runs, in pgstream's own code where it is exported, what `pgstream COMMAND -c FILE`
// does up to its first database connection.
func pgstreamCheck(root *cobra.Command, command, file string) error {
	sub, _, err := root.Find([]string{command})
	if err != nil {
		return err
	}
	// A fresh viper per run, set up as cmd.Prepare and its rootFlagBinding do, with -c FILE.
	viper.Reset()
	viper.SetEnvPrefix("PGSTREAM")
	viper.AutomaticEnv()
	flags := root.PersistentFlags()
	if err := flags.Set("config", file); err != nil {
		return err
	}
	viper.BindPFlag("config", flags.Lookup("config"))
	viper.BindPFlag("PGSTREAM_LOG_LEVEL", flags.Lookup("log-level"))
	viper.BindPFlag("PGSTREAM_LOG_FORMAT", flags.Lookup("log-format"))
	viper.BindPFlag("PGSTREAM_LOG_NO_COLOR", flags.Lookup("no-color"))

	// config.Load and the logging validation.
	if err := root.PersistentPreRunE(sub, nil); err != nil {
		return err
	}
	// The command's flag bindings and defaults (init and destroy force mode replication).
	switch {
	case sub.PreRunE != nil:
		if err := sub.PreRunE(sub, nil); err != nil {
			return err
		}
	case sub.PreRun != nil:
		sub.PreRun(sub, nil)
	}

	// The checks in run (cmd/run_cmd.go isSnapshotMode, unexported).
	if command == "run" && viper.GetString("source.postgres.url") != "" && viper.GetString("source.postgres.mode") == "snapshot" {
		return errors.New("cannot use the 'run' command in snapshot-only mode; please use the 'snapshot' command instead")
	}
	streamCfg, err := config.ParseStreamConfig()
	if err != nil {
		return fmt.Errorf("parsing stream config: %w", err)
	}
	if command == "init" || command == "destroy" {
		// stream.Init and stream.Destroy refuse this before they connect; they skip IsValid.
		if streamCfg.GetInitConfig().PostgresURL == "" {
			return errors.New("postgres URL is required")
		}
		return nil
	}

	// run and snapshot: newInstrumentationProvider, startHealthServer, then stream.Run/Snapshot.
	otelCfg, err := config.ParseInstrumentationConfig()
	if err != nil {
		return fmt.Errorf("parsing instrumentation config: %w", err)
	}
	provider, err := otel.NewInstrumentationProvider(otelCfg)
	if err != nil {
		return fmt.Errorf("initialising instrumentation provider: %w", err)
	}
	if err := provider.Close(); err != nil {
		return err
	}
	if _, err := config.ParseHealthConfig(); err != nil {
		return fmt.Errorf("parsing health config: %w", err)
	}
	if command == "snapshot" && streamCfg.Listener.Postgres == nil {
		return errors.New("source postgres snapshot not configured: ensure source.postgres is set")
	}
	if err := streamCfg.IsValid(); err != nil {
		return fmt.Errorf("incompatible configuration: %w", err)
	}
	return buildTransformers(streamCfg.Processor.Transformer)
}

// buildTransformers builds every column transformer of the rules with pgstream's own builder, as
// stream.Run/Snapshot do before their first row: an unknown name, an unknown parameter or a bad value
// fails here. pg_anonymizer alone needs the database (it runs the anon extension's functions there).
func buildTransformers(cfg *transformer.Config) error {
	if cfg == nil {
		return nil
	}
	b := builder.NewTransformerBuilder()
	for _, table := range cfg.TransformerRules {
		for column, rule := range table.ColumnRules {
			name := transformers.TransformerType(rule.Name)
			if name == "" || name == "noop" || name == transformers.PGAnonymizer {
				continue
			}
			t, err := b.New(&transformers.Config{Name: name, Parameters: rule.Parameters, DynamicParameters: rule.DynamicParameters})
			if err != nil {
				return fmt.Errorf("transformer %s of column %s.%s.%s: %w", rule.Name, table.Schema, table.Table, column, err)
			}
			if err := t.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

// listTransformers prints the transformer names the pinned pgstream knows (noop included), sorted:
// the operator's checked-in list (src/main/resources/pgstream-transformers.txt) must equal it.
func listTransformers() {
	names := []string{"noop"}
	for name := range builder.TransformersMap {
		names = append(names, string(name))
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Println(name)
	}
}

func oneLine(err error) string {
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		return strings.Join(typeErr.Errors, "; ")
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

func fatal(err error) int {
	fmt.Fprintln(os.Stderr, "pgstream-fidelity:", err)
	return 2
}
