package server

import (
	"net"
	"net/http"
	"net/netip"
)

// contentSecurityPolicy allows scripts only from this site (the vendored htmx and ECharts and app.js;
// no template has an inline script or handler). Styles allow 'unsafe-inline' because templates set
// widths with style attributes and ECharts styles the elements it draws; that permits no script.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// hsts tells browsers to use HTTPS for a year. It is sent only on a response to a request that came
// over HTTPS: a browser ignores it over plain HTTP anyway, and sending it from a server reached over
// HTTP (the default, on loopback) would be a promise nothing keeps.
const hsts = "max-age=31536000; includeSubDomains"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY") // frame-ancestors for browsers that predate it
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.viaHTTPS(r) {
			h.Set("Strict-Transport-Security", hsts)
		}
		next.ServeHTTP(w, r)
	})
}

// viaHTTPS reports whether the client reached Tandem over HTTPS: the connection is TLS, or it comes
// from a trusted reverse proxy that says X-Forwarded-Proto: https. Anyone else's header is ignored.
func (s *Server) viaHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if r.Header.Get("X-Forwarded-Proto") != "https" || len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	return s.fromTrustedProxy(r)
}

// fromTrustedProxy reports whether the request's peer address is one of the trusted proxies.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
