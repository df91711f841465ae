package finops

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/components/storage"
	"platform/internal/plan"
	"platform/internal/plantest"
)

const (
	topicArn = "arn:aws:sns:us-east-1:111122223333:platform-prod-use1-alerts"
	dataKey  = "arn:aws:kms:us-east-1:111122223333:key/data"
)

// stackArgs are the per-stack controls of the DR stack (us-west-2), which
// shares the account with the primary.
func stackArgs() *CostControlsArgs {
	return &CostControlsArgs{
		Namer:            plantest.Namer("us-west-2"),
		Stack:            "dr",
		MonthlyBudgetUSD: 1500,
		AlertTopicArn:    pulumi.String(topicArn),
	}
}

// accountArgs are the primary stack's controls, which own the account's
// billing settings.
func accountArgs() *CostControlsArgs {
	return &CostControlsArgs{
		Namer:               plantest.Namer("us-east-1"),
		Stack:               "production",
		MonthlyBudgetUSD:    4200.5,
		AlertTopicArn:       pulumi.String(topicArn),
		AccountWide:         true,
		AnomalyThresholdUSD: 100,
		Teams:               []string{"mita", "payments"},
		KmsKeyArn:           pulumi.String(dataKey),
		AccessLogBucket:     pulumi.String("access-logs"),
		Protect:             true,
	}
}

// planControls plans the controls with the stack's provider and returns
// their outputs as the stack's.
func planControls(t *testing.T, args *CostControlsArgs) *plan.Plan {
	t.Helper()
	p, err := plan.Run(plan.Options{Project: plantest.Project, Stack: plantest.Stack}, func(ctx *pulumi.Context) (pulumi.Map, error) {
		prov, err := plantest.Provider(ctx, args.Namer.Region)
		if err != nil {
			return nil, err
		}
		c, err := NewCostControls(ctx, "finops", args, prov)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"budgetName": c.BudgetName, "exportBucketName": c.ExportBucketName, "anomalyMonitorArn": c.AnomalyMonitorArn}, nil
	})
	require.NoError(t, err)
	return p
}

func TestPerStackChildren(t *testing.T) {
	p := planControls(t, stackArgs())
	assert.Equal(t, map[string]int{"aws:budgets/budget:Budget": 1}, p.ChildTypes("platform:finops:CostControls", "finops"),
		"a stack that shares the account only budgets its own spend")
	assert.Empty(t, p.OfType("aws:costexplorer/anomalyMonitor:AnomalyMonitor"))
	assert.Empty(t, p.OfType("aws:bcmdata/export:Export"))
	plantest.AssertProviders(t, p, "us-west-2")
}

func TestBudget(t *testing.T) {
	p := planControls(t, stackArgs())
	b := plantest.Named(t, p, "aws:budgets/budget:Budget", "finops-monthly")
	assert.Equal(t, "platform-prod-usw2-monthly-cost", b.Inputs["name"], "one budget per stack, named for its region")
	assert.Equal(t, "111122223333", b.Inputs["accountId"])
	assert.Equal(t, "COST", b.Inputs["budgetType"])
	assert.Equal(t, "MONTHLY", b.Inputs["timeUnit"])
	assert.Equal(t, "1500", b.Inputs["limitAmount"])
	assert.Equal(t, "USD", b.Inputs["limitUnit"])
	assert.Equal(t, []any{map[string]any{"name": "TagKeyValue", "values": []any{"user:stack$dr"}}},
		b.Inputs["costFilters"], "only the spend tagged with the stack's name: both stacks are environment production")

	notification := func(kind string, threshold float64) map[string]any {
		return map[string]any{
			"notificationType":       kind,
			"comparisonOperator":     "GREATER_THAN",
			"threshold":              threshold,
			"thresholdType":          "PERCENTAGE",
			"subscriberSnsTopicArns": []any{topicArn},
		}
	}
	assert.Equal(t, []any{
		notification("FORECASTED", 80),
		notification("FORECASTED", 100),
		notification("ACTUAL", 100),
	}, b.Inputs["notifications"], "warned on the forecast at 80% and 100%, and when the limit is reached, on the alert topic")

	// Each stack's budget follows its own stack tag.
	p = planControls(t, accountArgs())
	b = plantest.Named(t, p, "aws:budgets/budget:Budget", "finops-monthly")
	assert.Equal(t, "user:stack$production", plantest.Input(b, "costFilters", 0, "values", 0))
}

