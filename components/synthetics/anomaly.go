package synthetics

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"platform/internal/naming"
)

// Routes of an alarm: the page topic goes to PagerDuty's paging key, the
// ticket topic to the team's queue.
const (
	RoutePage   = "page"
	RouteTicket = "ticket"
)

// Signal tunes one anomaly alarm; zero fields take the signal's default.
type Signal struct {
	// Route is RoutePage or RouteTicket.
	Route string
	// BandWidth is the band's width in standard deviations, above 0.
	BandWidth float64
}

// DefaultTarget5xxFloor is the 5xx responses a minute below which the
// 5xx alarm never fires, whatever the band says.
const DefaultTarget5xxFloor = 10

// AnomalyArgs configure the anomaly alarms of one region.
type AnomalyArgs struct {
	// Namer names the alarms.
	Namer naming.Namer
	// Runbook is the https URL of the runbook every alarm's description
	// ends with.
	Runbook string
	// PageTopicArn and TicketTopicArn receive the alarms by route; each
	// is required when an alarm takes its route.
	PageTopicArn, TicketTopicArn pulumi.StringInput
	// LoadBalancer is the ALB's CloudWatch dimension, app/<name>/<id>,
	// from config. The AWS Load Balancer Controller creates the ALB, so
	// its value is known only after the first deploy: while it is empty,
	// the three load balancer alarms (requests, 5xx, latency) are not
	// created.
	LoadBalancer string
	// DBInstanceIdentifier is the RDS instance; empty creates no database
	// alarms.
	DBInstanceIdentifier string
	// Requests is ALB RequestCount, both sides (default page, width 3).
	Requests Signal
	// Target5xx is ALB HTTPCode_Target_5XX_Count above Target5xxFloor,
	// upper side (default page, width 2).
	Target5xx Signal
	// Target5xxFloor is in 5xx responses a minute (0 takes the default,
	// 10; a fraction such as 0.5 lets any anomalous 5xx count through).
	Target5xxFloor float64
	// TargetLatency is ALB TargetResponseTime p95, upper side (default
	// ticket, width 3).
	TargetLatency Signal
	// DBConnections is RDS DatabaseConnections, upper side (default
	// ticket, width 3).
	DBConnections Signal
	// DBCPU is RDS CPUUtilization, upper side (default ticket, width 2).
	DBCPU Signal
}

// Anomaly alarm keys: suffixes of the logical names and keys of
// AnomalyAlarms.Alarms.
const (
	AlarmRequests      = "alb-requests"
	AlarmTarget5xx     = "alb-5xx"
	AlarmTargetLatency = "alb-latency"
	AlarmDBConnections = "db-connections"
	AlarmDBCPU         = "db-cpu"
)

// anomaly is one alarm's full definition.
type anomaly struct {
	key         string
	signal      Signal
	namespace   string
	metric      string
	dimension   string
	stat        string
	description string
	// period in seconds; evaluation periods M and datapoints N.
	period, periods, datapoints int
	// bothSides alarms below the band too.
	bothSides bool
	// expressions turn m1 into the evaluated series (e1), or nil to
	// evaluate m1 itself.
	expressions []string
	// missing is the treatment of missing data.
	missing string
}

func (a AnomalyArgs) withDefaults() AnomalyArgs {
	def := func(s *Signal, route string, width float64) {
		if s.Route == "" {
			s.Route = route
		}
		if s.BandWidth == 0 {
			s.BandWidth = width
		}
	}
	// User-visible: errors and missing or surging traffic page. Latency
	// and the database are causes, not symptoms, and a band model can be
	// wrong: they open tickets until they have earned a page.
	def(&a.Requests, RoutePage, 3)
	def(&a.Target5xx, RoutePage, 2)
	def(&a.TargetLatency, RouteTicket, 3)
	def(&a.DBConnections, RouteTicket, 3)
	def(&a.DBCPU, RouteTicket, 2)
	if a.Target5xxFloor == 0 {
		a.Target5xxFloor = DefaultTarget5xxFloor
	}
	return a
}

