package tests

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"platform/internal/plan"
	"platform/internal/plantest"
)

// Logs, traces, canaries and experiments across components: the wiring
// that no single component test can see.

// TestSearchDomainNamesItsWriters: the domain's policy is written before
// the roles that write to it exist, from their names; they must be the
// roles the stack creates.
func TestSearchDomainNamesItsWriters(t *testing.T) {
	p := planStack(t, "production")
	pol, ok := p.Named("aws:opensearch/domainPolicy:DomainPolicy", "search")
	require.True(t, ok)
	var doc struct {
		Statement []struct {
			Sid       string
			Principal struct{ AWS any }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(pol.Inputs["accessPolicies"].(string)), &doc))
	principals := map[string]bool{}
	for _, s := range doc.Statement {
		switch v := s.Principal.AWS.(type) {
		case string:
			principals[v] = true
		case []any:
			for _, a := range v {
				principals[a.(string)] = true
			}
		}
	}
	for _, role := range []string{"logging-fluent-bit", "eks-audit-firehose"} {
		r, ok := p.Named("aws:iam/role:Role", role)
		require.True(t, ok, role)
		arn := "arn:aws:iam::123456789012:role/" + r.Inputs["name"].(string)
		assert.True(t, principals[arn], "the domain admits %s (%s)", role, arn)
	}
	for a := range principals {
		assert.NotContains(t, a, "*", "no wildcard principal")
	}
	_, dr := planStack(t, "dr").Named("aws:opensearch/domain:Domain", "search")
	assert.False(t, dr, "the standby region has no search domain (platform:logging.search.enabled)")
}

// TestStoresOutliveNoRetention: Loki's and Tempo's own retention deletes
// before the bucket's lifecycle does, and nothing read at query time is
// tiered to Glacier.
func TestStoresOutliveNoRetention(t *testing.T) {
	for _, stack := range []string{"production", "dr"} {
		p := planStack(t, stack)
		expiration := func(bucket string) float64 {
			lc, ok := p.Named("aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2", bucket)
			require.True(t, ok, bucket)
			assert.Nil(t, plantest.Input(lc, "rules", 0, "transitions"), "%s: read at query time, never tiered", bucket)
			return plantest.Input(lc, "rules", 0, "expiration", "days").(float64)
		}
		loki, _ := p.Named("kubernetes:helm.sh/v3:Release", "logging-loki")
		lokiHours := hours(t, plantest.Input(loki, "values", "loki", "limits_config", "retention_period").(string))
		assert.Equal(t, 30*24, lokiHours, "%s: a month of application logs", stack)
		assert.Less(t, float64(lokiHours), expiration("loki")*24, "%s: Loki deletes before S3 does", stack)
		tempo, _ := p.Named("kubernetes:helm.sh/v3:Release", "tracing-tempo")
		tempoHours := hours(t, plantest.Input(tempo, "values", "compactor", "config", "compaction", "block_retention").(string))
		assert.Less(t, float64(tempoHours), expiration("traces")*24, "%s: Tempo deletes before S3 does", stack)
	}
}

func hours(t *testing.T, d string) int {
	t.Helper()
	h, err := strconv.Atoi(strings.TrimSuffix(d, "h"))
	require.NoError(t, err, "a duration in hours, got %q", d)
	return h
}

