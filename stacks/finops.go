package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/finops"
	"platform/components/kms"
	"platform/stacks/config"
)

// newCostControls gives the stack its monthly budget and, in the primary
// stack, the account's billing settings (anomaly detection, cost
// allocation tags, the team cost category, the Cost and Usage export),
// which the dr stack shares. Budget and anomaly alerts go to the tickets
// topic: a forecast overrun is work for the day, not a page at night.
func newCostControls(ctx *pulumi.Context, e *environment, keys *kms.Keys, out pulumi.Map, accessLogBucket pulumi.StringInput, provider pulumi.ResourceOption) error {
	cfg := e.cfg
	args := &finops.CostControlsArgs{
		Namer:            e.namer,
		Stack:            ctx.Stack(),
		MonthlyBudgetUSD: cfg.Cost.MonthlyBudgetUsd,
		AlertTopicArn:    out["ticketTopicArn"].(pulumi.StringInput),
	}
	if cfg.Role == config.RolePrimary {
		args.AccountWide = true
		args.AnomalyThresholdUSD = cfg.Cost.AnomalyThresholdUsd
		args.Teams = cfg.Cost.Teams
		args.KmsKeyArn = keys.Arn(kms.Data)
		args.AccessLogBucket = accessLogBucket
		args.Protect = cfg.ProtectStateful()
	}
	controls, err := finops.NewCostControls(ctx, "cost", args, provider)
	if err != nil {
		return err
	}
	out["budgetName"] = controls.BudgetName
	if args.AccountWide {
		out["costExportBucketName"] = controls.ExportBucketName
	}
	return nil
}