// alarms are the alarms the defaulted args create, in a fixed order.
func (a AnomalyArgs) alarms() []anomaly {
	var out []anomaly
	if a.LoadBalancer != "" {
		floor := strconv.FormatFloat(a.Target5xxFloor, 'f', -1, 64)
		out = append(out,
			anomaly{
				key: AlarmRequests, signal: a.Requests,
				namespace: "AWS/ApplicationELB", metric: "RequestCount", dimension: "LoadBalancer", stat: "Sum",
				description: "ALB request count left its usual band (a drop is as suspicious as a surge: DNS, WAF, clients)",
				// Five-minute sums smooth the per-minute noise; two of
				// three (10 of 15 minutes) outside the band.
				period: 300, periods: 3, datapoints: 2, bothSides: true,
				// The ALB publishes nothing without requests: zeros make
				// silence the drop it is.
				expressions: []string{"FILL(m1, 0)"},
				// With no data at all even the filled series is empty:
				// the load balancer is gone or renamed, also an outage.
				missing: "breaching",
			},
			anomaly{
				key: AlarmTarget5xx, signal: a.Target5xx,
				namespace: "AWS/ApplicationELB", metric: "HTTPCode_Target_5XX_Count", dimension: "LoadBalancer", stat: "Sum",
				description: fmt.Sprintf("ALB target 5xx responses rose above their usual band and above %s a minute", floor),
				// Errors are user-visible: per minute, three of five.
				period: 60, periods: 5, datapoints: 3,
				// The floor guard: below it the series is 0, which never
				// leaves a band; see the package doc.
				expressions: []string{"FILL(m1, 0)", "IF(e1 > " + floor + ", e1, 0)"},
				missing:     "notBreaching",
			},
			anomaly{
				key: AlarmTargetLatency, signal: a.TargetLatency,
				namespace: "AWS/ApplicationELB", metric: "TargetResponseTime", dimension: "LoadBalancer", stat: "p95",
				description: "ALB target response time (p95) rose above its usual band",
				// Four of five minutes: sustained, not one slow request.
				period: 60, periods: 5, datapoints: 4,
				// No requests, no latency: the request alarm covers that.
				missing: "notBreaching",
			},
		)
	}
	if a.DBInstanceIdentifier != "" {
		out = append(out,
			anomaly{
				key: AlarmDBConnections, signal: a.DBConnections,
				namespace: "AWS/RDS", metric: "DatabaseConnections", dimension: "DBInstanceIdentifier", stat: "Maximum",
				description: "RDS connections rose above their usual band (pool leak or connection storm nearing max_connections)",
				// 15 sustained minutes: deploys and scaling step the count.
				period: 300, periods: 3, datapoints: 3,
				// A stopped or replaced instance is for the canaries.
				missing: "notBreaching",
			},
			anomaly{
				key: AlarmDBCPU, signal: a.DBCPU,
				namespace: "AWS/RDS", metric: "CPUUtilization", dimension: "DBInstanceIdentifier", stat: "Average",
				description: "RDS CPU rose above its usual band (runaway query, missing index, vacuum storm)",
				// 15 sustained minutes: backups and vacuum spike briefly.
				period: 300, periods: 3, datapoints: 3, missing: "notBreaching",
			},
		)
	}
	return out
}

