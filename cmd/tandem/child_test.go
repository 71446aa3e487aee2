package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// childArgsEnv, when set in the environment of this test binary, makes it run as `tandem` with these
// arguments (separated by a unit separator) instead of running tests: the multi-instance test starts
// real `tandem serve` processes it can kill -9 without building the binary first.
const childArgsEnv = "TANDEM_TEST_RUN_AS_TANDEM"

func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
		code := run(ctx, env, strings.Split(args, "\x1f"))
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
