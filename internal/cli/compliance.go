package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"platform/policies"
)

// writeCompliance turns a check's report into the per-framework
// compliance report: on stdout (compliance: JSON, compliance-md:
// Markdown), or, with --out, as two files named for the stack, the time
// and the report's digest, whose paths are printed.
func writeCompliance(stdout io.Writer, report *policies.Report, subject policies.ComplianceSubject, format, out string) error {
	at := reportTime()
	c, err := policies.Compliance(report, policies.ComplianceInput{
		Subject: subject, PackName: policies.PackName, PackVersion: policies.PackVersion, GeneratedAt: at.Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	if err := c.Seal(); err != nil {
		return err
	}
	var js, md bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return err
	}
	if err := c.WriteMarkdown(&md); err != nil {
		return err
	}
	if out == "" {
		if format == "compliance-md" {
			_, err = stdout.Write(md.Bytes())
		} else {
			_, err = stdout.Write(js.Bytes())
		}
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	base := fmt.Sprintf("compliance-%s-%s-%s", subject.Stack, at.Format("20060102T150405Z"), strings.TrimPrefix(c.Digest, "sha256:")[:12])
	for _, f := range []struct {
		ext  string
		body []byte
	}{{".json", js.Bytes()}, {".md", md.Bytes()}} {
		path := filepath.Join(out, base+f.ext)
		if err := os.WriteFile(path, f.body, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, path)
	}
	return nil
}

// reportTime is now, or SOURCE_DATE_EPOCH (seconds) when set: the
// reproducible-builds convention, so that a report can be regenerated
// byte for byte.
func reportTime() time.Time {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return time.Unix(s, 0).UTC()
		}
	}
	return time.Now().UTC().Truncate(time.Second)
}

// commitOf is the commit a report names: the flag, GITHUB_SHA in CI, or
// the checkout's HEAD (with -dirty when the tree has changes); empty
// outside a Git checkout.
func commitOf(flagValue, dir string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := os.Getenv("GITHUB_SHA"); v != "" {
		return v
	}
	head, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(head))
	if status, err := exec.Command("git", "-C", dir, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(status)) > 0 {
		commit += "-dirty"
	}
	return commit
}

// projectOf reads the project from a stack URN (urn:pulumi:<stack>::<project>::...).
func projectOf(stackURN string) string {
	parts := strings.Split(strings.TrimPrefix(stackURN, "urn:pulumi:"), "::")
	if len(parts) >= 2 {
		return parts[1]
	}
	return ""
}

// complianceCommand: platform compliance diff OLD NEW.
func complianceCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "diff" {
		fmt.Fprintln(stderr, "platform compliance: the subcommand is diff: platform compliance diff OLD.json NEW.json [--format text|json|markdown] [--fail-on-regression]")
		return 2
	}
	fs := flag.NewFlagSet("compliance diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "text, json or markdown")
	strict := fs.Bool("fail-on-regression", false, "exit 1 when a control got worse (started failing, a waiver expired)")
	files, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return 2
	}
	if len(files) != 2 {
		fmt.Fprintln(stderr, "platform compliance diff: give the old and the new report (platform check --format compliance)")
		return 2
	}
	if *format != "text" && *format != "json" && *format != "markdown" {
		fmt.Fprintf(stderr, "platform compliance diff: --format must be text, json or markdown, got %q\n", *format)
		return 2
	}
	var reports [2]*policies.ComplianceReport
	for i, path := range files {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "platform compliance diff: %v\n", err)
			return 2
		}
		reports[i], err = policies.ReadCompliance(f, path)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "platform compliance diff: %v\n", err)
			return 2
		}
	}
	if a, b := reports[0].Subject, reports[1].Subject; a.Stack != b.Stack || a.Project != b.Project {
		fmt.Fprintf(stderr, "platform compliance diff: the reports are of different stacks (%s/%s and %s/%s)\n", a.Project, a.Stack, b.Project, b.Stack)
		return 2
	}
	d := policies.DiffCompliance(reports[0], reports[1])
	switch *format {
	case "json":
		if code := writeJSON("compliance diff", d, stdout, stderr); code != 0 {
			return code
		}
	case "markdown":
		d.WriteMarkdown(stdout)
	default:
		d.WriteText(stdout)
	}
	if *strict && d.Regressions() > 0 {
		return 1
	}
	return 0
}

// parseInterspersed parses flags given before, between or after the
// positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
