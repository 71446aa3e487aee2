package notify

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Webhook request headers.
const (
	HeaderSignature      = "Tandem-Signature"
	HeaderIdempotencyKey = "Tandem-Idempotency-Key"
	HeaderEvent          = "Tandem-Event"
)

// Errors Verify returns (wrapped).
var (
	ErrNoSignature  = errors.New("webhook signature missing or malformed")
	ErrBadSignature = errors.New("webhook signature does not match the body")
	ErrStale        = errors.New("webhook signature timestamp outside the tolerance")
)

// NewSecret returns a new webhook secret: "whsec_" and 32 random bytes in hex.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "whsec_" + hex.EncodeToString(b[:])
}

// Sign returns the Tandem-Signature header value for body sent at t: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<unix seconds>.<body>" keyed with the secret>".
func Sign(secret string, body []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a Tandem-Signature header against the raw request body, as a receiver should: the HMAC
// must match (compared in constant time; any of several v1 values may) and the timestamp must be within
// tolerance of now, which stops a captured request from being replayed later. It returns
// ErrNoSignature, ErrBadSignature or ErrStale, wrapped.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return fmt.Errorf("verify: %w", ErrNoSignature)
	}
	want := mac(secret, ts, body)
	matched := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			matched = true
		}
	}
	if !matched {
		return fmt.Errorf("verify: %w", ErrBadSignature)
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("verify: signed %s from now: %w", d.Round(time.Second), ErrStale)
	}
	return nil
}
