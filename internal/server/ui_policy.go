package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/policy"
)

// guideBody renders p's programme guide and keeps what is inside <body>, to show it inside the layout.
// The guide comes from the policy package's own html/template, so its output is already escaped.
func guideBody(p *policy.Policy) (template.HTML, error) {
	var buf bytes.Buffer
	if err := p.RenderHTML(&buf); err != nil {
		return "", fmt.Errorf("render the program guide: %w", err)
	}
	html := buf.String()
	if i := strings.Index(html, "<body"); i >= 0 {
		if j := strings.IndexByte(html[i:], '>'); j >= 0 {
			html = html[i+j+1:]
		}
	}
	if i := strings.LastIndex(html, "</body>"); i >= 0 {
		html = html[:i]
	}
	return template.HTML(html), nil // #nosec: produced by html/template in package policy
}

func (s *Server) guidePage(w http.ResponseWriter, r *http.Request) error {
	p, _, err := s.activePolicy(r.Context())
	if err != nil {
		return err
	}
	g, err := guideBody(p)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "guide", view{Title: "Program guide", Nav: "guide", Data: g})
	return nil
}

type policyData struct {
	View     *policyView
	Guide    template.HTML
	Draft    string
	Versions []tandem.PolicyVersion
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderPolicyPage(w, r, http.StatusOK, "", "", false)
}

func (s *Server) renderPolicyPage(w http.ResponseWriter, r *http.Request, status int, draft, flash string, flashOK bool) error {
	ctx := r.Context()
	v, err := s.policyView(ctx)
	if err != nil {
		return err
	}
	p, _, err := s.activePolicy(ctx)
	if err != nil {
		return err
	}
	g, err := guideBody(p)
	if err != nil {
		return err
	}
	versions, err := s.store.ListPolicyVersions(ctx, actorFrom(ctx))
	if err != nil {
		return err
	}
	if draft == "" {
		draft = v.Version.Source
	}
	s.render(w, r, status, "policy", view{Title: "Policy", Nav: "policy", Flash: flash, FlashOK: flashOK,
		Data: policyData{View: v, Guide: g, Draft: draft, Versions: versions}})
	return nil
}

type simulationData struct {
	Result *policy.SimulationResult
	Error  string
}

// policySimulate answers the policy page's htmx request with the simulation fragment.
func (s *Server) policySimulate(w http.ResponseWriter, r *http.Request) {
	res, err := s.simulate(r.Context(), actorFrom(r.Context()), r.PostFormValue("source"))
	if err != nil {
		_, msg := s.uiError(r.Context(), err)
		// 200 so that htmx swaps the message in (htmx 2 ignores 4xx responses by default).
		s.render(w, r, http.StatusOK, "simulation", view{Data: simulationData{Error: msg}})
		return
	}
	s.render(w, r, http.StatusOK, "simulation", view{Data: simulationData{Result: res}})
}

// policyPublish saves the draft from the form as a version and publishes it.
func (s *Server) policyPublish(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := actorFrom(ctx)
	src := r.PostFormValue("source")
	v, err := s.saveDraft(ctx, actor, "", src)
	if err == nil {
		var res *publishResult
		if res, err = s.publish(ctx, actor, v.ID); err == nil {
			return s.renderPolicyPage(w, r, http.StatusOK, "",
				fmt.Sprintf("Published version %s; %d open deals routed again; %d past the protected stage kept their motion.",
					res.Version.Version, res.Rerouted, res.Held), true)
		}
	}
	status, msg := s.uiError(ctx, err)
	return s.renderPolicyPage(w, r, status, src, "Not published: "+msg, false)
}
