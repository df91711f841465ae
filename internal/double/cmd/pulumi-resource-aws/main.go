// Command pulumi-resource-aws is the test-double provider (package
// internal/double). The real-engine tests put it on PATH under the real
// providers' names, pulumi-resource-aws and pulumi-resource-kubernetes:
// the name it runs under says which package it serves. It must never be
// installed anywhere a real deployment could pick it up.
//
// It speaks the plugin protocol the engine expects of a provider: serve
// gRPC on a free loopback port, print the port on stdout, run until the
// engine stops it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"platform/internal/double"
)

func main() {
	pkg := strings.TrimPrefix(filepath.Base(os.Args[0]), "pulumi-resource-")
	server := double.ForPackage(pkg)
	if server == nil {
		fmt.Fprintf(os.Stderr, "test double: no double for package %q (run as pulumi-resource-aws or pulumi-resource-kubernetes)\n", pkg)
		os.Exit(2)
	}
	cancel := make(chan bool)
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	go func() {
		<-interrupt
		close(cancel)
	}()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterResourceProviderServer(srv, server)
			return nil
		},
		Options: rpcutil.OpenTracingServerInterceptorOptions(nil),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-resource-"+pkg+" (test double):", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-resource-"+pkg+" (test double):", err)
		os.Exit(1)
	}
}
