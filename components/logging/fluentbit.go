package logging

import (
	"fmt"
	"strings"
)

// The node agent's state (file offsets, the S3 output's buffer) lives on
// the node, so a restarted agent neither loses nor repeats lines.
const stateDir = "/var/fluent-bit/state"

// Tags: every container's log is kube.*; Falco's events are read a
// second time as security.*, the stream kept for audit.
const (
	kubeTag     = "kube.*"
	securityTag = "security.*"
)

// pipeline is the agent's configuration in Fluent Bit's classic format.
// Deploy-time values (the cluster's name, the audit bucket, the search
// domain's endpoint) come from the container's environment (${...}).
type pipeline struct {
	region, stack, lokiHost string
	search                  bool
}

func (p pipeline) service() string {
	return section("SERVICE", [][2]string{
		{"Daemon", "Off"},
		{"Flush", "1"},
		{"Log_Level", "info"},
		{"Parsers_File", "/fluent-bit/etc/parsers.conf"},
		{"HTTP_Server", "On"},
		{"HTTP_Listen", "0.0.0.0"},
		{"HTTP_Port", "2020"},
		{"Health_Check", "On"},
		// Chunks that cannot be delivered wait on disk, not in memory.
		{"storage.path", stateDir + "/buffer/"},
		{"storage.sync", "normal"},
		{"storage.backlog.mem_limit", "16M"},
	})
}

func (p pipeline) inputs() string {
	return section("INPUT", [][2]string{
		{"Name", "tail"},
		{"Path", "/var/log/containers/*.log"},
		// Its own log would loop through itself.
		{"Exclude_Path", "/var/log/containers/fluent-bit-*_logging_*.log"},
		{"multiline.parser", "cri"},
		{"Tag", kubeTag},
		{"DB", stateDir + "/kube.db"},
		{"Mem_Buf_Limit", "64MB"},
		{"Skip_Long_Lines", "On"},
		{"storage.type", "filesystem"},
	}) + section("INPUT", [][2]string{
		{"Name", "tail"},
		// Falco's DaemonSet pods (falco-*) in the security namespace,
		// container falco: one JSON event per line.
		{"Path", "/var/log/containers/falco-*_security_falco-*.log"},
		{"multiline.parser", "cri"},
		{"Tag", securityTag},
		{"DB", stateDir + "/security.db"},
		{"Mem_Buf_Limit", "16MB"},
		{"storage.type", "filesystem"},
	})
}

func (p pipeline) filters() string {
	return section("FILTER", [][2]string{
		{"Name", "kubernetes"},
		{"Match", kubeTag},
		{"Kube_Tag_Prefix", "kube.var.log.containers."},
		// A JSON log line becomes the record's fields (level, trace_id,
		// ...); other lines stay in log.
		{"Merge_Log", "On"},
		{"Keep_Log", "Off"},
		{"K8S-Logging.Parser", "On"},
		{"K8S-Logging.Exclude", "On"},
		{"Labels", "On"},
		{"Annotations", "Off"},
		// Large pod specs must not truncate the metadata.
		{"Buffer_Size", "0"},
	}) + section("FILTER", [][2]string{
		{"Name", "parser"},
		{"Match", securityTag},
		{"Key_Name", "log"},
		{"Parser", "json"},
		{"Reserve_Data", "On"},
	}) + section("FILTER", [][2]string{
		{"Name", "modify"},
		{"Match", "*"},
		{"Add", "cluster ${CLUSTER_NAME}"},
		{"Add", "stack " + p.stack},
	})
}

func (p pipeline) outputs() string {
	out := section("OUTPUT", [][2]string{
		{"Name", "loki"},
		{"Match", kubeTag},
		{"Host", p.lokiHost},
		{"Port", "3100"},
		// Few labels (Loki indexes them): the rest is structured JSON.
		{"Labels", "job=fluent-bit, cluster=${CLUSTER_NAME}, namespace=$kubernetes['namespace_name'], container=$kubernetes['container_name'], app=$kubernetes['labels']['app.kubernetes.io/name']"},
		{"Line_Format", "json"},
		{"Retry_Limit", "False"},
	}) + section("OUTPUT", [][2]string{
		{"Name", "s3"},
		{"Match", securityTag},
		{"bucket", "${AUDIT_BUCKET}"},
		{"region", p.region},
		{"s3_key_format", "/" + FalcoPrefix + "/%Y/%m/%d/%H/$UUID.json.gz"},
		{"compression", "gzip"},
		{"total_file_size", "50M"},
		{"upload_timeout", "5m"},
		{"use_put_object", "On"},
		// Object Lock buckets refuse a PutObject without a checksum.
		{"send_content_md5", "On"},
		{"store_dir", stateDir + "/s3"},
		{"Retry_Limit", "False"},
	})
	if p.search {
		out += section("OUTPUT", [][2]string{
			{"Name", "opensearch"},
			{"Match", securityTag},
			{"Host", "${SEARCH_ENDPOINT}"},
			{"Port", "443"},
			{"tls", "On"},
			{"tls.verify", "On"},
			// Signed with the agent's Pod Identity credentials.
			{"AWS_Auth", "On"},
			{"AWS_Region", p.region},
			{"Logstash_Format", "On"},
			{"Logstash_Prefix", SecurityIndex},
			{"Suppress_Type_Name", "On"},
			{"Trace_Error", "On"},
			{"Retry_Limit", "False"},
		})
	}
	return out
}

// section renders one [SECTION] of key-value lines.
func section(name string, kv [][2]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s]\n", name)
	for _, e := range kv {
		fmt.Fprintf(&b, "    %s %s\n", e[0], e[1])
	}
	return b.String()
}