func TestAccountWideChildren(t *testing.T) {
	p := planControls(t, accountArgs())
	children := map[string]int{
		"aws:budgets/budget:Budget":                                1,
		"aws:costexplorer/anomalyMonitor:AnomalyMonitor":           1,
		"aws:costexplorer/anomalySubscription:AnomalySubscription": 1,
		"aws:costexplorer/costAllocationTag:CostAllocationTag":     len(DefaultCostAllocationTagKeys),
		"aws:costexplorer/costCategory:CostCategory":               1,
		"aws:bcmdata/export:Export":                                1,
		"platform:storage:Bucket":                                  1,
	}
	assert.Equal(t, children, p.ChildTypes("platform:finops:CostControls", "finops"))
	plantest.AssertProviders(t, p, "us-east-1")

	budget := plantest.Named(t, p, "aws:budgets/budget:Budget", "finops-monthly")
	assert.Equal(t, "platform-prod-use1-monthly-cost", budget.Inputs["name"])
	assert.Equal(t, "4200.5", budget.Inputs["limitAmount"])
}

func TestAnomalyDetection(t *testing.T) {
	p := planControls(t, accountArgs())
	monitor := plantest.Named(t, p, "aws:costexplorer/anomalyMonitor:AnomalyMonitor", "finops-services")
	assert.Equal(t, "DIMENSIONAL", monitor.Inputs["monitorType"])
	assert.Equal(t, "SERVICE", monitor.Inputs["monitorDimension"], "every AWS service of the account")
	assert.Equal(t, "platform-prod-use1-services", monitor.Inputs["name"])

	sub := plantest.Named(t, p, "aws:costexplorer/anomalySubscription:AnomalySubscription", "finops-anomalies")
	assert.Equal(t, "IMMEDIATE", sub.Inputs["frequency"])
	assert.Equal(t, "111122223333", sub.Inputs["accountId"])
	assert.Equal(t, []any{map[string]any{"type": "SNS", "address": topicArn}}, sub.Inputs["subscribers"],
		"immediate alerts go to the alert topic (IMMEDIATE takes SNS only)")
	assert.Equal(t, map[string]any{"dimension": map[string]any{
		"key":          "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
		"matchOptions": []any{"GREATER_THAN_OR_EQUAL"},
		"values":       []any{"100"},
	}}, sub.Inputs["thresholdExpression"], "anomalies of at least $100 total impact")
	require.Len(t, plantest.Input(sub, "monitorArnLists"), 1)
	assert.Contains(t, plantest.Input(sub, "monitorArnLists", 0), "anomalymonitor", "subscribed to the services monitor")
	assert.Contains(t, sub.PropertyDependencies["monitorArnLists"], monitor.URN)
}

func TestCostAllocationTags(t *testing.T) {
	p := planControls(t, accountArgs())
	var keys []string
	for _, tag := range p.OfType("aws:costexplorer/costAllocationTag:CostAllocationTag") {
		assert.Equal(t, "Active", tag.Inputs["status"])
		assert.Equal(t, "finops-tag-"+tag.Inputs["tagKey"].(string), tag.Name)
		keys = append(keys, tag.Inputs["tagKey"].(string))
	}
	assert.ElementsMatch(t, []string{"environment", "owner", "cost-center", "data-classification", "stack", "service", "team"}, keys,
		"the required tags, the stack, and the service and team of service resources")

	args := accountArgs()
	args.CostAllocationTagKeys = []string{"stack", "team", "project"}
	p = planControls(t, args)
	assert.Len(t, p.OfType("aws:costexplorer/costAllocationTag:CostAllocationTag"), 3)
	plantest.Named(t, p, "aws:costexplorer/costAllocationTag:CostAllocationTag", "finops-tag-project")
}

func TestTeamCostCategory(t *testing.T) {
	p := planControls(t, accountArgs())
	cat := plantest.Named(t, p, "aws:costexplorer/costCategory:CostCategory", "finops-team")
	assert.Equal(t, "team", cat.Inputs["name"])
	assert.Equal(t, "CostCategoryExpression.v1", cat.Inputs["ruleVersion"])
	assert.Equal(t, "platform", cat.Inputs["defaultValue"], "spend no team claims is the shared platform's")
	rule := func(team string) map[string]any {
		return map[string]any{
			"value": team,
			"rule": map[string]any{"tags": map[string]any{
				"key": "team", "values": []any{team}, "matchOptions": []any{"EQUALS"},
			}},
		}
	}
	assert.Equal(t, []any{rule("mita"), rule("payments")}, cat.Inputs["rules"], "one rule per team, on its team tag")
	tag := plantest.Named(t, p, "aws:costexplorer/costAllocationTag:CostAllocationTag", "finops-tag-team")
	assert.Contains(t, cat.DependsOn, tag.URN, "the category reads the team tag once it is active")
}

