// Package auth owns Tandem's credentials: argon2id password hashes in PHC string format, the random
// tokens behind browser sessions and API tokens (only their SHA-256 is ever stored), generated
// passwords, and the in-memory limiter of failed sign-ins. It knows nothing of HTTP or storage.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultParams follow the OWASP recommendation for argon2id (19 MiB, 2 passes, 1 lane).
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// CheapParams make hashing fast for tests. Never use them for real passwords.
var CheapParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// maxConcurrentHashes bounds the argon2 work running at once: each hash takes Memory KiB and a core,
// and the server runs on small machines where a burst of sign-ins must not starve everything else.
const maxConcurrentHashes = 2

// Hasher hashes and verifies passwords with argon2id, at most two at a time.
type Hasher struct {
	params Params
	sem    chan struct{}
	// dummy is a hash to verify against when the user does not exist, so timing does not tell.
	dummyOnce sync.Once
	dummy     string
}

// Option configures a Hasher.
type Option func(*Hasher)

// WithParams sets the cost parameters of new hashes (verification always uses the hash's own).
func WithParams(p Params) Option { return func(h *Hasher) { h.params = p } }

// NewHasher returns a Hasher using DefaultParams unless an option says otherwise.
func NewHasher(opts ...Option) *Hasher {
	h := &Hasher{params: DefaultParams, sem: make(chan struct{}, maxConcurrentHashes)}
	for _, o := range opts {
		o(h)
	}
	return h
}

// ErrMalformedHash is returned by Verify when the stored hash is not an argon2id PHC string.
var ErrMalformedHash = errors.New("auth: malformed password hash")

func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("auth: waiting to hash: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

// Hash returns password's argon2id hash as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", errors.New("auth: empty password")
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	key := argon2.IDKey([]byte(password), salt, h.params.Time, h.params.Memory, h.params.Threads, h.params.KeyLen)
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC-encoded hash, comparing in constant time.
// It returns ErrMalformedHash for a hash it cannot read.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyNobody spends the time a real verification would, for a sign-in with an unknown email, so that
// response times do not reveal which emails have accounts. It always reports false.
func (h *Hasher) VerifyNobody(ctx context.Context, password string) {
	h.dummyOnce.Do(func() {
		h.dummy = encodePHC(h.params, make([]byte, h.params.SaltLen), make([]byte, h.params.KeyLen))
	})
	_, _ = h.Verify(ctx, password, h.dummy)
}

func encodePHC(p Params, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

func decodePHC(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrMalformedHash, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", ErrMalformedHash, parts[3])
	}
	if p.Memory == 0 || p.Time == 0 || p.Threads == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: zero parameter", ErrMalformedHash)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) == 0 {
		return Params{}, nil, nil, fmt.Errorf("%w: hash", ErrMalformedHash)
	}
	return p, salt, key, nil
}

// APITokenPrefix starts every API token, so a leaked one is easy to recognise and scan for.
const APITokenPrefix = "tdm_"

// NewSessionToken returns a fresh browser-session token: 32 random bytes, base64url.
func NewSessionToken() string { return randomString(32) }

// NewAPIToken returns a fresh API token: "tdm_" and 32 random bytes, base64url. Show it once; store
// only HashToken of it.
func NewAPIToken() string { return APITokenPrefix + randomString(32) }

// NewCSRFToken returns a random per-session token for forms and htmx requests.
func NewCSRFToken() string { return randomString(32) }

// HashToken returns the hex SHA-256 of a session or API token: what the store keeps and looks up.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// GeneratePassword returns a random password: 26 base32 characters, 130 bits.
func GeneratePassword() string { return rand.Text() }

// EqualTokens compares two tokens in constant time.
func EqualTokens(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go 1.24+); it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}
