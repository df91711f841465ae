package policies

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var day = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// unrotated is a stack with one mandatory violation (kms-key-rotation).
func unrotated() []Resource {
	return []Resource{R(tKMSKey, "data", in{"enableKeyRotation": false, "deletionWindowInDays": 30.0})}
}

func config(t *testing.T, yaml string) *Config {
	t.Helper()
	c, err := ParseConfig([]byte(yaml), "pack.yaml")
	require.NoError(t, err)
	return c
}

func baselineElsewhere() string {
	return "params:\n  requireAccountBaseline: false\n  requireTrail: false\n"
}

func TestEvaluateCountsAndEnforcement(t *testing.T) {
	r := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()), Stack: "prod", Now: day})
	assert.Equal(t, len(All()), r.Summary.Policies)
	assert.Equal(t, 1, r.Summary.Resources)
	assert.Equal(t, 1, r.Summary.Mandatory)
	require.Len(t, r.Violations, 1)
	v := r.Violations[0]
	assert.Equal(t, "kms-key-rotation", v.Policy)
	assert.Equal(t, High, v.Severity)
	assert.Equal(t, Mandatory, v.Enforcement)
	assert.Equal(t, "data", v.Name)
	assert.Equal(t, tKMSKey, v.Type)
	assert.Contains(t, v.Frameworks, "CIS 3.6")
	assert.True(t, r.HasMandatory())

	advisory := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()+"enforcement:\n  kms-key-rotation: advisory\n"), Now: day})
	assert.Equal(t, 0, advisory.Summary.Mandatory)
	assert.Equal(t, 1, advisory.Summary.Advisory)
	assert.False(t, advisory.HasMandatory())

	disabled := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()+"enforcement:\n  kms-key-rotation: disabled\n"), Now: day})
	assert.Empty(t, disabled.Violations)
	assert.Equal(t, len(All())-1, disabled.Summary.Policies, "a disabled policy is not evaluated")
}

func TestAccountBaselineParam(t *testing.T) {
	required := config(t, "params:\n  requireAccountBaseline: true\n  requireTrail: true\n")
	r := Evaluate(nil, Options{Config: required, Stack: "prod", Now: day})
	names := map[string]bool{}
	for _, v := range r.Violations {
		names[v.Policy] = true
		assert.Equal(t, "pulumi:pulumi:Stack", v.Type, "a missing baseline is the stack's finding")
	}
	for _, p := range []string{"cloudtrail-multi-region", "guardduty-enabled", "config-records-all", "securityhub-standards"} {
		assert.True(t, names[p], p)
	}
	assert.Empty(t, r.Notes)
	byDefault := Evaluate(nil, Options{Now: day})
	assert.Empty(t, byDefault.Violations, "by default no stack must hold the account baseline")
	assert.Len(t, byDefault.Notes, 2, "and the report says the account-level controls were not applied")
}

