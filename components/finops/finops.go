// Package finops owns the platform's cost controls in AWS itself, next to
// the offline estimate of internal/cost:
//
//   - per stack, an AWS Budgets monthly cost budget over the resources that
//     carry the stack's `stack` cost allocation tag, which warns the
//     alert topic when the month is forecast to reach 80% and 100% of the
//     limit and when it actually reaches 100%;
//   - per account (the stack that owns the account's billing settings, the
//     primary; the DR stack shares the account and sets AccountWide false):
//     Cost Anomaly Detection over every AWS service with immediate alerts to
//     the alert topic, the activation of the platform's cost allocation tag
//     keys, a `team` cost category, and a CUR 2.0 export (AWS Data Exports)
//     into its own private, KMS-encrypted bucket.
//
// Things AWS imposes that a reader of a failed deployment should know:
//
//   - Cost Explorer and Data Exports answer only in us-east-1, so the
//     account-wide stack's provider must be in us-east-1 (Validate checks).
//   - A tag key can be activated only once it has appeared in the billing
//     data, which takes up to 24 hours after the first resource carrying it
//     is created; before that the activation fails (the provider reports an
//     empty result for the key). Run the update again the next day. Only the
//     management account of an organization, or a standalone account, may
//     activate tags at all.
//   - An account holds one DIMENSIONAL/SERVICE anomaly monitor. If one
//     already exists (created in the console), creation fails with "Limit
//     exceeded on dimensional spend monitor creation": import it instead.
//   - Budgets, anomaly alerts and tag-filtered spend lag the usage by up to
//     a day: these are guard rails for the month, not a circuit breaker.
//
// The alert topic is encrypted with the logs key; components/kms lets
// budgets.amazonaws.com and costalerts.amazonaws.com use that key and
// components/observability lets them publish, both for this account only.
package finops

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/bcmdata"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/budgets"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/costexplorer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/components/storage"
	"platform/internal/naming"
)

// Tag keys that service resources add to the provider's default tags
// (components/service).
const (
	TagService = "service"
	TagTeam    = "team"
)

// DefaultCostAllocationTagKeys are the tag keys activated for cost
// allocation: the required keys every resource carries, the stack, and the
// service and team of service resources.
var DefaultCostAllocationTagKeys = append(append([]string{}, naming.RequiredTagKeys...), naming.TagStack, TagService, TagTeam)

// Budget thresholds, in percent of the monthly limit: an early warning on
// the forecast, the forecast reaching the limit, and the limit reached.
const (
	ForecastWarningPercent = 80
	LimitPercent           = 100
)

// BillingRegion is where Cost Explorer and Data Exports answer.
const BillingRegion = "us-east-1"

// CostCategoryName is the cost category that splits spend by team.
const CostCategoryName = "team"

// SharedCostValue is the team cost category's value for spend no team tag
// claims: the shared platform (network, cluster, data tier, observability).
const SharedCostValue = "platform"

// Export bucket lifecycle. Data Exports overwrites the current month's
// files up to three times a day, and the bucket is versioned: noncurrent
// versions are worth nothing once overwritten, so they go after 30 days.
// Reports move to Standard-IA after 30 days (the storage default), where
// Athena still reads them, and to Glacier, where it cannot, after 13
// months: a year-over-year comparison plus a month's margin. Nothing
// expires: billing history is kept.
const (
	ExportNoncurrentVersionDays = 30
	ExportGlacierDays           = 400
)

// exportWriterPrefix is the bucket prefix the storage policy opens to Data
// Exports; the export writes under <prefix>/AWSLogs/<account>/, the only
// keys a storage.ServiceWriter may write.
const exportWriterPrefix = "cur2"

// dataExportsService is the Data Exports service principal that writes the
// report (AWS Data Exports user guide, "Setting up an Amazon S3 bucket for
// data exports").
const dataExportsService = "bcm-data-exports.amazonaws.com"

