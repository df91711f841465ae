package monitoring

import (
	"strconv"

	"platform/internal/promrules"
)

// The Alertmanager configuration as typed values: routing by severity,
// page to PagerDuty's high-urgency service, ticket to its low-urgency one,
// both keys read from files mounted from a Secret (routing_key_file), so
// no key is in the values, the release's state or this program.

// AlertmanagerConfig is alertmanager.yaml.
type AlertmanagerConfig struct {
	Global       Global        `json:"global"`
	Route        Route         `json:"route"`
	InhibitRules []InhibitRule `json:"inhibit_rules"`
	Receivers    []Receiver    `json:"receivers"`
	Templates    []string      `json:"templates"`
}

// Global settings.
type Global struct {
	ResolveTimeout string `json:"resolve_timeout"`
}

// Route is a routing tree node.
type Route struct {
	Receiver       string   `json:"receiver"`
	GroupBy        []string `json:"group_by,omitempty"`
	GroupWait      string   `json:"group_wait,omitempty"`
	GroupInterval  string   `json:"group_interval,omitempty"`
	RepeatInterval string   `json:"repeat_interval,omitempty"`
	Matchers       []string `json:"matchers,omitempty"`
	Continue       bool     `json:"continue,omitempty"`
	Routes         []Route  `json:"routes,omitempty"`
}

// InhibitRule mutes the targets while a source fires.
type InhibitRule struct {
	SourceMatchers []string `json:"source_matchers"`
	TargetMatchers []string `json:"target_matchers"`
	Equal          []string `json:"equal"`
}

// Receiver is a named destination.
type Receiver struct {
	Name             string            `json:"name"`
	PagerdutyConfigs []PagerdutyConfig `json:"pagerduty_configs,omitempty"`
}

// PagerdutyConfig sends to an Events API v2 routing key read from a file.
type PagerdutyConfig struct {
	RoutingKeyFile string `json:"routing_key_file"`
	Severity       string `json:"severity"`
	SendResolved   bool   `json:"send_resolved"`
}

// The receivers, and where the routing keys are mounted: Alertmanager's
// secrets (alertmanagerSpec.secrets) appear under
// /etc/alertmanager/secrets/<secret>/<key>.
const (
	PageReceiver   = "pagerduty-page"
	TicketReceiver = "pagerduty-ticket"
	NullReceiver   = "null"
	keysSecret     = "alertmanager-pagerduty"
	keysDir        = "/etc/alertmanager/secrets/" + keysSecret + "/"
)

// Alertmanager is the configuration: group by alert and service; pages
// (and the default rules' critical alerts) to the page receiver, tickets
// (and warnings) to the ticket receiver, the rest nowhere; a page mutes
// the tickets and warnings of the same service.
func Alertmanager() AlertmanagerConfig {
	return AlertmanagerConfig{
		Global: Global{ResolveTimeout: "5m"},
		Route: Route{
			Receiver: NullReceiver, GroupBy: []string{"alertname", "service"},
			GroupWait: "30s", GroupInterval: "5m", RepeatInterval: "4h",
			Routes: []Route{
				// kube-prometheus-stack's always-firing heartbeat.
				{Receiver: NullReceiver, Matchers: []string{`alertname = "Watchdog"`}},
				{Receiver: PageReceiver, Matchers: []string{`severity =~ "` + promrules.Page + `|critical"`}, RepeatInterval: "1h"},
				{Receiver: TicketReceiver, Matchers: []string{`severity =~ "` + promrules.Ticket + `|warning"`}, RepeatInterval: "12h"},
			},
		},
		InhibitRules: []InhibitRule{{
			SourceMatchers: []string{`severity = "` + promrules.Page + `"`, `service =~ ".+"`},
			TargetMatchers: []string{`severity =~ "` + promrules.Ticket + `|warning|info"`},
			Equal:          []string{"service"},
		}},
		Receivers: []Receiver{
			{Name: NullReceiver},
			{Name: PageReceiver, PagerdutyConfigs: []PagerdutyConfig{{RoutingKeyFile: keysDir + "page", Severity: "critical", SendResolved: true}}},
			{Name: TicketReceiver, PagerdutyConfigs: []PagerdutyConfig{{RoutingKeyFile: keysDir + "ticket", Severity: "warning", SendResolved: true}}},
		},
		Templates: []string{"/etc/alertmanager/config/*.tmpl"},
	}
}

// Validate checks that every route ends at a receiver that exists and
// that the page route reaches PagerDuty.
func (c AlertmanagerConfig) Validate() []string {
	var problems []string
	names := map[string]Receiver{}
	for _, r := range c.Receivers {
		names[r.Name] = r
	}
	var walk func(path string, r Route)
	walk = func(path string, r Route) {
		if _, ok := names[r.Receiver]; !ok {
			problems = append(problems, path+".receiver: "+r.Receiver+" is not a receiver")
		}
		for i, sub := range r.Routes {
			walk(path+".routes["+strconv.Itoa(i)+"]", sub)
		}
	}
	walk("route", c.Route)
	if len(names[PageReceiver].PagerdutyConfigs) == 0 {
		problems = append(problems, "receivers."+PageReceiver+": page alerts need a receiver that pages")
	}
	return problems
}
