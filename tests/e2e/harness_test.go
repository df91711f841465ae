package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/policies"
	"platform/stacks"
)

// MinCLIVersion is the oldest Pulumi CLI the real-engine run accepts: the
// one the wrapper module in tools/pulumi builds.
var MinCLIVersion = semver.MustParse("3.259.0")

// Project is the Pulumi project name of the platform.
const Project = "platform"

// tools are the executables the real-engine run needs. make e2e builds
// them (the CLI into a cache, the rest into bin/e2e) and names them in
// the environment.
type tools struct {
	pulumi  string // the Pulumi CLI
	bin     string // holds pulumi-resource-aws and pulumi-analyzer-policy-go
	checker string // the platform CLI (platform check)
	version semver.Version
}

// findTools locates the tools, or skips the test saying how to get them;
// with PLATFORM_E2E_REQUIRE set (make e2e sets it) a missing tool fails.
func findTools(t *testing.T) tools {
	t.Helper()
	missing := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...) + "; run `make e2e`, which builds every tool the real-engine run needs"
		if os.Getenv("PLATFORM_E2E_REQUIRE") != "" {
			t.Fatal(msg)
		}
		t.Skip("real-engine tests skipped: " + msg)
	}
	var tl tools
	tl.pulumi = os.Getenv("PLATFORM_PULUMI")
	if tl.pulumi == "" {
		tl.pulumi, _ = exec.LookPath("pulumi")
	}
	if tl.pulumi == "" {
		missing("no Pulumi CLI (PLATFORM_PULUMI or pulumi on PATH)")
	}
	out, err := exec.Command(tl.pulumi, "version").Output()
	if err != nil {
		missing("%s version: %v", tl.pulumi, err)
	}
	v, err := semver.ParseTolerant(strings.TrimSpace(string(out)))
	if err != nil || v.LT(MinCLIVersion) {
		missing("%s is version %q, need at least %s", tl.pulumi, strings.TrimSpace(string(out)), MinCLIVersion)
	}
	tl.version = v
	tl.bin = os.Getenv("PLATFORM_E2E_BIN")
	for _, name := range []string{"pulumi-resource-aws", "pulumi-resource-kubernetes", "pulumi-analyzer-policy-go", "platform"} {
		if tl.bin == "" {
			missing("PLATFORM_E2E_BIN is not set")
		}
		if _, err := os.Stat(filepath.Join(tl.bin, name)); err != nil {
			missing("%s is not in PLATFORM_E2E_BIN (%s)", name, tl.bin)
		}
	}
	tl.checker = filepath.Join(tl.bin, "platform")
	return tl
}

// repoRoot is the repository root (this package is tests/e2e).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// world is one file backend, one private PULUMI_HOME and one copy of the
// project: the CLI writes an encryption salt into the stack files, so it
// never runs in the checkout.
type world struct {
	t       *testing.T
	tools   tools
	project string // the copy of the project directory
	pack    string // the copy of the policy pack directory
	env     map[string]string
}

