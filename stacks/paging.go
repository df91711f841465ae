package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/kms"
	"platform/components/paging"
	"platform/internal/naming"
)

// newPaging forwards the stack's alert topics (the operations alarms and
// the security topic) to PagerDuty, with the routing key Alertmanager
// uses, so that one on-call sees the CloudWatch alarms too.
func newPaging(ctx *pulumi.Context, e *environment, keys *kms.Keys, out pulumi.Map, boundary pulumi.StringInput, provider pulumi.ResourceOption) error {
	topics := []paging.Topic{
		{Name: "alerts", Arn: out["alertTopicArn"].(pulumi.StringInput)},
		{Name: "security", Arn: out["securityTopicArn"].(pulumi.StringInput)},
	}
	if t, ok := out["ticketTopicArn"]; ok {
		// The anomaly alarms routed to tickets.
		topics = append(topics, paging.Topic{Name: "tickets", Arn: t.(pulumi.StringInput), Ticket: true})
	}
	_, err := paging.NewPaging(ctx, "paging", &paging.PagingArgs{
		Namer:                 e.namer,
		Topics:                topics,
		RoutingKeySecret:      pagerDutySecret(e),
		SecretsKeyArn:         keys.Arn(kms.Secrets),
		LogsKeyArn:            keys.Arn(kms.Logs),
		LogRetentionDays:      e.cfg.Audit.LogRetentionDays,
		PermissionBoundaryArn: boundary,
	}, provider)
	return err
}

// pagerDutySecret is the Secrets Manager secret of the PagerDuty routing
// keys: platform:monitoring.pagerDutySecret, or the stack's default.
func pagerDutySecret(e *environment) string {
	if s := e.cfg.Monitoring.PagerDutySecret; s != "" {
		return s
	}
	return defaultSecretName(e, "pagerduty")
}

// defaultSecretName is a secret's name under the stack's prefix.
func defaultSecretName(e *environment, name string) string {
	return e.namer.Project + "/" + naming.EnvironmentCode(e.namer.Environment) + "/" + name
}
