package identity

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	admin   = "arn:aws:iam::444455556666:role/sso-admins"
	auditor = "arn:aws:iam::444455556666:role/sso-auditors"
	glass   = "arn:aws:iam::444455556666:user/break-glass-1"
)

func args() *IdentityArgs {
	return &IdentityArgs{
		Namer: plantest.Namer("us-east-1"), PasswordPolicy: true,
		AdminPrincipals: []string{admin}, AuditorPrincipals: []string{auditor}, BreakGlassPrincipals: []string{glass},
		GitHubRepository: "acme/platform", GitHubBranch: "main",
		TrailLogGroupName: pulumi.String("/platform/prod/use1/cloudtrail"), SecurityTopicArn: pulumi.String("arn:aws:sns:us-east-1:111122223333:security"),
	}
}

func planIdentity(t *testing.T, mutate func(*IdentityArgs)) *plan.Plan {
	t.Helper()
	a := args()
	if mutate != nil {
		mutate(a)
	}
	return plantest.RunWithProvider(t, "us-east-1", func(ctx *pulumi.Context, prov pulumi.ResourceOption) error {
		_, err := NewIdentity(ctx, "identity", a, prov)
		return err
	})
}

type doc struct {
	Statement []struct {
		Sid       string
		Effect    string
		Principal map[string]any
		Action    any
		NotAction any
		Condition map[string]map[string]any
	}
}

func parse(t *testing.T, s any) doc {
	t.Helper()
	var d doc
	require.NoError(t, json.Unmarshal([]byte(s.(string)), &d))
	return d
}

func TestPasswordPolicy(t *testing.T) {
	p := planIdentity(t, nil)
	pp, ok := p.Named("aws:iam/accountPasswordPolicy:AccountPasswordPolicy", "identity")
	require.True(t, ok)
	assert.Equal(t, 14.0, pp.Inputs["minimumPasswordLength"])
	assert.Equal(t, 24.0, pp.Inputs["passwordReusePrevention"])
	assert.Equal(t, 90.0, pp.Inputs["maxPasswordAge"])
	none := planIdentity(t, func(a *IdentityArgs) { a.PasswordPolicy = false })
	assert.Empty(t, none.OfType("aws:iam/accountPasswordPolicy:AccountPasswordPolicy"), "a switch: one stack per account owns it")
}

func TestHumanRolesRequireMFA(t *testing.T) {
	p := planIdentity(t, nil)
	for role, principal := range map[string]string{"identity-admin": admin, "identity-auditor": auditor, "identity-break-glass": glass} {
		r, ok := p.Named("aws:iam/role:Role", role)
		require.True(t, ok, role)
		d := parse(t, r.Inputs["assumeRolePolicy"])
		require.Len(t, d.Statement, 1)
		st := d.Statement[0]
		assert.Equal(t, principal, st.Principal["AWS"])
		assert.Equal(t, "true", st.Condition["Bool"]["aws:MultiFactorAuthPresent"], role)
		assert.Equal(t, "3600", st.Condition["NumericLessThan"]["aws:MultiFactorAuthAge"], role)
		assert.Equal(t, 3600.0, r.Inputs["maxSessionDuration"])
		assert.Equal(t, "arn:aws:iam::111122223333:policy/platform-prod-use1-permission-boundary", r.Inputs["permissionsBoundary"], "every role carries the boundary")
	}
	var attached []string
	for _, a := range p.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if a.Name == "identity-auditor-0" || a.Name == "identity-auditor-1" {
			attached = append(attached, a.Inputs["policyArn"].(string))
		}
	}
	assert.ElementsMatch(t, []string{readOnlyPolicy, auditPolicy}, attached, "auditors read, never write")
}

func TestBreakGlassAlarm(t *testing.T) {
	p := planIdentity(t, nil)
	f, ok := p.Named("aws:cloudwatch/logMetricFilter:LogMetricFilter", "identity-break-glass-used")
	require.True(t, ok)
	assert.Contains(t, f.Inputs["pattern"], `arn:aws:iam::111122223333:role/platform-prod-use1-break-glass`)
	assert.Equal(t, "/platform/prod/use1/cloudtrail", f.Inputs["logGroupName"])
	alarm, ok := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "identity-break-glass-used-alarm")
	require.True(t, ok)
	assert.Equal(t, []any{"arn:aws:sns:us-east-1:111122223333:security"}, alarm.Inputs["alarmActions"])
}

