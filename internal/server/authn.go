package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// sessionCookie names the browser-session cookie. It holds a random token; the store keeps its SHA-256.
const sessionCookie = "tandem_session"

// csrfHeader carries the session's CSRF token on htmx and API calls made with the session cookie;
// forms carry it in the csrfField field.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf_token"
)

// caller is who made a request, as the authenticate middleware found out.
type caller struct {
	user    *tandem.User
	session *sqlstore.Session // nil for bearer-token and anonymous requests
	token   bool              // authenticated by an API token
	// tokenHash is the API token's SHA-256, the key of its rate limit.
	tokenHash string
	badAuth   bool // an Authorization header was present but wrong
}

func (c *caller) actor() tandem.Actor {
	if c == nil || c.user == nil {
		return tandem.Actor{}
	}
	return tandem.Actor{UserID: c.user.ID, Email: c.user.Email, Role: c.user.Role, PartnerID: c.user.PartnerID}
}

func (c *caller) signedIn() bool { return c != nil && c.user != nil }

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil {
		return &caller{}
	}
	return c
}

// actorFrom returns the actor of the request; the zero Actor (no role) when nobody signed in.
func actorFrom(ctx context.Context) tandem.Actor { return callerFrom(ctx).actor() }

// authenticate finds out who is calling — a bearer API token or a session cookie — and, for a
// state-changing request made with a session cookie, checks the session's CSRF token. (Cross-origin
// requests were already refused by http.CrossOriginProtection; the token also covers browsers that
// send neither Sec-Fetch-Site nor Origin.) Bearer-token requests carry no ambient credentials and need
// no CSRF token.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &caller{}
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if ok && strings.HasPrefix(token, auth.APITokenPrefix) {
				hash := auth.HashToken(token)
				u, err := s.store.UserByAPIToken(ctx, hash)
				switch {
				case err == nil && !u.Disabled:
					c.user, c.token, c.tokenHash = u, true, hash
				case err != nil && !unknownCredential(err):
					s.log.ErrorContext(ctx, "api token lookup", slog.Any("err", err))
				}
			}
			c.badAuth = c.user == nil
		} else if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
			sess, u, err := s.store.SessionByTokenHash(ctx, auth.HashToken(ck.Value))
			switch {
			case err == nil && !u.Disabled && s.now().Before(sess.ExpiresAt):
				c.user, c.session = u, sess
			case err != nil && !unknownCredential(err):
				s.log.ErrorContext(ctx, "session lookup", slog.Any("err", err))
			default:
				clearSessionCookie(w, s.cfg.SecureCookies)
			}
			if c.session != nil && !safeMethod(r.Method) && !s.csrfOK(r, c.session) {
				s.refuseCSRF(w, r)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, callerKey{}, c)))
	})
}

// unknownCredential reports whether a lookup failed only because the token is unknown, expired or
// revoked — an anonymous request, not a fault.
func unknownCredential(err error) bool {
	code := tandem.ErrorCode(err)
	return code == tandem.ENOTFOUND || code == tandem.EUNAUTH
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfOK reports whether the request carries the session's CSRF token in the header or the form. The
// form is read only for urlencoded and multipart bodies, which is what forms send.
func (s *Server) csrfOK(r *http.Request, sess *sqlstore.Session) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		ct := r.Header.Get("Content-Type")
		switch {
		case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
			r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
			got = r.PostFormValue(csrfField)
		case strings.HasPrefix(ct, "multipart/form-data"):
			r.Body = http.MaxBytesReader(nil, r.Body, s.cfg.MaxUpload)
			if err := r.ParseMultipartForm(32 << 20); err == nil {
				got = r.PostFormValue(csrfField)
			}
		}
	}
	return got != "" && auth.EqualTokens(got, sess.CSRFToken)
}

func (s *Server) refuseCSRF(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, APIPrefix+"/") {
		writeProblem(w, http.StatusForbidden, "missing or wrong CSRF token: send the session's token in the "+csrfHeader+" header")
		return
	}
	http.Error(w, "Your form has expired or did not come from this site. Go back, reload the page and try again.", http.StatusForbidden)
}

// writeProblem writes an RFC 9457 problem outside huma (from middleware).
func writeProblem(w http.ResponseWriter, status int, detail string) {
	body, _ := json.Marshal(&huma.ErrorModel{Title: http.StatusText(status), Status: status, Detail: detail})
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// authorize is the huma middleware that enforces the permission table: each operation's allowed roles
// are in its metadata (see route). Nobody signed in gets 401; a partner user on a route closed to
// partners gets 404 (the portal has no such route); any other role not allowed gets 403.
func (s *Server) authorize(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	access, _ := op.Metadata[accessKey].(access)
	if access.public {
		next(ctx)
		return
	}
	c := callerFrom(ctx.Context())
	switch {
	case !c.signedIn():
		msg := "sign in or send an API token (Authorization: Bearer tdm_...)"
		if c.badAuth {
			msg = "the API token is not valid"
		}
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, msg)
	case access.allows(c.user.Role):
		next(ctx)
	case c.user.Role == tandem.RolePartnerUser:
		_ = huma.WriteErr(s.api, ctx, http.StatusNotFound, "no such route")
	default:
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "your role ("+c.user.Role.Label()+") may not do this")
	}
}

// clientIP is the address the request came from, for the sign-in limiter. Tandem does not trust
// X-Forwarded-For: behind a proxy, every user shares the proxy's address and the limit is per email.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func setSessionCookie(w http.ResponseWriter, token string, secure bool, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

func clearSessionCookie(w http.ResponseWriter, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// errBadCredentials is the one answer to a wrong email or password, so neither is revealed.
var errBadCredentials = tandem.Errorf(tandem.EUNAUTH, "wrong email or password")

// signIn checks an email and password and opens a session. It returns the session token (for the
// cookie), the session and the user; EUNAUTH for wrong credentials or too many failures.
func (s *Server) signIn(ctx context.Context, email, password, ip string) (string, *sqlstore.Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	key := email + "|" + ip
	if ok, _ := s.limiter.Allowed(key); !ok {
		return "", nil, tandem.Errorf(tandem.EUNAUTH, "too many failed sign-ins; try again later")
	}
	u, hash, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		if tandem.ErrorCode(err) != tandem.ENOTFOUND {
			return "", nil, err
		}
		s.hasher.VerifyNobody(ctx, password)
		s.limiter.Fail(key)
		return "", nil, errBadCredentials
	}
	ok, err := s.hasher.Verify(ctx, password, hash)
	if err != nil && !errors.Is(err, auth.ErrMalformedHash) {
		return "", nil, err
	}
	if !ok || u.Disabled {
		s.limiter.Fail(key)
		return "", nil, errBadCredentials
	}
	s.limiter.Succeed(key)
	token := auth.NewSessionToken()
	now := s.now()
	sess := &sqlstore.Session{TokenHash: auth.HashToken(token), UserID: u.ID, CSRFToken: auth.NewCSRFToken(),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, *sess); err != nil {
		return "", nil, err
	}
	return token, sess, nil
}