// cur2Columns are the CUR 2.0 columns exported. Data Exports' SQL takes a
// column list (SELECT <columns> FROM <table>); SELECT * is not in the
// documented grammar, so the list is explicit. It is the CUR 2.0 list of
// AWS's Cloud Intelligence Dashboards data-exports template, which needs
// INCLUDE_RESOURCES (line_item_resource_id) and no split cost allocation
// or manual-discount columns, matching the table configuration below.
var cur2Columns = []string{
	"bill_bill_type", "bill_billing_entity", "bill_billing_period_end_date", "bill_billing_period_start_date",
	"bill_invoice_id", "bill_invoicing_entity", "bill_payer_account_id", "bill_payer_account_name",
	"cost_category", "discount", "discount_bundled_discount", "discount_total_discount",
	"identity_line_item_id", "identity_time_interval",
	"line_item_availability_zone", "line_item_blended_cost", "line_item_blended_rate", "line_item_currency_code",
	"line_item_legal_entity", "line_item_line_item_description", "line_item_line_item_type",
	"line_item_net_unblended_cost", "line_item_net_unblended_rate", "line_item_normalization_factor",
	"line_item_normalized_usage_amount", "line_item_operation", "line_item_product_code", "line_item_resource_id",
	"line_item_tax_type", "line_item_unblended_cost", "line_item_unblended_rate", "line_item_usage_account_id",
	"line_item_usage_account_name", "line_item_usage_amount", "line_item_usage_end_date", "line_item_usage_start_date",
	"line_item_usage_type",
	"pricing_currency", "pricing_lease_contract_length", "pricing_offering_class", "pricing_public_on_demand_cost",
	"pricing_public_on_demand_rate", "pricing_purchase_option", "pricing_rate_code", "pricing_rate_id",
	"pricing_term", "pricing_unit",
	"product", "product_comment", "product_fee_code", "product_fee_description", "product_from_location",
	"product_from_location_type", "product_from_region_code", "product_instance_family", "product_instance_type",
	"product_instancesku", "product_location", "product_location_type", "product_operation", "product_pricing_unit",
	"product_product_family", "product_region_code", "product_servicecode", "product_sku", "product_to_location",
	"product_to_location_type", "product_to_region_code", "product_usagetype",
	"reservation_amortized_upfront_cost_for_usage", "reservation_amortized_upfront_fee_for_billing_period",
	"reservation_availability_zone", "reservation_effective_cost", "reservation_end_time",
	"reservation_modification_status", "reservation_net_amortized_upfront_cost_for_usage",
	"reservation_net_amortized_upfront_fee_for_billing_period", "reservation_net_effective_cost",
	"reservation_net_recurring_fee_for_usage", "reservation_net_unused_amortized_upfront_fee_for_billing_period",
	"reservation_net_unused_recurring_fee", "reservation_net_upfront_value",
	"reservation_normalized_units_per_reservation", "reservation_number_of_reservations",
	"reservation_recurring_fee_for_usage", "reservation_reservation_a_r_n", "reservation_start_time",
	"reservation_subscription_id", "reservation_total_reserved_normalized_units", "reservation_total_reserved_units",
	"reservation_units_per_reservation", "reservation_unused_amortized_upfront_fee_for_billing_period",
	"reservation_unused_normalized_unit_quantity", "reservation_unused_quantity", "reservation_unused_recurring_fee",
	"reservation_upfront_value",
	"resource_tags",
	"savings_plan_amortized_upfront_commitment_for_billing_period", "savings_plan_end_time",
	"savings_plan_instance_type_family", "savings_plan_net_amortized_upfront_commitment_for_billing_period",
	"savings_plan_net_recurring_commitment_for_billing_period", "savings_plan_net_savings_plan_effective_cost",
	"savings_plan_offering_type", "savings_plan_payment_option", "savings_plan_purchase_term",
	"savings_plan_recurring_commitment_for_billing_period", "savings_plan_region", "savings_plan_savings_plan_a_r_n",
	"savings_plan_savings_plan_effective_cost", "savings_plan_savings_plan_rate", "savings_plan_start_time",
	"savings_plan_total_commitment_to_date", "savings_plan_used_commitment",
}

// CUR2Query is the export's SQL statement.
var CUR2Query = "SELECT " + strings.Join(cur2Columns, ", ") + " FROM COST_AND_USAGE_REPORT"

// CUR2TableConfiguration is the CUR 2.0 table configuration: hourly line
// items with resource ids (what a FinOps analysis groups by), without the
// split cost allocation data and manual discount compatibility columns.
var CUR2TableConfiguration = map[string]string{
	"TIME_GRANULARITY":                      "HOURLY",
	"INCLUDE_RESOURCES":                     "TRUE",
	"INCLUDE_SPLIT_COST_ALLOCATION_DATA":    "FALSE",
	"INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE",
}

