package server

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
)

// registerAPI registers every API operation; each resource's file has its own register function.
func (s *Server) registerAPI() {
	s.registerMeAPI()
	s.registerAccountAPI()
	s.registerPartnerAPI()
	s.registerSearchAPI()
	s.registerUserAPI()
	s.registerOpportunityAPI()
	s.registerExportAPI()
	s.registerRegistrationAPI()
	s.registerRegistrationLifecycleAPI()
	s.registerRegistrationBulkAPI()
	s.registerTouchAPI()
	s.registerPolicyAPI()
	s.registerAuditAPI()
	s.registerImportAPI()
	s.registerConflictAPI()
	s.registerCompAPI()
	s.registerWebhookAPI()
	s.registerAccountMatchAPI()
	s.registerRevokeAccessAPI()
	s.registerPredictionAPI()
	s.registerPortfolioAPI()
	s.registerForecastAPI()
}

// Shapes shared by the resources.

type IDParam struct {
	ID int64 `path:"id" minimum:"1" doc:"the record's id"`
}

type PageParams struct {
	Limit  int `query:"limit" minimum:"0" maximum:"1000" doc:"page size (default 50, at most 1000)"`
	Offset int `query:"offset" minimum:"0" doc:"how many matching records to skip"`
}

// listBody is a page of a list with the total number of matching records.
type listBody[T any] struct {
	Items  []T `json:"items" doc:"this page"`
	Total  int `json:"total" doc:"how many records match the filters, across all pages"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

type listOutput[T any] struct {
	Body listBody[T]
}

func newList[T any](items []T, total int, p PageParams) *listOutput[T] {
	if items == nil {
		items = []T{}
	}
	limit := p.Limit
	if limit == 0 {
		limit = 50
	}
	return &listOutput[T]{Body: listBody[T]{Items: items, Total: total, Limit: limit, Offset: p.Offset}}
}

type bodyOutput[T any] struct {
	Body T
}

func ok[T any](v T) *bodyOutput[T] { return &bodyOutput[T]{Body: v} }

// okList answers a list, empty as [] rather than null.
func okList[T any](list []T) *bodyOutput[[]T] {
	if list == nil {
		list = []T{}
	}
	return ok(list)
}

// listFor is an operation's handler that answers what list gives for the caller, empty as [].
func listFor[I, T any](s *Server, list func(ctx context.Context, a tandem.Actor, in *I) ([]T, error)) func(context.Context, *I) (*bodyOutput[[]T], error) {
	return func(ctx context.Context, in *I) (*bodyOutput[[]T], error) {
		items, err := list(ctx, actorFrom(ctx), in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return okList(items), nil
	}
}

// me

type meBody struct {
	User    tandem.User     `json:"user"`
	Partner *tandem.Partner `json:"partner,omitempty" doc:"the partner of a partner user"`
}

func (s *Server) registerMeAPI() {
	register(s.api, opGet("get-me", "/me", "Who am I", "The signed-in user, and its partner for a partner user."),
		func(ctx context.Context, _ *struct{}) (*bodyOutput[meBody], error) {
			c := callerFrom(ctx)
			out := meBody{User: *c.user}
			if c.user.PartnerID != 0 {
				p, err := s.store.GetPartner(ctx, c.actor(), c.user.PartnerID)
				if err != nil {
					return nil, s.problem(ctx, err)
				}
				out.Partner = p
			}
			return ok(out), nil
		})
}

func op(method, id, path, summary, desc string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Description: desc, Tags: tags}
}

func opGet(id, path, summary, desc string) huma.Operation {
	return op(http.MethodGet, id, path, summary, desc)
}
