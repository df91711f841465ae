// Package identity owns who may touch the platform's account: the password
// policy, MFA-only roles for administrators and auditors, an alarmed
// break-glass role, the permission boundary every platform role carries,
// the GitHub Actions deploy role (OIDC, no long-lived keys), and optional
// service control policies.
package identity

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/audit"
	"platform/internal/naming"
	"platform/internal/policydoc"
)

// IdentityArgs configure the account's identities.
type IdentityArgs struct {
	Namer naming.Namer
	// PasswordPolicy manages the account password policy (one stack per
	// account).
	PasswordPolicy bool
	// MinPasswordLength (at least 14), PasswordReusePrevention and
	// MaxPasswordAgeDays shape the password policy.
	MinPasswordLength       int
	PasswordReusePrevention int
	MaxPasswordAgeDays      int
	// AdminPrincipals, AuditorPrincipals and BreakGlassPrincipals are the
	// IAM ARNs (users or roles of the identity account) that may assume
	// each role, with MFA.
	AdminPrincipals      []string
	AuditorPrincipals    []string
	BreakGlassPrincipals []string
	// MaxSessionSeconds of the human roles (at most 12 hours).
	MaxSessionSeconds int
	// GitHubRepository (owner/name) and GitHubBranch may assume the deploy
	// role through GitHub Actions OIDC.
	GitHubRepository string
	GitHubBranch     string
	// StateBucket is the Pulumi state bucket (bootstrap/) and
	// StateKeyAliases the KMS aliases of its key and of the stacks'
	// secrets provider, in both regions: the preview role, which pull
	// requests of GitHubRepository assume, reads the state and decrypts
	// the stacks' config through them, and reads no other data.
	StateBucket     string
	StateKeyAliases []string
	// TrailLogGroupName and SecurityTopicArn wire the break-glass alarm;
	// without a trail in this stack there is none.
	TrailLogGroupName pulumi.StringInput
	SecurityTopicArn  pulumi.StringInput
	// ServiceControlPolicies attaches guardrail SCPs to OrganizationTarget
	// (a root or OU id); AllowedRegions is their region allow-list.
	ServiceControlPolicies bool
	OrganizationTarget     string
	AllowedRegions         []string
}

// Defaults.
const (
	DefaultMinPasswordLength       = 14
	DefaultPasswordReusePrevention = 24
	DefaultMaxPasswordAgeDays      = 90
	DefaultMaxSessionSeconds       = 3600
	// MaxMFAAgeSeconds: an MFA login older than this no longer assumes.
	MaxMFAAgeSeconds = 3600
	// GitHubOIDC is GitHub Actions' token issuer.
	GitHubOIDC = "token.actions.githubusercontent.com"
)

var (
	principalPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role|root)(/.*)?$`)
	repoPattern      = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)
	branchPattern    = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	bucketPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-gov)?-[a-z]+-[0-9]$`)
)

func (a IdentityArgs) withDefaults() IdentityArgs {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&a.MinPasswordLength, DefaultMinPasswordLength)
	def(&a.PasswordReusePrevention, DefaultPasswordReusePrevention)
	def(&a.MaxPasswordAgeDays, DefaultMaxPasswordAgeDays)
	def(&a.MaxSessionSeconds, DefaultMaxSessionSeconds)
	return a
}

