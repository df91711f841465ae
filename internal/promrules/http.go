package promrules

import "fmt"

// HTTPService are an HTTP API's two SLOs over the RED metrics every
// service of the platform exposes: the http_requests_total counter by
// service and code, and the http_request_duration_seconds histogram by
// service. Availability counts 5xx responses as errors; latency counts the
// requests slower than threshold (a histogram bucket bound, in seconds),
// so a latency objective of 95 means P95 under the threshold.
func HTTPService(service string, availability, latency float64, threshold string) []SLO {
	sel := func(metric, extra string) string {
		return fmt.Sprintf("%s{service=%q%s}", metric, service, extra)
	}
	return []SLO{
		{
			Service: service, Name: "availability", Objective: availability,
			Description: fmt.Sprintf("%s answers with server errors: users see failures.", service),
			SLI: SLI{
				Total:  sel("http_requests_total", ""),
				Errors: sel("http_requests_total", `,code=~"5.."`),
			},
			Samples: func(good, bad float64) map[string]float64 {
				return map[string]float64{sel("http_requests_total", `,code="200"`): good, sel("http_requests_total", `,code="500"`): bad}
			},
		},
		{
			Service: service, Name: "latency", Objective: latency,
			Description: fmt.Sprintf("%s answers slower than %ss: users wait.", service, threshold),
			SLI: SLI{
				Total: sel("http_request_duration_seconds_count", ""),
				Good:  sel("http_request_duration_seconds_bucket", fmt.Sprintf(",le=%q", threshold)),
			},
			Samples: func(good, bad float64) map[string]float64 {
				return map[string]float64{
					sel("http_request_duration_seconds_count", ""):                                good + bad,
					sel("http_request_duration_seconds_bucket", fmt.Sprintf(",le=%q", threshold)): good,
				}
			},
		},
	}
}
