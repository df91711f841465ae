package tests

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecurityBaselinePerStack: the production stack owns the trail, the
// global Config recording and the identities; both stacks run the
// regional detectors and a WAF.
func TestSecurityBaselinePerStack(t *testing.T) {
	prod := planStack(t, "production")
	dr := planStack(t, "dr")
	count := func(p interface{ CountByType() map[string]int }, typ string) int { return p.CountByType()[typ] }

	assert.Equal(t, 1, count(prod, "aws:cloudtrail/trail:Trail"))
	assert.Equal(t, 0, count(dr, "aws:cloudtrail/trail:Trail"), "the multi-region trail covers us-west-2")
	for _, typ := range []string{"aws:cfg/recorder:Recorder", "aws:guardduty/detector:Detector", "aws:securityhub/account:Account", "aws:accessanalyzer/analyzer:Analyzer", "aws:wafv2/webAcl:WebAcl"} {
		assert.Equal(t, 1, count(prod, typ), "production %s", typ)
		assert.Equal(t, 1, count(dr, typ), "dr %s", typ)
	}
	rec, _ := prod.Named("aws:cfg/recorder:Recorder", "audit")
	assert.Equal(t, true, rec.Inputs["recordingGroup"].(map[string]any)["includeGlobalResourceTypes"])
	drRec, _ := dr.Named("aws:cfg/recorder:Recorder", "audit")
	assert.Equal(t, false, drRec.Inputs["recordingGroup"].(map[string]any)["includeGlobalResourceTypes"], "global resources are recorded once")

	assert.Equal(t, 1, count(prod, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"))
	assert.Equal(t, 0, count(dr, "aws:iam/accountPasswordPolicy:AccountPasswordPolicy"), "IAM is global: the primary owns it")
	assert.Equal(t, 0, count(dr, "platform:identity:Identity"))
	assert.Equal(t, 15, count(prod, "aws:cloudwatch/logMetricFilter:LogMetricFilter"), "14 CIS filters and the break-glass filter")

	trail, _ := prod.Named("aws:cloudtrail/trail:Trail", "audit")
	audit, _ := prod.Named("aws:s3/bucketV2:BucketV2", "audit")
	assert.Equal(t, audit.Inputs["bucket"], trail.Inputs["s3BucketName"], "to the Object-Lock audit bucket")
	drChannel, _ := dr.Named("aws:cfg/deliveryChannel:DeliveryChannel", "audit")
	assert.Equal(t, audit.Inputs["bucket"], drChannel.Inputs["s3BucketName"], "dr's Config delivers to the primary's audit bucket, read through the StackReference")

	deploy, ok := prod.Named("aws:iam/role:Role", "identity-deploy")
	require.True(t, ok)
	assert.Contains(t, deploy.Inputs["assumeRolePolicy"], `"token.actions.githubusercontent.com:sub":["repo:example-fintech/platform:ref:refs/heads/main","repo:example-fintech/platform:environment:production","repo:example-fintech/platform:environment:dr"]`)
	preview, ok := prod.Named("aws:iam/role:Role", "identity-preview")
	require.True(t, ok)
	assert.Contains(t, preview.Inputs["assumeRolePolicy"], `"token.actions.githubusercontent.com:sub":"repo:example-fintech/platform:pull_request"`, "pull requests preview, never deploy")
	for _, r := range prod.OfType("aws:iam/role:Role") {
		if strings.HasPrefix(r.Name, "identity-") {
			assert.NotEmpty(t, r.Inputs["permissionsBoundary"], "%s carries the boundary", r.Name)
		}
	}
}

// TestSecurityBadConfigRegistersNothing covers the baseline's bad inputs at
// the stack level: each fails with its field path and registers nothing.
func TestSecurityBadConfigRegistersNothing(t *testing.T) {
	tests := []struct{ name, old, new, want string }{
		{"oidc subject wildcard", "repository: example-fintech/platform", "repository: \"repo:*\"", "identity.github.repository: must be owner/name without wildcards"},
		{"empty admin list", "    adminPrincipals:\n      - arn:aws:iam::123456789012:role/platform-sso-admins\n", "    adminPrincipals: []\n", "identity.adminPrincipals: name at least one IAM user or role ARN"},
		{"rate limit of zero", "    rateLimit: 2000\n", "    rateLimit: 0\n", "edge.rateLimit: must be at least 100"},
		{"short audit log retention", "    recordGlobalResources: true\n    logRetentionDays: 365\n", "    recordGlobalResources: true\n    logRetentionDays: 90\n", "audit.logRetentionDays: audit logs are kept at least 365 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			planner := withStackFile(t, "production", func(s string) string {
				require.Contains(t, s, tt.old)
				return strings.Replace(s, tt.old, tt.new, 1)
			})
			p, err := planner.Plan("production")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Empty(t, p.Resources)
		})
	}
}