func TestBoundary(t *testing.T) {
	p := planIdentity(t, nil)
	b, ok := p.Named("aws:iam/policy:Policy", "identity-boundary")
	require.True(t, ok)
	d := parse(t, b.Inputs["policy"])
	require.Len(t, d.Statement, 3)
	assert.Contains(t, d.Statement[1].Action, "cloudtrail:StopLogging")
	assert.Contains(t, d.Statement[1].Action, "iam:DeleteRolePermissionsBoundary")
	assert.Equal(t, "arn:aws:iam::111122223333:policy/platform-prod-use1-permission-boundary", d.Statement[2].Condition["StringNotEquals"]["iam:PermissionsBoundary"], "new roles must carry the boundary")
}

func TestDeployRoleTrustsOneRepositoryAndBranch(t *testing.T) {
	p := planIdentity(t, nil)
	oidc, ok := p.Named("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "identity-github")
	require.True(t, ok)
	assert.Equal(t, "https://token.actions.githubusercontent.com", oidc.Inputs["url"])
	assert.Equal(t, []any{"sts.amazonaws.com"}, oidc.Inputs["clientIdLists"])
	r, ok := p.Named("aws:iam/role:Role", "identity-deploy")
	require.True(t, ok)
	d := parse(t, r.Inputs["assumeRolePolicy"])
	st := d.Statement[0]
	assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st.Action)
	assert.Contains(t, st.Principal["Federated"], "oidc-provider")
	assert.Equal(t, []any{"repo:acme/platform:ref:refs/heads/main", "repo:acme/platform:environment:production", "repo:acme/platform:environment:dr"},
		st.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], "the branch, and the protected environments main.yml deploys under")
	assert.Equal(t, "sts.amazonaws.com", st.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"])
	assert.Empty(t, p.OfType("aws:iam/accessKey:AccessKey"), "no long-lived keys")
}

