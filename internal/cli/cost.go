package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"platform/internal/cost"
)

// costCommand plans a stack offline and prints its monthly estimate, or
// (cost diff) the difference from a base.
func costCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "diff" {
		return costDiffCommand(args[1:], stdout, stderr)
	}
	fs, f := newCostFlags("cost", stderr)
	if code := f.parse(fs, args, stderr); code != 0 {
		return code
	}
	e, code := estimateStack("cost", f.dir, f.stack, f.usage, stderr)
	if e == nil {
		return code
	}
	switch f.format {
	case "json":
		return writeJSON("cost", e, stdout, stderr)
	case "markdown":
		cost.WriteMarkdown(stdout, e)
	default:
		cost.WriteText(stdout, e)
	}
	return 0
}

// costDiffCommand prices the stack as it is in --dir (the head) and
// compares it with a base: a report file, or the same stack at a Git ref.
func costDiffCommand(args []string, stdout, stderr io.Writer) int {
	fs, f := newCostFlags("cost diff", stderr)
	baseFile := fs.String("base", "", "the base: a report of platform cost --format json")
	baseRef := fs.String("base-ref", "", "the base: a Git ref of the project in --dir, priced by its own platform cost")
	if code := f.parse(fs, args, stderr); code != 0 {
		return code
	}
	if (*baseFile == "") == (*baseRef == "") {
		fmt.Fprintln(stderr, "platform cost diff: give exactly one of --base FILE (a platform cost --format json report) or --base-ref REF (a Git ref)")
		return 2
	}
	var base *cost.Estimate
	var err error
	if *baseFile != "" {
		base, err = readEstimateFile(*baseFile)
	} else {
		base, err = estimateAtRef(f.dir, *baseRef, f.stack, f.usage, stderr)
	}
	if err != nil {
		fmt.Fprintf(stderr, "platform cost diff: %v\n", err)
		return 2
	}
	if base.Stack != f.stack {
		fmt.Fprintf(stderr, "platform cost diff: the base prices stack %q, not %q\n", base.Stack, f.stack)
		return 2
	}
	head, code := estimateStack("cost diff", f.dir, f.stack, f.usage, stderr)
	if head == nil {
		return code
	}
	d := cost.DiffEstimates(base, head)
	switch f.format {
	case "json":
		return writeJSON("cost diff", d, stdout, stderr)
	case "markdown":
		cost.WriteDiffMarkdown(stdout, d)
	default:
		cost.WriteDiffText(stdout, d)
	}
	return 0
}

// costFlags are the flags both cost commands take.
type costFlags struct {
	command                   string
	stack, dir, format, usage string
}

func newCostFlags(command string, stderr io.Writer) (*flag.FlagSet, *costFlags) {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &costFlags{command: command}
	fs.StringVar(&f.stack, "stack", "", "stack to price")
	fs.StringVar(&f.dir, "dir", ".", "project directory")
	fs.StringVar(&f.format, "format", "text", "text, json or markdown")
	fs.StringVar(&f.usage, "usage", "", "usage file (YAML)")
	return fs, f
}

// parse parses the arguments and checks what both commands share.
func (f *costFlags) parse(fs *flag.FlagSet, args []string, stderr io.Writer) int {
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "platform %s: unexpected argument %q\n", f.command, fs.Arg(0))
	case f.stack == "":
		fmt.Fprintf(stderr, "platform %s: --stack is required\n", f.command)
	case f.format != "text" && f.format != "json" && f.format != "markdown":
		fmt.Fprintf(stderr, "platform %s: --format must be text, json or markdown, got %q\n", f.command, f.format)
	default:
		return 0
	}
	return 2
}

// estimateStack plans and prices a stack with the embedded prices and the
// usage file (or the defaults).
func estimateStack(command, dir, stack, usageFile string, stderr io.Writer) (*cost.Estimate, int) {
	usage := cost.DefaultUsage()
	if usageFile != "" {
		f, err := os.Open(usageFile)
		if err != nil {
			fmt.Fprintf(stderr, "platform %s: %v\n", command, err)
			return nil, 2
		}
		usage, err = cost.ReadUsage(f, usageFile)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "platform %s: %v\n", command, err)
			return nil, 2
		}
	}
	prices, err := cost.DefaultPrices()
	if err != nil {
		fmt.Fprintf(stderr, "platform %s: the embedded price table: %v\n", command, err)
		return nil, 1
	}
	p, code := planStack(command, dir, stack, stderr)
	if p == nil {
		return nil, code
	}
	return cost.EstimatePlan(p, prices, usage), 0
}

func readEstimateFile(path string) (*cost.Estimate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return cost.ReadEstimate(f, path)
}

// estimateAtRef prices the stack as the project was at a Git ref: the
// ref is checked out in a temporary worktree and its own `platform cost`
// runs there, so the base is that ref's program, config and prices, not
// this binary's program with the ref's config.
func estimateAtRef(dir, ref, stack, usageFile string, stderr io.Writer) (*cost.Estimate, error) {
	top, err := git(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("--base-ref needs --dir inside a Git checkout: %w", err)
	}
	top = strings.TrimSpace(top)
	if _, err := git(dir, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		return nil, fmt.Errorf("--base-ref %q is not a commit of %s (fetch it first, e.g. git fetch origin main)", ref, top)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	rel, err := filepath.Rel(top, abs)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "platform-cost-base-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if _, err := git(dir, "worktree", "add", "--detach", "--quiet", tree, ref); err != nil {
		return nil, fmt.Errorf("checking out %s: %w", ref, err)
	}
	defer git(dir, "worktree", "remove", "--force", tree) //nolint:errcheck // best effort: the directory goes with tmp
	cmdArgs := []string{"run", "./cmd/platform", "cost", "--stack", stack, "--format", "json"}
	if usageFile != "" {
		u, err := filepath.Abs(usageFile)
		if err != nil {
			return nil, err
		}
		cmdArgs = append(cmdArgs, "--usage", u)
	}
	fmt.Fprintf(stderr, "pricing %s at %s (go run ./cmd/platform cost in a worktree of it)\n", stack, ref)
	cmd := exec.Command("go", cmdArgs...)
	cmd.Dir = filepath.Join(tree, rel)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if strings.Contains(msg, `unknown command "cost"`) {
			return nil, fmt.Errorf("%s predates platform cost: price it with --base FILE instead", ref)
		}
		return nil, fmt.Errorf("platform cost at %s failed: %v: %s", ref, err, msg)
	}
	return cost.ReadEstimate(&out, "platform cost at "+ref)
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", errors.New(strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

func writeJSON(command string, v any, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(stderr, "platform %s: %v\n", command, err)
		return 1
	}
	return 0
}