func TestWaivers(t *testing.T) {
	waiver := func(expires, extra string) string {
		return baselineElsewhere() + `waivers:
  - policy: kms-key-rotation
    resources: ["data"]
    reason: imported key, rotation handled by the HSM team
    approvedBy: security-lead
    expires: "` + expires + `"
` + extra
	}
	t.Run("valid waiver waives", func(t *testing.T) {
		r := Evaluate(unrotated(), Options{Config: config(t, waiver("2026-12-31", "")), Now: day})
		assert.Empty(t, r.Violations)
		require.Len(t, r.Waived, 1)
		assert.Equal(t, "security-lead", r.Waived[0].Waiver.ApprovedBy)
		assert.Equal(t, 1, r.Summary.Waived)
		assert.False(t, r.HasMandatory())
	})
	t.Run("expiry day still waives", func(t *testing.T) {
		r := Evaluate(unrotated(), Options{Config: config(t, waiver("2026-11-23", "")), Now: day})
		assert.Len(t, r.Waived, 1)
	})
	t.Run("expired waiver no longer waives", func(t *testing.T) {
		r := Evaluate(unrotated(), Options{Config: config(t, waiver("2026-11-01", "")), Now: day})
		require.Len(t, r.Violations, 1)
		assert.Contains(t, r.Violations[0].Message, "waiver expired 2026-11-01")
		require.Len(t, r.ExpiredWaivers, 1)
		assert.Equal(t, "kms-key-rotation", r.ExpiredWaivers[0].Policy)
		var text bytes.Buffer
		require.NoError(t, r.Write(&text, "text"))
		assert.Contains(t, text.String(), "EXPIRED WAIVER: kms-key-rotation on data expired 2026-11-01")
	})
	t.Run("limited to other stacks", func(t *testing.T) {
		r := Evaluate(unrotated(), Options{Config: config(t, waiver("2026-12-31", "    stacks: [dr]\n")), Stack: "prod", Now: day})
		assert.Len(t, r.Violations, 1)
	})
	t.Run("pattern over the urn", func(t *testing.T) {
		c := config(t, strings.Replace(waiver("2026-12-31", ""), `["data"]`, `["urn:pulumi:test::platform::aws:kms/key:Key::*"]`, 1))
		// path.Match's * stops at "/", and the type token has one: a URN
		// pattern must spell the type out, which this one does.
		r := Evaluate(unrotated(), Options{Config: c, Now: day})
		assert.Empty(t, r.Violations)
	})
}

