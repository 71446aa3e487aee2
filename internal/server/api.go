package server

import (
	"context"
	"net/http"
	"time"

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

// dayOr is the day a YYYY-MM-DD parameter gives, or def when it is empty. A bad day is an error on the
// field name that shows like as an example of a good one.
func dayOr(name, v, like string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return def, tandem.FieldError(name, "%q is not a date like %s", v, like)
	}
	return t, nil
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

// paged is a list input: its own filters with the page parameters embedded.
type paged interface{ page() PageParams }

func (p PageParams) page() PageParams { return p }

// pageFor is a paged list operation's handler: the page list gives for the caller and the filter the
// input names, with the total of every match.
func pageFor[I paged, F, T any](s *Server, list func(context.Context, tandem.Actor, F) ([]T, int, error),
	filter func(*I) F) func(context.Context, *I) (*listOutput[T], error) {
	return func(ctx context.Context, in *I) (*listOutput[T], error) {
		items, total, err := list(ctx, actorFrom(ctx), filter(in))
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return newList(items, total, (*in).page()), nil
	}
}

// answerFor is an operation's handler that answers the record do gives for the caller.
func answerFor[I, T any](s *Server, do func(ctx context.Context, a tandem.Actor, in *I) (*T, error)) func(context.Context, *I) (*bodyOutput[T], error) {
	return func(ctx context.Context, in *I) (*bodyOutput[T], error) {
		v, err := do(ctx, actorFrom(ctx), in)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		return ok(*v), nil
	}
}

// valueFor is answerFor for a do that gives a value rather than a pointer; a list is answered as do
// gives it.
func valueFor[I, T any](s *Server, do func(ctx context.Context, a tandem.Actor, in *I) (T, error)) func(context.Context, *I) (*bodyOutput[T], error) {
	return answerFor(s, func(ctx context.Context, a tandem.Actor, in *I) (*T, error) {
		v, err := do(ctx, a, in)
		return &v, err
	})
}

// byID is the handler of an operation on one record: what do gives for the caller and the path's id.
func byID[T any](s *Server, do func(context.Context, tandem.Actor, int64) (*T, error)) func(context.Context, *IDParam) (*bodyOutput[T], error) {
	return answerFor(s, func(ctx context.Context, a tandem.Actor, in *IDParam) (*T, error) { return do(ctx, a, in.ID) })
}

// validPtr is a pointer to a record that validates itself.
type validPtr[T any] interface {
	*T
	Validate() error
}

// storeValid answers v once it is valid and save stored it for the caller.
func storeValid[T any, P validPtr[T]](s *Server, ctx context.Context, v P, save func(context.Context, tandem.Actor, P) error) (*bodyOutput[T], error) {
	if err := v.Validate(); err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := save(ctx, actorFrom(ctx), v); err != nil {
		return nil, s.problem(ctx, err)
	}
	return ok(*v), nil
}

// patchInput is a PATCH operation's input: the record's id and the fields to change.
type patchInput[B any] struct {
	IDParam
	Body B
}

// patcher is a pointer to a PATCH body, which sets the fields it gives on a record.
type patcher[B, P any] interface {
	*B
	apply(P)
}

// patchFor is a PATCH operation's handler: the record get gives for the caller, with the body's fields
// set, answered once it is valid and update stored it. Fields the body leaves out keep their value.
func patchFor[B any, PB patcher[B, P], T any, P validPtr[T]](s *Server, get func(context.Context, tandem.Actor, int64) (P, error),
	update func(context.Context, tandem.Actor, P) error) func(context.Context, *patchInput[B]) (*bodyOutput[T], error) {
	return func(ctx context.Context, in *patchInput[B]) (*bodyOutput[T], error) {
		v, err := get(ctx, actorFrom(ctx), in.ID)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		PB(&in.Body).apply(v)
		return storeValid(s, ctx, v, update)
	}
}

// createFor is a POST operation's handler: a record starting as base, with the body's fields set,
// answered once it is valid and create stored it.
func createFor[B any, PB patcher[B, P], T any, P validPtr[T]](s *Server, base T,
	create func(context.Context, tandem.Actor, P) error) func(context.Context, *struct{ Body B }) (*bodyOutput[T], error) {
	return func(ctx context.Context, in *struct{ Body B }) (*bodyOutput[T], error) {
		v := base
		PB(&in.Body).apply(&v)
		return storeValid(s, ctx, P(&v), create)
	}
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

// created is o answering 201 Created.
func created(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusCreated
	return o
}