// Validate reports every problem with its field path.
func (a IdentityArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" {
		add("namer: account id is required")
	}
	if a.MinPasswordLength < 14 {
		add("minPasswordLength: must be at least 14 (CIS 1.8), got %d", a.MinPasswordLength)
	}
	for _, list := range []struct {
		path string
		arns []string
	}{{"adminPrincipals", a.AdminPrincipals}, {"auditorPrincipals", a.AuditorPrincipals}, {"breakGlassPrincipals", a.BreakGlassPrincipals}} {
		if len(list.arns) == 0 {
			add("%s: name at least one principal (an IAM user or role ARN)", list.path)
		}
		for i, p := range list.arns {
			if !principalPattern.MatchString(p) || strings.Contains(p, "*") {
				add("%s[%d]: must be an IAM user or role ARN without wildcards, got %q", list.path, i, p)
			}
		}
	}
	if a.MaxSessionSeconds < 900 || a.MaxSessionSeconds > 43200 {
		add("maxSessionSeconds: must be 900 to 43200, got %d", a.MaxSessionSeconds)
	}
	if !repoPattern.MatchString(a.GitHubRepository) {
		add("github.repository: must be owner/name without wildcards, got %q", a.GitHubRepository)
	}
	if !branchPattern.MatchString(a.GitHubBranch) {
		add("github.branch: must be a branch name without wildcards, got %q", a.GitHubBranch)
	}
	if a.StateBucket != "" && !bucketPattern.MatchString(a.StateBucket) {
		add("github.stateBucket: must be the state bucket's name, got %q", a.StateBucket)
	}
	if a.StateBucket != "" && len(a.StateKeyAliases) == 0 {
		add("github.stateKeyAliases: the preview role decrypts state and config secrets through these keys (alias/...)")
	}
	for i, k := range a.StateKeyAliases {
		if !strings.HasPrefix(k, "alias/") || strings.Contains(k, "*") {
			add("github.stateKeyAliases[%d]: must be a KMS alias such as alias/platform-pulumi-state without wildcards, got %q", i, k)
		}
	}
	if a.ServiceControlPolicies {
		if a.OrganizationTarget == "" {
			add("organizationTarget: the SCPs need a root or OU id")
		}
		if len(a.AllowedRegions) == 0 {
			add("allowedRegions: the SCPs need the region allow-list")
		}
		for i, r := range a.AllowedRegions {
			if !regionPattern.MatchString(r) {
				add("allowedRegions[%d]: must be a region, got %q", i, r)
			}
		}
	}
	return errors.Join(errs...)
}

// Identity holds the roles.
type Identity struct {
	pulumi.ResourceState

	AdminRoleArn      pulumi.StringOutput
	AuditorRoleArn    pulumi.StringOutput
	BreakGlassRoleArn pulumi.StringOutput
	DeployRoleArn     pulumi.StringOutput
	// PreviewRoleArn is what pull requests preview with (read-only).
	PreviewRoleArn pulumi.StringOutput
	// PermissionBoundaryArn must be set on every role the platform creates
	// for workloads.
	PermissionBoundaryArn pulumi.StringOutput
}

// NewIdentity creates the identities.
func NewIdentity(ctx *pulumi.Context, name string, args *IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	if args == nil {
		args = &IdentityArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("identity %s: %w", name, err)
	}
	id := &Identity{}
	if err := ctx.RegisterComponentResourceV2("platform:identity:Identity", name, pulumi.Map{
		"passwordPolicy": pulumi.Bool(a.PasswordPolicy), "serviceControlPolicies": pulumi.Bool(a.ServiceControlPolicies),
	}, id, opts...); err != nil {
		return nil, err
	}
	if err := build(ctx, name, a, id); err != nil {
		return nil, fmt.Errorf("identity %s: %w", name, err)
	}
	return id, ctx.RegisterResourceOutputs(id, pulumi.Map{
		"adminRoleArn": id.AdminRoleArn, "deployRoleArn": id.DeployRoleArn, "previewRoleArn": id.PreviewRoleArn,
		"permissionBoundaryArn": id.PermissionBoundaryArn,
	})
}

// protectedActions are what no platform role may do, whatever it is
// granted: switch off the audit trail or detection, leave the
// organization, destroy keys, or shed its boundary.
var protectedActions = []string{
	"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors",
	"guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount", "guardduty:UpdateDetector",
	"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
	"securityhub:DisableSecurityHub", "securityhub:BatchDisableStandards",
	"organizations:LeaveOrganization",
	"kms:ScheduleKeyDeletion", "kms:DisableKey",
	"iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary",
}

// BoundaryPolicy is the permission boundary: everything a grant allows,
// minus the protected actions, and no role or user created without this
// same boundary.
func BoundaryPolicy(boundaryArn string) policydoc.Document {
	return policydoc.New(
		policydoc.Statement{Sid: "AllowWhatIsGranted", Effect: policydoc.Allow, Action: "*", Resource: "*"},
		policydoc.Statement{Sid: "DenyTamperingWithGuardrails", Effect: policydoc.Deny, Action: protectedActions, Resource: "*"},
		policydoc.Statement{
			Sid:       "DenyIdentitiesWithoutThisBoundary",
			Effect:    policydoc.Deny,
			Action:    []string{"iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"},
			Resource:  "*",
			Condition: policydoc.Conditions{"StringNotEquals": {"iam:PermissionsBoundary": boundaryArn}},
		},
	)
}

