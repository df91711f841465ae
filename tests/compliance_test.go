package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/policies"
)

// TestComplianceOfBothStacks: each stack's offline plan gives a report
// with no failing control in any framework, and says what it checked.
func TestComplianceOfBothStacks(t *testing.T) {
	for _, stack := range []string{"production", "dr"} {
		code, out, stderr := runCLI("check", "--stack", stack, "--dir", projectDir, "--format", "compliance")
		require.Equal(t, 0, code, stderr)
		c, err := policies.ReadCompliance(strings.NewReader(out), stack)
		require.NoError(t, err)
		assert.Zero(t, c.Failing(), "%s: no failing control", stack)
		assert.Equal(t, stack, c.Subject.Stack)
		assert.Equal(t, "platform", c.Subject.Project)
		assert.Contains(t, c.Subject.Source, "offline plan")
		assert.Positive(t, c.Subject.Resources)
		assert.Equal(t, policies.PackVersion, c.Pack.Version)
		assert.Equal(t, len(policies.All()), c.Pack.Policies)
		ids := map[string]policies.FrameworkResult{}
		for _, f := range c.Frameworks {
			ids[f.ID] = f
		}
		for _, id := range []string{"pci-dss-4.0", "soc2-2017", "cis-aws-3.0", "aws-fsbp"} {
			f, ok := ids[id]
			require.True(t, ok, "%s: %s in the report", stack, id)
			assert.True(t, f.HasCatalog)
			assert.Positive(t, f.Summary.InScope, "%s %s", stack, id)
			assert.Positive(t, f.Summary.Pass, "%s %s", stack, id)
			assert.Positive(t, f.Summary.NotCovered, "%s %s: the rest of the framework is listed as not covered", stack, id)
		}
		t.Logf("%s: %s", stack, summaries(c))
	}
}

func summaries(c *policies.ComplianceReport) string {
	var parts []string
	for _, f := range c.Frameworks {
		s := f.Summary
		parts = append(parts, strings.Join([]string{f.ID, itoa(s.InScope), "in scope", itoa(s.Pass), "pass", itoa(s.NotApplicable), "n/a", itoa(s.Undecided), "undecided", itoa(s.NotCovered), "not covered"}, " "))
	}
	return strings.Join(parts, "; ")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestComplianceEvidence: --out writes a dated, content-hashed report
// (the same inputs at the same time give the same file), and compliance
// diff shows a control that started failing.
func TestComplianceEvidence(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1795435200") // 2026-11-23T12:00:00Z
	t.Setenv("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
	dir := t.TempDir()
	code, out, stderr := runCLI("check", "--stack", "production", "--dir", projectDir, "--format", "compliance", "--out", dir)
	require.Equal(t, 0, code, stderr)
	paths := strings.Fields(out)
	require.Len(t, paths, 2, "the JSON and the Markdown")
	name := regexp.MustCompile(`^compliance-production-20261123T120000Z-[0-9a-f]{12}\.(json|md)$`)
	for _, p := range paths {
		assert.Regexp(t, name, filepath.Base(p))
	}
	f, err := os.Open(paths[0])
	require.NoError(t, err)
	old, err := policies.ReadCompliance(f, paths[0])
	f.Close()
	require.NoError(t, err)
	assert.Equal(t, "2026-11-23T12:00:00Z", old.GeneratedAt)
	assert.Equal(t, "0123456789abcdef0123456789abcdef01234567", old.Subject.Commit)
	assert.Contains(t, filepath.Base(paths[0]), strings.TrimPrefix(old.Digest, "sha256:")[:12], "the file is named for its digest")
	md, err := os.ReadFile(paths[1])
	require.NoError(t, err)
	assert.Contains(t, string(md), old.Digest)
	assert.Contains(t, string(md), "# Compliance report: production")

	code, again, _ := runCLI("check", "--stack", "production", "--dir", projectDir, "--format", "compliance", "--out", dir)
	require.Equal(t, 0, code)
	assert.Equal(t, out, again, "same stack, commit and time: same report, same names")

	// A stricter pack config (35-day backups in production) makes the
	// backup-retention control fail: the diff names it.
	pack, err := os.ReadFile(filepath.Join(projectDir, "policies", "pack.yaml"))
	require.NoError(t, err)
	stricter := strings.Replace(string(pack), "  platform/production:\n    requireAccountBaseline: true\n    requireTrail: true\n    minBackupRetentionDays: 14\n",
		"  platform/production:\n    requireAccountBaseline: true\n    requireTrail: true\n    minBackupRetentionDays: 35\n", 1)
	require.NotEqual(t, string(pack), stricter, "the pack config's production block")
	cfg := filepath.Join(t.TempDir(), "pack.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(stricter), 0o600))
	newer := filepath.Join(t.TempDir(), "new.json")
	code, body, stderr := runCLI("check", "--stack", "production", "--dir", projectDir, "--format", "compliance", "--config", cfg)
	assert.Equal(t, 1, code, "a mandatory violation: the check fails as it does in every format")
	require.NoError(t, os.WriteFile(newer, []byte(body), 0o600), stderr)

	code, text, stderr := runCLI("compliance", "diff", paths[0], newer)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `AWS Foundational Security Best Practices RDS.11: pass -> fail \(started failing\)`, text)
	assert.Regexp(t, `[0-9]+ regressions`, text)
	code, _, _ = runCLI("compliance", "diff", "--fail-on-regression", paths[0], newer)
	assert.Equal(t, 1, code, "--fail-on-regression fails on a control that got worse")
	code, md2, _ := runCLI("compliance", "diff", paths[0], paths[0], "--format", "markdown")
	assert.Equal(t, 0, code)
	assert.Contains(t, md2, "0 controls changed, 0 regressions")

	drCode, drReport, _ := runCLI("check", "--stack", "dr", "--dir", projectDir, "--format", "compliance")
	require.Equal(t, 0, drCode)
	drFile := filepath.Join(t.TempDir(), "dr.json")
	require.NoError(t, os.WriteFile(drFile, []byte(drReport), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compliance", "diff", paths[0], drFile}, "the reports are of different stacks"},
		{[]string{"compliance", "diff", paths[0]}, "give the old and the new report"},
		{[]string{"compliance"}, "the subcommand is diff"},
		{[]string{"compliance", "diff", paths[0], filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"check", "--stack", "production", "--dir", projectDir, "--format", "json", "--out", dir}, "--out writes a compliance report"},
		{[]string{"check", "--manifests", filepath.Join(projectDir, "deploy"), "--format", "compliance"}, "a compliance report is of a stack"},
	} {
		code, _, stderr := runCLI(tc.args...)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	require.NoError(t, os.WriteFile(tampered, []byte(strings.Replace(body, `"status": "fail"`, `"status": "pass"`, 1)), 0o600))
	code, _, stderr = runCLI("compliance", "diff", paths[0], tampered)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "does not match its content", "an edited report is refused")
}
