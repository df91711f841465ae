package policies

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// complianceStack: one unrotated key (kms-key-rotation fails: FSBP KMS.4,
// CIS 3.6, PCI 3.7.4), one rotated key, and nothing of RDS.
func complianceStack() []Resource {
	return []Resource{
		R(tKMSKey, "data", in{"enableKeyRotation": false, "deletionWindowInDays": 30.0}),
		R(tKMSKey, "logs", in{"enableKeyRotation": true, "deletionWindowInDays": 30.0}),
	}
}

func complianceOf(t *testing.T, resources []Resource, packConfig string) *ComplianceReport {
	t.Helper()
	r := Evaluate(resources, Options{Config: config(t, packConfig), Stack: "prod", Now: day})
	c, err := Compliance(r, ComplianceInput{
		Subject:  ComplianceSubject{Stack: "prod", Project: "platform", Source: "offline plan (platform check --stack prod)", Commit: "0123456789abcdef"},
		PackName: PackName, PackVersion: PackVersion, GeneratedAt: "2026-11-23T12:00:00Z",
	})
	require.NoError(t, err)
	require.NoError(t, c.Seal())
	return c
}

func control(t *testing.T, c *ComplianceReport, framework, id string) ControlResult {
	t.Helper()
	for _, f := range c.Frameworks {
		if f.ID != framework {
			continue
		}
		for _, ct := range f.Controls {
			if ct.ID == id {
				return ct
			}
		}
	}
	require.Failf(t, "no control", "%s %s", framework, id)
	return ControlResult{}
}

func framework(t *testing.T, c *ComplianceReport, id string) FrameworkResult {
	t.Helper()
	for _, f := range c.Frameworks {
		if f.ID == id {
			return f
		}
	}
	require.Failf(t, "no framework", id)
	return FrameworkResult{}
}

func kmsWaiver(expires string) string {
	return baselineElsewhere() + `waivers:
  - policy: kms-key-rotation
    resources: ["data"]
    reason: imported key material, rotated by the HSM team
    approvedBy: security-lead
    expires: "` + expires + `"
`
}

func TestComplianceStatuses(t *testing.T) {
	c := complianceOf(t, complianceStack(), baselineElsewhere())
	for _, fc := range [][2]string{{"aws-securityhub", "KMS.4"}, {"cis-aws-3.0", "3.6"}, {"pci-dss-4.0", "3.7.4"}, {"checkov", "CKV_AWS_7"}} {
		ct := control(t, c, fc[0], fc[1])
		assert.Equal(t, StatusFail, ct.Status, fc)
		require.Len(t, ct.Policies, 1)
		pr := ct.Policies[0]
		assert.Equal(t, "kms-key-rotation", pr.Name)
		require.Len(t, pr.Failures, 1)
		assert.Equal(t, "data", pr.Failures[0].Name)
		assert.NotEmpty(t, pr.Failures[0].Message)
		assert.Equal(t, "Set enableKeyRotation to true (components/kms does).", pr.Remediation, "a failure carries its remediation")
		assert.Len(t, pr.Checked, 2, "both keys were judged")
	}
	assert.NotEmpty(t, control(t, c, "pci-dss-4.0", "3.7.4").Title, "titles come from the catalog")

	// A control whose policies found nothing on resources they judged
	// passes; one with no resource of its kinds is not applicable.
	kmsWindow := control(t, c, "aws-fsbp", "KMS.3")
	assert.Equal(t, StatusPass, kmsWindow.Status, "the deletion windows are long enough")
	rds := control(t, c, "aws-fsbp", "RDS.5")
	assert.Equal(t, StatusNotApplicable, rds.Status, "no database in this stack: not applicable, never pass")
	assert.Empty(t, rds.Policies[0].Checked)

	fsbp := framework(t, c, "aws-fsbp")
	assert.True(t, fsbp.HasCatalog)
	assert.Equal(t, fsbp.Summary.InScope, fsbp.Summary.Pass+fsbp.Summary.Fail+fsbp.Summary.Waived+fsbp.Summary.NotApplicable+fsbp.Summary.Undecided)
	assert.Equal(t, StatusPass, control(t, c, "aws-fsbp", "KMS.3").Status)
	assert.Positive(t, fsbp.Summary.NotCovered, "controls of the standard no policy implements")
	for _, e := range fsbp.NotCovered {
		assert.Equal(t, "requirement", e.Kind)
		for _, ct := range fsbp.Controls {
			assert.NotEqual(t, ct.ID, e.ID, "a covered control is never listed as not covered")
		}
	}
	assert.Equal(t, fsbp.Summary.NotCovered, len(fsbp.NotCovered))
	pci := framework(t, c, "pci-dss-4.0")
	var security *CatalogEntry
	for i, e := range pci.NotCovered {
		if e.ID == "12.1.1" {
			security = &pci.NotCovered[i]
		}
	}
	require.NotNil(t, security, "PCI 12.1.1 (the information security policy) has no policy: listed as not covered")
	assert.NotEmpty(t, security.Title)
	for _, e := range pci.NotCovered {
		assert.NotEqual(t, "8.2", e.ID, "a section is never listed as not covered")
	}
	checkov := framework(t, c, "checkov")
	assert.False(t, checkov.HasCatalog, "a scanner's checks: no catalog, no coverage claimed")
	assert.Empty(t, checkov.NotCovered)
	assert.Positive(t, c.Failing())
}