// CostControlsArgs configure the cost controls of one stack.
type CostControlsArgs struct {
	// Namer names the budget and the account-wide resources and gives the
	// account and region.
	Namer naming.Namer
	// Stack is the `stack` tag value (the Pulumi stack's name) whose spend
	// the budget tracks. Not the `environment` tag: the production and dr
	// stacks are both environment production, and each has its own budget.
	Stack string
	// MonthlyBudgetUSD is the stack's monthly limit in US dollars.
	MonthlyBudgetUSD float64
	// AlertTopicArn receives budget and anomaly notifications
	// (observability.AlertTopic.Arn, whose policy admits AWS Budgets and
	// Cost Anomaly Detection of this account).
	AlertTopicArn pulumi.StringInput

	// AccountWide creates the account's billing settings: anomaly
	// detection, tag activation, the team cost category and the CUR 2.0
	// export. Exactly one stack of an account sets it (the primary).
	AccountWide bool
	// AnomalyThresholdUSD is the total impact, in US dollars, from which an
	// anomaly is sent to the alert topic. Required with AccountWide.
	AnomalyThresholdUSD float64
	// CostAllocationTagKeys are activated for cost allocation; default
	// DefaultCostAllocationTagKeys. They must include `stack` (the
	// budgets filter on it) and `team` (the cost category matches it).
	CostAllocationTagKeys []string
	// Teams are the values of the `team` tag; each becomes a value of the
	// team cost category. Required with AccountWide.
	Teams []string
	// KmsKeyArn encrypts the export bucket (the data key, whose policy lets
	// Data Exports write through S3). Required with AccountWide.
	KmsKeyArn pulumi.StringInput
	// AccessLogBucket receives the export bucket's access logs. Required
	// with AccountWide.
	AccessLogBucket pulumi.StringInput
	// Protect turns on pulumi.Protect for the export bucket (it is always
	// retained on delete).
	Protect bool
}