func newWorld(t *testing.T, tl tools) *world {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	w := &world{t: t, tools: tl, project: filepath.Join(dir, "project"), pack: filepath.Join(dir, "pack")}
	for _, d := range []string{w.project, w.pack, filepath.Join(dir, "state"), filepath.Join(dir, "home")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	files, err := filepath.Glob(filepath.Join(root, "Pulumi*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		copyFile(t, f, filepath.Join(w.project, filepath.Base(f)))
	}
	copyFile(t, filepath.Join(root, "policies", "pack", "PulumiPolicy.yaml"), filepath.Join(w.pack, "PulumiPolicy.yaml"))
	w.env = map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(dir, "state"),
		"PULUMI_CONFIG_PASSPHRASE":                    "e2e-only-passphrase",
		"PULUMI_HOME":                                 filepath.Join(dir, "home"),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// The doubles come first on PATH: no real provider is reachable,
		// and none must be picked up.
		"PATH": tl.bin + string(os.PathListSeparator) + filepath.Dir(tl.pulumi) + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	return w
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(to, b, 0o644))
}

// editStackFile rewrites one line of a stack file in the project copy, as
// an operator editing Pulumi.<stack>.yaml in a pull request would.
func (w *world) editStackFile(stack, old, new string) {
	w.t.Helper()
	path := filepath.Join(w.project, "Pulumi."+stack+".yaml")
	b, err := os.ReadFile(path)
	require.NoError(w.t, err)
	require.Equal(w.t, 1, strings.Count(string(b), old), "%s must contain %q exactly once", path, old)
	require.NoError(w.t, os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}

// stack opens (or creates) a stack of the project copy with the platform's
// program as an inline program: the Automation API serves it to the CLI,
// so no Go language host is needed.
func (w *world) stack(name string) auto.Stack {
	w.t.Helper()
	ctx := context.Background()
	cmd := &cli{path: w.tools.pulumi, version: w.tools.version}
	st, err := auto.UpsertStackInlineSource(ctx, name, Project, stacks.Run,
		auto.WorkDir(w.project), auto.EnvVars(w.env), auto.Pulumi(cmd))
	require.NoError(w.t, err)
	return st
}

// run is one preview or update: what the engine said, step by step.
type run struct {
	steps    []apitype.StepEventMetadata
	policy   []apitype.PolicyEvent
	diags    []apitype.DiagnosticEvent
	stdout   string
	duration time.Duration
	err      error
}

func collect(ch <-chan events.EngineEvent, r *run, done *sync.WaitGroup) {
	defer done.Done()
	for e := range ch {
		switch {
		case e.ResourcePreEvent != nil:
			r.steps = append(r.steps, e.ResourcePreEvent.Metadata)
		case e.PolicyEvent != nil:
			r.policy = append(r.policy, *e.PolicyEvent)
		case e.DiagnosticEvent != nil:
			r.diags = append(r.diags, *e.DiagnosticEvent)
		}
	}
}

// operate runs one engine operation and records its events. op gets the
// event channel and returns what the CLI printed on stdout.
func operate(op func(chan<- events.EngineEvent) (string, error)) *run {
	r := &run{}
	ch := make(chan events.EngineEvent)
	var done sync.WaitGroup
	done.Add(1)
	go collect(ch, r, &done)
	start := time.Now()
	r.stdout, r.err = op(ch)
	r.duration = time.Since(start)
	done.Wait()
	return r
}

// preview runs `pulumi preview` with the policy pack; the CLI also prints
// the preview as JSON (--json), as a pull request's check would save it.
func (w *world) preview(st auto.Stack, extra ...optpreview.Option) *run {
	return operate(func(ch chan<- events.EngineEvent) (string, error) {
		opts := append([]optpreview.Option{optpreview.PolicyPacks(w.pack), optpreview.EventStreams(ch)}, extra...)
		res, err := st.Preview(context.Background(), opts...)
		if err != nil {
			return errorStdout(err), err
		}
		return res.StdOut, nil
	})
}

// errorStdout digs the CLI's stdout out of a failed command's error.
func errorStdout(err error) string {
	s := err.Error()
	if i := strings.Index(s, "stdout: "); i >= 0 {
		s = s[i+len("stdout: "):]
		if j := strings.Index(s, "\nstderr: "); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

// up runs `pulumi up` with the policy pack.
func (w *world) up(st auto.Stack) *run {
	return operate(func(ch chan<- events.EngineEvent) (string, error) {
		res, err := st.Up(context.Background(), optup.PolicyPacks(w.pack), optup.EventStreams(ch))
		return res.StdOut, err
	})
}

// requireOK fails the test when the run failed, with what the engine said
// (its error diagnostics and mandatory policy violations), not the whole
// output.
func (r *run) requireOK(t *testing.T, what string) {
	t.Helper()
	if r.err == nil {
		return
	}
	t.Fatalf("%s failed:\n%s", what, r.explain())
}

// explain summarises a run: error diagnostics and policy violations.
func (r *run) explain() string {
	var b strings.Builder
	for _, d := range r.diags {
		if d.Severity == "error" || d.Severity == "warning" {
			fmt.Fprintf(&b, "  %s %s: %s\n", d.Severity, d.URN, strings.TrimSpace(d.Message))
		}
	}
	for _, p := range r.policy {
		fmt.Fprintf(&b, "  policy %s (%s) %s: %s\n", p.PolicyName, p.EnforcementLevel, p.ResourceURN, strings.TrimSpace(p.Message))
	}
	// What changed, for a preview that expected no change.
	for _, s := range r.steps {
		if s.Op != apitype.OpSame && s.Op != apitype.OpRead && s.Type != "pulumi:pulumi:Stack" {
			fmt.Fprintf(&b, "  %s %s (changed: %s)\n", s.Op, s.URN, strings.Join(s.Diffs, ", "))
		}
	}
	if r.err != nil {
		msg := r.err.Error()
		if i := strings.Index(msg, "stderr: "); i >= 0 {
			msg = msg[i:]
		}
		b.WriteString(msg)
	}
	return b.String()
}

// urns are the resources the engine planned, without the stack root
// (which the offline plan does not register).
func (r *run) urns() []string {
	seen := map[string]bool{}
	for _, s := range r.steps {
		if s.Type == "pulumi:pulumi:Stack" {
			continue
		}
		seen[s.URN] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// finding is a policy verdict as both the pack and platform check name
// it: the policy and the resource (empty: the stack).
type finding struct {
	Policy string
	URN    string
	Level  string
}

func (f finding) String() string { return f.Level + " " + f.Policy + " " + f.URN }

// findings are the pack's verdicts reported inside the engine.
func (r *run) findings() []finding {
	var out []finding
	for _, p := range r.policy {
		level := "advisory"
		if p.EnforcementLevel == "mandatory" {
			level = "mandatory"
		}
		urn := p.ResourceURN
		if urn != "" && resource.URN(urn).Type() == resource.RootStackType {
			urn = "" // the engine names the stack's root for stack-level findings
		}
		out = append(out, finding{Policy: p.PolicyName, URN: urn, Level: level})
	}
	return sortFindings(out)
}

// reportFindings turns a platform check report into findings; a
// stack-level finding names no resource, as inside the engine.
func reportFindings(r *policies.Report) []finding {
	var out []finding
	for _, f := range r.Violations {
		urn := f.URN
		if f.Type == "pulumi:pulumi:Stack" {
			urn = ""
		}
		out = append(out, finding{Policy: f.Policy, URN: urn, Level: string(f.Enforcement)})
	}
	return sortFindings(out)
}

func sortFindings(fs []finding) []finding {
	sort.Slice(fs, func(i, j int) bool { return fs[i].String() < fs[j].String() })
	return slices.Compact(fs)
}

func (r *run) mandatory() []finding {
	var out []finding
	for _, f := range r.findings() {
		if f.Level == "mandatory" {
			out = append(out, f)
		}
	}
	return out
}

// offlinePlan plans a stack of the project copy with the offline planner,
// as `platform plan` does.
func (w *world) offlinePlan(stack string) *plan.Plan {
	w.t.Helper()
	planner, err := plan.NewPlanner(w.project, stacks.Program)
	require.NoError(w.t, err)
	p, err := planner.Plan(stack)
	require.NoError(w.t, err)
	return p
}

func planURNs(p *plan.Plan) []string {
	seen := map[string]bool{}
	for _, r := range p.Resources {
		seen[r.URN] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// platformCheck runs the platform CLI's check and returns its report and
// exit status.
func (w *world) platformCheck(args ...string) (*policies.Report, int, time.Duration) {
	w.t.Helper()
	cmd := exec.Command(w.tools.checker, append([]string{"check", "--format", "json"}, args...)...)
	cmd.Dir = w.project
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else {
		require.NoError(w.t, err)
	}
	require.NotEqual(w.t, 2, code, "platform check %v: %s", args, stderr.String())
	var report policies.Report
	require.NoError(w.t, json.Unmarshal(stdout.Bytes(), &report), "platform check %v printed: %s %s", args, stdout.String(), stderr.String())
	return &report, code, took
}

// cli runs the Pulumi CLI for the Automation API, adding --json
// --show-sames to every preview so the run also yields what a pull
// request's check saves: the whole stack's planned state as JSON.
type cli struct {
	path    string
	version semver.Version
}

func (c *cli) Version() semver.Version { return c.version }

func (c *cli) Run(ctx context.Context, workdir string, stdin io.Reader, outs, errs []io.Writer, env []string, args ...string) (string, string, int, error) {
	if len(args) > 0 && args[0] == "preview" {
		args = append(args, "--json", "--show-sames")
	}
	args = append([]string{"--non-interactive"}, args...)
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Dir = workdir
	cmd.Env = append(append(os.Environ(), env...), "PULUMI_AUTOMATION_API=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout = io.MultiWriter(append(outs, &stdout)...)
	cmd.Stderr = io.MultiWriter(append(errs, &stderr)...)
	cmd.Stdin = stdin
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	}
	return stdout.String(), stderr.String(), code, err
}