func TestComplianceWaivers(t *testing.T) {
	waived := complianceOf(t, complianceStack(), kmsWaiver("2026-12-31"))
	ct := control(t, waived, "pci-dss-4.0", "3.7.4")
	assert.Equal(t, StatusWaived, ct.Status, "a waived finding is waived, never pass")
	require.Len(t, ct.Policies[0].Waived, 1)
	w := ct.Policies[0].Waived[0].Waiver
	require.NotNil(t, w)
	assert.Equal(t, ComplianceWaiver{Policy: "kms-key-rotation", Reason: "imported key material, rotated by the HSM team", ApprovedBy: "security-lead", Expires: "2026-12-31"}, *w)
	assert.Zero(t, waived.Failing())

	expired := complianceOf(t, complianceStack(), kmsWaiver("2026-11-01"))
	ct = control(t, expired, "pci-dss-4.0", "3.7.4")
	assert.Equal(t, StatusFail, ct.Status, "an expired waiver waives nothing")
	assert.Contains(t, ct.Policies[0].Failures[0].Message, "waiver expired 2026-11-01")
	require.Len(t, expired.Waivers, 1)
	assert.Equal(t, "2026-11-01", expired.Waivers[0].Expires)

	d := DiffCompliance(waived, expired)
	var pci *ComplianceChange
	for i, ch := range d.Changes {
		if ch.Framework == "PCI DSS 4.0" && ch.Control == "3.7.4" {
			pci = &d.Changes[i]
		}
	}
	require.NotNil(t, pci, "%+v", d.Changes)
	assert.Equal(t, ComplianceChange{Framework: "PCI DSS 4.0", Control: "3.7.4", Title: pci.Title, From: StatusWaived, To: StatusFail, Why: "a waiver expired"}, *pci)
	assert.Equal(t, StatusFail, d.Changes[0].To, "regressions first")
	assert.Positive(t, d.Regressions())
	require.Len(t, d.ExpiredWaivers, 1)

	fixed := DiffCompliance(expired, complianceOf(t, complianceStack()[1:], baselineElsewhere()))
	for _, ch := range fixed.Changes {
		if ch.Control == "3.7.4" {
			assert.Equal(t, "fixed", ch.Why)
			assert.Equal(t, StatusPass, ch.To)
		}
	}
	assert.Zero(t, fixed.Regressions())
	assert.Empty(t, DiffCompliance(expired, expired).Changes)
}