func TestExport(t *testing.T) {
	p := planControls(t, accountArgs())
	export := plantest.Named(t, p, "aws:bcmdata/export:Export", "finops-cur2")
	assert.Equal(t, "platform-prod-use1-cur2", plantest.Input(export, "export", "name"))

	query := plantest.Input(export, "export", "dataQueries", 0)
	statement := plantest.Input(export, "export", "dataQueries", 0, "queryStatement").(string)
	assert.True(t, strings.HasPrefix(statement, "SELECT bill_bill_type, "), statement)
	assert.True(t, strings.HasSuffix(statement, ", savings_plan_used_commitment FROM COST_AND_USAGE_REPORT"), statement)
	for _, column := range []string{"line_item_resource_id", "line_item_unblended_cost", "resource_tags", "cost_category"} {
		assert.Contains(t, statement, " "+column+",", "the report carries %s", column)
	}
	assert.NotContains(t, statement, "split_line_item", "no split cost allocation columns without the table option")
	assert.Equal(t, map[string]any{"COST_AND_USAGE_REPORT": map[string]any{
		"TIME_GRANULARITY":                      "HOURLY",
		"INCLUDE_RESOURCES":                     "TRUE",
		"INCLUDE_SPLIT_COST_ALLOCATION_DATA":    "FALSE",
		"INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE",
	}}, query.(map[string]any)["tableConfigurations"])

	bucketName := "platform-prod-use1-billing-exports-111122223333"
	assert.Equal(t, map[string]any{
		"s3Bucket": bucketName,
		"s3Prefix": "cur2/AWSLogs/111122223333",
		"s3Region": "us-east-1",
		"s3OutputConfigurations": []any{map[string]any{
			"format": "PARQUET", "compression": "PARQUET", "outputType": "CUSTOM", "overwrite": "OVERWRITE_REPORT",
		}},
	}, plantest.Input(export, "export", "destinationConfigurations", 0, "s3Destinations", 0))
	assert.Equal(t, []any{map[string]any{"frequency": "SYNCHRONOUS"}}, plantest.Input(export, "export", "refreshCadences"))

	bucket := plantest.Named(t, p, "aws:s3/bucketV2:BucketV2", "finops-exports")
	assert.Equal(t, bucketName, bucket.Inputs["bucket"])
	assert.Contains(t, export.PropertyDependencies["export"], bucket.URN)
	policy := plantest.Named(t, p, "aws:s3/bucketPolicy:BucketPolicy", "finops-exports")
	assert.Contains(t, export.DependsOn, policy.URN, "the export is created once its bucket admits it")
}

func TestExportBucket(t *testing.T) {
	p := planControls(t, accountArgs())
	comp := plantest.Named(t, p, "platform:storage:Bucket", "finops-exports")
	assert.Equal(t, "billing-exports", comp.Inputs["purpose"])
	bucket := plantest.Named(t, p, "aws:s3/bucketV2:BucketV2", "finops-exports")
	assert.True(t, bucket.Protect, "protected under the switch")
	assert.True(t, bucket.RetainOnDelete, "billing history is never deleted with the program")

	sse := plantest.Named(t, p, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2", "finops-exports")
	assert.Equal(t, "aws:kms", plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "sseAlgorithm"))
	assert.Equal(t, dataKey, plantest.Input(sse, "rules", 0, "applyServerSideEncryptionByDefault", "kmsMasterKeyId"), "encrypted with the data key")
	logging := plantest.Named(t, p, "aws:s3/bucketLoggingV2:BucketLoggingV2", "finops-exports")
	assert.Equal(t, "access-logs", logging.Inputs["targetBucket"])
	pab := plantest.Named(t, p, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "finops-exports")
	assert.Equal(t, true, pab.Inputs["restrictPublicBuckets"])

	lifecycle := plantest.Named(t, p, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", "finops-exports")
	assert.Equal(t, 30.0, plantest.Input(lifecycle, "rules", 0, "noncurrentVersionExpiration", "noncurrentDays"), "overwritten reports go after a month")
	assert.Equal(t, 400.0, plantest.Input(lifecycle, "rules", 0, "transitions", 1, "days"), "13 months stay queryable before Glacier")
	assert.Nil(t, plantest.Input(lifecycle, "rules", 0, "expiration"), "billing history is kept")

	// Only Data Exports of this account writes, under the export's prefix.
	pol := plantest.Named(t, p, "aws:s3/bucketPolicy:BucketPolicy", "finops-exports")
	var doc struct {
		Statement []struct {
			Sid       string
			Effect    string
			Principal any
			Action    any
			Resource  any
			Condition map[string]map[string]string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["policy"].(string)), &doc))
	var writes int
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			continue
		}
		assert.Equal(t, map[string]any{"Service": "bcm-data-exports.amazonaws.com"}, st.Principal, st.Sid)
		assert.Equal(t, "111122223333", st.Condition["StringEquals"]["aws:SourceAccount"], st.Sid)
		if st.Action == "s3:PutObject" {
			writes++
			assert.Equal(t, "arn:aws:s3:::platform-prod-use1-billing-exports-111122223333/"+ExportPrefix("111122223333")+"/*", st.Resource)
		}
	}
	assert.Equal(t, 1, writes)
	assert.Equal(t, storage.BucketPolicy(plantest.Namer("us-east-1"), "arn:aws:s3:::x", false,
		storage.ServiceWriter{Service: dataExportsService, Prefix: exportWriterPrefix}).Statement[3].Resource,
		"arn:aws:s3:::x/"+ExportPrefix("111122223333")+"/*", "the export prefix is the writer's path")
}

