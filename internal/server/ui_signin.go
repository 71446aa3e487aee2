package server

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/auth"
)

type signinData struct {
	Next, Email string
}

// safeNext keeps a post-sign-in redirect on this site: an absolute path as a browser reads it, never
// "//host" or a URL. Browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
// "/\t/evil.example" and "/\\evil.example" both mean "//evil.example"; rather than normalise such a
// value and hope to agree with every browser, any control character, backslash or invisible space
// sends the user home.
func safeNext(next string) string {
	const home = "/"
	for _, r := range next {
		if r == '\\' || (r != ' ' && !unicode.IsPrint(r)) { // IsPrint: no controls, no spaces but U+0020
			return home
		}
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return home
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	if callerFrom(r.Context()).signedIn() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "signin", view{Title: "Sign in", Data: signinData{Next: safeNext(r.URL.Query().Get("next"))}})
}

func (s *Server) signinSubmit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	token, sess, err := s.signIn(r.Context(), email, password, clientIP(r))
	if err != nil {
		status, msg := s.uiError(r.Context(), err)
		s.render(w, r, status, "signin", view{Title: "Sign in", Flash: msg, Data: signinData{Next: next, Email: email}})
		return
	}
	setSessionCookie(w, token, s.cfg.SecureCookies, int(sess.ExpiresAt.Sub(s.now())/time.Second))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if err := s.store.DeleteSession(r.Context(), auth.HashToken(ck.Value)); err != nil && tandem.ErrorCode(err) != tandem.ENOTFOUND {
			return err
		}
	}
	clearSessionCookie(w, s.cfg.SecureCookies)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
	return nil
}