var (
	loadBalancerDimension = regexp.MustCompile(`^app/[A-Za-z0-9-]{1,32}/[0-9a-f]+$`)
	dbIdentifier          = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,62}$`)
)

// Validate reports every problem of the args, defaults applied, with its
// field path.
func (a AnomalyArgs) Validate() error {
	a = a.withDefaults()
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !strings.HasPrefix(a.Runbook, "https://") {
		add("runbook: the https URL of the runbook the alarms link to, got %q", a.Runbook)
	}
	if a.Namer.AccountID == "" || a.Namer.Region == "" {
		add("namer: account id and region are required")
	}
	if a.LoadBalancer != "" && !loadBalancerDimension.MatchString(a.LoadBalancer) {
		add("loadBalancer: must be the ALB's dimension app/<name>/<id> (the end of its ARN), or empty until the ALB exists, got %q", a.LoadBalancer)
	}
	if a.DBInstanceIdentifier != "" && !dbIdentifier.MatchString(a.DBInstanceIdentifier) {
		add("dbInstanceIdentifier: must be an RDS instance identifier (a letter, then up to 62 letters, digits and hyphens), got %q", a.DBInstanceIdentifier)
	}
	if a.Target5xxFloor < 0 {
		add("target5xxFloor: must not be negative, got %g", a.Target5xxFloor)
	}
	// Every signal is checked, created or not: a typo in config must
	// not wait for the ALB to exist to be found.
	for _, s := range []struct {
		field  string
		signal Signal
	}{{"requests", a.Requests}, {"target5xx", a.Target5xx}, {"targetLatency", a.TargetLatency}, {"dbConnections", a.DBConnections}, {"dbCpu", a.DBCPU}} {
		if s.signal.Route != RoutePage && s.signal.Route != RouteTicket {
			add("%s.route: must be %q or %q, got %q", s.field, RoutePage, RouteTicket, s.signal.Route)
		}
		if s.signal.BandWidth <= 0 {
			add("%s.bandWidth: must be above 0 standard deviations, got %g", s.field, s.signal.BandWidth)
		}
	}
	routes := map[string]bool{}
	for _, al := range a.alarms() {
		routes[al.signal.Route] = true
	}
	if routes[RoutePage] && a.PageTopicArn == nil {
		add("pageTopicArn: is required: an alarm routes to %q", RoutePage)
	}
	if routes[RouteTicket] && a.TicketTopicArn == nil {
		add("ticketTopicArn: is required: an alarm routes to %q", RouteTicket)
	}
	return errors.Join(errs...)
}

// AnomalyAlarms are the anomaly-detection alarms of one region.
type AnomalyAlarms struct {
	pulumi.ResourceState

	// Alarms maps each created alarm's key (AlarmRequests...) to its ARN.
	Alarms map[string]pulumi.StringOutput
}

// NewAnomalyAlarms creates the anomaly-detection alarm of each signal
// whose resource is named: the load balancer alarms only with
// LoadBalancer, the database alarms only with DBInstanceIdentifier.
func NewAnomalyAlarms(ctx *pulumi.Context, name string, args *AnomalyArgs, opts ...pulumi.ResourceOption) (*AnomalyAlarms, error) {
	if args == nil {
		args = &AnomalyArgs{}
	}
	if err := args.Validate(); err != nil {
		return nil, fmt.Errorf("synthetics %s: %w", name, err)
	}
	a := args.withDefaults()
	c := &AnomalyAlarms{Alarms: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResourceV2("platform:synthetics:AnomalyAlarms", name, nil, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	topics := map[string]pulumi.StringInput{RoutePage: a.PageTopicArn, RouteTicket: a.TicketTopicArn}
	values := map[string]string{"LoadBalancer": a.LoadBalancer, "DBInstanceIdentifier": a.DBInstanceIdentifier}
	outputs := pulumi.Map{}
	for _, al := range a.alarms() {
		arn, err := anomalyAlarm(ctx, name, a.Namer, al, values[al.dimension], a.Runbook, topics[al.signal.Route], parent)
		if err != nil {
			return nil, fmt.Errorf("synthetics %s: %w", name, err)
		}
		c.Alarms[al.key] = arn
		outputs[al.key] = arn
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"alarms": outputs}); err != nil {
		return nil, err
	}
	return c, nil
}

// anomalyAlarm creates one alarm: m1 is the metric, e1... the
// expressions that shape it, and ad1 the band around the last of them,
// which is the threshold.
func anomalyAlarm(ctx *pulumi.Context, name string, n naming.Namer, al anomaly, dimension, runbook string, topic pulumi.StringInput, parent pulumi.ResourceOption) (pulumi.StringOutput, error) {
	queries := cloudwatch.MetricAlarmMetricQueryArray{cloudwatch.MetricAlarmMetricQueryArgs{
		Id: pulumi.String("m1"),
		Metric: cloudwatch.MetricAlarmMetricQueryMetricArgs{
			Namespace:  pulumi.String(al.namespace),
			MetricName: pulumi.String(al.metric),
			Dimensions: pulumi.StringMap{al.dimension: pulumi.String(dimension)},
			Period:     pulumi.Int(al.period),
			Stat:       pulumi.String(al.stat),
		},
		ReturnData: pulumi.Bool(len(al.expressions) == 0),
	}}
	evaluated := "m1"
	for i, expr := range al.expressions {
		evaluated = fmt.Sprintf("e%d", i+1)
		q := cloudwatch.MetricAlarmMetricQueryArgs{
			Id:         pulumi.String(evaluated),
			Expression: pulumi.String(expr),
			ReturnData: pulumi.Bool(i == len(al.expressions)-1),
		}
		if i == len(al.expressions)-1 {
			q.Label = pulumi.String(al.metric + " (evaluated)")
		}
		queries = append(queries, q)
	}
	width := strconv.FormatFloat(al.signal.BandWidth, 'f', -1, 64)
	queries = append(queries, cloudwatch.MetricAlarmMetricQueryArgs{
		Id:         pulumi.String("ad1"),
		Expression: pulumi.String(fmt.Sprintf("ANOMALY_DETECTION_BAND(%s, %s)", evaluated, width)),
		Label:      pulumi.String(al.metric + " (expected)"),
		ReturnData: pulumi.Bool(true),
	})
	comparison := "GreaterThanUpperThreshold"
	if al.bothSides {
		comparison = "LessThanLowerOrGreaterThanUpperThreshold"
	}
	alarm, err := cloudwatch.NewMetricAlarm(ctx, name+"-"+al.key, &cloudwatch.MetricAlarmArgs{
		Name: pulumi.String(n.Name(naming.Generic, "anomaly", al.key)),
		AlarmDescription: pulumi.String(fmt.Sprintf("%s for %d of %d periods of %d s (%s %s, band %s standard deviations, route %s). Runbook: %s",
			al.description, al.datapoints, al.periods, al.period, al.dimension, dimension, width, al.signal.Route, runbook)),
		MetricQueries:      queries,
		ThresholdMetricId:  pulumi.String("ad1"),
		ComparisonOperator: pulumi.String(comparison),
		EvaluationPeriods:  pulumi.Int(al.periods),
		DatapointsToAlarm:  pulumi.Int(al.datapoints),
		TreatMissingData:   pulumi.String(al.missing),
		AlarmActions:       pulumi.Array{topic},
		OkActions:          pulumi.Array{topic},
	}, parent)
	if err != nil {
		return pulumi.StringOutput{}, err
	}
	return alarm.Arn, nil
}
