package logging

import (
	"fmt"
	"strings"

	"platform/internal/promrules"
)

// Alerts are the log-based alerts the Loki ruler evaluates (LogQL) for
// the application namespaces, sent to the same Alertmanager as the
// metric alerts. Both open a ticket: a burst of error lines is a symptom
// the SLO alerts page on when users feel it, and silence from every pod
// of a namespace means the pipeline, not the service, is broken.
func Alerts(runbooks promrules.Runbooks, namespaces []string) []promrules.Group {
	if len(namespaces) == 0 {
		return nil
	}
	selector := fmt.Sprintf(`{namespace=~%q}`, strings.Join(namespaces, "|"))
	return []promrules.Group{{
		Name: "platform-logs",
		Rules: []promrules.Rule{
			{
				Alert: "ApplicationErrorLogBurst",
				// At least 50 error lines in ten minutes and more than 5%
				// of the app's lines: a chatty app's steady trickle of
				// errors is not news, a quiet app's single error neither.
				Expr: fmt.Sprintf(`(sum by (namespace, app) (count_over_time(%s | json | level=~"(?i)error|fatal" [10m])) > 50)
and
(sum by (namespace, app) (count_over_time(%s | json | level=~"(?i)error|fatal" [10m]))
  / sum by (namespace, app) (count_over_time(%s [10m])) > 0.05)`, selector, selector, selector),
				For:    "5m",
				Labels: map[string]string{"severity": promrules.Ticket, "service": "logging"},
				Annotations: map[string]string{
					"summary":     "{{ $labels.app }} in {{ $labels.namespace }} logs errors in more than 5% of its lines",
					"runbook_url": runbooks.URL("application-error-log-burst"),
				},
			},
			{
				Alert:  "LogIngestionStopped",
				Expr:   fmt.Sprintf(`absent_over_time(%s [15m])`, selector),
				For:    "5m",
				Labels: map[string]string{"severity": promrules.Ticket, "service": "logging"},
				Annotations: map[string]string{
					"summary":     "No log line from the application namespaces for 15 minutes: the log pipeline is broken",
					"runbook_url": runbooks.URL("log-ingestion-stopped"),
				},
			},
		},
	}}
}