// MFATrust lets the principals assume a role only with a recent MFA login.
func MFATrust(principals []string) policydoc.Document {
	return policydoc.New(policydoc.Statement{
		Effect:    policydoc.Allow,
		Principal: policydoc.AWS(principals...),
		Action:    "sts:AssumeRole",
		Condition: policydoc.Conditions{
			"Bool":            {"aws:MultiFactorAuthPresent": "true"},
			"NumericLessThan": {"aws:MultiFactorAuthAge": fmt.Sprint(MaxMFAAgeSeconds)},
		},
	})
}

// DeployEnvironments are the GitHub environments the main workflow
// deploys under (.github/workflows/main.yml), one per stack.
var DeployEnvironments = []string{"production", "dr"}

// GitHubTrust lets exactly one repository's branch, and its deploy
// environments, assume a role. A job that names an environment gets the
// subject repo:<repo>:environment:<name> instead of its branch: the
// environments' protection rules (required reviewers, deployments from the
// branch only) are configured in GitHub and documented in the README.
func GitHubTrust(providerArn, repository, branch string) policydoc.Document {
	subjects := []string{fmt.Sprintf("repo:%s:ref:refs/heads/%s", repository, branch)}
	for _, env := range DeployEnvironments {
		subjects = append(subjects, fmt.Sprintf("repo:%s:environment:%s", repository, env))
	}
	return githubTrust(providerArn, subjects)
}

// githubTrust trusts GitHub's OIDC tokens for STS with the given subject
// (a string or a list).
func githubTrust(providerArn string, subject any) policydoc.Document {
	return policydoc.New(policydoc.Statement{
		Effect:    policydoc.Allow,
		Principal: map[string]any{"Federated": providerArn},
		Action:    "sts:AssumeRoleWithWebIdentity",
		Condition: policydoc.Conditions{"StringEquals": {
			GitHubOIDC + ":aud": "sts.amazonaws.com",
			GitHubOIDC + ":sub": subject,
		}},
	})
}

// PullRequestTrust lets the pull requests of one repository assume a role:
// GitHub sets the subject to repo:<owner>/<name>:pull_request for them,
// whatever their branch, so a branch push never matches it.
func PullRequestTrust(providerArn, repository string) policydoc.Document {
	return githubTrust(providerArn, fmt.Sprintf("repo:%s:pull_request", repository))
}

// dataReads are the read actions of ReadOnlyAccess that return data
// rather than configuration: the preview role is denied them.
var dataReads = []string{
	"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes",
	"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
	"secretsmanager:GetSecretValue",
	"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
	"logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery",
	"kinesis:GetRecords", "sqs:ReceiveMessage",
}

