package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

func TestUserRevokeAll(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	st := createStoreAt(t, path)
	u := &tandem.User{Email: "ae@vendor.test", Name: "Alan AE", Role: tandem.RoleAE}
	if err := st.CreateUser(ctx, tandem.SystemActor, u, "x"); err != nil {
		t.Fatal(err)
	}
	tokens := []string{auth.NewAPIToken(), auth.NewAPIToken()}
	for _, tok := range tokens {
		if _, err := st.CreateAPIToken(ctx, u.ID, "script", auth.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateSession(ctx, sqlstore.Session{TokenHash: auth.HashToken("s1"), UserID: u.ID, CSRFToken: "c",
		ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	var out, errs bytes.Buffer
	if code := run(ctx, testEnv(&out, &errs), []string{"user", "revoke-all", "-db", path, "AE@vendor.test"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	if want := "signed ae@vendor.test out everywhere: 1 sessions ended, 2 API tokens revoked"; !strings.Contains(out.String(), want) {
		t.Errorf("output %q, want %q", out.String(), want)
	}
	st = openStoreAt(t, path)
	defer st.Close()
	for _, tok := range tokens {
		if _, err := st.UserByAPIToken(ctx, auth.HashToken(tok)); tandem.ErrorCode(err) != tandem.EUNAUTH {
			t.Errorf("token still valid after revoke-all: %v", err)
		}
	}
	if code := run(ctx, testEnv(&out, &errs), []string{"user", "revoke-all", "-db", path, "nobody@vendor.test"}); code != 1 {
		t.Errorf("unknown user: exit %d, want 1", code)
	}
	if code := run(ctx, testEnv(&out, &errs), []string{"user", "revoke-all", "-db", path}); code != 2 {
		t.Errorf("no email: exit %d, want 2", code)
	}
}