// TestAuditStreamsInTheLockedBucket: the EKS audit log and Falco's
// events land in an Object-Lock bucket of the stack's region that keeps
// them for at least a year.
func TestAuditStreamsInTheLockedBucket(t *testing.T) {
	primary := planStack(t, "production")
	for stack, bucket := range map[string]string{"production": "audit", "dr": "audit-replica"} {
		p := planStack(t, stack)
		locked, ok := primary.Named("aws:s3/bucketV2:BucketV2", bucket)
		require.True(t, ok)
		arn := "arn:aws:s3:::" + locked.Inputs["bucket"].(string)
		lock, ok := primary.Named("aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2", bucket)
		require.True(t, ok, "%s has Object Lock", bucket)
		assert.GreaterOrEqual(t, plantest.Input(lock, "rule", "defaultRetention", "days"), 365.0)

		firehose, ok := p.Named("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "eks-audit")
		require.True(t, ok, stack)
		dest := plantest.Input(firehose, "opensearchConfiguration", "s3Configuration", "bucketArn")
		if dest == nil {
			dest = plantest.Input(firehose, "extendedS3Configuration", "bucketArn")
		}
		assert.Equal(t, arn, dest, "%s: the EKS audit log is kept in %s", stack, bucket)
		sub, ok := p.Named("aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter", "eks-audit")
		require.True(t, ok)
		cluster, _ := p.Named("aws:cloudwatch/logGroup:LogGroup", "cluster")
		assert.Equal(t, cluster.Inputs["name"], sub.Inputs["logGroup"], "%s: read from the control plane's log group", stack)

		fb, _ := p.Named("kubernetes:helm.sh/v3:Release", "logging-fluent-bit")
		env := map[string]any{}
		for _, e := range plantest.Input(fb, "values", "env").([]any) {
			env[e.(map[string]any)["name"].(string)] = e.(map[string]any)["value"]
		}
		assert.Equal(t, locked.Inputs["bucket"], env["AUDIT_BUCKET"], "%s: Falco's events are kept in %s", stack, bucket)
	}
}

// TestExperimentsStopOnTheCanaries: every FIS template is stopped by the
// alarms of the canaries platform:chaos names, and only by alarms.
func TestExperimentsStopOnTheCanaries(t *testing.T) {
	p := planStack(t, "production")
	want := map[string][]string{
		"chaos-pod-deletion":      {"api-health"},
		"chaos-node-termination":  {"api-health"},
		"chaos-database-failover": {"api-health", "payments-read"},
		"chaos-cache-failover":    {"api-health", "login"},
		"chaos-az-impairment":     {"api-health", "payments-read"},
	}
	templates := p.OfType("aws:fis/experimentTemplate:ExperimentTemplate")
	require.Len(t, templates, len(want))
	for _, tmpl := range templates {
		canaries, ok := want[tmpl.Name]
		require.True(t, ok, tmpl.Name)
		var alarms []string
		for _, c := range canaries {
			a, ok := p.Named("aws:cloudwatch/metricAlarm:MetricAlarm", "canaries-"+c)
			require.True(t, ok, c)
			alarms = append(alarms, a.URN)
		}
		assert.ElementsMatch(t, alarms, tmpl.PropertyDependencies["stopConditions"], "%s stops on its canaries' alarms", tmpl.Name)
		for _, sc := range tmpl.Inputs["stopConditions"].([]any) {
			assert.Equal(t, "aws:cloudwatch:alarm", sc.(map[string]any)["source"])
		}
		assert.NotEmpty(t, plantest.Input(tmpl, "logConfiguration", "cloudwatchLogsConfiguration", "logGroupArn"), "%s logs", tmpl.Name)
	}
	assert.Empty(t, planStack(t, "dr").OfType("aws:fis/experimentTemplate:ExperimentTemplate"), "no experiment on the standby")
}

// TestObservabilityNetworkFlows: the node agent reaches Loki and the
// workloads reach the trace gateway through the baseline's policies,
// and the privileged logging namespace holds the node agent only.
func TestObservabilityNetworkFlows(t *testing.T) {
	p := planStack(t, "production")
	ports := func(ns, dir, peerKey string, peer map[string]any) []float64 {
		allow, ok := p.Named("kubernetes:networking.k8s.io/v1:NetworkPolicy", "baseline-"+ns+"-allow")
		require.True(t, ok)
		var out []float64
		rules, _ := plantest.Input(allow, "spec", dir).([]any)
		for _, r := range rules {
			rule := r.(map[string]any)
			peers, _ := rule[peerKey].([]any)
			for _, pe := range peers {
				sel, _ := pe.(map[string]any)["namespaceSelector"].(map[string]any)
				if sel != nil && assert.ObjectsAreEqual(peer, sel["matchLabels"]) {
					for _, po := range rule["ports"].([]any) {
						out = append(out, po.(map[string]any)["port"].(float64))
					}
				}
			}
		}
		return out
	}
	monitoring := map[string]any{"kubernetes.io/metadata.name": "monitoring"}
	logging := map[string]any{"kubernetes.io/metadata.name": "logging"}
	apps := map[string]any{"platform/tier": "application"}
	assert.Equal(t, []float64{3100}, ports("logging", "egress", "to", monitoring), "Fluent Bit to Loki")
	assert.Equal(t, []float64{3100}, ports("monitoring", "ingress", "from", logging))
	assert.Equal(t, []float64{4317, 4318, 2000}, ports("mita", "egress", "to", monitoring), "OTLP and X-Ray sampling to the gateway")
	assert.Equal(t, []float64{4317, 4318, 2000}, ports("monitoring", "ingress", "from", apps))
	for _, r := range p.OfType("kubernetes:helm.sh/v3:Release") {
		if r.Inputs["namespace"] == "logging" {
			assert.Equal(t, "fluent-bit", r.Inputs["name"], "only the node agent runs privileged")
		}
	}
	var ds []string
	mon, _ := p.Named("kubernetes:helm.sh/v3:Release", "monitoring")
	for _, d := range plantest.Input(mon, "values", "grafana", "additionalDataSources").([]any) {
		ds = append(ds, d.(map[string]any)["uid"].(string)+"="+d.(map[string]any)["url"].(string))
	}
	assert.ElementsMatch(t, []string{
		"loki=http://loki.monitoring.svc.cluster.local:3100",
		"tempo=http://tempo-query-frontend.monitoring.svc.cluster.local:3200",
	}, ds, "Grafana reads the logs and traces the stack ships")
}

// TestTicketsAreNotPages: the anomaly alarms routed to tickets reach
// PagerDuty with the ticket key, the rest page.
func TestTicketsAreNotPages(t *testing.T) {
	p := planStack(t, "production")
	topic := func(name string) plan.Resource {
		r, ok := p.Named("aws:sns/topic:Topic", name)
		require.True(t, ok)
		return r
	}
	tickets, alerts := topic("tickets"), topic("alerts")
	arnOf := func(r plan.Resource) string { return "arn:aws:sns:us-east-1:123456789012:" + r.Inputs["name"].(string) }
	for _, a := range p.OfType("aws:cloudwatch/metricAlarm:MetricAlarm") {
		if !strings.HasPrefix(a.Name, "anomaly-") {
			continue
		}
		want := tickets
		if a.Name == "anomaly-alb-5xx" {
			want = alerts
		}
		assert.Contains(t, a.PropertyDependencies["alarmActions"], want.URN, "%s goes to %s", a.Name, want.Name)
	}
	fn, ok := p.Named("aws:lambda/function:Function", "paging")
	require.True(t, ok)
	assert.Equal(t, arnOf(tickets), plantest.Input(fn, "environment", "variables", "TICKET_TOPICS"))
}

// TestNodeAgentQuotasCoverEveryNode: a DaemonSet pod the quota refuses is
// a node without logs or runtime detection. The node agents'
// namespaces admit one pod of each agent on every node of every node
// group at its maximum size.
func TestNodeAgentQuotasCoverEveryNode(t *testing.T) {
	for _, stack := range []string{"production", "dr"} {
		p := planStack(t, stack)
		nodes := 0.0
		for _, ng := range p.OfType("aws:eks/nodeGroup:NodeGroup") {
			nodes += plantest.Input(ng, "scalingConfig", "maxSize").(float64)
		}
		require.Positive(t, nodes)
		defaults := func(ns string) (cpu, mem, limit float64) {
			lr, _ := p.Named("kubernetes:core/v1:LimitRange", "baseline-"+ns+"-limits")
			return quantity(t, plantest.Input(lr, "spec", "limits", 0, "defaultRequest", "cpu")),
				quantity(t, plantest.Input(lr, "spec", "limits", 0, "defaultRequest", "memory")),
				quantity(t, plantest.Input(lr, "spec", "limits", 0, "default", "memory"))
		}
		agent := func(release string, path ...any) (cpu, mem, limit float64) {
			r, ok := p.Named("kubernetes:helm.sh/v3:Release", release)
			require.True(t, ok, release)
			res := plantest.Input(r, append(append([]any{"values"}, path...), "resources")...).(map[string]any)
			return quantity(t, res["requests"].(map[string]any)["cpu"]), quantity(t, res["requests"].(map[string]any)["memory"]),
				quantity(t, res["limits"].(map[string]any)["memory"])
		}
		type pod struct{ cpu, mem, limit float64 }
		perNode := map[string][]pod{}
		c, m, l := agent("logging-fluent-bit")
		perNode["logging"] = append(perNode["logging"], pod{c, m, l})
		// node-exporter sets no resources: the namespace's defaults.
		c, m, l = defaults("logging")
		perNode["logging"] = append(perNode["logging"], pod{c, m, l})
		c, m, l = agent("addons-falco")
		perNode["security"] = append(perNode["security"], pod{c, m, l})
		for ns, pods := range perNode {
			q, ok := p.Named("kubernetes:core/v1:ResourceQuota", "baseline-"+ns+"-quota")
			require.True(t, ok)
			hard := plantest.Input(q, "spec", "hard").(map[string]any)
			var need pod
			for _, x := range pods {
				need.cpu += x.cpu * nodes
				need.mem += x.mem * nodes
				need.limit += x.limit * nodes
			}
			assert.GreaterOrEqual(t, quantity(t, hard["pods"]), float64(len(pods))*nodes, "%s/%s: a pod per agent per node (%v nodes)", stack, ns, nodes)
			assert.GreaterOrEqual(t, quantity(t, hard["requests.cpu"]), need.cpu, "%s/%s: CPU requests", stack, ns)
			assert.GreaterOrEqual(t, quantity(t, hard["requests.memory"]), need.mem, "%s/%s: memory requests", stack, ns)
			assert.GreaterOrEqual(t, quantity(t, hard["limits.memory"]), need.limit, "%s/%s: memory limits", stack, ns)
		}
	}
}

// quantity reads a Kubernetes quantity (4, 100m, 128Mi, 8Gi) in units
// of one (CPUs, bytes, pods).
func quantity(t *testing.T, v any) float64 {
	t.Helper()
	s, ok := v.(string)
	require.True(t, ok, "a quantity, got %v", v)
	for suffix, scale := range map[string]float64{"m": 1e-3, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			require.NoError(t, err)
			return f * scale
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err, "a quantity, got %q", s)
	return f
}