// tagKeyPattern is the AWS tag key charset, up to 128 characters.
var tagKeyPattern = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$`)

// costCategoryValuePattern is the cost category value charset AWS
// accepts (letters, digits, spaces, hyphens and underscores, no leading or
// trailing space), up to 50 characters.
var costCategoryValuePattern = regexp.MustCompile(`^[\p{L}\p{N}_-]([\p{L}\p{N} _-]{0,48}[\p{L}\p{N}_-])?$`)

// maxCostCategoryRules is the AWS limit of rules per cost category.
const maxCostCategoryRules = 500

func (a CostControlsArgs) withDefaults() CostControlsArgs {
	if a.CostAllocationTagKeys == nil {
		a.CostAllocationTagKeys = DefaultCostAllocationTagKeys
	}
	return a
}

func positive(v float64) bool { return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) }

// Validate reports every problem of defaulted args with its field path.
func (a CostControlsArgs) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.Stack == "" || !naming.ValidTagValue(a.Stack) {
		add("stack: must be the stack's `stack` tag value (its name), got %q", a.Stack)
	}
	if !positive(a.MonthlyBudgetUSD) {
		add("monthlyBudgetUsd: must be a positive amount of US dollars, got %v", a.MonthlyBudgetUSD)
	}
	if a.AlertTopicArn == nil {
		add("alertTopicArn: is required: budget alerts go to the alert topic")
	}
	if !a.AccountWide {
		return errors.Join(errs...)
	}
	if a.Namer.Region != "" && a.Namer.Region != BillingRegion {
		add("namer.region: the account-wide controls use Cost Explorer and Data Exports, which answer only in %s; give accountWide to the %s stack, got %q",
			BillingRegion, BillingRegion, a.Namer.Region)
	}
	if !positive(a.AnomalyThresholdUSD) {
		add("anomalyThresholdUsd: must be a positive amount of US dollars with accountWide, got %v", a.AnomalyThresholdUSD)
	}
	if a.KmsKeyArn == nil {
		add("kmsKeyArn: is required with accountWide: the cost and usage report is encrypted with the data key")
	}
	if a.AccessLogBucket == nil {
		add("accessLogBucket: is required with accountWide: the export bucket's access is logged")
	}
	seenKeys := map[string]bool{}
	for i, k := range a.CostAllocationTagKeys {
		switch {
		case !tagKeyPattern.MatchString(k) || strings.Contains(k, "::"):
			add("costAllocationTagKeys[%d]: %q is not a tag key (1-128 letters, digits, spaces and _ . : / = + - @)", i, k)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			add("costAllocationTagKeys[%d]: %q is an AWS-generated key; list only user-defined keys", i, k)
		case seenKeys[k]:
			add("costAllocationTagKeys[%d]: %q is listed twice", i, k)
		}
		seenKeys[k] = true
	}
	for _, required := range []string{naming.TagStack, TagTeam} {
		if !seenKeys[required] {
			add("costAllocationTagKeys: must include %q (the budgets and the team cost category read it)", required)
		}
	}
	if len(a.Teams) == 0 {
		add("teams: at least one team is required with accountWide: the team cost category has a rule per team")
	}
	if len(a.Teams) > maxCostCategoryRules {
		add("teams: at most %d teams fit one cost category, got %d", maxCostCategoryRules, len(a.Teams))
	}
	seenTeams := map[string]bool{}
	for i, team := range a.Teams {
		switch {
		case !costCategoryValuePattern.MatchString(team):
			add("teams[%d]: %q must be 1-50 letters, digits, spaces, hyphens and underscores, as the `team` tag value", i, team)
		case seenTeams[team]:
			add("teams[%d]: %q is listed twice", i, team)
		}
		seenTeams[team] = true
	}
	return errors.Join(errs...)
}

// CostControls are the cost controls of one stack.
type CostControls struct {
	pulumi.ResourceState

	// BudgetName is the stack's monthly cost budget.
	BudgetName pulumi.StringOutput
	// ExportBucketName receives the CUR 2.0 export (empty unless
	// AccountWide).
	ExportBucketName pulumi.StringOutput
	// AnomalyMonitorArn is the account's services anomaly monitor (empty
	// unless AccountWide).
	AnomalyMonitorArn pulumi.StringOutput
}

// NewCostControls creates the stack's budget and, with AccountWide, the
// account's billing settings.
func NewCostControls(ctx *pulumi.Context, name string, args *CostControlsArgs, opts ...pulumi.ResourceOption) (*CostControls, error) {
	if args == nil {
		args = &CostControlsArgs{}
	}
	a := args.withDefaults()
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("finops %s: %w", name, err)
	}
	c := &CostControls{}
	inputs := pulumi.Map{
		"stack":            pulumi.String(a.Stack),
		"monthlyBudgetUsd": pulumi.Float64(a.MonthlyBudgetUSD),
		"accountWide":      pulumi.Bool(a.AccountWide),
	}
	if err := ctx.RegisterComponentResourceV2("platform:finops:CostControls", name, inputs, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	budget, err := newBudget(ctx, name, a, parent)
	if err != nil {
		return nil, fmt.Errorf("finops %s: %w", name, err)
	}
	c.BudgetName = budget.Name
	c.ExportBucketName = pulumi.String("").ToStringOutput()
	c.AnomalyMonitorArn = pulumi.String("").ToStringOutput()
	if a.AccountWide {
		monitor, err := newAnomalyDetection(ctx, name, a, parent)
		if err != nil {
			return nil, fmt.Errorf("finops %s: %w", name, err)
		}
		c.AnomalyMonitorArn = monitor.Arn
		tags, err := activateTags(ctx, name, a, parent)
		if err != nil {
			return nil, fmt.Errorf("finops %s: %w", name, err)
		}
		if err := newTeamCategory(ctx, name, a, tags, parent); err != nil {
			return nil, fmt.Errorf("finops %s: %w", name, err)
		}
		bucket, err := newExport(ctx, name, a, parent)
		if err != nil {
			return nil, fmt.Errorf("finops %s: %w", name, err)
		}
		c.ExportBucketName = bucket.BucketName
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"budgetName":        c.BudgetName,
		"exportBucketName":  c.ExportBucketName,
		"anomalyMonitorArn": c.AnomalyMonitorArn,
	}); err != nil {
		return nil, err
	}
	return c, nil
}

func dollars(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// newBudget tracks the spend tagged with the stack's name. The
// budget's tag filter is written user:<key>$<value>, as Budgets names
// user-defined cost allocation tags.
func newBudget(ctx *pulumi.Context, name string, a CostControlsArgs, parent pulumi.ResourceOption) (*budgets.Budget, error) {
	topics := pulumi.StringArray{a.AlertTopicArn}
	notify := func(kind string, percent float64) budgets.BudgetNotificationArgs {
		return budgets.BudgetNotificationArgs{
			NotificationType:       pulumi.String(kind),
			ComparisonOperator:     pulumi.String("GREATER_THAN"),
			Threshold:              pulumi.Float64(percent),
			ThresholdType:          pulumi.String("PERCENTAGE"),
			SubscriberSnsTopicArns: topics,
		}
	}
	return budgets.NewBudget(ctx, name+"-monthly", &budgets.BudgetArgs{
		Name:        pulumi.String(a.Namer.Name(naming.Generic, "monthly-cost")),
		AccountId:   pulumi.String(a.Namer.AccountID),
		BudgetType:  pulumi.String("COST"),
		TimeUnit:    pulumi.String("MONTHLY"),
		LimitAmount: pulumi.String(dollars(a.MonthlyBudgetUSD)),
		LimitUnit:   pulumi.String("USD"),
		CostFilters: budgets.BudgetCostFilterArray{budgets.BudgetCostFilterArgs{
			Name:   pulumi.String("TagKeyValue"),
			Values: pulumi.StringArray{pulumi.String("user:" + naming.TagStack + "$" + a.Stack)},
		}},
		Notifications: budgets.BudgetNotificationArray{
			notify("FORECASTED", ForecastWarningPercent),
			notify("FORECASTED", LimitPercent),
			notify("ACTUAL", LimitPercent),
		},
	}, parent)
}

// newAnomalyDetection watches every AWS service of the account. IMMEDIATE
// alerts go to SNS only (daily and weekly digests are email).
func newAnomalyDetection(ctx *pulumi.Context, name string, a CostControlsArgs, parent pulumi.ResourceOption) (*costexplorer.AnomalyMonitor, error) {
	n := a.Namer
	monitor, err := costexplorer.NewAnomalyMonitor(ctx, name+"-services", &costexplorer.AnomalyMonitorArgs{
		Name:             pulumi.String(n.Name(naming.Generic, "services")),
		MonitorType:      pulumi.String("DIMENSIONAL"),
		MonitorDimension: pulumi.String("SERVICE"),
	}, parent)
	if err != nil {
		return nil, err
	}
	_, err = costexplorer.NewAnomalySubscription(ctx, name+"-anomalies", &costexplorer.AnomalySubscriptionArgs{
		Name:            pulumi.String(n.Name(naming.Generic, "cost-anomalies")),
		AccountId:       pulumi.String(n.AccountID),
		Frequency:       pulumi.String("IMMEDIATE"),
		MonitorArnLists: pulumi.StringArray{monitor.Arn},
		Subscribers: costexplorer.AnomalySubscriptionSubscriberArray{costexplorer.AnomalySubscriptionSubscriberArgs{
			Type:    pulumi.String("SNS"),
			Address: a.AlertTopicArn,
		}},
		ThresholdExpression: costexplorer.AnomalySubscriptionThresholdExpressionArgs{
			Dimension: costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs{
				Key:          pulumi.String("ANOMALY_TOTAL_IMPACT_ABSOLUTE"),
				MatchOptions: pulumi.StringArray{pulumi.String("GREATER_THAN_OR_EQUAL")},
				Values:       pulumi.StringArray{pulumi.String(dollars(a.AnomalyThresholdUSD))},
			},
		},
	}, parent)
	return monitor, err
}

// activateTags makes the tag keys usable in Cost Explorer, Budgets, cost
// categories and the CUR (see the package doc for when activation fails).
func activateTags(ctx *pulumi.Context, name string, a CostControlsArgs, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var tags []pulumi.Resource
	for _, key := range a.CostAllocationTagKeys {
		tag, err := costexplorer.NewCostAllocationTag(ctx, name+"-tag-"+key, &costexplorer.CostAllocationTagArgs{
			TagKey: pulumi.String(key),
			Status: pulumi.String("Active"),
		}, parent)
		if err != nil {
			return nil, err
		}
		tags = append(tags, tag)
	}
	return tags, nil
}

// newTeamCategory gives each team the spend its `team` tag claims, and the
// rest to the shared platform. Its rules read an active tag, so it waits
// for the activations.
func newTeamCategory(ctx *pulumi.Context, name string, a CostControlsArgs, tags []pulumi.Resource, parent pulumi.ResourceOption) error {
	rules := costexplorer.CostCategoryRuleArray{}
	for _, team := range a.Teams {
		rules = append(rules, costexplorer.CostCategoryRuleArgs{
			Value: pulumi.String(team),
			Rule: costexplorer.CostCategoryRuleRuleArgs{
				Tags: costexplorer.CostCategoryRuleRuleTagsArgs{
					Key:          pulumi.String(TagTeam),
					Values:       pulumi.StringArray{pulumi.String(team)},
					MatchOptions: pulumi.StringArray{pulumi.String("EQUALS")},
				},
			},
		})
	}
	_, err := costexplorer.NewCostCategory(ctx, name+"-team", &costexplorer.CostCategoryArgs{
		Name:         pulumi.String(CostCategoryName),
		RuleVersion:  pulumi.String("CostCategoryExpression.v1"),
		Rules:        rules,
		DefaultValue: pulumi.String(SharedCostValue),
	}, parent, pulumi.DependsOn(tags))
	return err
}

// newExport delivers CUR 2.0 as Parquet into a new bucket of the platform's
// kind (private, TLS-only, versioned, access-logged), encrypted with the
// data key: Data Exports writes through S3, and the data key's policy lets
// bcm-data-exports.amazonaws.com generate data keys through S3 for this
// account (components/kms). The bucket policy admits Data Exports of this
// account under one prefix (storage.ServiceWriter), so the export's S3
// prefix is that writer's path. The legacy CUR principal
// (billingreports.amazonaws.com) is not admitted: this is not a legacy
// report.
func newExport(ctx *pulumi.Context, name string, a CostControlsArgs, parent pulumi.ResourceOption) (*storage.Bucket, error) {
	n := a.Namer
	bucket, err := storage.NewBucket(ctx, name+"-exports", &storage.BucketArgs{
		Namer:           n,
		Purpose:         "billing-exports",
		KmsKeyArn:       a.KmsKeyArn,
		AccessLogBucket: a.AccessLogBucket,
		Protect:         a.Protect,
		Lifecycle: storage.Lifecycle{
			TransitionToGlacierDays:         ExportGlacierDays,
			NoncurrentVersionExpirationDays: ExportNoncurrentVersionDays,
		},
		ServiceWriters: []storage.ServiceWriter{{Service: dataExportsService, Prefix: exportWriterPrefix}},
	}, parent)
	if err != nil {
		return nil, err
	}
	table := pulumi.StringMap{}
	for k, v := range CUR2TableConfiguration {
		table[k] = pulumi.String(v)
	}
	_, err = bcmdata.NewExport(ctx, name+"-cur2", &bcmdata.ExportArgs{
		Export: bcmdata.ExportExportArgs{
			Name:        pulumi.String(n.Name(naming.Generic, "cur2")),
			Description: pulumi.String("CUR 2.0: hourly cost and usage with resource ids and cost allocation tags"),
			DataQueries: bcmdata.ExportExportDataQueryArray{bcmdata.ExportExportDataQueryArgs{
				QueryStatement:      pulumi.String(CUR2Query),
				TableConfigurations: pulumi.StringMapMap{"COST_AND_USAGE_REPORT": table},
			}},
			DestinationConfigurations: bcmdata.ExportExportDestinationConfigurationArray{bcmdata.ExportExportDestinationConfigurationArgs{
				S3Destinations: bcmdata.ExportExportDestinationConfigurationS3DestinationArray{bcmdata.ExportExportDestinationConfigurationS3DestinationArgs{
					S3Bucket: bucket.BucketName,
					S3Prefix: pulumi.String(ExportPrefix(n.AccountID)),
					S3Region: pulumi.String(n.Region),
					S3OutputConfigurations: bcmdata.ExportExportDestinationConfigurationS3DestinationS3OutputConfigurationArray{
						bcmdata.ExportExportDestinationConfigurationS3DestinationS3OutputConfigurationArgs{
							Format:      pulumi.String("PARQUET"),
							Compression: pulumi.String("PARQUET"),
							OutputType:  pulumi.String("CUSTOM"),
							// One current copy per billing period: history
							// is kept per month, not per refresh.
							Overwrite: pulumi.String("OVERWRITE_REPORT"),
						},
					},
				}},
			}},
			RefreshCadences: bcmdata.ExportExportRefreshCadenceArray{bcmdata.ExportExportRefreshCadenceArgs{
				Frequency: pulumi.String("SYNCHRONOUS"),
			}},
		},
		// Data Exports checks its write access when the export is created:
		// the bucket policy and encryption must exist first.
	}, parent, pulumi.DependsOn([]pulumi.Resource{bucket}))
	if err != nil {
		return nil, err
	}
	return bucket, nil
}

// ExportPrefix is the key prefix the export writes under: the path the
// bucket policy opens to Data Exports of the account.
func ExportPrefix(accountID string) string {
	return exportWriterPrefix + "/AWSLogs/" + accountID
}