func TestOutputs(t *testing.T) {
	p := planControls(t, accountArgs())
	assert.Equal(t, "platform-prod-use1-monthly-cost", p.Outputs["budgetName"])
	assert.Equal(t, "platform-prod-use1-billing-exports-111122223333", p.Outputs["exportBucketName"])
	assert.Contains(t, p.Outputs["anomalyMonitorArn"], "anomalymonitor")

	p = planControls(t, stackArgs())
	assert.Equal(t, "platform-prod-usw2-monthly-cost", p.Outputs["budgetName"])
	assert.Equal(t, "", p.Outputs["exportBucketName"], "no export outside the account-wide stack")
	assert.Equal(t, "", p.Outputs["anomalyMonitorArn"])
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*CostControlsArgs)
		want   []string
	}{
		{"empty", func(a *CostControlsArgs) { *a = CostControlsArgs{} }, []string{
			"namer: account id and region are required",
			"stack: must be the stack's `stack` tag value (its name), got \"\"",
			"monthlyBudgetUsd: must be a positive amount of US dollars, got 0",
			"alertTopicArn: is required",
		}},
		{"negative budget", func(a *CostControlsArgs) { a.MonthlyBudgetUSD = -5 }, []string{"monthlyBudgetUsd: must be a positive amount of US dollars, got -5"}},
		{"bad stack", func(a *CostControlsArgs) { a.Stack = "prod$1" }, []string{"stack: must be the stack's `stack` tag value", `got "prod$1"`}},
		{"account-wide without its inputs", func(a *CostControlsArgs) {
			a.AccountWide, a.AnomalyThresholdUSD, a.Teams, a.KmsKeyArn, a.AccessLogBucket = true, 0, nil, nil, nil
		}, []string{
			"anomalyThresholdUsd: must be a positive amount of US dollars with accountWide, got 0",
			"kmsKeyArn: is required with accountWide",
			"accessLogBucket: is required with accountWide",
			"teams: at least one team is required with accountWide",
		}},
		{"account-wide outside us-east-1", func(a *CostControlsArgs) { a.Namer = plantest.Namer("us-west-2") },
			[]string{`namer.region: the account-wide controls use Cost Explorer and Data Exports, which answer only in us-east-1`, `got "us-west-2"`}},
		{"bad teams", func(a *CostControlsArgs) { a.Teams = []string{"mita", "", "mita", " lead", "a/b"} }, []string{
			`teams[1]: "" must be 1-50 letters, digits, spaces, hyphens and underscores`,
			`teams[2]: "mita" is listed twice`,
			`teams[3]: " lead" must be`,
			`teams[4]: "a/b" must be`,
		}},
		{"bad tag keys", func(a *CostControlsArgs) {
			a.CostAllocationTagKeys = []string{"stack", "aws:createdBy", "stack", "bad::key", ""}
		}, []string{
			`costAllocationTagKeys[1]: "aws:createdBy" is an AWS-generated key`,
			`costAllocationTagKeys[2]: "stack" is listed twice`,
			`costAllocationTagKeys[3]: "bad::key" is not a tag key`,
			`costAllocationTagKeys[4]: "" is not a tag key`,
			`costAllocationTagKeys: must include "team"`,
		}},
		{"no tag keys", func(a *CostControlsArgs) { a.CostAllocationTagKeys = []string{} }, []string{
			`costAllocationTagKeys: must include "stack"`,
			`costAllocationTagKeys: must include "team"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := accountArgs()
			tt.mutate(args)
			plantest.ExpectInvalid(t, func(ctx *pulumi.Context) error {
				_, err := NewCostControls(ctx, "finops", args)
				return err
			}, tt.want...)
		})
	}

	// The per-stack controls need none of the account-wide inputs.
	require.NoError(t, stackArgs().withDefaults().Validate())
}