func TestPreviewRoleIsReadOnlyForPullRequests(t *testing.T) {
	p := planIdentity(t, func(a *IdentityArgs) {
		a.StateBucket, a.StateKeyAliases = "platform-prod-use1-pulumi-state-111122223333", []string{"alias/platform-pulumi-state"}
	})
	r, ok := p.Named("aws:iam/role:Role", "identity-preview")
	require.True(t, ok)
	st := parse(t, r.Inputs["assumeRolePolicy"]).Statement[0]
	assert.Equal(t, "sts:AssumeRoleWithWebIdentity", st.Action)
	assert.Equal(t, "repo:acme/platform:pull_request", st.Condition["StringEquals"]["token.actions.githubusercontent.com:sub"], "pull requests only: a branch push cannot assume it")
	assert.Equal(t, "sts.amazonaws.com", st.Condition["StringEquals"]["token.actions.githubusercontent.com:aud"])
	assert.NotEmpty(t, r.Inputs["permissionsBoundary"])
	var attached []any
	for _, a := range p.OfType("aws:iam/rolePolicyAttachment:RolePolicyAttachment") {
		if strings.HasPrefix(a.Name, "identity-preview-") {
			attached = append(attached, a.Inputs["policyArn"])
		}
	}
	assert.Equal(t, []any{"arn:aws:iam::aws:policy/ReadOnlyAccess"}, attached, "never the deploy role's AdministratorAccess")

	inline, ok := p.Named("aws:iam/rolePolicy:RolePolicy", "identity-preview")
	require.True(t, ok)
	var d struct{ Statement []map[string]any }
	require.NoError(t, json.Unmarshal([]byte(inline.Inputs["policy"].(string)), &d))
	bySid := map[string]map[string]any{}
	for _, s := range d.Statement {
		bySid[s["Sid"].(string)] = s
	}
	require.Len(t, bySid, 3)
	assert.Equal(t, "Deny", bySid["DenyDataReads"]["Effect"])
	assert.Contains(t, bySid["DenyDataReads"]["Action"], "s3:GetObject")
	assert.Contains(t, bySid["DenyDataReads"]["Action"], "secretsmanager:GetSecretValue")
	assert.Equal(t, []any{"arn:aws:s3:::platform-prod-use1-pulumi-state-111122223333/*"}, bySid["DenyDataReads"]["NotResource"], "only the state is readable")
	assert.Equal(t, []any{"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"}, bySid["ReadState"]["Action"], "a preview takes no lock: it writes nothing")
	assert.Equal(t, map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": []any{"alias/platform-pulumi-state"}}}, bySid["StateKeys"]["Condition"])

	without := planIdentity(t, nil)
	inline, ok = without.Named("aws:iam/rolePolicy:RolePolicy", "identity-preview")
	require.True(t, ok)
	assert.JSONEq(t, `{"Version":"2012-10-17","Statement":[{"Sid":"DenyDataReads","Effect":"Deny","Action":`+mustJSON(t, dataReads)+`,"Resource":"*"}]}`, inline.Inputs["policy"].(string),
		"without a state bucket, no data is readable at all")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestServiceControlPolicies(t *testing.T) {
	none := planIdentity(t, nil)
	assert.Empty(t, none.OfType("aws:organizations/policy:Policy"))
	p := planIdentity(t, func(a *IdentityArgs) {
		a.ServiceControlPolicies = true
		a.OrganizationTarget = "r-abcd"
		a.AllowedRegions = []string{"us-east-1", "us-west-2"}
	})
	scp, ok := p.Named("aws:organizations/policy:Policy", "identity-guardrails")
	require.True(t, ok)
	assert.Equal(t, "SERVICE_CONTROL_POLICY", scp.Inputs["type"])
	d := parse(t, scp.Inputs["content"])
	sids := map[string]int{}
	for i, st := range d.Statement {
		sids[st.Sid] = i
		assert.Equal(t, "Deny", st.Effect)
	}
	assert.Contains(t, sids, "DenyLeavingTheOrganization")
	assert.Contains(t, sids, "DenyDisablingAuditAndDetection")
	assert.Contains(t, sids, "DenyRootUser")
	regions := d.Statement[sids["DenyRegionsOutsideTheAllowList"]]
	assert.Equal(t, []any{"us-east-1", "us-west-2"}, regions.Condition["StringNotEquals"]["aws:RequestedRegion"])
	att, _ := p.Named("aws:organizations/policyAttachment:PolicyAttachment", "identity-guardrails")
	assert.Equal(t, "r-abcd", att.Inputs["targetId"])
}

func TestIdentityValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*IdentityArgs)
		want   string
	}{
		{"wildcard subject", func(a *IdentityArgs) { a.GitHubRepository = "acme/*" }, `github.repository: must be owner/name without wildcards, got "acme/*"`},
		{"repo wildcard", func(a *IdentityArgs) { a.GitHubRepository = "repo:*" }, `github.repository: must be owner/name without wildcards, got "repo:*"`},
		{"branch wildcard", func(a *IdentityArgs) { a.GitHubBranch = "*" }, `github.branch: must be a branch name without wildcards, got "*"`},
		{"no admins", func(a *IdentityArgs) { a.AdminPrincipals = nil }, "adminPrincipals: name at least one principal"},
		{"wildcard principal", func(a *IdentityArgs) { a.AuditorPrincipals = []string{"arn:aws:iam::444455556666:role/*"} }, "auditorPrincipals[0]: must be an IAM user or role ARN without wildcards"},
		{"short passwords", func(a *IdentityArgs) { a.MinPasswordLength = 8 }, "minPasswordLength: must be at least 14 (CIS 1.8), got 8"},
		{"scp without target", func(a *IdentityArgs) { a.ServiceControlPolicies = true }, "organizationTarget: the SCPs need a root or OU id"},
		{"state bucket without keys", func(a *IdentityArgs) { a.StateBucket = "platform-state" }, "github.stateKeyAliases: the preview role decrypts"},
		{"state key wildcard", func(a *IdentityArgs) { a.StateBucket, a.StateKeyAliases = "platform-state", []string{"alias/*"} }, `github.stateKeyAliases[0]: must be a KMS alias`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := args()
			tt.mutate(a)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewIdentity(ctx, "identity", a)
				return err
			}, tt.want)
		})
	}
}
