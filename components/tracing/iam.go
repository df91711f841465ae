package tracing

import (
	"platform/internal/policydoc"
)

// The Pod Identity roles' least-privilege policies, one per service
// account. X-Ray's PutTraceSegments, PutTelemetryRecords and sampling
// calls have no resource-level permissions (the Service Authorization
// Reference lists no resource type for them), so they are granted on
// "*"; they read or write traces only, never configuration.

// gatewayPolicy lets the gateway's awsproxy forward the applications'
// X-Ray remote-sampling calls, and nothing else.
func gatewayPolicy() policydoc.Document {
	return policydoc.New(policydoc.Statement{
		Sid: "XRaySampling", Effect: policydoc.Allow, Resource: "*",
		Action: []string{"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"},
	})
}

// samplerPolicy lets the sampler's awsxray exporter send the kept traces
// and its own telemetry.
func samplerPolicy() policydoc.Document {
	return policydoc.New(policydoc.Statement{
		Sid: "XRayWrite", Effect: policydoc.Allow, Resource: "*",
		Action: []string{"xray:PutTraceSegments", "xray:PutTelemetryRecords"},
	})
}

// tempoPolicy lets Tempo list its bucket, read, write and delete blocks
// in it (the compactor deletes expired ones), and use the bucket's key
// through S3 only.
func tempoPolicy(region, bucketArn, keyArn string) policydoc.Document {
	return policydoc.New(
		policydoc.Statement{Sid: "ListBlocks", Effect: policydoc.Allow, Action: "s3:ListBucket", Resource: bucketArn},
		policydoc.Statement{Sid: "Blocks", Effect: policydoc.Allow, Resource: bucketArn + "/*",
			Action: []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"}},
		policydoc.Statement{Sid: "KeyThroughS3", Effect: policydoc.Allow, Resource: keyArn,
			Action:    []string{"kms:Decrypt", "kms:GenerateDataKey"},
			Condition: policydoc.Conditions{"StringEquals": {"kms:ViaService": "s3." + region + ".amazonaws.com"}}},
	)
}
