package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(WithParams(CheapParams))
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with the given params", enc)
	}
	tests := []struct {
		name     string
		password string
		want     bool
	}{
		{"right", "correct horse", true},
		{"wrong", "correct horsf", false},
		{"empty", "", false},
		{"prefix", "correct", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := h.Verify(ctx, tc.password, enc)
			if err != nil || ok != tc.want {
				t.Errorf("Verify(%q) = %v, %v; want %v", tc.password, ok, err, tc.want)
			}
		})
	}
	again, _ := h.Hash(ctx, "correct horse")
	if again == enc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyUsesTheHashParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	enc, err := NewHasher(WithParams(Params{Memory: 128, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 16})).Hash(ctx, "pw")
	if err != nil {
		t.Fatal(err)
	}
	ok, err := NewHasher(WithParams(CheapParams)).Verify(ctx, "pw", enc)
	if err != nil || !ok {
		t.Fatalf("verify with another hasher's params = %v, %v", ok, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(CheapParams))
	for name, enc := range map[string]string{
		"empty":      "",
		"bcrypt":     "$2a$10$abcdefghijklmnopqrstuv",
		"argon2i":    "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA",
		"oldversion": "$argon2id$v=16$m=64,t=1,p=1$c2FsdA$aGFzaA",
		"badparams":  "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$aGFzaA",
		"zeroparams": "$argon2id$v=19$m=0,t=1,p=1$c2FsdA$aGFzaA",
		"badsalt":    "$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaA",
		"nohash":     "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := h.Verify(context.Background(), "pw", enc); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("Verify(%q) error = %v, want ErrMalformedHash", enc, err)
			}
		})
	}
}

func TestHashingIsBounded(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(CheapParams))
	// Fill the semaphore; a further hash must wait and give up when its context ends.
	for range maxConcurrentHashes {
		if err := h.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "pw"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a full semaphore and a cancelled context: err = %v", err)
	}
	h.release()
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatalf("Hash after a release: %v", err)
	}
}

func TestConcurrentVerifyNobody(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(CheapParams))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { h.VerifyNobody(context.Background(), "x") })
	}
	wg.Wait()
}

func TestTokens(t *testing.T) {
	t.Parallel()
	a, b := NewAPIToken(), NewAPIToken()
	if !strings.HasPrefix(a, "tdm_") || len(a) != 4+43 {
		t.Errorf("API token %q: want tdm_ and 43 base64url characters", a)
	}
	if a == b {
		t.Error("two API tokens are equal")
	}
	if HashToken(a) == HashToken(b) || len(HashToken(a)) != 64 {
		t.Errorf("HashToken = %q", HashToken(a))
	}
	if HashToken(a) != HashToken(a) {
		t.Error("HashToken is not deterministic")
	}
	if !EqualTokens(a, a) || EqualTokens(a, b) || EqualTokens(a, "") {
		t.Error("EqualTokens is wrong")
	}
	if p := GeneratePassword(); len(p) < 20 || p == GeneratePassword() {
		t.Errorf("GeneratePassword = %q", p)
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Minute, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allowed("a"); !ok {
			t.Fatalf("refused after %d failures", i)
		}
		l.Fail("a")
	}
	ok, until := l.Allowed("a")
	if ok || !until.Equal(now.Add(time.Minute)) {
		t.Fatalf("after 3 failures: Allowed = %v, %v", ok, until)
	}
	if ok, _ := l.Allowed("b"); !ok {
		t.Fatal("another key is refused")
	}
	now = now.Add(time.Minute)
	if ok, _ := l.Allowed("a"); !ok {
		t.Fatal("still refused after the window")
	}
	l.Fail("a")
	l.Succeed("a")
	if len(l.failures) != 0 {
		t.Fatalf("Succeed did not forget: %v", l.failures)
	}
}

func TestLimiterIsBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewLimiter(3, time.Minute, func() time.Time { return now })
	l.MaxKeys = 100
	for i := range 1000 {
		l.Fail(strings.Repeat("k", i%7) + string(rune('a'+i%26)) + time.Duration(i).String())
	}
	if len(l.failures) > l.MaxKeys {
		t.Fatalf("limiter holds %d keys, max %d", len(l.failures), l.MaxKeys)
	}
}
