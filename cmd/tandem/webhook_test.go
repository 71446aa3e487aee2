package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestWebhookCommand(t *testing.T) {
	t.Parallel()
	db := migratedDB(t)
	code, out, errOut := runTandem(t, "", "webhook", "add", "https://hooks.example.test/in", "-events", "conflict.*, registration.approve", "-db", db)
	if code != 0 || !strings.Contains(out, "added webhook 1 https://hooks.example.test/in") || !strings.Contains(out, "secret: whsec_") {
		t.Fatalf("add: %d %q %q", code, out, errOut)
	}
	secret := strings.Fields(out[strings.Index(out, "secret: "):])[1]
	code, out, _ = runTandem(t, "", "webhook", "list", "-db", db)
	if code != 0 || !strings.Contains(out, "conflict.*,registration.approve") || strings.Contains(out, secret) {
		t.Errorf("list: %d %q", code, out)
	}
	if code, out, errOut := runTandem(t, "", "webhook", "rm", "1", "-db", db); code != 0 || !strings.Contains(out, "deleted webhook 1") {
		t.Errorf("rm: %d %q %q", code, out, errOut)
	}
	if code, _, errOut := runTandem(t, "", "webhook", "rm", "1", "-db", db); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("rm again: %d %q", code, errOut)
	}
	for _, args := range [][]string{{"webhook"}, {"webhook", "ping"}, {"webhook", "add"}, {"webhook", "rm", "x"},
		{"webhook", "add", "ftp://x.test/", "-db", db}} {
		code, _, errOut := runTandem(t, "", args...)
		if code == 0 {
			t.Errorf("%v succeeded: %q", args, errOut)
		}
	}
}

func TestServeNotifySettings(t *testing.T) {
	t.Parallel()
	for name, getenv := range map[string]map[string]string{
		"bad interval": {"TANDEM_NOTIFY_INTERVAL": "soon"},
		"bad tls":      {"TANDEM_SMTP_ADDR": "127.0.0.1:2525", "TANDEM_SMTP_FROM": "t@v.test", "TANDEM_SMTP_TLS": "ssl3"},
		"no from":      {"TANDEM_SMTP_ADDR": "127.0.0.1:2525"},
		"no port":      {"TANDEM_SMTP_ADDR": "mail.test", "TANDEM_SMTP_FROM": "t@v.test"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			getenv["TANDEM_DB"] = filepath.Join(t.TempDir(), "tandem.db")
			env, _, stderr := serveTestEnv("", getenv)
			if code := run(t.Context(), env, []string{"serve", "-addr", "127.0.0.1:0"}); code != 2 {
				t.Errorf("exit %d, want 2: %s", code, stderr.String())
			}
		})
	}
}