// PreviewPolicy is the preview role's inline policy on top of
// ReadOnlyAccess: the state backend read-only (the S3 backend takes no
// lock for a preview, so nothing is written), the state and
// secrets-provider keys by alias, and no data reads anywhere else.
func PreviewPolicy(accountID, bucket string, keyAliases []string) policydoc.Document {
	statements := []policydoc.Statement{
		{Sid: "DenyDataReads", Effect: policydoc.Deny, Action: dataReads, NotResource: []string{
			"arn:aws:s3:::" + bucket + "/*",
		}},
	}
	if bucket == "" {
		statements[0].NotResource = nil
		statements[0].Resource = "*"
		return policydoc.New(statements...)
	}
	return policydoc.New(append(statements,
		policydoc.Statement{Sid: "ReadState", Effect: policydoc.Allow, Action: []string{"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"},
			Resource: []string{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"}},
		policydoc.Statement{Sid: "StateKeys", Effect: policydoc.Allow, Action: []string{"kms:Decrypt", "kms:DescribeKey"},
			Resource:  fmt.Sprintf("arn:aws:kms:*:%s:key/*", accountID),
			Condition: policydoc.Conditions{"ForAnyValue:StringEquals": {"kms:ResourceAliases": keyAliases}}},
	)...)
}

const (
	adminPolicy    = "arn:aws:iam::aws:policy/AdministratorAccess"
	readOnlyPolicy = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	auditPolicy    = "arn:aws:iam::aws:policy/SecurityAudit"
)

func build(ctx *pulumi.Context, name string, a IdentityArgs, id *Identity) error {
	parent := pulumi.Parent(id)
	n := a.Namer
	if a.PasswordPolicy {
		if _, err := iam.NewAccountPasswordPolicy(ctx, name, &iam.AccountPasswordPolicyArgs{
			MinimumPasswordLength:      pulumi.Int(a.MinPasswordLength),
			RequireLowercaseCharacters: pulumi.Bool(true),
			RequireUppercaseCharacters: pulumi.Bool(true),
			RequireNumbers:             pulumi.Bool(true),
			RequireSymbols:             pulumi.Bool(true),
			PasswordReusePrevention:    pulumi.Int(a.PasswordReusePrevention),
			MaxPasswordAge:             pulumi.Int(a.MaxPasswordAgeDays),
			AllowUsersToChangePassword: pulumi.Bool(true),
		}, parent); err != nil {
			return err
		}
	}
	boundaryName := n.Name(naming.IAMPolicy, "permission-boundary")
	boundaryArn := n.ARN("iam", "policy/"+boundaryName)
	boundary, err := iam.NewPolicy(ctx, name+"-boundary", &iam.PolicyArgs{
		Name:        pulumi.String(boundaryName),
		Description: pulumi.String("Permission boundary of every platform role: no tampering with audit, detection, keys or boundaries"),
		Policy:      pulumi.String(BoundaryPolicy(boundaryArn).JSON()),
	}, parent)
	if err != nil {
		return err
	}
	id.PermissionBoundaryArn = boundary.Arn

	role := func(suffix, description string, trust pulumi.StringInput, policies ...string) (*iam.Role, error) {
		r, err := iam.NewRole(ctx, name+"-"+suffix, &iam.RoleArgs{
			Name:                pulumi.String(n.Name(naming.IAMRole, suffix)),
			Description:         pulumi.String(description),
			AssumeRolePolicy:    trust,
			MaxSessionDuration:  pulumi.Int(a.MaxSessionSeconds),
			PermissionsBoundary: boundary.Arn,
		}, parent)
		if err != nil {
			return nil, err
		}
		for i, p := range policies {
			if _, err := iam.NewRolePolicyAttachment(ctx, fmt.Sprintf("%s-%s-%d", name, suffix, i), &iam.RolePolicyAttachmentArgs{
				Role: r.Name, PolicyArn: pulumi.String(p),
			}, parent); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	admin, err := role("admin", "Administrators, with MFA", pulumi.String(MFATrust(a.AdminPrincipals).JSON()), adminPolicy)
	if err != nil {
		return err
	}
	auditor, err := role("auditor", "Auditors: read-only and security audit, with MFA", pulumi.String(MFATrust(a.AuditorPrincipals).JSON()), readOnlyPolicy, auditPolicy)
	if err != nil {
		return err
	}
	breakGlass, err := role("break-glass", "Emergency access; every use pages security", pulumi.String(MFATrust(a.BreakGlassPrincipals).JSON()), adminPolicy)
	if err != nil {
		return err
	}
	id.AdminRoleArn, id.AuditorRoleArn, id.BreakGlassRoleArn = admin.Arn, auditor.Arn, breakGlass.Arn

	if a.TrailLogGroupName != nil && a.SecurityTopicArn != nil {
		pattern := fmt.Sprintf(`{ ($.eventName = "AssumeRole") && ($.requestParameters.roleArn = "%s") }`, n.ARN("iam", "role/"+n.Name(naming.IAMRole, "break-glass")))
		if err := audit.NewMetricFilterAlarm(ctx, name+"-break-glass-used", "break-glass-used",
			"The break-glass role was assumed", pattern, a.TrailLogGroupName, a.SecurityTopicArn, parent); err != nil {
			return err
		}
	}

	provider, err := iam.NewOpenIdConnectProvider(ctx, name+"-github", &iam.OpenIdConnectProviderArgs{
		Url:           pulumi.String("https://" + GitHubOIDC),
		ClientIdLists: pulumi.StringArray{pulumi.String("sts.amazonaws.com")},
		// GitHub's published certificate thumbprints; IAM verifies
		// GitHub's tokens against its trusted CAs as well.
		ThumbprintLists: pulumi.StringArray{pulumi.String("6938fd4d98bab03faadb97b34396831e3780aea1"), pulumi.String("1c58a3a8518e8759bf075b76b750d4f2df264fcd")},
	}, parent)
	if err != nil {
		return err
	}
	trust := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return GitHubTrust(v[0], a.GitHubRepository, a.GitHubBranch)
	}, provider.Arn)
	deploy, err := role("deploy", fmt.Sprintf("CI deploys from %s@%s through GitHub OIDC", a.GitHubRepository, a.GitHubBranch), trust, adminPolicy)
	if err != nil {
		return err
	}
	id.DeployRoleArn = deploy.Arn

	prTrust := policydoc.FromOutputs(func(v []string) policydoc.Document {
		return PullRequestTrust(v[0], a.GitHubRepository)
	}, provider.Arn)
	preview, err := role("preview", fmt.Sprintf("CI previews pull requests of %s through GitHub OIDC: read-only", a.GitHubRepository), prTrust, readOnlyPolicy)
	if err != nil {
		return err
	}
	if _, err := iam.NewRolePolicy(ctx, name+"-preview", &iam.RolePolicyArgs{
		Role: preview.Name, Policy: pulumi.String(PreviewPolicy(n.AccountID, a.StateBucket, a.StateKeyAliases).JSON()),
	}, parent); err != nil {
		return err
	}
	id.PreviewRoleArn = preview.Arn

	if a.ServiceControlPolicies {
		return serviceControlPolicies(ctx, name, a, parent)
	}
	return nil
}

// SCP is the guardrail service control policy.
func SCP(allowedRegions []string) policydoc.Document {
	return policydoc.New(
		policydoc.Statement{Sid: "DenyLeavingTheOrganization", Effect: policydoc.Deny, Action: "organizations:LeaveOrganization", Resource: "*"},
		policydoc.Statement{
			Sid:    "DenyDisablingAuditAndDetection",
			Effect: policydoc.Deny,
			Action: []string{"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount",
				"config:StopConfigurationRecorder", "config:DeleteConfigurationRecorder", "securityhub:DisableSecurityHub"},
			Resource: "*",
		},
		policydoc.Statement{
			Sid:    "DenyRegionsOutsideTheAllowList",
			Effect: policydoc.Deny,
			// Global services are exempt: they answer from one region.
			NotAction: []string{"iam:*", "organizations:*", "sts:*", "route53:*", "route53domains:*", "cloudfront:*",
				"support:*", "budgets:*", "ce:*", "health:*", "waf:*", "globalaccelerator:*", "account:*"},
			Resource:  "*",
			Condition: policydoc.Conditions{"StringNotEquals": {"aws:RequestedRegion": allowedRegions}},
		},
		policydoc.Statement{
			Sid:       "DenyRootUser",
			Effect:    policydoc.Deny,
			Action:    "*",
			Resource:  "*",
			Condition: policydoc.Conditions{"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
		},
	)
}

func serviceControlPolicies(ctx *pulumi.Context, name string, a IdentityArgs, parent pulumi.ResourceOption) error {
	p, err := organizations.NewPolicy(ctx, name+"-guardrails", &organizations.PolicyArgs{
		Name:        pulumi.String(a.Namer.Name(naming.Generic, "guardrails")),
		Description: pulumi.String("Platform guardrails: stay in the organization, keep audit and detection on, allowed regions only, no root"),
		Type:        pulumi.String("SERVICE_CONTROL_POLICY"),
		Content:     pulumi.String(SCP(a.AllowedRegions).JSON()),
	}, parent)
	if err != nil {
		return err
	}
	_, err = organizations.NewPolicyAttachment(ctx, name+"-guardrails", &organizations.PolicyAttachmentArgs{
		PolicyId: p.ID().ToStringOutput(), TargetId: pulumi.String(a.OrganizationTarget),
	}, parent)
	return err
}