func TestConfigRejections(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"waiver without reason", "waivers:\n  - policy: kms-key-rotation\n    resources: [x]\n    approvedBy: a\n    expires: \"2027-01-01\"\n", "pack.yaml: waivers[0].reason: a waiver needs a reason"},
		{"waiver without expiry", "waivers:\n  - policy: kms-key-rotation\n    resources: [x]\n    reason: r\n    approvedBy: a\n", "pack.yaml: waivers[0].expires: a waiver needs an expiry date (YYYY-MM-DD)"},
		{"waiver without approver", "waivers:\n  - policy: kms-key-rotation\n    resources: [x]\n    reason: r\n    expires: \"2027-01-01\"\n", "pack.yaml: waivers[0].approvedBy: a waiver needs an approver"},
		{"bad expiry", "waivers:\n  - policy: kms-key-rotation\n    resources: [x]\n    reason: r\n    approvedBy: a\n    expires: next year\n", `pack.yaml: waivers[0].expires: must be a date YYYY-MM-DD, got "next year"`},
		{"unknown waived policy", "waivers:\n  - policy: no-such\n    resources: [x]\n    reason: r\n    approvedBy: a\n    expires: \"2027-01-01\"\n", `pack.yaml: waivers[0].policy: no such policy "no-such"`},
		{"no resources", "waivers:\n  - policy: kms-key-rotation\n    reason: r\n    approvedBy: a\n    expires: \"2027-01-01\"\n", "pack.yaml: waivers[0].resources: name at least one resource pattern"},
		{"unknown enforcement policy", "enforcement:\n  no-such: advisory\n", "pack.yaml: enforcement.no-such: no such policy"},
		{"bad level", "enforcement:\n  kms-key-rotation: warn\n", `pack.yaml: enforcement.kms-key-rotation: must be mandatory, advisory or disabled, got "warn"`},
		{"unknown field", "params:\n  minBackupRetention: 3\n", "field minBackupRetention not found"},
		{"bad params", "params:\n  minKeyDeletionWindowDays: 3\n", "params.minKeyDeletionWindowDays: 3 is weaker than the control catalog's 7 (shared/CONTROLS.md row 12)"},
		{"lowered per stack", "stacks:\n  platform/dr:\n    maxSecretRotationDays: 365\n", "stacks.platform/dr.maxSecretRotationDays: 365 is weaker than the control catalog's 90"},
		{"stack without project", "stacks:\n  dr:\n    requireTrail: true\n", "stacks.dr: name the stack as project/stack"},
		{"bad support date", "params:\n  kubernetesStandardSupportEnds:\n    \"1.37\": soon\n", "params.kubernetesStandardSupportEnds.1.37: must be a date YYYY-MM-DD"},
		{"bad asOf", "params:\n  asOf: tomorrow\n", "params.asOf: must be a date YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(tt.yaml), "pack.yaml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestStackParams: params are raised per project and stack, explicitly;
// account-level controls apply only to the stack named as holding the
// baseline, and the report says when they were not applied.
func TestStackParams(t *testing.T) {
	c := config(t, "stacks:\n  platform/production:\n    requireTrail: true\n    requireAccountBaseline: true\n    minSnapshotRetentionDays: 7\n")
	prodParams := c.ParamsFor("platform", "production")
	assert.True(t, prodParams.RequireTrail)
	assert.Equal(t, 7, prodParams.MinSnapshotRetentionDays)
	assert.Equal(t, 7, prodParams.MinBackupRetentionDays, "fields not raised keep the catalog's value")
	assert.False(t, c.ParamsFor("payments", "production").RequireTrail, "another project's stack of the same name is not the platform's")
	assert.Equal(t, 1, c.ParamsFor("platform", "staging").MinSnapshotRetentionDays, "other stacks keep the catalog's threshold")

	has := func(r *Report, policy string) bool {
		for _, v := range r.Violations {
			if v.Policy == policy {
				return true
			}
		}
		return false
	}
	prod := Evaluate(nil, Options{Config: c, Project: "platform", Stack: "production", Now: day})
	assert.True(t, has(prod, "cloudtrail-multi-region"))
	assert.True(t, has(prod, "guardduty-enabled"))
	assert.Contains(t, prod.Notes, "minSnapshotRetentionDays is 7 for platform/production (pack config stacks.platform/production; the control catalog's threshold is 1)")

	other := Evaluate(nil, Options{Config: c, Project: "payments", Stack: "production", Now: day})
	assert.False(t, has(other, "cloudtrail-multi-region"), "another program is not failed for lacking the account's trail")
	assert.False(t, has(other, "guardduty-enabled"))
	require.Len(t, other.Notes, 2)
	assert.Contains(t, other.Notes[0], "account-level controls not applied to payments/production")
	assert.Contains(t, other.Notes[1], "trail is not required of payments/production")

	cache := R(tCacheReplicationGrp, "cache", in{"atRestEncryptionEnabled": true, "kmsKeyId": "k", "transitEncryptionEnabled": true, "userGroupIds": list("ug"),
		"multiAzEnabled": true, "automaticFailoverEnabled": true, "snapshotRetentionLimit": 3.0, "subnetGroupName": "data"})
	assert.True(t, has(Evaluate([]Resource{cache}, Options{Config: c, Project: "platform", Stack: "production", Now: day}), "elasticache-snapshot-retention"), "3 days is below production's 7")
	assert.False(t, has(Evaluate([]Resource{cache}, Options{Config: c, Project: "payments", Stack: "production", Now: day}), "elasticache-snapshot-retention"), "3 days meets the catalog's 1")
}

func TestPlatformConfigIsValid(t *testing.T) {
	c, err := PlatformConfig()
	require.NoError(t, err)
	for _, w := range c.Waivers {
		assert.NotEmpty(t, w.Reason)
		assert.False(t, w.Expired(day), "waiver of %s has expired: renew it with a review or fix the finding", w.Policy)
	}
}

func TestUnknownValuesAreUndecided(t *testing.T) {
	rs := []Resource{
		R(tKMSKey, "data", in{"enableKeyRotation": UnknownSentinel}),
		R(tRDSInstance, "db", in{"publiclyAccessible": "[unknown]"}),
	}
	r := Evaluate(rs, Options{Config: config(t, baselineElsewhere()), Now: day})
	undecided := map[string]bool{}
	for _, u := range r.Undecided {
		undecided[u.Policy] = true
		assert.Contains(t, u.Message, "not known until deployment")
	}
	assert.True(t, undecided["kms-key-rotation"])
	assert.True(t, undecided["rds-not-public"])
	for _, v := range r.Violations {
		assert.NotEqual(t, "kms-key-rotation", v.Policy, "unknown is not a violation")
		assert.NotEqual(t, "rds-not-public", v.Policy)
	}
	assert.Equal(t, len(r.Undecided), r.Summary.Undecided)
}

// TestUnknownReferencesAreUndecided: in a preview the bucket's id is
// unknown, and so is every companion's reference to it. With the engine's
// property dependencies the check decides; without them (a preview
// printed by a tool that drops them) a missing companion is undecided,
// never a violation.
func TestUnknownReferencesAreUndecided(t *testing.T) {
	pab := R(tBucketPAB, "logs", in{"bucket": UnknownSentinel, "blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
	bucketURN := urnOf(tBucketV2, "logs")
	policies := func(r *Report) (violations, undecided map[string]bool) {
		violations, undecided = map[string]bool{}, map[string]bool{}
		for _, v := range r.Violations {
			if v.URN == bucketURN {
				violations[v.Policy] = true
			}
		}
		for _, u := range r.Undecided {
			undecided[u.Policy] = true
		}
		return violations, undecided
	}

	noDeps := Evaluate([]Resource{previewed(bucket("logs", nil)), pab}, Options{Config: config(t, baselineElsewhere()), Now: day})
	violations, undecided := policies(noDeps)
	assert.False(t, violations["s3-public-access-block"], "an unknown reference is not a missing block")
	assert.True(t, undecided["s3-public-access-block"])
	assert.True(t, violations["s3-versioning"], "no versioning resource exists at all: that is decided")

	withDeps := Evaluate([]Resource{previewed(bucket("logs", nil)), dependsOn(pab, map[string][]string{"bucket": {bucketURN}})}, Options{Config: config(t, baselineElsewhere()), Now: day})
	violations, undecided = policies(withDeps)
	assert.False(t, violations["s3-public-access-block"])
	assert.False(t, undecided["s3-public-access-block"], "the property dependency decides: the block is the bucket's")

	elsewhere := Evaluate([]Resource{previewed(bucket("logs", nil)), dependsOn(pab, map[string][]string{"bucket": {urnOf(tBucketV2, "other")}})}, Options{Config: config(t, baselineElsewhere()), Now: day})
	violations, _ = policies(elsewhere)
	assert.True(t, violations["s3-public-access-block"], "the block belongs to another bucket")
}

// TestKubernetesSupportWarning: within 90 days of the end of standard
// support a mandatory policy warns (an advisory finding) instead of
// failing; the day is the pack's asOf param, so the result does not
// depend on when the test runs.
func TestKubernetesSupportWarning(t *testing.T) {
	cluster := R(tEKSCluster, "eks", in{"version": "1.34", "upgradePolicy": in{"supportType": "STANDARD"},
		"encryptionConfig": in{"resources": list("secrets"), "provider": in{"keyArn": "k"}}})
	check := func(asOf string) []Finding {
		c := config(t, baselineElsewhere()+"  asOf: \""+asOf+"\"\n")
		var out []Finding
		for _, v := range Evaluate([]Resource{cluster}, Options{Config: c, Now: day}).Violations {
			if v.Policy == "eks-supported-version" {
				out = append(out, v)
			}
		}
		return out
	}
	assert.Empty(t, check("2026-08-01"), "1.34 ends 2026-12-02: 123 days left")
	warned := check("2026-11-23")
	require.Len(t, warned, 1)
	assert.Equal(t, Advisory, warned[0].Enforcement, "a warning does not block")
	assert.Contains(t, warned[0].Message, "leaves standard support on 2026-12-02, in 9 days")
	failed := check("2026-12-03")
	require.Len(t, failed, 1)
	assert.Equal(t, Mandatory, failed[0].Enforcement)
	assert.Contains(t, failed[0].Message, "left standard support on 2026-12-02")
}

func TestJSONReportContract(t *testing.T) {
	r := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()), Stack: "prod", Now: day})
	var out bytes.Buffer
	require.NoError(t, r.Write(&out, "json"))
	var doc struct {
		Summary    map[string]int   `json:"summary"`
		Violations []map[string]any `json:"violations"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &doc))
	for _, k := range []string{"policies", "resources", "mandatory", "advisory", "waived", "undecided"} {
		assert.Contains(t, doc.Summary, k)
	}
	require.Len(t, doc.Violations, 1)
	for _, k := range []string{"policy", "severity", "enforcement", "urn", "type", "name", "message", "frameworks"} {
		assert.Contains(t, doc.Violations[0], k)
	}
}

// TestSARIFStructure validates the SARIF log against the structure that
// SARIF 2.1.0 requires and code scanning reads: version, $schema, runs
// with a tool driver whose rules the results index.
func TestSARIFStructure(t *testing.T) {
	r := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()), Stack: "prod", Now: day})
	var out bytes.Buffer
	require.NoError(t, r.Write(&out, "sarif"))
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string            `json:"id"`
						ShortDescription     map[string]string `json:"shortDescription"`
						DefaultConfiguration map[string]string `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string            `json:"ruleId"`
				RuleIndex int               `json:"ruleIndex"`
				Level     string            `json:"level"`
				Message   map[string]string `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &log))
	assert.Equal(t, "2.1.0", log.Version)
	assert.Equal(t, SARIFSchema, log.Schema)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "platform-policies", run.Tool.Driver.Name)
	assert.Len(t, run.Tool.Driver.Rules, len(All()))
	for _, rule := range run.Tool.Driver.Rules {
		assert.NotEmpty(t, rule.ID)
		assert.NotEmpty(t, rule.ShortDescription["text"])
		assert.Contains(t, []string{"error", "warning", "note"}, rule.DefaultConfiguration["level"])
	}
	require.Len(t, run.Results, 1)
	res := run.Results[0]
	assert.Equal(t, "kms-key-rotation", res.RuleID)
	assert.Equal(t, "kms-key-rotation", run.Tool.Driver.Rules[res.RuleIndex].ID, "ruleIndex points at its rule")
	assert.Equal(t, "error", res.Level)
	assert.NotEmpty(t, res.Message["text"])
	require.Len(t, res.Locations, 1)
	assert.Equal(t, "Pulumi.prod.yaml", res.Locations[0].PhysicalLocation.ArtifactLocation.URI)
}

func TestTextAndMarkdown(t *testing.T) {
	r := Evaluate(unrotated(), Options{Config: config(t, baselineElsewhere()), Stack: "prod", Now: day})
	var text, md bytes.Buffer
	require.NoError(t, r.Write(&text, "text"))
	require.NoError(t, r.Write(&md, "markdown"))
	assert.Contains(t, text.String(), "HIGH (1)")
	assert.Contains(t, text.String(), "kms-key-rotation")
	assert.Contains(t, text.String(), "FAIL: 1 mandatory violations block the deployment")
	assert.Contains(t, md.String(), ":x: **Fail**: 1 mandatory violations")
	assert.Contains(t, md.String(), "| high | mandatory | `kms-key-rotation` | `data (aws:kms/key:Key)` |")
	assert.Error(t, r.Write(&text, "xml"))
}

func TestPreviewJSONInput(t *testing.T) {
	b, err := os.ReadFile("testdata/preview.json")
	require.NoError(t, err)
	rs, err := FromPreviewJSON(b)
	require.NoError(t, err)
	require.Len(t, rs, 2, "the deleted bucket is not checked")
	db := rs[1]
	assert.Equal(t, "orders", db.Name)
	assert.Equal(t, SecretPlaceholder, db.Inputs["password"], "secrets are recognised")
	assert.Equal(t, []string{"urn:pulumi:staging::shop::aws:kms/key:Key::data"}, db.PropertyDependencies["kmsKeyId"])

	r := Evaluate(rs, Options{Config: config(t, baselineElsewhere()), Stack: "staging", Now: day})
	policies := map[string]bool{}
	for _, v := range r.Violations {
		policies[v.Policy] = true
	}
	assert.True(t, policies["rds-multi-az"])
	assert.True(t, policies["rds-managed-master-password"])
	var out bytes.Buffer
	for _, f := range Formats {
		require.NoError(t, r.Write(&out, f))
	}
	assert.NotContains(t, out.String(), "hunter2", "a secret is never printed")
}

func TestStateInput(t *testing.T) {
	b, err := os.ReadFile("testdata/state.json")
	require.NoError(t, err)
	rs, err := FromState(b)
	require.NoError(t, err)
	require.Len(t, rs, 4, "the pending delete is not checked")
	key := rs[2]
	assert.Equal(t, "data", key.Name)
	assert.Equal(t, "urn:pulumi:prod::shop::pulumi:providers:aws::default_6_83_4", key.Provider)
	assert.Equal(t, SecretPlaceholder, rs[3].Inputs["secretString"])

	r := Evaluate(rs, Options{Config: config(t, baselineElsewhere()), Stack: "prod", Now: day})
	require.NotEmpty(t, r.Violations)
	found := false
	for _, v := range r.Violations {
		found = found || v.Policy == "kms-key-rotation"
		assert.NotEqual(t, "no-plaintext-credentials", v.Policy, "an encrypted secret value is not plaintext")
	}
	assert.True(t, found)
}

func TestBadInputs(t *testing.T) {
	_, err := FromPreviewJSON([]byte("{not json"))
	assert.ErrorIs(t, err, ErrInput)
	_, err = FromPreviewJSON([]byte(`{"deployment":{}}`))
	assert.ErrorContains(t, err, "no steps")
	_, err = FromState([]byte(`{"steps":[]}`))
	assert.ErrorContains(t, err, "no deployment")
}

// TestOpaqueResourcesAreUndecided: inside the engine, stack policies see
// outputs, and a resource whose provider is not configured yet in a
// preview (Kubernetes objects of a cluster that does not exist yet) has
// none. Nothing is concluded from it: not the namespace's own findings,
// not the absence of its network policies.
func TestOpaqueResourcesAreUndecided(t *testing.T) {
	ns := namespace("payments", in{"pod-security.kubernetes.io/enforce": "restricted"})
	opaqueNS := R(tNamespace, "payments", nil)
	opaqueNS.NoState = true
	opaquePolicy := R(tNetworkPolicy, "deny", nil)
	opaquePolicy.NoState = true
	policiesOf := func(r *Report) (violations, undecided []string) {
		for _, v := range r.Violations {
			if v.Policy == "k8s-namespace-default-deny" {
				violations = append(violations, v.Name)
			}
		}
		for _, u := range r.Undecided {
			if u.Policy == "k8s-namespace-default-deny" {
				undecided = append(undecided, u.Name)
			}
		}
		return violations, undecided
	}
	cfg := config(t, baselineElsewhere())
	v, u := policiesOf(Evaluate([]Resource{opaqueNS}, Options{Config: cfg, Now: day}))
	assert.Empty(t, v)
	assert.Equal(t, []string{"payments"}, u)
	v, u = policiesOf(Evaluate([]Resource{ns, opaquePolicy}, Options{Config: cfg, Now: day}))
	assert.Empty(t, v, "a network policy whose state is unknown may be the default deny")
	assert.Equal(t, []string{"payments"}, u)
	v, _ = policiesOf(Evaluate([]Resource{ns}, Options{Config: cfg, Now: day}))
	assert.Equal(t, []string{"payments"}, v, "with nothing unknown, the missing policy is a violation")
}