func TestComplianceDisabledAndUndecided(t *testing.T) {
	disabled := complianceOf(t, complianceStack(), baselineElsewhere()+"enforcement:\n  kms-key-rotation: disabled\n")
	ct := control(t, disabled, "pci-dss-4.0", "3.7.4")
	assert.Equal(t, StatusUndecided, ct.Status, "a disabled policy judged nothing: not a pass")
	assert.Equal(t, 1, disabled.Pack.Disabled)

	unknown := complianceOf(t, []Resource{R(tKMSKey, "data", in{"enableKeyRotation": UnknownSentinel, "deletionWindowInDays": 30.0})}, baselineElsewhere())
	assert.Equal(t, StatusUndecided, control(t, unknown, "pci-dss-4.0", "3.7.4").Status)
}

func TestComplianceDigestAndContract(t *testing.T) {
	c := complianceOf(t, complianceStack(), baselineElsewhere())
	b, err := json.Marshal(c)
	require.NoError(t, err)
	back, err := ReadCompliance(bytes.NewReader(b), "report.json")
	require.NoError(t, err, "a sealed report reads back")
	assert.Equal(t, c.Digest, back.Digest)
	assert.True(t, strings.HasPrefix(c.Digest, "sha256:"))

	var doc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &doc))
	for _, k := range []string{"schemaVersion", "digest", "generatedAt", "subject", "pack", "frameworks", "notes", "expiredWaivers"} {
		assert.Contains(t, doc, k, "the report's fields are a contract")
	}

	tampered := bytes.Replace(b, []byte(`"status":"fail"`), []byte(`"status":"pass"`), 1)
	require.NotEqual(t, b, tampered)
	_, err = ReadCompliance(bytes.NewReader(tampered), "report.json")
	assert.ErrorContains(t, err, "report.json: the report's digest")
	_, err = ReadCompliance(strings.NewReader(`{"schemaVersion": 9}`), "old.json")
	assert.ErrorContains(t, err, "old.json: schemaVersion 9")
}

// TestComplianceCatalogs: every reference a policy makes to a framework
// with a catalog names a control of that catalog.
func TestComplianceCatalogs(t *testing.T) {
	for _, fw := range Frameworks {
		entries, err := Catalog(fw)
		require.NoError(t, err)
		if fw.Catalog != "" {
			assert.NotEmpty(t, entries, fw.ID)
		}
	}
	for _, p := range All() {
		for _, ref := range p.Frameworks {
			fw, id := frameworkOf(ref)
			if fw.Catalog == "" {
				continue
			}
			entries, _ := Catalog(fw)
			found := false
			for _, e := range entries {
				found = found || e.ID == id
			}
			assert.True(t, found, "%s: %q is not a control of %s (%s)", p.Name, ref, fw.Name, fw.Catalog)
		}
	}
	for ref, want := range map[string][2]string{
		"PCI 10.2.1": {"pci-dss-4.0", "10.2.1"}, "SOC2 CC6.6": {"soc2-2017", "CC6.6"}, "CIS 5.4 (5.5)": {"cis-aws-3.0", "5.4"},
		"CIS EKS 4.1.1": {"cis-eks", "4.1.1"}, "FSBP EC2.2": {"aws-fsbp", "EC2.2"}, "CKV2_AWS_11": {"checkov", "CKV2_AWS_11"},
		"AVD-AWS-0178": {"trivy", "AVD-AWS-0178"}, "kube-score": {"other", "kube-score"},
		"SecurityHub KMS.4": {"aws-securityhub", "KMS.4"},
	} {
		fw, id := frameworkOf(ref)
		assert.Equal(t, want, [2]string{fw.ID, id}, ref)
	}
}

func TestComplianceMarkdownGolden(t *testing.T) {
	c := complianceOf(t, complianceStack(), kmsWaiver("2026-12-31"))
	var got bytes.Buffer
	require.NoError(t, c.WriteMarkdown(&got))
	golden := filepath.Join("testdata", "compliance.golden.md")
	if *updateReadme {
		require.NoError(t, os.WriteFile(golden, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "go test ./policies -run TestComplianceMarkdownGolden -update writes it")
	assert.Equal(t, string(want), got.String(), "the printable report changed: review, then rerun with -update")
}
