package cluster

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Kubeconfig is a kubeconfig for the cluster that authenticates with
// `aws eks get-token` at run time: no token or key is in config or state.
func (c *Cluster) Kubeconfig(region string) pulumi.StringOutput {
	return pulumi.All(c.Name, c.Endpoint, c.CertificateAuthority).ApplyT(func(v []any) (string, error) {
		name, endpoint, ca := v[0].(string), v[1].(string), v[2].(string)
		doc := map[string]any{
			"apiVersion":      "v1",
			"kind":            "Config",
			"current-context": name,
			"clusters":        []any{map[string]any{"name": name, "cluster": map[string]any{"server": endpoint, "certificate-authority-data": ca}}},
			"contexts":        []any{map[string]any{"name": name, "context": map[string]any{"cluster": name, "user": name}}},
			"users": []any{map[string]any{"name": name, "user": map[string]any{"exec": map[string]any{
				"apiVersion": "client.authentication.k8s.io/v1beta1",
				"command":    "aws",
				"args":       []any{"eks", "get-token", "--cluster-name", name, "--region", region, "--output", "json"},
			}}}},
		}
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}
