package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/audit"
	"platform/components/edge"
	"platform/components/identity"
	"platform/components/kms"
	"platform/components/observability"
)

// securityArgs are what the security baseline of a stack gets from the
// rest of the composition.
type securityArgs struct {
	keys     *kms.Keys
	provider pulumi.ResourceOption
	// auditBucketName receives CloudTrail and Config (the primary's audit
	// bucket, also for the dr stack's Config).
	auditBucketName pulumi.StringInput
	// dataBucketArns get S3 data events in the trail.
	dataBucketArns []pulumi.StringInput
	// zoneID is an existing zone (dr: the primary's); nil creates one
	// from edge.zoneName.
	zoneID pulumi.StringInput
}

// security builds the security topic, the audit baseline per the stack's
// switches, the edge, and (primary only) the identities.
func security(ctx *pulumi.Context, e *environment, a securityArgs, out pulumi.Map) error {
	cfg := e.cfg
	topic, err := observability.NewAlertTopic(ctx, "security", &observability.AlertTopicArgs{
		Namer: e.namer, KmsKeyArn: a.keys.Arn(kms.Logs),
	}, a.provider)
	if err != nil {
		return err
	}
	au, err := audit.NewAudit(ctx, "audit", &audit.AuditArgs{
		Namer:                      e.namer,
		LogsKmsKeyArn:              a.keys.Arn(kms.Logs),
		AuditBucketName:            a.auditBucketName,
		DataBucketArns:             a.dataBucketArns,
		SecurityTopicArn:           topic.Arn,
		LogRetentionDays:           cfg.Audit.LogRetentionDays,
		Trail:                      *cfg.Audit.Trail,
		OrganizationTrail:          cfg.Audit.OrganizationTrail,
		AccountBaseline:            *cfg.Audit.AccountBaseline,
		RecordGlobalResources:      *cfg.Audit.RecordGlobalResources,
		FindingPublishingFrequency: cfg.Audit.FindingPublishingFrequency,
	}, a.provider)
	if err != nil {
		return err
	}
	edgeArgs := &edge.EdgeArgs{
		Namer:            e.namer,
		RateLimit:        *cfg.Edge.RateLimit,
		AnonymousIPList:  *cfg.Edge.AnonymousIPList,
		BlockedCountries: cfg.Edge.BlockedCountries,
		LogsKmsKeyArn:    a.keys.Arn(kms.Logs),
		LogRetentionDays: cfg.Audit.LogRetentionDays,
		LoadBalancerArn:  cfg.Edge.LoadBalancerArn,
		Domain:           cfg.Edge.Domain,
		HealthCheckPath:  cfg.Edge.HealthCheckPath,
		Protect:          cfg.ProtectStateful(),
	}
	if a.zoneID != nil {
		edgeArgs.ZoneID = a.zoneID
	} else {
		edgeArgs.ZoneName = cfg.Edge.ZoneName
	}
	ed, err := edge.NewEdge(ctx, "edge", edgeArgs, a.provider)
	if err != nil {
		return err
	}
	out["securityTopicArn"] = topic.Arn
	out["webAclArn"] = ed.WebAclArn
	out["certificateArn"] = ed.CertificateArn
	out["zoneId"] = ed.ZoneID
	out["apiHealthCheckId"] = ed.HealthCheckID

	if cfg.Role != "primary" {
		return nil
	}
	id := cfg.Identity
	ident, err := identity.NewIdentity(ctx, "identity", &identity.IdentityArgs{
		Namer:                  e.namer,
		PasswordPolicy:         *id.PasswordPolicy,
		MaxPasswordAgeDays:     id.MaxPasswordAgeDays,
		AdminPrincipals:        id.AdminPrincipals,
		AuditorPrincipals:      id.AuditorPrincipals,
		BreakGlassPrincipals:   id.BreakGlassPrincipals,
		MaxSessionSeconds:      id.MaxSessionSeconds,
		GitHubRepository:       id.GitHub.Repository,
		GitHubBranch:           id.GitHub.Branch,
		StateBucket:            id.GitHub.StateBucket,
		StateKeyAliases:        id.GitHub.StateKeyAliases,
		TrailLogGroupName:      au.TrailLogGroupName,
		SecurityTopicArn:       topic.Arn,
		ServiceControlPolicies: id.ServiceControlPolicies,
		OrganizationTarget:     id.OrganizationTarget,
		AllowedRegions:         id.AllowedRegions,
	}, a.provider)
	if err != nil {
		return err
	}
	out["adminRoleArn"] = ident.AdminRoleArn
	out["auditorRoleArn"] = ident.AuditorRoleArn
	out["deployRoleArn"] = ident.DeployRoleArn
	out["previewRoleArn"] = ident.PreviewRoleArn
	out["permissionBoundaryArn"] = ident.PermissionBoundaryArn
	return nil
}
